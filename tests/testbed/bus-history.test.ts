/**
 * The failover tier's judge, on histories written by hand: it must flag what the bus promises never to do, and not
 * flag what a lost reply leaves open. Without these, a judge that passes everything would pass the tier.
 */
import { strict as assert } from "assert";
import type Redis from "ioredis";
import { BusHistory, Delivery, FinalState, Publication, checkHistory } from "../../testbed/bus-history";

const GROUP = "backlog-service-group";

function history(publications: Publication[], deliveries: Delivery[]): BusHistory {
    const recorded = new BusHistory({
        stream: "dsm:events",
        groups: [GROUP],
        majorityReplicas: 1,
        connect: () => assert.fail("a judged history connects to nothing") as Redis,
    });
    recorded.publications.push(...publications);
    recorded.deliveries.push(...deliveries);
    recorded.deliveredBeforeDrain = deliveries.length;
    return recorded;
}

const published = (event: string, id: string, at: number): Publication => ({
    event,
    durable: true,
    outcome: "confirmed",
    id,
    at,
});

function state(ids: Record<string, string>, pending: string[], lastDelivered: string): FinalState {
    return {
        entries: Object.entries(ids).map(([event, id]) => [id, ["event", event]]),
        groups: { [GROUP]: { lastDelivered, pending } },
    };
}

describe("checkHistory (the failover tier's judge)", () => {
    const publications = [published("durable-9", "1-0", 1000), published("durable-10", "2-0", 1040)];
    const stream = { "durable-9": "1-0", "durable-10": "2-0" };

    it("flags a withheld entry the master forgot: delivered, not pending, and behind the group's last-delivered ID", () => {
        const recorded = history(publications, [
            { group: GROUP, event: "durable-9", id: "1-0", acknowledgement: "acknowledged" },
            { group: GROUP, event: "durable-10", id: "2-0", acknowledgement: "withheld" },
        ]);
        const verdict = checkHistory(recorded, state(stream, [], "2-0"), state(stream, [], "2-0"));
        assert.deepEqual(verdict.pendingForgotten[GROUP], ["durable-10"]);
    });

    it("does not flag it while it is pending, or while the group has yet to deliver it again", () => {
        const withheld: Delivery = { group: GROUP, event: "durable-10", id: "2-0", acknowledgement: "withheld" };
        const pending = checkHistory(
            history(publications, [withheld]),
            state(stream, ["2-0"], "2-0"),
            state(stream, [], "2-0"),
        );
        assert.deepEqual(pending.pendingForgotten[GROUP], []);
        const behind = checkHistory(
            history(publications, [withheld]),
            state(stream, [], "1-0"),
            state(stream, [], "2-0"),
        );
        assert.deepEqual(behind.pendingForgotten[GROUP], []);
    });

    it("does not flag an entry whose XACK lost its reply: it may have run", () => {
        const recorded = history(publications, [
            { group: GROUP, event: "durable-10", id: "2-0", acknowledgement: "indeterminate" },
        ]);
        const verdict = checkHistory(recorded, state(stream, [], "2-0"), state(stream, [], "2-0"));
        assert.deepEqual(verdict.pendingForgotten[GROUP], []);
    });

    it("flags a confirmed event gone from the master, one in it twice, and one never delivered; measures the write gap", () => {
        const recorded = history(publications, [
            { group: GROUP, event: "durable-9", id: "1-0", acknowledgement: "acknowledged" },
        ]);
        const after: FinalState = {
            entries: [
                ["1-0", ["event", "durable-9"]],
                ["3-0", ["event", "durable-9"]],
            ],
            groups: { [GROUP]: { lastDelivered: "3-0", pending: [] } },
        };
        const verdict = checkHistory(recorded, state(stream, [], "1-0"), after);
        assert.deepEqual(verdict.confirmedLost, ["durable-10"]);
        assert.deepEqual(verdict.duplicated, ["durable-9"]);
        assert.deepEqual(verdict.undelivered[GROUP], ["durable-10"]);
        assert.equal(verdict.longestWriteGapMilliseconds, 40);
        assert.equal(verdict.confirmed, 2);
    });
});
