/**
 * The replicated bus under faults, on loopback: three real redis-servers, a real redis-sentinel beside each, and
 * HAProxy in front, started by the scripts the pods run (testbed/replicated-bus.ts), under the scenarios of
 * scenarios.ts.
 */
import { strict as assert } from "assert";
import { ReplicatedBus } from "../../testbed/replicated-bus";
import { SERVICE, faultScenarios } from "./scenarios";

describe("a replicated bus under faults (real redis-server, redis-sentinel and HAProxy on loopback)", function () {
    this.timeout(120_000);

    faultScenarios(
        () => ReplicatedBus.start({ users: [{ name: SERVICE, roles: ["publish", "consume"] }] }),
        // Sentinel's down-after is 1 s here.
        { lostMasterMilliseconds: 10_000, plannedMilliseconds: 2_000 },
    );

    it("the switchover script does nothing on a replica", async () => {
        const bus = await ReplicatedBus.start({ users: [] });
        try {
            const master = await bus.untilSettled();
            const replica = (master + 1) % bus.topology.nodes.length;
            assert.match(await bus.switchover(replica), /not the master/);
            assert.equal(await bus.untilSettled(), master);
            assert.equal(await bus.role(master), "master");
        } finally {
            await bus.destroy();
        }
    });
});
