/**
 * A loopback relay in front of a server that counts round trips: one each time the client speaks after the server
 * has answered (or for the first time). Pipelined commands sent together count once, as they cost once.
 */
import { Relay, startRelay } from "../testbed/relay";

export interface RoundTripRelay extends Relay {
    roundTrips(): number;
    reset(): void;
}

export async function countingRelay(target: number): Promise<RoundTripRelay> {
    let trips = 0;
    const relay = await startRelay(target, () => {
        let awaitingReply = false;
        return {
            fromClient: (data) => {
                if (!awaitingReply) trips++;
                awaitingReply = true;
                return data;
            },
            fromServer: (data) => {
                awaitingReply = false;
                return data;
            },
        };
    });
    return { ...relay, roundTrips: () => trips, reset: () => (trips = 0) };
}
