/**
 * The dynamic provider behind RedisTopologyGuard. Its check sees the inputs the stack last deployed beside the new
 * ones, which no program can: a change of the number of nodes of a live bus is refused there, at preview, naming
 * the setting, before any other child is touched. Serialized into the state: it captures nothing and imports no
 * library.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface TopologyInputs {
    /** The number of Redis nodes: 1, or an odd number from 3. */
    readonly replicas: number;
}

/** Why going from `before` to `after` nodes is refused, or undefined for no change. */
export function topologyChangeProblem(before: unknown, after: unknown): string | undefined {
    if (typeof before !== "number" || typeof after !== "number" || before === after) return undefined;
    return [
        `this bus runs ${before} node${before === 1 ? "" : "s"}; changing replicas to ${after} on a live bus is refused`,
        before === 1
            ? "the new nodes would start empty and the proxy would take over Service redis, leaving every event on the old volume"
            : "a replicated bus's nodes, claims and Sentinels are sized by it",
        `keep replicas ${before}; to move the bus to ${after} nodes, follow docs/high-availability.md, "Growing a bus"`,
    ].join("; ");
}

export const topologyGuardProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
        const reason = topologyChangeProblem(olds.replicas, news.replicas);
        return reason === undefined ? { inputs: news } : { inputs: news, failures: [{ property: "replicas", reason }] };
    },

    async diff(_id: string, olds: TopologyInputs, news: TopologyInputs) {
        return { changes: olds.replicas !== news.replicas, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs: TopologyInputs) {
        return { id: "topology", outs: inputs };
    },

    async update(_id: string, _olds: TopologyInputs, news: TopologyInputs) {
        return { outs: news };
    },

    async delete() {},
};
