/**
 * The cluster tier's Job runner, its pure parts: how a mount path and a Service's address are rewritten to what
 * stands in for them on this machine. The runs themselves are the cluster tier's (tests/cluster/rollout.test.ts).
 */
import * as assert from "assert";
import { isJobPod, localizePaths, serviceHostNames } from "../../testbed/cluster/job-runner";

describe("the cluster tier's Job runner", () => {
    const mounts = new Map([
        ["/retention", "/tmp/pod/volumes/scripts"],
        ["/retention/extra", "/tmp/pod/volumes/extra"],
    ]);

    it("rewrites each mention of a mount path, and only whole path segments", () => {
        assert.strictEqual(
            localizePaths("redis-cli --eval /retention/trim.lua k , 1", mounts),
            "redis-cli --eval /tmp/pod/volumes/scripts/trim.lua k , 1",
        );
        assert.strictEqual(localizePaths("sh /retention/run.sh", mounts), "sh /tmp/pod/volumes/scripts/run.sh");
        assert.strictEqual(localizePaths('cd "/retention"', mounts), 'cd "/tmp/pod/volumes/scripts"');
        assert.strictEqual(
            localizePaths("/retention-old/run.sh /data/retention", mounts),
            "/retention-old/run.sh /data/retention",
        );
    });

    it("rewrites a mount inside another as itself", () => {
        assert.strictEqual(localizePaths("/retention/extra/a.lua", mounts), "/tmp/pod/volumes/extra/a.lua");
    });

    it("knows a Service by each name cluster DNS gives it", () => {
        assert.deepStrictEqual(serviceHostNames("redis", "dsm"), [
            "redis",
            "redis.dsm",
            "redis.dsm.svc",
            "redis.dsm.svc.cluster.local",
        ]);
    });

    it("takes a pod as a Job's by its owner", () => {
        assert.strictEqual(
            isJobPod({ metadata: { ownerReferences: [{ kind: "Job", name: "j", uid: "u", apiVersion: "batch/v1" }] } }),
            true,
        );
        assert.strictEqual(
            isJobPod({
                metadata: { ownerReferences: [{ kind: "ReplicaSet", name: "r", uid: "u", apiVersion: "apps/v1" }] },
            }),
            false,
        );
        assert.strictEqual(isJobPod({}), false);
    });
});
