/**
 * The fault scenarios of a replicated bus, wherever it runs (on loopback: failover.test.ts; as pods of the local
 * cluster: tests/cluster-failover). Producers and consumers go through the proxy, as DSM's services go through Service
 * `redis`; a history is recorded and judged (testbed/bus-history.ts): no confirmed event lost, none twice, every
 * confirmed event delivered to every group, no pending entry forgotten (consumers leave every tenth event pending),
 * the old master back as a replica with the same history, and writes back within the bounds given.
 */
import { strict as assert } from "assert";
import type Redis from "ioredis";
import { ADMIN_USER } from "../../components/render/acl";
import { minReplicasToWrite } from "../../components/render/replication";
import { BusHistory, HistoryVerdict, checkHistory, readFinalState } from "../../testbed/bus-history";
import { BusUnderTest, until } from "../../testbed/replicated-bus";

const STREAM = "dsm:events";
const GROUPS = ["sprint-service-group", "project-service-group", "backlog-service-group"];
/** The service user the producers and consumers log in as: it may publish and consume. */
export const SERVICE = "sprint-service";

/** A workload's client: through the proxy, failing fast while disconnected, reconnecting at once. */
function serviceClient(bus: BusUnderTest): Redis {
    return bus.client(bus.proxy, SERVICE, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => 20,
        connectTimeout: 1000,
        // A demoted master answers READONLY: reconnect, and the proxy sends the new connection to the new master.
        reconnectOnError: (error) => error.message.startsWith("READONLY"),
    });
}

export async function withBus<Bus extends BusUnderTest>(
    startBus: () => Promise<Bus>,
    run: (bus: Bus, history: BusHistory) => Promise<void>,
): Promise<HistoryVerdict> {
    const bus = await startBus();
    let history: BusHistory | undefined;
    try {
        await bus.throughProxy(ADMIN_USER, async (c) => {
            for (const group of GROUPS) await c.xgroup("CREATE", STREAM, group, "$", "MKSTREAM");
        });
        const recorded = new BusHistory({
            stream: STREAM,
            groups: GROUPS,
            majorityReplicas: minReplicasToWrite(bus.topology.nodes.length),
            connect: () => serviceClient(bus),
        });
        history = recorded;
        recorded.start();
        await untilConfirmed(recorded, "the first confirmed events");
        await run(bus, recorded);
        await untilConfirmed(recorded, "confirmed events after the faults");
        await recorded.stop();
        const master = await bus.untilSettled();
        return await bus.onNode(master, ADMIN_USER, async (client) => {
            const before = await readFinalState(client, STREAM, GROUPS);
            await recorded.drain(client);
            const after = await readFinalState(client, STREAM, GROUPS);
            for (const group of GROUPS) {
                assert.deepEqual(after.groups[group].pending, [], `${group} has pending entries after the drain`);
            }
            const verdict = checkHistory(recorded, before, after);
            await sameHistoryEverywhere(bus, master);
            return verdict;
        });
    } finally {
        await history?.stop();
        await bus.destroy();
    }
}

/** Waits until ten of the last twenty publications are confirmed; else fails showing why the last ones were not. */
async function untilConfirmed(history: BusHistory, what: string): Promise<void> {
    const lastConfirmed = () => history.publications.slice(-20).filter((p) => p.outcome === "confirmed").length;
    try {
        await until(what, async () => lastConfirmed() >= 10);
    } catch (error) {
        const tail = history.publications.slice(-6).map((p) => `${p.event} ${p.outcome} ${p.reason ?? ""}`);
        throw new Error(`${(error as Error).message}; the last publications:\n${tail.join("\n")}`);
    }
}

/** Every node holds the master's entries exactly: no divergent history survived on any of them. */
async function sameHistoryEverywhere(bus: BusUnderTest, master: number): Promise<void> {
    await bus.untilSettled();
    const read = (index: number) => bus.onNode(index, ADMIN_USER, (c) => c.xrange(STREAM, "-", "+"));
    const expected = await read(master);
    for (let i = 0; i < bus.topology.nodes.length; i++) {
        if (i === master) continue;
        assert.equal(await bus.role(i), "slave", `node ${i} is not a replica`);
        assert.deepEqual(await read(i), expected, `node ${i}'s stream differs from the master's`);
    }
}

export function assertPromisesKept(verdict: HistoryVerdict, scenario: string): void {
    // The measurements, for the reader of the test output (the bench prints them with their goals).
    console.log(
        `      ${scenario}: ${verdict.confirmed} confirmed, ${verdict.written} answered, ${verdict.unconfirmedLost} unconfirmed lost, longest write gap ${verdict.longestWriteGapMilliseconds} ms`,
    );
    assert.ok(verdict.confirmed > 0, "nothing was confirmed: the history proves nothing");
    assert.ok(verdict.withheld > 0, "no entry was left pending: the check on pending entries proves nothing");
    assert.deepEqual(verdict.confirmedLost, [], "confirmed events lost");
    assert.deepEqual(verdict.duplicated, [], "events in the stream twice");
    for (const group of GROUPS) {
        assert.deepEqual(verdict.undelivered[group], [], `confirmed events never delivered to ${group}`);
        assert.deepEqual(verdict.pendingForgotten[group], [], `pending entries of ${group} forgotten`);
    }
}

/** The bound on the write outage, as the scenarios are given it. */
export function assertWritesResumedWithin(verdict: HistoryVerdict, milliseconds: number): void {
    assert.ok(
        verdict.longestWriteGapMilliseconds <= milliseconds,
        `writes stopped for ${verdict.longestWriteGapMilliseconds} ms, more than ${milliseconds} ms`,
    );
}

/** The longest write outage each kind of fault may cause. */
export interface OutageBounds {
    /** A master lost (killed, or cut off): Sentinel's down-after, the vote, the proxy's next check. */
    readonly lostMasterMilliseconds: number;
    /** A planned move of the master (the switchover script). */
    readonly plannedMilliseconds: number;
}

/**
 * The four scenarios, as mocha tests of the enclosing describe: the master killed, the master cut off, a replica lost,
 * a rolling restart. `startBus` gives a bus with groups free to create: a fresh one, or one reset for the next run.
 */
export function faultScenarios(startBus: () => Promise<BusUnderTest>, bounds: OutageBounds): void {
    it("the master is killed (SIGKILL): a replica takes over, no confirmed event is lost, the old master rejoins as a replica", async () => {
        const verdict = await withBus(startBus, async (bus) => {
            const old = await bus.untilSettled();
            await bus.node(old).kill();
            const next = await bus.untilNewMaster(old);
            await bus.node(old).start();
            if (old === 0) {
                // Node 0 came back as a replica in sync, and its postStart hook took the master back.
                assert.match(bus.node(0).postStartOutput ?? "", /master moved to/);
                assert.equal(await bus.untilSettled(), 0, "node 0 did not take the master back");
            } else {
                await until("the old master to be a replica", async () => (await bus.role(old)) === "slave");
                assert.equal(await bus.untilSettled(), next);
            }
        });
        assertPromisesKept(verdict, "master killed");
        assertWritesResumedWithin(verdict, bounds.lostMasterMilliseconds);
    });

    it("the master is cut off (SIGSTOP): it takes no write when it comes back, and does not overwrite the new master", async () => {
        let refusedOnTheOld = "";
        const verdict = await withBus(startBus, async (bus) => {
            const old = await bus.untilSettled();
            bus.node(old).signal("SIGSTOP");
            await bus.untilNewMaster(old);
            bus.node(old).signal("SIGCONT");
            // A producer that still reaches the old master directly (a stale connection) is refused, not lost.
            const direct = bus.client({ host: bus.topology.nodes[old], port: bus.topology.redisPort }, SERVICE, {
                maxRetriesPerRequest: 0,
            });
            direct.on("error", () => undefined);
            try {
                await direct.xadd(STREAM, "*", "event", "stale-master-write");
                const acked = Number(await direct.call("WAIT", "1", "500"));
                assert.equal(acked, 0, "a write on the old master was confirmed by a replica");
            } catch (error) {
                refusedOnTheOld = (error as Error).message;
            } finally {
                direct.disconnect();
            }
            await until("the old master to be a replica", async () => (await bus.role(old)) === "slave");
        });
        assertPromisesKept(verdict, "master paused");
        assertWritesResumedWithin(verdict, bounds.lostMasterMilliseconds);
        assert.match(refusedOnTheOld, /^(NOREPLICAS|READONLY)/, "the old master accepted a write after its pause");
    });

    it("a replica is lost and comes back: writes go on, and it catches up", async () => {
        const verdict = await withBus(startBus, async (bus) => {
            const master = await bus.untilSettled();
            // Not node 0, whose return would move the master: this is a replica's loss only.
            const replica = [...bus.topology.nodes.keys()].find((i) => i !== master && i !== 0) as number;
            await bus.node(replica).kill();
            const before = (await bus.throughProxy(SERVICE, (c) => c.xlen(STREAM))) as number;
            await until(
                "writes without the replica",
                async () => (await bus.throughProxy(SERVICE, (c) => c.xlen(STREAM))) > before + 20,
            );
            await bus.node(replica).start();
        });
        assertPromisesKept(verdict, "replica lost");
        assert.ok(
            verdict.longestWriteGapMilliseconds < 1000,
            `writes stopped for ${verdict.longestWriteGapMilliseconds} ms without one replica`,
        );
    });

    it("a rolling restart as a StatefulSet rolls, the highest ordinal first: every replica before the master, which moves once to a restarted pod and back to node 0; no confirmed event lost", async () => {
        const verdict = await withBus(startBus, async (bus) => {
            const nodes = bus.topology.nodes.length;
            // A pod replaced: its preStop hook, its processes gone, then started again with its postStart hook.
            const replacePod = async (index: number) => {
                const said = await bus.switchover(index);
                await bus.node(index).kill();
                await bus.node(index).start();
                return said;
            };
            // Wherever the master is, node 0's pod replaced gives it to node 0.
            await replacePod(0);
            assert.equal(await bus.untilSettled(), 0, "node 0 did not take the master back");
            const before = await bus.configEpoch();
            for (let index = nodes - 1; index > 0; index--) {
                assert.match(await replacePod(index), /not the master/);
                assert.equal(await bus.untilSettled(), 0, `the master moved while pod ${index} was replaced`);
            }
            const handover = await bus.switchover(0);
            assert.match(handover, /master moved to/);
            // Node 0's priority is the others' again (its return lowered it): an unplanned failover goes by offsets.
            assert.equal((await bus.replicationOf(0)).slave_priority, "100");
            await bus.node(0).kill();
            await bus.node(0).start();
            assert.match(bus.node(0).postStartOutput ?? "", /master moved to/);
            assert.equal(await bus.untilSettled(), 0, "node 0 did not take the master back");
            assert.equal(await bus.configEpoch(), before + 2, "the master moved other than once away and once back");
        });
        assertPromisesKept(verdict, "rolling restart");
        assertWritesResumedWithin(verdict, bounds.plannedMilliseconds);
    });
}
