/**
 * `npm run bench`, section (f): retention and metrics on real redis-servers with the rendered redis.conf (200Mi limit,
 * maxmemory 92 MiB) and ACL file, the retention user and the metrics user in it:
 *  - steady-state memory while a producer publishes at full speed, three groups read and acknowledge, and the rendered
 *    retention run (run.sh through redis-cli) follows every 10000 events;
 *  - the longest time one retention step blocks the server while it drains a full bus, exactly (the EVAL's own time
 *    from INFO commandstats, step by step) and as a client feels it (the slowest PING sent meanwhile);
 *  - redis_exporter's scrape time, with the sidecar's rendered arguments, on a bus with 10 groups.
 */
import type * as k8s from "@pulumi/kubernetes";
import { randomBytes } from "crypto";
import Redis from "ioredis";
import {
    ADMIN_USER,
    DEFAULT_SERVICE_USERS,
    METRICS_USER,
    RETENTION_USER,
    renderAclFile,
    sha256Hex,
} from "../components/render/acl";
import { exporterKeyList, redisPodSpec } from "../components/render/pod-spec";
import { renderRedisConf } from "../components/render/redis-conf";
import {
    RETENTION_SCRIPT,
    RETENTION_STATUS_KEYS,
    RetentionWindow,
    retentionArgs,
    retentionKeys,
    retentionRunner,
} from "../components/render/retention-script";
import { DSM_REDIS_DEFAULTS } from "../components/args";
import {
    DEAD_LETTER_SCAN,
    DEAD_LETTER_SCRIPT,
    deadLetterArgs,
    deadLetterKeys,
} from "../components/render/dead-letter-script";
import { GroupReader, RetentionJob, publish } from "../testbed/bus-traffic";
import { RedisExporter } from "../testbed/redis-exporter";
import { RedisServer } from "../testbed/redis-server";
import { table } from "../ops/lib/table";

const STREAM = "dsm:events";
const GROUPS = ["sprint-service", "project-service", "backlog-service"];
const EVENT = ["type", "TASK_UPDATED", "sprintId", "sprint-42", "taskId", "task-1234", "status", "in_progress"];
/** The shipped count window; the age window is off here, or a benchmark's minutes-old events would all stay. */
const WINDOW: RetentionWindow = {
    batch: DSM_REDIS_DEFAULTS.retentionBatch,
    minEntries: DSM_REDIS_DEFAULTS.retentionMinEntries,
    trimUnacknowledged: false,
};
const MiB = 1024 * 1024;

const passwords = Object.fromEntries(
    [ADMIN_USER, RETENTION_USER, METRICS_USER, ...DEFAULT_SERVICE_USERS.map((u) => u.name)].map((u) => [
        u,
        randomBytes(16).toString("hex"),
    ]),
);

async function startServer(): Promise<RedisServer> {
    const hashes = Object.fromEntries(Object.entries(passwords).map(([u, p]) => [u, sha256Hex(p)]));
    const conf = renderRedisConf({ memoryLimit: "200Mi", persistence: true, appendfsync: "everysec" });
    const acl = renderAclFile(DEFAULT_SERVICE_USERS, hashes, [RETENTION_USER, METRICS_USER]);
    return RedisServer.start({ config: conf.split("\n"), aclFile: acl });
}

function client(server: RedisServer, user: string): Redis {
    return new Redis({ host: "127.0.0.1", port: server.port, username: user, password: passwords[user] });
}

function retentionJob(server: RedisServer, window: RetentionWindow): RetentionJob {
    return RetentionJob.prepare(
        { "run.sh": retentionRunner(STREAM, window, 45), "trim.lua": RETENTION_SCRIPT },
        {
            host: "127.0.0.1",
            port: server.port,
            username: RETENTION_USER,
            password: passwords[RETENTION_USER],
        },
    );
}

async function usedMemory(admin: Redis): Promise<number> {
    return Number(/^used_memory:(\d+)/m.exec(await admin.info("memory"))?.[1]);
}

/** Publishes until maxmemory refuses; returns how many entries the stream holds. */
async function fill(server: RedisServer): Promise<number> {
    const producer = client(server, "sprint-service");
    try {
        for (;;) {
            try {
                await publish(producer, STREAM, 1000, EVENT);
            } catch (error) {
                if (/^OOM/.test((error as Error).message)) return await producer.xlen(STREAM);
                throw error;
            }
        }
    } finally {
        producer.disconnect();
    }
}

function percentile(values: readonly number[], p: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** Steady-state memory: `events` published in rounds of 10000, each followed by a retention run. */
export async function steadyStateMemory(events: number): Promise<string> {
    const server = await startServer();
    const job = retentionJob(server, WINDOW);
    const admin = client(server, ADMIN_USER);
    const producer = client(server, "sprint-service");
    const readerClients = GROUPS.map((g) => client(server, g));
    const readers = GROUPS.map((g, i) => new GroupReader(readerClients[i], STREAM, g));
    try {
        for (const g of GROUPS) await admin.xgroup("CREATE", STREAM, g, "$", "MKSTREAM");
        const samples: number[] = [];
        const capacity = await (async () => {
            const probe = await startServer();
            try {
                return await fill(probe);
            } finally {
                await probe.destroy();
            }
        })();
        for (let sent = 0; sent < events; sent += 10000) {
            await publish(producer, STREAM, 10000, EVENT);
            for (const reader of readers) {
                await reader.read();
                await reader.acknowledge();
                reader.delivered.length = 0; // what was delivered is not checked here, and would only grow
            }
            samples.push(await usedMemory(admin));
            await job.run();
        }
        const steady = samples.slice(Math.floor(samples.length / 2));
        const max = 92 * MiB;
        return [
            `${events} events through a bus that holds ${capacity} when nothing trims (${(events / capacity).toFixed(1)}×), 10000 between retention runs, window: the newest 10000`,
            `used memory before each run, second half: median ${(percentile(steady, 50) / MiB).toFixed(1)} MiB, max ${(Math.max(...steady) / MiB).toFixed(1)} MiB = ${((Math.max(...steady) / max) * 100).toFixed(1)}% of maxmemory; stream length after the last run ${await admin.xlen(STREAM)}`,
        ].join("\n");
    } finally {
        for (const c of [admin, producer, ...readerClients]) c.disconnect();
        job.remove();
        await server.destroy();
    }
}

/** The EVAL time of one step, from INFO commandstats before and after (nothing else runs scripts meanwhile). */
async function evalMicros(admin: Redis): Promise<number> {
    return Number(/cmdstat_eval:calls=\d+,usec=(\d+)/.exec(await admin.info("commandstats"))?.[1] ?? 0);
}

/** Drains a full bus whose groups have read and acknowledged everything, one step at a time, per batch size. */
/**
 * A client that keeps asking (XLEN) while a measurement runs: the slowest answer is the longest wait a service saw.
 * `stop` ends it and resolves with that answer's time in ms.
 */
function askingMeanwhile(client: Redis): { stop: () => Promise<number> } {
    let asking = true;
    let slowest = 0;
    const loop = (async () => {
        while (asking) {
            const start = process.hrtime.bigint();
            await client.xlen(STREAM);
            slowest = Math.max(slowest, Number(process.hrtime.bigint() - start) / 1e6);
        }
    })();
    return {
        stop: async () => {
            asking = false;
            await loop;
            return slowest;
        },
    };
}

export async function trimBlocking(batches: readonly number[]): Promise<string> {
    const rows: string[][] = [];
    for (const batch of batches) {
        const server = await startServer();
        const admin = client(server, ADMIN_USER);
        const retention = client(server, RETENTION_USER);
        const pinger = client(server, "sprint-service");
        try {
            for (const g of GROUPS) await admin.xgroup("CREATE", STREAM, g, "$", "MKSTREAM");
            const entries = await fill(server);
            for (const g of GROUPS) await admin.xgroup("SETID", STREAM, g, "$");
            const keys = retentionKeys(STREAM);
            const args = retentionArgs({ ...WINDOW, batch });
            const pings = askingMeanwhile(pinger);
            const steps: number[] = [];
            const started = process.hrtime.bigint();
            for (;;) {
                const before = await evalMicros(admin);
                const [trimmed] = (await retention.eval(RETENTION_SCRIPT, keys.length, ...keys, ...args)) as [number];
                steps.push(((await evalMicros(admin)) - before) / 1000);
                if (trimmed < batch) break;
            }
            const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
            const slowestPing = await pings.stop();
            rows.push([
                String(batch),
                String(entries),
                String(steps.length),
                percentile(steps, 50).toFixed(2),
                Math.max(...steps).toFixed(2),
                slowestPing.toFixed(2),
                (totalMs / 1000).toFixed(1),
            ]);
        } finally {
            for (const c of [admin, retention, pinger]) c.disconnect();
            await server.destroy();
        }
    }
    return table(
        ["batch", "entries", "steps", "median step ms", "longest step ms", "slowest client reply ms", "drained in s"],
        rows,
    );
}

/** redis_exporter's scrape time on a bus with 10 groups, each with two consumers holding 500 entries pending. */
export async function exporterScrape(scrapes: number): Promise<string> {
    const server = await startServer();
    const admin = client(server, ADMIN_USER);
    const producer = client(server, "sprint-service");
    let exporter: RedisExporter | undefined;
    try {
        const groups = Array.from({ length: 10 }, (_, i) => `group-${i}`);
        for (const g of groups) await admin.xgroup("CREATE", STREAM, g, "0", "MKSTREAM");
        for (let i = 0; i < 100; i++) await publish(producer, STREAM, 1000, EVENT);
        for (const g of groups) {
            for (const consumer of [`${g}-a`, `${g}-b`]) {
                await new GroupReader(producer, STREAM, g, consumer).read(500);
            }
        }
        const pod = redisPodSpec({
            image: "redis:7.2-alpine",
            resources: {},
            configMapName: "redis-config",
            aclSecretName: "redis-acl",
            metrics: {
                image: "oliver006/redis_exporter:v1.74.0",
                user: METRICS_USER,
                secretName: "redis-dsm-metrics",
                streamList: exporterKeyList([STREAM]),
                statusKeys: Object.values(RETENTION_STATUS_KEYS),
            },
        });
        // Rendered from plain values here, so the Inputs are plain too.
        const containers = pod.containers as k8s.types.input.core.v1.Container[];
        const args = containers.find((c) => c.name === "metrics")?.args as string[];
        exporter = await RedisExporter.start(args, server.port, passwords[METRICS_USER]);
        await exporter.scrape();
        const times: number[] = [];
        let series = 0;
        for (let i = 0; i < scrapes; i++) {
            const start = process.hrtime.bigint();
            series = (await exporter.scrape()).length;
            times.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
        return table(
            ["groups", "consumers", "entries", "series", "median scrape ms", "slowest scrape ms"],
            [
                [
                    "10",
                    "20",
                    String(await admin.xlen(STREAM)),
                    String(series),
                    percentile(times, 50).toFixed(1),
                    Math.max(...times).toFixed(1),
                ],
            ],
        );
    } finally {
        await exporter?.stop();
        for (const c of [admin, producer]) c.disconnect();
        await server.destroy();
    }
}

/**
 * The dead-letter step on a full bus: one group holds every entry pending, every tenth of them poison (delivered 5
 * times, idle an hour, as XCLAIM's RETRYCOUNT and IDLE set them). Steps run until one pass has seen every pending
 * entry; each step's time is the server's own (INFO commandstats), beside the slowest reply a client got meanwhile.
 */
export async function deadLetterBlocking(): Promise<string> {
    const server = await startServer();
    const admin = client(server, ADMIN_USER);
    const retention = client(server, RETENTION_USER);
    const pinger = client(server, "sprint-service");
    const group = GROUPS[0];
    try {
        for (const g of GROUPS) await admin.xgroup("CREATE", STREAM, g, "$", "MKSTREAM");
        const entries = await fill(server);
        await admin.xreadgroup("GROUP", group, "worker", "STREAMS", STREAM, ">");
        const ids = ((await admin.xrange(STREAM, "-", "+")) as Array<[string, string[]]>).map(([id]) => id);
        const poison = ids.filter((_, i) => i % 10 === 0);
        for (let i = 0; i < poison.length; i += 1000) {
            const ids_ = poison.slice(i, i + 1000);
            await admin.call(
                "XCLAIM",
                STREAM,
                group,
                "worker",
                "0",
                ...ids_,
                "IDLE",
                3_600_000,
                "RETRYCOUNT",
                5,
                "JUSTID",
            );
        }
        const policy = { deliveries: 5, idleSeconds: 600, maxEntries: 10_000_000 };
        const keys = deadLetterKeys(STREAM);
        const pings = askingMeanwhile(pinger);
        const steps: number[] = [];
        let moved = 0;
        const started = process.hrtime.bigint();
        for (;;) {
            const before = await evalMicros(admin);
            const [m, scanned] = (await retention.eval(
                DEAD_LETTER_SCRIPT,
                keys.length,
                ...keys,
                ...deadLetterArgs(policy),
            )) as [number, number];
            steps.push(((await evalMicros(admin)) - before) / 1000);
            moved += m;
            if (scanned < DEAD_LETTER_SCAN) break;
        }
        const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
        const slowestPing = await pings.stop();
        return table(
            [
                "entries",
                "pending",
                "poison",
                "moved",
                "steps",
                "median step ms",
                "longest step ms",
                "slowest reply ms",
                "in s",
            ],
            [
                [
                    String(entries),
                    String(ids.length),
                    String(poison.length),
                    String(moved),
                    String(steps.length),
                    percentile(steps, 50).toFixed(2),
                    Math.max(...steps).toFixed(2),
                    slowestPing.toFixed(2),
                    (totalMs / 1000).toFixed(1),
                ],
            ],
        );
    } finally {
        for (const c of [admin, retention, pinger]) c.disconnect();
        await server.destroy();
    }
}
