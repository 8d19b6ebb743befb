/**
 * An ioredis client for tests that connects once, without retries, and rejects with the server's own reason
 * (WRONGPASS, NOPERM, ECONNREFUSED), so that a test can assert on it.
 */
import Redis from "ioredis";

export async function connectOnce(options: {
    readonly port: number;
    readonly username: string;
    readonly password: string;
}): Promise<Redis> {
    const client = new Redis({
        host: "127.0.0.1",
        ...options,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
    });
    // With retries off, connect() rejects with a bare "Connection is closed."; the cause comes as an event.
    let cause: unknown;
    client.on("error", (error: unknown) => (cause ??= error));
    try {
        await client.connect();
        return client;
    } catch (error) {
        client.disconnect();
        throw cause ?? error;
    }
}
