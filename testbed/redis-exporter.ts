/**
 * redis_exporter on this machine, for the metrics tier and the benchmark: the binary tools/build.sh builds from its Go
 * module, started with the sidecar's rendered arguments. Only the address of Redis and of the listener are this
 * machine's; the password comes in the environment, as the sidecar's Secret gives it.
 */
import { ChildProcess, spawn } from "child_process";
import * as http from "http";
import * as path from "path";
import { builtTools } from "./built-tools";
import { freePort } from "./redis-server";

/** One series of a scrape: its name, labels and value. */
export interface Sample {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly value: number;
}

/** Parses Prometheus's text exposition format (the lines redis_exporter writes). */
export function parseExposition(text: string): Sample[] {
    const samples: Sample[] = [];
    for (const line of text.split("\n")) {
        if (line === "" || line.startsWith("#")) continue;
        const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (match === null) throw new Error(`not an exposition line: ${line}`);
        const labels: Record<string, string> = {};
        for (const label of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
            labels[label[1]] = label[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
        }
        samples.push({ name: match[1], labels, value: Number(match[3]) });
    }
    return samples;
}

export class RedisExporter {
    private output = "";

    private constructor(
        private readonly child: ChildProcess,
        readonly port: number,
    ) {
        child.stdout?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
        child.stderr?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    }

    /** What the exporter logged. */
    get log(): string {
        return this.output;
    }

    /**
     * Starts the exporter with the sidecar's `args` against Redis on `redisPort`, and resolves once it serves. The
     * password goes in REDIS_PASSWORD, as in the pod, never on the command line.
     */
    static async start(
        args: readonly string[],
        redisPort: number,
        password: string,
        redisHost = "127.0.0.1",
    ): Promise<RedisExporter> {
        const binary = path.join(builtTools("redis-exporter")["redis-exporter"], "redis_exporter");
        const port = await freePort();
        const local = args.map((arg) =>
            arg.startsWith("--redis.addr=")
                ? `--redis.addr=redis://${redisHost}:${redisPort}`
                : arg.startsWith("--web.listen-address=")
                  ? `--web.listen-address=127.0.0.1:${port}`
                  : arg,
        );
        const child = spawn(binary, local, {
            env: { PATH: process.env.PATH ?? "", REDIS_PASSWORD: password },
            stdio: ["ignore", "pipe", "pipe"],
        });
        const exporter = new RedisExporter(child, port);
        await new Promise<void>((resolve, reject) => {
            const onData = () => {
                if (exporter.output.includes("Providing metrics at")) done();
            };
            const onExit = (code: number | null) => {
                done(new Error(`redis_exporter exited (${code}) before it served: ${exporter.output}`));
            };
            const done = (error?: Error) => {
                child.stdout?.off("data", onData);
                child.stderr?.off("data", onData);
                child.off("exit", onExit);
                if (error) reject(error);
                else resolve();
            };
            child.stdout?.on("data", onData);
            child.stderr?.on("data", onData);
            child.on("exit", onExit);
        });
        await exporter.untilListening();
        return exporter;
    }

    /**
     * The exporter logs "Providing metrics" just before its listener binds, and nothing once it has: connection
     * attempts are the only signal, refused ones retried until it listens or exits.
     */
    private async untilListening(): Promise<void> {
        for (let attempt = 0; ; attempt++) {
            try {
                await this.get("/health");
                return;
            } catch (error) {
                const refused = (error as NodeJS.ErrnoException).code === "ECONNREFUSED";
                if (!refused || attempt >= 250 || this.child.exitCode !== null) throw error;
                await new Promise((resolve) => setTimeout(resolve, 20));
            }
        }
    }

    /** GET a path of the exporter; resolves with the status and body. */
    get(urlPath: string): Promise<{ status: number; body: string }> {
        return new Promise((resolve, reject) => {
            http.get({ host: "127.0.0.1", port: this.port, path: urlPath }, (response) => {
                let body = "";
                response.setEncoding("utf8");
                response.on("data", (chunk: string) => (body += chunk));
                response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
            }).on("error", reject);
        });
    }

    /** One scrape of /metrics. */
    async scrape(): Promise<Sample[]> {
        const { status, body } = await this.get("/metrics");
        if (status !== 200) throw new Error(`/metrics answered ${status}: ${body}`);
        return parseExposition(body);
    }

    async stop(): Promise<void> {
        if (this.child.exitCode !== null || this.child.signalCode !== null) return;
        const exited = new Promise((resolve) => this.child.once("exit", resolve));
        this.child.kill("SIGTERM");
        await exited;
    }
}
