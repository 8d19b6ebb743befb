/**
 * A component for every Pulumi language: examples/yaml, a Pulumi YAML program, uses the bus through the
 * multi-language package in multi-language/ (`dsm-redis:index:Bus`, its schema inferred from the TypeScript types),
 * run by the YAML language host built from its Go module: `pulumi up`, a no-op `pulumi up`, `pulumi destroy`.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { copyProject } from "../../testbed/project-copy";
import { pulumiIn, succeeded } from "../engine/cli-run";
import { groupsSeenBy } from "../engine/groups-as-user";
import { CONSUMER_NAMESPACE, engineWorld } from "../engine/hooks";

describe("the YAML example, through the multi-language component", function () {
    let dir: string;
    let example: string;

    const pulumi = (...args: string[]) => pulumiIn(example, "dev", ...args);
    const ok = succeeded;

    before(function () {
        this.timeout(300_000);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-yaml-"));
        example = path.join(copyProject(dir), "examples", "yaml");
        ok(pulumi("stack", "init"));
        // The namespace whose Redis pods the local cluster backs for programs besides the project's own.
        ok(pulumi("config", "set", "namespace", CONSUMER_NAMESPACE));
    });

    after(function () {
        this.timeout(300_000);
        if (example !== undefined) {
            pulumi("destroy", "--yes");
            pulumi("stack", "rm", "--yes", "--force");
        }
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("pulumi up builds the bus from YAML: its outputs, and the groups it asked for on Redis", async function () {
        this.timeout(900_000);
        const up = ok(pulumi("up", "--yes"));
        assert.match(up.output, /\+\s+dsm-redis:index:Bus\s+bus\s+creat/);
        assert.match(up.output, /Resources:\s+\+ \d+ created/);
        const outputs = JSON.parse(ok(pulumi("stack", "output", "--json")).output) as Record<string, unknown>;
        assert.strictEqual(outputs.host, `redis.${CONSUMER_NAMESPACE}.svc.cluster.local`);
        assert.deepStrictEqual(outputs.groups, ["billing", "audit"]);
        assert.strictEqual(outputs.billingSecret, "redis-billing");
        // The groups reached Redis, and the consumer's user reads them with its own credentials.
        assert.deepStrictEqual(await groupsSeenBy(engineWorld().cluster, CONSUMER_NAMESPACE, "billing"), [
            "audit",
            "billing",
        ]);
    });

    it("a second pulumi up changes nothing", function () {
        this.timeout(600_000);
        ok(pulumi("up", "--yes", "--expect-no-changes"));
    });

    it("pulumi destroy removes it", function () {
        this.timeout(600_000);
        ok(pulumi("destroy", "--yes"));
        const state = JSON.parse(ok(pulumi("stack", "export")).output) as { deployment: { resources?: unknown[] } };
        assert.deepStrictEqual(state.deployment.resources ?? [], []);
    });
});
