/**
 * Which node's series count for the bus as a whole. Pure.
 *
 * On a replicated bus every node has an exporter, and the replicas report the bus's stream and status keys as the
 * master does (a little behind, and their XADDs are the master's, replicated): an alert or a panel over them counts
 * the master's series only, so that it fires once and draws one line, from the node that has it all. The exporter's
 * `redis_instance_info` names each node's role; Prometheus gives each target's series its `instance`. A node's own
 * state (up, memory, AOF, refused writes) counts on every node. A bus of one node is its master.
 */

/** An expression counted on the master's series only. */
export type OnMaster = (expr: string) => string;

/** `bus`: the selector of the bus's series, e.g. `namespace="dsm"`. */
export function onMaster(bus: string): OnMaster {
    return (expr) => `(${expr}) and on(instance) redis_instance_info{${bus},role="master"}`;
}
