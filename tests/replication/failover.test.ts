/**
 * The replicated bus under faults, on loopback: three real redis-servers, a real redis-sentinel beside each, and
 * HAProxy in front, started by the scripts the pods run (testbed/replicated-bus.ts), under the scenarios of
 * scenarios.ts.
 */
import { strict as assert } from "assert";
import Redis from "ioredis";
import { MASTER_NAME } from "../../components/render/replication";
import { ReplicatedBus, until } from "../../testbed/replicated-bus";
import { SERVICE, faultScenarios } from "./scenarios";

describe("a replicated bus under faults (real redis-server, redis-sentinel and HAProxy on loopback)", function () {
    this.timeout(120_000);

    faultScenarios(
        () => ReplicatedBus.start({ users: [{ name: SERVICE, roles: ["publish", "consume"] }] }),
        // Sentinel's down-after is 1 s here.
        { lostMasterMilliseconds: 10_000, plannedMilliseconds: 2_000 },
    );

    it("a Sentinel-aware client (ioredis sentinels) follows a failover; a Sentinel refuses it all but where the master is", async () => {
        const bus = await ReplicatedBus.start({ users: [{ name: SERVICE, roles: ["publish", "consume"] }] });
        const sentinels = bus.topology.nodes.map((host) => ({ host, port: bus.topology.sentinelPort }));
        // As a service would configure it from its Secret: REDIS_SENTINELS, REDIS_SENTINEL_MASTER, its own user.
        const client = new Redis({
            sentinels,
            name: MASTER_NAME,
            username: SERVICE,
            password: bus.passwords[SERVICE],
            maxRetriesPerRequest: 1,
            reconnectOnError: (error) => error.message.startsWith("READONLY"),
        });
        client.on("error", () => undefined);
        const anonymous = new Redis({
            ...sentinels[0],
            lazyConnect: true,
            maxRetriesPerRequest: 0,
            enableReadyCheck: false,
        });
        try {
            await client.xadd("dsm:events", "*", "type", "before-the-failover");
            const old = await bus.untilSettled();
            await bus.node(old).kill();
            const next = await bus.untilNewMaster(old);
            await until("a write through the Sentinels' new master", async () => {
                await client.xadd("dsm:events", "*", "type", "after-the-failover");
                return true;
            });
            assert.equal((await bus.onNode(next, SERVICE, (c) => c.xlen("dsm:events"))) >= 2, true);
            await anonymous.connect();
            assert.deepEqual(await anonymous.call("SENTINEL", "get-master-addr-by-name", MASTER_NAME), [
                bus.topology.nodes[next],
                String(bus.topology.redisPort),
            ]);
            for (const command of [
                ["FAILOVER", MASTER_NAME],
                ["SET", MASTER_NAME, "quorum", "1"],
                ["REMOVE", MASTER_NAME],
            ]) {
                await assert.rejects(anonymous.call("SENTINEL", ...command), /NOPERM/, command[0]);
            }
            await bus.node(old).start();
        } finally {
            client.disconnect();
            anonymous.disconnect();
            await bus.destroy();
        }
    });

    /** A fresh bus whose master node 0 handed over, with every Sentinel then stopped; `run` gets the master. */
    async function withoutSentinels(run: (bus: ReplicatedBus, master: number) => Promise<void>): Promise<void> {
        const bus = await ReplicatedBus.start({ users: [] });
        try {
            assert.match(await bus.switchover(0), /master moved to/);
            const master = await bus.untilSettled();
            for (let i = 0; i < bus.topology.nodes.length; i++) await bus.sentinel(i).kill();
            await run(bus, master);
        } finally {
            await bus.destroy();
        }
    }

    it("node 0's return never fails: with no Sentinel to ask it gives up, the master stays, and node 0's priority is the others' again", async function () {
        this.timeout(60_000);
        await withoutSentinels(async (bus, master) => {
            assert.match(await bus.postStart(master), /only node 0 takes the master back/);
            const said = await bus.postStart(0);
            assert.match(said, /no Sentinel has seen node 0's priority/);
            assert.match(said, /node 0 did not take the master back: it stays where it is/);
            assert.equal(await bus.role(master), "master");
            assert.equal(await bus.role(0), "slave");
            assert.equal((await bus.replicationOf(0)).slave_priority, "100");
        });
    });

    it("with every Sentinel down, a node started again follows the master its peers follow, and Sentinels started afresh monitor that master", async function () {
        this.timeout(90_000);
        await withoutSentinels(async (bus, master) => {
            // Node 0 (whose return gives up without Sentinels) comes back: not as a second master.
            await bus.node(0).kill();
            await bus.node(0).start();
            assert.equal(await bus.role(0), "slave");
            assert.equal((await bus.replicationOf(0)).master_host, bus.topology.nodes[master]);
            // Every Sentinel afresh (a fresh sentinel.conf each): the master they find is the nodes' master, not node 0.
            for (let i = 0; i < bus.topology.nodes.length; i++) await bus.sentinel(i).start();
            assert.equal(await bus.untilSettled(), master);
        });
    });

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
