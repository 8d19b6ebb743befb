import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { DsmRedis, InvalidSettingsError } from "../components";
import { MOCKS } from "./helpers/mocks";
import { resolve } from "./helpers/program";

describe("DsmRedis arguments", () => {
    before(async () => {
        pulumi.runtime.setAllConfig({});
        await pulumi.runtime.setMocks(MOCKS, "dsm-redis", "dev", false);
    });

    it("throws before creating children when a plain argument is invalid, naming the argument", () => {
        assert.throws(
            () =>
                new DsmRedis("bad", {
                    resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "500m", memory: "1Gi" } },
                }),
            (error: unknown) =>
                error instanceof InvalidSettingsError &&
                /resources\.requests\.cpu: the request "1" is above the limit "500m"/.test(error.message),
        );
    });

    it("validates an argument given as an Output once it resolves", async () => {
        const bus = new DsmRedis("late", { image: pulumi.output("redis:latest") });
        await assert.rejects(
            resolve(bus.deployment.spec.template.spec.containers.apply((c) => c[0].image)),
            /image: "redis:latest" is not pinned/,
        );
    });

    it("accepts valid Outputs", async () => {
        const bus = new DsmRedis("ok", { namespace: pulumi.output("dsm"), port: pulumi.output(6379) });
        assert.strictEqual(await resolve(bus.host), "redis.dsm.svc.cluster.local");
    });
});
