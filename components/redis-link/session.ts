/**
 * A connection to Redis for the length of one provider operation: opened (through a tunnel when the connection is a
 * port-forward), waited on until Redis answers and has finished loading its data, and closed when the operation ends.
 */
import type { Redis, RedisOptions } from "ioredis";
import { errorMessage } from "./error-message";
import { Connection, describeEndpoint, isPortForward } from "../stream-groups/inputs";
import { KubeConfigError, Tunnel, openTunnel } from "./tunnel";

export interface Session {
    readonly client: Redis;
    readonly endpoint: string;
    close(): Promise<void>;
}

export interface WaitOptions {
    /** How long to keep trying, in seconds. */
    readonly timeoutSeconds: number;
    /** Where progress goes; the provider sends it to the engine's log, a command to stderr in a terminal. */
    readonly log: (message: string) => void;
    /**
     * Give up at once when the address refuses the connection. An operator's command to a direct address sets it:
     * nothing listens there, and waiting would only hide that. A provisioner waits, for a server still starting.
     */
    readonly refusedIsFinal?: boolean;
}

/** The backoff between attempts: it starts short, for a server that is nearly up, and doubles to a bound. */
const FIRST_PAUSE_MS = 100;
const LONGEST_PAUSE_MS = 5000;

/** Errors that waiting cannot cure: a wrong password stays wrong, an unverifiable certificate stays unverifiable. */
const FATAL_REPLY = /^(WRONGPASS|NOAUTH|NOPERM)/;
const TLS_FAILURE = /certificate|CERT_|SSL routines|Hostname\/IP does not match/i;

function clientOptions(connection: Connection, host: string, port: number, connectTimeout: number): RedisOptions {
    const tls = !isPortForward(connection) ? connection.tls : undefined;
    return {
        host,
        port,
        username: connection.username,
        password: connection.password,
        tls: tls === true ? {} : tls === false || tls === undefined ? undefined : { ...tls },
        lazyConnect: true,
        // One attempt per client: the wait loop below owns retrying, with its own backoff and deadline.
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        connectTimeout,
        connectionName: "dsm-redis-provisioner",
        // The readiness check below (PING and INFO persistence) replaces ioredis's own INFO round trip.
        enableReadyCheck: false,
    };
}

/** One attempt: connect, authenticate, then PING and INFO persistence in a single round trip. */
async function tryConnect(options: RedisOptions): Promise<Redis> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- required here so that no loaded module is serialized.
    const { default: RedisClient } = require("ioredis") as typeof import("ioredis");
    const client = new RedisClient(options);
    // With retries off, ioredis rejects connect() with a bare "Connection is closed."; the cause (ECONNREFUSED,
    // WRONGPASS …) arrives as an error event, so keep it to report.
    let cause: unknown;
    client.on("error", (error: unknown) => (cause ??= error));
    try {
        await client.connect();
        const results = (await client.pipeline().ping().info("persistence").exec()) ?? [];
        const [[pingError, pong], [infoError, info]] = results;
        if (pingError) throw pingError;
        if (infoError) throw infoError;
        if (pong !== "PONG") throw new Error(`PING answered ${JSON.stringify(pong)}`);
        if (/^loading:1\b/m.test(String(info))) throw new Error("LOADING Redis is loading its dataset in memory");
        return client;
    } catch (error) {
        client.disconnect();
        throw cause ?? error;
    }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Connects and waits until Redis is ready, with exponential backoff bounded by the timeout. */
export async function openSession(connection: Connection, wait: WaitOptions): Promise<Session> {
    const endpoint = describeEndpoint(connection);
    const deadline = Date.now() + wait.timeoutSeconds * 1000;
    let tunnel: Tunnel | undefined;
    let delay = FIRST_PAUSE_MS;
    let lastError = "no attempt was made";
    const fail = async (message: string): Promise<never> => {
        await tunnel?.close();
        throw new Error(message);
    };
    for (let attempt = 1; ; attempt++) {
        const remaining = deadline - Date.now();
        try {
            // The tunnel is retried like the connection: the pod behind the Service may not be Ready yet.
            if (isPortForward(connection)) tunnel ??= await openTunnel(connection);
            const host = tunnel ? "127.0.0.1" : (connection as { host: string }).host;
            const port = tunnel ? tunnel.port : connection.port;
            const client = await tryConnect(
                clientOptions(connection, host, port, Math.max(100, Math.min(remaining, 10_000))),
            );
            if (attempt > 1) wait.log(`Redis at ${endpoint} is ready (attempt ${attempt})`);
            const opened = tunnel;
            return {
                client,
                endpoint,
                close: async () => {
                    client.disconnect();
                    await opened?.close();
                },
            };
        } catch (error) {
            lastError = errorMessage(error);
            if (error instanceof KubeConfigError) await fail(`cannot reach ${endpoint}: ${lastError}`);
            if (FATAL_REPLY.test(lastError)) await fail(`Redis at ${endpoint} refused the credentials: ${lastError}`);
            if (TLS_FAILURE.test(lastError)) await fail(`TLS to ${endpoint} failed: ${lastError}`);
            if (wait.refusedIsFinal === true && (error as { code?: string }).code === "ECONNREFUSED") {
                await fail(`nothing listens at ${endpoint}: the connection was refused (${lastError})`);
            }
        }
        const left = deadline - Date.now();
        if (left <= 0) {
            await fail(
                `Redis at ${endpoint} was not ready within ${wait.timeoutSeconds}s (${attempt} attempts); last error: ${lastError}`,
            );
        }
        const pause = Math.min(delay, left);
        wait.log(`waiting for Redis at ${endpoint}: ${lastError}; attempt ${attempt}, next in ${pause} ms`);
        await sleep(pause);
        delay = Math.min(delay * 2, LONGEST_PAUSE_MS);
    }
}

/** Opens a session, runs the operation, and always closes the session (and its tunnel). */
export async function withSession<T>(
    connection: Connection,
    wait: WaitOptions,
    operation: (session: Session) => Promise<T>,
): Promise<T> {
    const session = await openSession(connection, wait);
    try {
        return await operation(session);
    } finally {
        await session.close();
    }
}
