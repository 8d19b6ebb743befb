/**
 * Services at work on a real bus, for the retention tests and the benchmark: a producer that appends, consumer groups
 * that read and acknowledge (or hold entries pending, or stall), and the retention run exactly as the CronJob runs it.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import type Redis from "ioredis";
import * as os from "os";
import * as path from "path";

/** Appends `count` entries in one pipeline; any refused XADD (OOM) throws with Redis's message. Returns the IDs. */
export async function publish(
    client: Redis,
    stream: string,
    count: number,
    fields: readonly string[],
): Promise<string[]> {
    const pipeline = client.pipeline();
    for (let i = 0; i < count; i++) pipeline.xadd(stream, "*", ...fields);
    const ids: string[] = [];
    for (const [error, id] of (await pipeline.exec()) ?? []) {
        if (error !== null) throw error;
        ids.push(String(id));
    }
    return ids;
}

type ReadReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * A bus at work until stopped: the producer publishes one entry at a time, and each consumer reads what is new for
 * its group (`count` at a time) and acknowledges all of it but every third entry, which stays pending, as a consumer
 * that crashed on it would leave it. For tests of what a backup taken meanwhile holds.
 */
export function busyBus(
    producer: Redis,
    consumers: ReadonlyArray<{ readonly client: Redis; readonly group: string }>,
    stream: string,
    count = 7,
): { stop(): Promise<void> } {
    let busy = true;
    const traffic = (async () => {
        for (let n = 0; busy; n++) {
            await producer.xadd(stream, "*", "n", `during-${n}`);
            for (const { client, group } of consumers) {
                const read = (await client.xreadgroup(
                    "GROUP",
                    group,
                    "w",
                    "COUNT",
                    count,
                    "STREAMS",
                    stream,
                    ">",
                )) as Array<[string, Array<[string]>]> | null;
                const got = read?.[0]?.[1].map(([id]) => id) ?? [];
                const acknowledged = got.filter((_, k) => k % 3 !== 0);
                if (acknowledged.length > 0) await client.xack(stream, group, ...acknowledged);
            }
        }
    })();
    return {
        stop: async () => {
            busy = false;
            await traffic;
        },
    };
}

/** One consumer of a group: what it has been delivered, in order, and what it holds unacknowledged. */
export class GroupReader {
    /** Every ID delivered to this consumer, in delivery order. */
    readonly delivered: string[] = [];
    private held: string[] = [];

    constructor(
        private readonly client: Redis,
        readonly stream: string,
        readonly group: string,
        readonly consumer = `${group}-1`,
    ) {}

    /** IDs delivered and not yet acknowledged, oldest first. */
    get holding(): readonly string[] {
        return this.held;
    }

    /** Reads what is new for the group, at most `limit` entries, in pages of `page`. Returns how many it read. */
    async read(limit = Infinity, page = 1000): Promise<number> {
        let read = 0;
        while (read < limit) {
            const reply = (await this.client.xreadgroup(
                "GROUP",
                this.group,
                this.consumer,
                "COUNT",
                Math.min(page, limit - read),
                "STREAMS",
                this.stream,
                ">",
            )) as ReadReply;
            const entries = reply?.[0]?.[1] ?? [];
            if (entries.length === 0) break;
            for (const [id] of entries) {
                this.delivered.push(id);
                this.held.push(id);
            }
            read += entries.length;
        }
        return read;
    }

    /** Acknowledges what it holds but the newest `keep`; returns the IDs it acknowledged. */
    async acknowledge(keep = 0): Promise<string[]> {
        const ids = this.held.slice(0, Math.max(0, this.held.length - keep));
        for (let i = 0; i < ids.length; i += 1000) {
            const page = ids.slice(i, i + 1000);
            const acked = await this.client.xack(this.stream, this.group, ...page);
            if (acked !== page.length) throw new Error(`${this.group}: XACK acknowledged ${acked} of ${page.length}`);
        }
        this.held = this.held.slice(ids.length);
        return ids;
    }
}

/** The redis-server the retention run connects to, and as whom. */
export interface RetentionTarget {
    readonly host: string;
    readonly port: number;
    readonly username: string;
    readonly password: string;
}

/** One run's steps, as its shell loop printed them. */
export interface RetentionRunResult {
    /** Entries each step trimmed. */
    readonly steps: number[];
    /** The group that held the last step back, if one did. */
    readonly heldBy?: string;
    /** Entries each dead-letter step moved (none when dead letters are off). */
    readonly deadLetterSteps: number[];
    /** The last dead-letter step found the dead-letter stream at its cap. */
    readonly deadLettersFull: boolean;
    readonly output: string;
}

/**
 * The retention CronJob's container, run here: its rendered run.sh and scripts in a temp folder, run by `sh` with
 * the real redis-cli and the env the CronJob gives it. Only the script's path is this machine's.
 */
export class RetentionJob {
    private constructor(
        private readonly dir: string,
        private readonly target: RetentionTarget,
    ) {}

    /**
     * `files`: the ConfigMap's data (run.sh and the scripts it runs), which the CronJob mounts at `mountDir`; run.sh
     * names them there, and runs here with this machine's folder in its place.
     */
    static prepare(
        files: Readonly<Record<string, string>>,
        target: RetentionTarget,
        mountDir = "/retention",
    ): RetentionJob {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-retention-"));
        const runScript = files["run.sh"];
        if (!runScript.includes(`${mountDir}/`)) throw new Error(`run.sh names nothing under ${mountDir}`);
        for (const [name, text] of Object.entries(files)) {
            if (name !== "run.sh") fs.writeFileSync(path.join(dir, name), text);
        }
        fs.writeFileSync(path.join(dir, "run.sh"), runScript.split(`${mountDir}/`).join(`${dir}/`));
        return new RetentionJob(dir, target);
    }

    /** One run, to its end; rejects with the script's output when it exits non-zero, as the Job would fail. */
    run(): Promise<RetentionRunResult> {
        const env = {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            REDIS_HOST: this.target.host,
            REDIS_PORT: String(this.target.port),
            REDIS_USERNAME: this.target.username,
            REDISCLI_AUTH: this.target.password,
        };
        return new Promise((resolve, reject) => {
            execFile("sh", [path.join(this.dir, "run.sh")], { env }, (error, stdout, stderr) => {
                if (error) {
                    reject(new Error(`retention run failed (${error.code ?? error.signal}): ${stdout}${stderr}`));
                    return;
                }
                const steps: number[] = [];
                const deadLetterSteps: number[] = [];
                let heldBy: string | undefined;
                let deadLettersFull = false;
                for (const line of stdout.split("\n")) {
                    const moved = /^dead letters moved (\d+)(, the dead-letter stream is full)?$/.exec(line);
                    if (moved !== null) {
                        deadLetterSteps.push(Number(moved[1]));
                        deadLettersFull = moved[2] !== undefined;
                        continue;
                    }
                    const step = /^trimmed (\d+)(?:, held by group (.+))?$/.exec(line);
                    if (step === null) continue;
                    steps.push(Number(step[1]));
                    heldBy = step[2];
                }
                resolve({ steps, heldBy, deadLetterSteps, deadLettersFull, output: stdout });
            });
        });
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
