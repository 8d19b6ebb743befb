/**
 * (h) The replicated bus (testbed/replicated-bus.ts: three redis-servers, a redis-sentinel beside each, HAProxy in
 * front, on loopback, started by the scripts the pods run): how long writes stop when the master is killed and when
 * it is moved by the switchover script, and what a durable publish (XADD, then WAIT for a majority) costs.
 */
import type Redis from "ioredis";
import { ADMIN_USER } from "../components/render/acl";
import { minReplicasToWrite } from "../components/render/replication";
import { ReplicatedBus, until } from "../testbed/replicated-bus";
import { table } from "../ops/lib/table";

const STREAM = "dsm:events";

/** A client as a service makes one through Service `redis`: fails fast while down, reconnects at once. */
function serviceClient(bus: ReplicatedBus): Redis {
    const client = bus.client(bus.proxy, ADMIN_USER, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => 10,
        connectTimeout: 1000,
        reconnectOnError: (error) => error.message.startsWith("READONLY"),
    });
    client.on("error", () => undefined);
    return client;
}

/**
 * Writes every millisecond through the proxy. `lastAccepted` is when the latest write was accepted; `stop` returns
 * the longest time between two accepted writes.
 */
function writer(bus: ReplicatedBus): { stop: () => Promise<number>; lastAccepted: () => number } {
    const client = serviceClient(bus);
    let running = true;
    let last = Date.now();
    let longest = 0;
    const loop = (async () => {
        while (running) {
            try {
                await client.xadd(STREAM, "*", "event", "bench");
                const now = Date.now();
                longest = Math.max(longest, now - last);
                last = now;
            } catch {
                // refused or disconnected: the gap grows
            }
            await new Promise((resolve) => setTimeout(resolve, 1));
        }
    })();
    return {
        lastAccepted: () => last,
        stop: async () => {
            running = false;
            await loop;
            client.disconnect();
            return longest;
        },
    };
}

/**
 * Kill to first accepted write: SIGKILL of the master, writes every millisecond through the proxy. Nothing accepts
 * a write between the kill and the new master, so the first accepted write after the kill ends the gap.
 */
async function killGap(bus: ReplicatedBus): Promise<number> {
    const master = await bus.untilSettled();
    const load = writer(bus);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    bus.node(master).signal("SIGKILL");
    await until("the first write after the kill", async () => load.lastAccepted() > killedAt);
    const gap = await load.stop();
    await bus.node(master).start();
    await bus.untilSettled();
    // A Sentinel starts no second failover of one master within twice its failover-timeout of the last (README,
    // "High availability"): the next kill waits it out, as a real second loss would.
    await new Promise((resolve) => setTimeout(resolve, 2 * bus.topology.failoverTimeoutMilliseconds));
    return gap;
}

/** The longest time without an accepted write across `action`, from a settled bus, with writes flowing around it. */
async function gapAcross(bus: ReplicatedBus, action: () => Promise<void>): Promise<number> {
    await bus.untilSettled();
    const load = writer(bus);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await action();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const gap = await load.stop();
    await bus.untilSettled();
    return gap;
}

/** The planned move: the switchover script on the master, as its preStop hook runs it. */
async function switchoverGap(bus: ReplicatedBus): Promise<number> {
    const master = await bus.untilSettled();
    return gapAcross(bus, async () => {
        await bus.switchover(master);
    });
}

/** Node 0 back: its pod's processes restarted, and its postStart hook taking the master back from another node. */
async function returnGap(bus: ReplicatedBus): Promise<number> {
    if ((await bus.untilSettled()) === 0) await bus.switchover(0);
    return gapAcross(bus, async () => {
        await bus.node(0).kill();
        await bus.node(0).start();
        const said = bus.node(0).postStartOutput ?? "";
        if (!/master moved to/.test(said)) throw new Error(`node 0 did not take the master back: ${said}`);
    });
}

/** Events/s through the proxy, one producer: XADD alone, XADD then WAIT each, or WAIT once per batch of 50. */
async function publishRate(bus: ReplicatedBus, events: number, waitEvery: number | undefined): Promise<number> {
    const client = serviceClient(bus);
    await until("the client", async () => client.status === "ready");
    const majority = String(minReplicasToWrite(bus.topology.nodes.length));
    const start = process.hrtime.bigint();
    for (let n = 1; n <= events; n++) {
        if (waitEvery === undefined || waitEvery === 1) {
            await client.xadd(STREAM, "*", "event", String(n));
            if (waitEvery === 1) await client.call("WAIT", majority, "1000");
        } else if (n % waitEvery === 0) {
            const batch = client.pipeline();
            for (let i = 0; i < waitEvery; i++) batch.xadd(STREAM, "*", "event", String(n - i));
            batch.call("WAIT", majority, "1000");
            await batch.exec();
        }
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    client.disconnect();
    return events / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function failoverBench(repeats: number, events: number): Promise<string> {
    const bus = await ReplicatedBus.start({ users: [] });
    try {
        const kills: number[] = [];
        const moves: number[] = [];
        for (let i = 0; i < repeats; i++) kills.push(await killGap(bus));
        for (let i = 0; i < repeats; i++) moves.push(await switchoverGap(bus));
        const returns: number[] = [];
        for (let i = 0; i < repeats; i++) returns.push(await returnGap(bus));
        const plain = await publishRate(bus, events, undefined);
        const each = await publishRate(bus, events, 1);
        const batched = await publishRate(bus, events, 50);
        const ms = (values: number[]) => `${median(values)} ms (max ${Math.max(...values)})`;
        return [
            `writes every ms through HAProxy; Sentinel down-after ${bus.topology.downAfterMilliseconds} ms here; ${repeats} runs each, median (max)`,
            table(
                ["fault", "longest time without an accepted write", "goal"],
                [
                    ["master killed (SIGKILL)", ms(kills), "10 s"],
                    ["master moved (switchover script)", ms(moves), "2 s"],
                    ["node 0 restarted takes the master back (postStart)", ms(returns), "2 s"],
                ],
            ),
            `\none producer through HAProxy, ${events} events each, sequential (WAIT for ${minReplicasToWrite(bus.topology.nodes.length)} of ${bus.topology.nodes.length - 1} replicas)`,
            table(
                ["publish", "events/s", "vs XADD alone"],
                [
                    ["XADD alone", plain.toFixed(0), "1.00"],
                    ["XADD, then WAIT each", each.toFixed(0), (each / plain).toFixed(2)],
                    ["50 XADDs pipelined, then one WAIT", batched.toFixed(0), (batched / plain).toFixed(2)],
                ],
            ),
        ].join("\n");
    } finally {
        await bus.destroy();
    }
}
