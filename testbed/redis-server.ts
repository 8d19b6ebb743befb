/**
 * A real redis-server for tests and the benchmark: started on a free loopback port in a temp dir, ready when it logs so, and stopped by
 * its own PID. Never port 6379, never a server the tests did not start.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** A free TCP port on loopback, as the kernel hands it out; never 6379, which may be a server not ours. */
export async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (port === 6379) return freePort();
    return port;
}

export interface RedisServerOptions {
    /**
     * Lines of redis.conf, as rendered for the pod. The directives this machine decides (port, bind, dir, aclfile,
     * daemonize, logfile) are dropped from them and set here instead.
     */
    readonly config?: string[];
    /** The ACL file's contents; written into the dir, and `aclfile` pointed at it. */
    readonly aclFile?: string;
    /** The directory to run in; a new temp dir when omitted. Reuse one to restart on the same data. */
    readonly dir?: string;
    /** The port; a free one when omitted. */
    readonly port?: number;
    /** The server program: redis-server, or another that reads the same files (valkey-server). */
    readonly binary?: string;
}

export class RedisServer {
    private process?: ChildProcess;

    private constructor(
        readonly port: number,
        readonly dir: string,
        private readonly config: string[],
        private readonly aclFile?: string,
        private readonly binary = "redis-server",
    ) {}

    /** Starts a server and resolves once it accepts connections. */
    static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
        const server = RedisServer.prepare(options);
        await server.start();
        return server;
    }

    /** A server not started yet, so that a test can start it later (Redis "not up yet"). */
    static prepare(options: RedisServerOptions = {}, port?: number): RedisServer {
        const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "dsm-redis-test-"));
        return new RedisServer(port ?? options.port ?? 0, dir, options.config ?? [], options.aclFile, options.binary);
    }

    static async prepareOnFreePort(options: RedisServerOptions = {}): Promise<RedisServer> {
        return RedisServer.prepare(options, options.port ?? (await freePort()));
    }

    get pid(): number | undefined {
        return this.process?.pid;
    }

    /** Starts (or restarts) the server on the same port and dir, resolving when it is ready. */
    async start(): Promise<void> {
        if (this.port === 0) {
            (this as { port: number }).port = await freePort();
        }
        const confPath = path.join(this.dir, "test-redis.conf");
        const local = [`port ${this.port}`, "bind 127.0.0.1", `dir ${this.dir}`, "daemonize no", 'logfile ""'];
        if (this.aclFile !== undefined) {
            const aclPath = path.join(this.dir, "users.acl");
            fs.writeFileSync(aclPath, this.aclFile);
            local.push(`aclfile ${aclPath}`);
        }
        // The given config's own paths are dropped, not overridden later: redis-server applies `dir` as it reads it,
        // so a pod's /data would be tried (and fail) before any later line could correct it.
        const decided = new Set(local.map((line) => line.split(" ")[0]));
        const given = this.config.filter((line) => !decided.has(line.trim().split(/\s+/)[0]));
        // Snapshots off unless the config says otherwise.
        fs.writeFileSync(confPath, ['save ""', ...given, ...local].join("\n").concat("\n"));
        const child = spawn(this.binary, [confPath], { stdio: ["ignore", "pipe", "pipe"] });
        this.process = child;
        await new Promise<void>((resolve, reject) => {
            let output = "";
            const onData = (chunk: Buffer) => {
                output += chunk.toString();
                if (output.includes("Ready to accept connections")) {
                    child.stdout?.off("data", onData);
                    child.stdout?.resume();
                    resolve();
                }
            };
            child.stdout?.on("data", onData);
            child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
            child.once("exit", (code) =>
                reject(new Error(`${this.binary} exited with ${code} before it was ready:\n${output}`)),
            );
            child.once("error", reject);
        });
    }

    /** Stops the server by its PID with the given signal and waits for it to exit. */
    async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
        const child = this.process;
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
        await new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill(signal);
        });
        this.process = undefined;
    }

    /** Stops the server and removes its dir. */
    async destroy(): Promise<void> {
        await this.stop("SIGKILL");
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
