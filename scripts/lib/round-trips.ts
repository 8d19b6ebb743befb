/**
 * A loopback TCP relay in front of a server that counts round trips: one each time the client speaks after the server
 * has answered (or for the first time). Pipelined commands sent together count once, as they cost once.
 */
import * as net from "net";

export interface RoundTripRelay {
    /** The loopback port to connect to instead of the server's. */
    readonly port: number;
    roundTrips(): number;
    reset(): void;
    close(): void;
}

export async function countingRelay(target: number): Promise<RoundTripRelay> {
    let trips = 0;
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        let awaitingReply = false;
        const upstream = net.connect(target, "127.0.0.1");
        sockets.add(socket).add(upstream);
        socket.on("data", (data) => {
            if (!awaitingReply) trips++;
            awaitingReply = true;
            upstream.write(data);
        });
        upstream.on("data", (data) => {
            awaitingReply = false;
            socket.write(data);
        });
        socket.on("close", () => upstream.destroy());
        upstream.on("close", () => socket.destroy());
        socket.on("error", () => upstream.destroy());
        upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        roundTrips: () => trips,
        reset: () => (trips = 0),
        close: () => {
            for (const s of sockets) s.destroy();
            server.close();
        },
    };
}
