/**
 * `npm run bench`: what the bus costs, measured on real redis-servers started with the program's rendered
 * configuration (redis.conf and ACL file for the default 200Mi limit), on loopback only. It prints:
 *  (a) the stream-groups provider's create and no-op update, in round trips and ms, against a bare PING;
 *  (b) throughput in events/s: XADD alone, and end to end (publish, then 3 groups read and XACK), with AOF everysec,
 *      AOF always and persistence off, as ratios to persistence off;
 *  (c) the restart time to load N events from the AOF, and a full bus: as many as maxmemory admits;
 *  (e) backup and restore of a full bus;
 *  (f) retention and metrics: steady-state memory, the longest trim step on a full bus, the exporter's scrape time;
 *  (h) the replicated bus: the write outage when the master is killed or moved, and XADD with and without WAIT.
 * `npm run bench -- --retention` prints (f) alone; `npm run bench -- --engine` prints (d) instead: the project's commands on the real engine (see lib/bench/engine.ts); `npm run bench -- --cli` prints (g): the plain CLI's commands side by side (lib/bench/cli.ts).
 */
import "../ops/lib/node-check";
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import Redis, { RedisOptions } from "ioredis";
import * as os from "os";
import * as path from "path";
import * as fs from "fs";
import { ADMIN_USER, DEFAULT_SERVICE_USERS, renderAclFile, sha256Hex } from "../components/render/acl";
import { AppendFsync, renderRedisConf } from "../components/render/redis-conf";
import { StreamGroupsInputs } from "../components/stream-groups/inputs";
import { streamGroupsProvider } from "../components/stream-groups/provider";
import { RedisServer } from "../testbed/redis-server";
import { countingRelay } from "./round-trips";
import { readBackup, restoreSnapshot, takeSnapshot, writeBackup } from "../ops/lib/backup-file";
import { BACKUP_SCRIPT_FILES, backupRunner } from "../components/render/backup-script";
import { BackupJob } from "../testbed/backup-job";
import { cliBench } from "./cli-startup";
import { engineBench } from "./engine-steps";
import { failoverBench } from "./failover-steps";
import { deadLetterBlocking, exporterScrape, steadyStateMemory, trimBlocking } from "./retention-steps";
import { DEAD_LETTER_SCAN } from "../components/render/dead-letter-script";
import { table } from "../ops/lib/table";
import { Command, FlagValues, runCommandLine } from "../ops/lib/command-line";

const STREAM = "dsm:events";
const GROUPS = ["sprint-service", "project-service", "backlog-service"];
const PRODUCER = "sprint-service";
const EVENT = [
    "type",
    "TASK_UPDATED",
    "sprintId",
    "sprint-42",
    "taskId",
    "task-1234",
    "status",
    "in_progress",
    "at",
    "2026-11-26T10:00:00Z",
];

const passwords = Object.fromEntries(
    [ADMIN_USER, ...DEFAULT_SERVICE_USERS.map((u) => u.name)].map((u) => [u, randomBytes(16).toString("hex")]),
);

type Mode = { name: string; persistence: boolean; appendfsync: AppendFsync };
const MODES: Mode[] = [
    { name: "AOF everysec (shipped default)", persistence: true, appendfsync: "everysec" },
    { name: "AOF always", persistence: true, appendfsync: "always" },
    { name: "persistence off", persistence: false, appendfsync: "everysec" },
];

/** A redis-server with the rendered config and ACL file; only paths, port and bind are this machine's. */
async function startServer(mode: Mode): Promise<RedisServer> {
    const hashes = Object.fromEntries(Object.entries(passwords).map(([u, p]) => [u, sha256Hex(p)]));
    const conf = renderRedisConf({
        memoryLimit: "200Mi",
        persistence: mode.persistence,
        appendfsync: mode.appendfsync,
    });
    return RedisServer.start({ config: conf.split("\n"), aclFile: renderAclFile(DEFAULT_SERVICE_USERS, hashes) });
}

function client(port: number, user: string, extra: RedisOptions = {}): Redis {
    return new Redis({ host: "127.0.0.1", port, username: user, password: passwords[user], ...extra });
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

async function timed(run: () => Promise<unknown>): Promise<number> {
    const start = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - start) / 1e6;
}

async function providerCost(): Promise<string> {
    const server = await startServer(MODES[0]);
    const proxy = await countingRelay(server.port);
    const rows: Array<[string, number, number]> = [];
    const runs = 15;
    try {
        const measure = async (label: string, run: (i: number) => Promise<unknown>) => {
            const times: number[] = [];
            let trips = 0;
            for (let i = 0; i < runs; i++) {
                proxy.reset();
                times.push(await timed(() => run(i)));
                trips = proxy.roundTrips();
            }
            rows.push([label, trips, median(times)]);
        };
        await measure("bare PING (connect, AUTH, PING)", async () => {
            const c = client(proxy.port, ADMIN_USER, { enableReadyCheck: false, lazyConnect: true });
            await c.connect();
            await c.ping();
            c.disconnect();
        });
        const inputs = (i: number): StreamGroupsInputs => ({
            stream: `${STREAM}:bench-${i}`,
            groups: GROUPS.map((name) => ({ name, startId: "0" })),
            connection: { host: "127.0.0.1", port: proxy.port, username: ADMIN_USER, password: passwords[ADMIN_USER] },
            readinessTimeoutSeconds: 10,
            deleteStreamOnDelete: false,
        });
        await measure("provider create (stream + 3 groups)", (i) => streamGroupsProvider.create(inputs(i)));
        await measure("provider update, no change", (i) =>
            streamGroupsProvider.update!(`${STREAM}:bench-${i}`, inputs(i), {
                ...inputs(i),
                readinessTimeoutSeconds: 20,
            }),
        );
        await measure("provider update, one group added", (i) =>
            streamGroupsProvider.update!(`${STREAM}:bench-${i}`, inputs(i), {
                ...inputs(i),
                groups: [...inputs(i).groups, { name: "audit-service", startId: "0" }],
            }),
        );
    } finally {
        proxy.close();
        await server.destroy();
    }
    const ping = rows[0][2];
    return table(
        ["operation", "round trips", "median ms", "x bare PING"],
        rows.map(([label, trips, ms]) => [label, String(trips), ms.toFixed(2), (ms / ping).toFixed(1)]),
    );
}

async function throughput(mode: Mode, events: number, batch: number): Promise<{ xadd: number; endToEnd: number }> {
    const server = await startServer(mode);
    const admin = client(server.port, ADMIN_USER);
    const producer = client(server.port, PRODUCER);
    const consumers = GROUPS.map((g) => client(server.port, g));
    try {
        const publish = async () => {
            for (let sent = 0; sent < events; sent += batch) {
                const pipeline = producer.pipeline();
                for (let i = 0; i < batch; i++) pipeline.xadd(STREAM, "*", ...EVENT);
                await pipeline.exec();
            }
        };
        const xaddMs = await timed(publish);
        await admin.del(STREAM); // A fresh stream for the end-to-end run; the admin may DEL, the services may not.
        for (const g of GROUPS) await admin.xgroup("CREATE", STREAM, g, "$", "MKSTREAM");
        const consume = async (c: Redis, group: string) => {
            let acked = 0;
            while (acked < events) {
                const reply = (await c.xreadgroup(
                    "GROUP",
                    group,
                    "bench",
                    "COUNT",
                    200,
                    "BLOCK",
                    1000,
                    "STREAMS",
                    STREAM,
                    ">",
                )) as Array<[string, Array<[string, string[]]>]> | null;
                const ids = reply?.[0][1].map(([id]) => id) ?? [];
                if (ids.length > 0) acked += await c.xack(STREAM, group, ...ids);
            }
        };
        const endMs = await timed(() => Promise.all([publish(), ...consumers.map((c, i) => consume(c, GROUPS[i]))]));
        return { xadd: (events / xaddMs) * 1000, endToEnd: (events / endMs) * 1000 };
    } finally {
        for (const c of [admin, producer, ...consumers]) c.disconnect();
        await server.destroy();
    }
}

/**
 * Fills a fresh server with events, `count` of them or, for "full", until maxmemory refuses XADD (the most a restart
 * can ever have to load), then restarts it after a SIGKILL three times. One table row.
 */
async function restartRow(count: number | "full"): Promise<string[]> {
    const server = await startServer(MODES[0]);
    const producer = client(server.port, PRODUCER);
    const admin = client(server.port, ADMIN_USER);
    try {
        let full = false;
        for (let sent = 0; count === "full" ? !full : sent < count; sent += 1000) {
            const pipeline = producer.pipeline();
            for (let i = 0; i < 1000; i++) pipeline.xadd(STREAM, "*", ...EVENT);
            const results = (await pipeline.exec()) ?? [];
            full = results.some(([error]) => error !== null && /^OOM/.test(error.message));
        }
        const events = await admin.xlen(STREAM);
        const used = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))?.[1]);
        producer.disconnect();
        admin.disconnect();
        const aofDir = path.join(server.dir, "appendonlydir");
        const bytes = fs.readdirSync(aofDir).reduce((sum, f) => sum + fs.statSync(path.join(aofDir, f)).size, 0);
        await server.stop("SIGKILL");
        const times: number[] = [];
        for (let i = 0; i < 3; i++) {
            times.push(await timed(() => server.start()));
            await server.stop("SIGKILL");
        }
        return [
            count === "full" ? `${events} (full)` : String(events),
            (used / 1048576).toFixed(1),
            (bytes / 1048576).toFixed(1),
            median(times).toFixed(0),
            ((events / median(times)) * 1000).toFixed(0),
        ];
    } finally {
        producer.disconnect();
        admin.disconnect();
        await server.destroy();
    }
}

async function restartTime(events: number): Promise<string> {
    const rows = [await restartRow(events), await restartRow("full")];
    return table(["events", "used MiB", "AOF MiB", "start to ready, ms (median of 3)", "events loaded/s"], rows);
}

/**
 * A client in a process of its own that pings the server back to back, and the slowest reply it got: what other
 * clients wait. Its own process, so that this one's work (parsing and writing a 158 MiB file) does not count.
 */
function pingingMeanwhile(port: number, user: string): { ready: Promise<void>; stop: () => Promise<number> } {
    const code = `
        const Redis = require(${JSON.stringify(require.resolve("ioredis"))});
        const client = new Redis({ host: "127.0.0.1", port: ${port}, username: process.env.U, password: process.env.P });
        let asking = true, slowest = 0;
        process.stdin.on("end", () => (asking = false)).resume();
        (async () => {
            await client.ping();
            process.stdout.write("ready\\n");
            while (asking) {
                const start = process.hrtime.bigint();
                await client.ping();
                slowest = Math.max(slowest, Number(process.hrtime.bigint() - start) / 1e6);
            }
            process.stdout.write(String(slowest) + "\\n");
            client.disconnect();
        })();`;
    const child = spawn(process.execPath, ["-e", code], {
        env: { ...process.env, U: user, P: passwords[user] },
        stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const ready = new Promise<void>((resolve) => child.stdout.on("data", () => out.includes("ready") && resolve()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return {
        ready,
        stop: async () => {
            await ready;
            child.stdin.end();
            await exited;
            return Number(out.trim().split("\n").pop());
        },
    };
}

const BACKUP_TITLE =
    "(e) backup and restore of a full bus (XADD until maxmemory refuses; 10000 entries pending in one group), a client pinging meanwhile";

async function backupRestoreTime(): Promise<string> {
    const source = await startServer(MODES[0]);
    const target = await startServer(MODES[2]);
    const producer = client(source.port, PRODUCER);
    const from = client(source.port, ADMIN_USER);
    const to = client(target.port, ADMIN_USER);
    try {
        for (const group of GROUPS) await from.xgroup("CREATE", STREAM, group, "0", "MKSTREAM");
        let full = false;
        while (!full) {
            const pipeline = producer.pipeline();
            for (let i = 0; i < 1000; i++) pipeline.xadd(STREAM, "*", ...EVENT);
            full = ((await pipeline.exec()) ?? []).some(([error]) => error !== null && /^OOM/.test(error.message));
        }
        const consumer = client(source.port, "project-service");
        await consumer.xreadgroup("GROUP", "project-service", "w", "COUNT", 10000, "STREAMS", STREAM, ">");
        consumer.disconnect();
        const oneCommand = pingingMeanwhile(source.port, PRODUCER);
        await oneCommand.ready;
        await from.call("XINFO", "STREAM", STREAM, "FULL", "COUNT", "0");
        const oneCommandPause = await oneCommand.stop();

        const file = path.join(source.dir, "bus.backup.json");
        let snapshot: Awaited<ReturnType<typeof takeSnapshot>>;
        const stepped = pingingMeanwhile(source.port, PRODUCER);
        await stepped.ready;
        // Each step's time as the server counts it: the growth of EVAL's total between steps (nothing else runs EVAL).
        const observer = client(source.port, ADMIN_USER);
        const evalMicros = async () =>
            Number(/cmdstat_eval:calls=\d+,usec=(\d+)/.exec(await observer.info("commandstats"))?.[1] ?? 0);
        let longestStep = 0;
        let last = await evalMicros();
        const backupMs = await timed(async () => {
            snapshot = await takeSnapshot(from, STREAM, {
                onStep: async () => {
                    const now = await evalMicros();
                    longestStep = Math.max(longestStep, (now - last) / 1000);
                    last = now;
                },
            });
            fs.writeFileSync(file, writeBackup(snapshot!, "bench"));
        });
        const steppedPause = await stepped.stop();
        observer.disconnect();

        // The same backup as the scheduled CronJob takes it: its rendered run.sh, with sh and redis-cli.
        const folder = fs.mkdtempSync(path.join(source.dir, "backups-"));
        const job = BackupJob.prepare(
            {
                ...BACKUP_SCRIPT_FILES,
                "run.sh": backupRunner({ stream: STREAM, scriptDir: "/backup", backupDir: "/backups", keep: 1 }),
            },
            { host: "127.0.0.1", port: source.port, username: ADMIN_USER, password: passwords[ADMIN_USER] },
            folder,
        );
        const scheduled = pingingMeanwhile(source.port, PRODUCER);
        await scheduled.ready;
        let scheduledFile = "";
        const scheduledMs = await timed(async () => {
            scheduledFile = (await job.run()).file;
        });
        const scheduledPause = await scheduled.stop();
        job.remove();
        const restoreMs = await timed(async () => {
            const backup = readBackup(fs.readFileSync(file, "utf8"), file);
            await restoreSnapshot(to, backup.snapshot, { force: false });
        });
        return table(
            [
                "events",
                "file MiB",
                "backup s",
                "scheduled run.sh s (its file MiB, slowest ping during it ms)",
                "longest step, server ms",
                "slowest ping reply during it, ms",
                "one XINFO STREAM FULL instead, ms",
                "restore s",
            ],
            [
                [
                    String(snapshot!.length),
                    (fs.statSync(file).size / 1048576).toFixed(1),
                    (backupMs / 1000).toFixed(1),
                    `${(scheduledMs / 1000).toFixed(1)} (${(fs.statSync(scheduledFile).size / 1048576).toFixed(1)}, ${scheduledPause.toFixed(1)})`,
                    longestStep.toFixed(2),
                    steppedPause.toFixed(1),
                    oneCommandPause.toFixed(0),
                    (restoreMs / 1000).toFixed(1),
                ],
            ],
        );
    } finally {
        for (const c of [producer, from, to]) c.disconnect();
        await source.destroy();
        await target.destroy();
    }
}

async function main(flags: FlagValues, progress: (line: string) => void): Promise<void> {
    if (flags.cli === true) {
        console.log("(g) the plain CLI's commands, side by side: preview, the policy pack's cost, a no-op up");
        console.log(await cliBench());
        return;
    }
    if (flags.engine === true) {
        console.log(
            "(d) the project's commands on the real engine and a local control plane, against the design's steps",
        );
        console.log(await engineBench());
        return;
    }
    if (flags.retention === true) {
        await retentionSection(progress);
        return;
    }
    if (flags.failover === true) {
        await failoverSection(progress);
        return;
    }
    if (flags.backup === true) {
        console.log(BACKUP_TITLE);
        console.log(await backupRestoreTime());
        return;
    }
    const events = Number(process.env.BENCH_EVENTS ?? 50000);
    const repeats = Number(process.env.BENCH_REPEATS ?? 3);
    const restartEvents = Number(process.env.BENCH_RESTART_EVENTS ?? 200000);
    const version = (await import("child_process"))
        .execFileSync("redis-server", ["--version"], { encoding: "utf8" })
        .trim();
    console.log(
        `dsm-redis benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${version.split(" ").slice(0, 3).join(" ")}`,
    );
    console.log("Servers run the rendered redis.conf and ACL file for the default 200Mi limit, on loopback.\n");

    progress("bench: (a) the provider's cost");
    console.log("(a) stream-groups provider against a bare PING (15 runs each; round trips counted by a relay)");
    console.log(await providerCost());

    progress("bench: (b) throughput");
    console.log(
        `\n(b) throughput, ${events} events of ${EVENT.join(" ").length} bytes, pipelined in batches of 50; median of ${repeats} runs, each on a fresh server`,
    );
    const results: Array<[Mode, { xadd: number; endToEnd: number }]> = [];
    for (const mode of MODES) {
        const runs: Array<{ xadd: number; endToEnd: number }> = [];
        for (let i = 0; i < repeats; i++) runs.push(await throughput(mode, events, 50));
        results.push([mode, { xadd: median(runs.map((r) => r.xadd)), endToEnd: median(runs.map((r) => r.endToEnd)) }]);
    }
    const off = results[results.length - 1][1];
    console.log(
        table(
            ["configuration", "XADD events/s", "vs off", "end to end events/s", "vs off"],
            results.map(([mode, r]) => [
                mode.name,
                r.xadd.toFixed(0),
                (r.xadd / off.xadd).toFixed(2),
                r.endToEnd.toFixed(0),
                (r.endToEnd / off.endToEnd).toFixed(2),
            ]),
        ),
    );

    progress("bench: (c) restart");
    console.log(
        "\n(c) restart: time to load the AOF after a SIGKILL (appendfsync everysec), for N events and for a full bus (XADD until maxmemory refuses)",
    );
    console.log(await restartTime(restartEvents));

    progress("bench: (e) backup and restore");
    console.log(`\n${BACKUP_TITLE}`);
    console.log(await backupRestoreTime());

    console.log("");
    await retentionSection(progress);
    console.log("");
    await failoverSection(progress);
}

async function failoverSection(progress: (line: string) => void): Promise<void> {
    progress("bench: (h) the replicated bus");
    console.log(
        "(h) the replicated bus: three redis-servers, Sentinel, HAProxy, on loopback (bench/failover-steps.ts)",
    );
    console.log(
        await failoverBench(Number(process.env.BENCH_REPEATS ?? 3), Number(process.env.BENCH_WAIT_EVENTS ?? 5000)),
    );
}

async function retentionSection(progress: (line: string) => void): Promise<void> {
    progress("bench: (f) retention and metrics");
    const retentionEvents = Number(process.env.BENCH_RETENTION_EVENTS ?? 2000000);
    console.log("(f) retention and metrics (lib/bench/retention.ts)");
    console.log(await steadyStateMemory(retentionEvents));
    console.log(
        "\nthe longest a retention step blocks the server, draining a full bus all groups have acknowledged, by batch (retentionBatch)",
    );
    console.log(await trimBlocking([500, 1000, 10000]));
    console.log(
        `\nthe dead-letter step on a full bus, one group holding every entry pending, every tenth poison (${DEAD_LETTER_SCAN} pending entries looked at per step)`,
    );
    console.log(await deadLetterBlocking());
    console.log("\nredis_exporter's scrape, with the sidecar's rendered arguments (20 scrapes)");
    console.log(await exporterScrape(20));
}

export const BENCH_COMMAND: Command = {
    name: "npm run bench",
    summary:
        "Measures the bus on real redis-servers (a)-(c), (e), (f), (h), or one section: the plain CLI's commands (g), the project's commands on the engine (d), retention (f), the replicated bus (h). Prints its numbers; about four minutes for the default sections. BENCH_EVENTS, BENCH_REPEATS, BENCH_RESTART_EVENTS, BENCH_RETENTION_EVENTS and BENCH_WAIT_EVENTS size them.",
    flags: {
        cli: { type: "boolean", description: "Only (g): the plain CLI's preview, the policy pack's cost, a no-op up." },
        engine: {
            type: "boolean",
            description: "Only (d): the project's commands on the real engine and a local cluster.",
        },
        retention: {
            type: "boolean",
            description: "Only (f): retention's memory, its blocking by batch, the exporter's scrape.",
        },
        backup: {
            type: "boolean",
            description:
                "Only (e): backup in short steps and restore of a full bus, and what a client waits meanwhile.",
        },
        failover: {
            type: "boolean",
            description:
                "Only (h): the replicated bus's write outage when the master is killed or moved, and XADD with and without WAIT.",
        },
    },
    examples: ["npm run bench", "npm run bench -- --retention", "BENCH_EVENTS=10000 npm run bench -- --quiet"],
};

if (require.main === module) {
    runCommandLine(
        BENCH_COMMAND,
        async ({ flags }, output) => {
            await main(flags, output.progress);
            return 0;
        },
        (error, output) => {
            output.error(
                `npm run bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
            );
            return 1;
        },
    );
}
