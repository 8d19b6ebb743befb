/**
 * A loopback TCP relay in front of a server: each client connection gets its own upstream connection, and every
 * chunk passes through a hook that may look at it, hold it back or pass it on. Closing either side closes the other.
 */
import * as net from "net";

/** What a relay does to one connection's traffic. Each hook returns the bytes to pass on, if any. */
export interface RelayHooks {
    fromClient(data: Buffer): Buffer | undefined;
    fromServer(data: Buffer): Buffer | undefined;
}

export interface Relay {
    /** The loopback port to connect to instead of the server's. */
    readonly port: number;
    close(): void;
}

/** Starts a relay to `target` on loopback; `hooks` is called once per client connection. */
export async function startRelay(target: number, hooks: () => RelayHooks): Promise<Relay> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        const connection = hooks();
        const upstream = net.connect(target, "127.0.0.1");
        sockets.add(socket).add(upstream);
        socket.on("data", (data) => {
            const passed = connection.fromClient(data);
            if (passed !== undefined && passed.length > 0) upstream.write(passed);
        });
        upstream.on("data", (data) => {
            const passed = connection.fromServer(data);
            if (passed !== undefined && passed.length > 0) socket.write(passed);
        });
        socket.on("close", () => upstream.destroy());
        upstream.on("close", () => socket.destroy());
        socket.on("error", () => upstream.destroy());
        upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        close: () => {
            for (const s of sockets) s.destroy();
            server.close();
        },
    };
}
