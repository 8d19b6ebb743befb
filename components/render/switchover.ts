/**
 * The planned switchovers of a replicated bus, as one script with two modes. Pure: the script, rendered from the
 * topology.
 *
 * `switchover.sh` (the pod's preStop hook): a master about to stop hands over, without losing a write and with writes
 * held for about a second. On a replica it does nothing.
 *
 * `switchover.sh return` (the pod's postStart hook): node 0 takes the master back once it is a replica in sync. So the
 * master lives on node 0 whenever node 0 is up, and a StatefulSet's rolling update, which restarts the pods from the
 * highest ordinal down, restarts every replica first and the master last, moving it once onto a pod already updated,
 * and then back. Without it the master sits wherever the last failover put it; a rollout that meets it on the highest
 * ordinal moves it onto a pod not yet updated, and moves it again when that pod's turn comes. Kafka's preferred
 * leader election does the same for the same reason. On any other node it does nothing, and it never fails (a failed
 * postStart hook would kill the container): whatever goes wrong, the master stays where it is.
 *
 * A plain `SENTINEL FAILOVER` would lose writes: the old master keeps accepting them until a Sentinel turns it into a
 * replica, which Sentinel does only 8 s later (4 × its publish period), and a write another replica confirmed (WAIT)
 * in that window is then thrown away. So both modes, once no Sentinel is in a failover (one finishing the last one
 * would send the replica being promoted back to the master it chose), on the master:
 * 1. hold writes (CLIENT PAUSE … WRITE: clients wait, nothing is refused);
 * 2. wait until the replica to promote has every write (its offset equals the master's): when handing over, any;
 *    when node 0 returns, node 0;
 * 3. ask a Sentinel to fail over, one that knows every replica and peer if any does (a Sentinel restarted a moment
 *    ago may not know them all yet, and would not make a replica it does not know follow the new master): it promotes
 *    a replica with every write, the one with the lowest `replica-priority` among them, so node 0 when it returns;
 * 4. wait until a replica says it is master (Sentinel promoted it), and make the old master its replica at once
 *    (REPLICAOF);
 * 5. release the held clients, which now get READONLY or a closed connection, and retry on the new master;
 * 6. wait until the new master has a majority of replicas for `min-replicas-to-write`: without the old master when
 *    it hands over (stopped sooner, it would leave the new master refusing writes until the others follow it), with
 *    it when node 0 returns.
 * If a step times out the script releases the clients and fails: before step 4 the master stays where it was; at
 * step 6 the old master is already a replica, and the new one refuses writes until its replicas follow it.
 *
 * How node 0 is the one promoted: Sentinel picks, among the replicas with every write, the lowest
 * `replica-priority`. Node 0 lowers its own (CONFIG SET, not kept across a restart, which writes a fresh config) for
 * the return only, waits until the Sentinel it will ask has seen it (Sentinel reads it from INFO every 10 s), and
 * sets it back after. The priorities are never uneven otherwise: in an unplanned failover Sentinel must pick the
 * replica with the most writes, and a lower priority outranks a larger offset.
 */
import { SENTINEL_USER } from "./acl";
import {
    MASTER_NAME,
    REPLICA_PRIORITY,
    ReplicationTopology,
    SCRIPT_ENV,
    minReplicasToWrite,
    sentinelEndpoints,
} from "./replication";

/** The mode argument of the postStart hook: node 0 takes the master back. */
export const RETURN_MODE = "return";

/** Node 0's `replica-priority` while it takes the master back: below every other node's (REPLICA_PRIORITY). */
export const RETURNING_PRIORITY = 1;

/** Sentinel reads a replica's priority from its INFO every 10 s: the longest node 0 waits for a Sentinel to see it. */
const PRIORITY_SEEN_MILLISECONDS = 15_000;

export interface SwitchoverTiming {
    /** The longest writes are held; past it they go on, on the old master, and the script fails. */
    readonly holdMilliseconds: number;
    /** The longest node 0, started again, waits to be a replica in sync before it gives up taking the master back. */
    readonly returnSyncMilliseconds: number;
}

const tenths = (milliseconds: number) => Math.ceil(milliseconds / 100);

export function renderSwitchoverScript(topology: ReplicationTopology, timing: SwitchoverTiming): string {
    const sentinels = sentinelEndpoints(topology.nodes, topology.sentinelPort).join(" ");
    const hold = tenths(timing.holdMilliseconds);
    const me = `\${${SCRIPT_ENV.announceHost}}`;
    const port = topology.redisPort;
    return [
        "#!/bin/sh",
        "# Rendered by dsm-redis: moves the master without losing a write (components/render/switchover.ts).",
        `# switchover.sh: hand over, if this node is the master (preStop). switchover.sh ${RETURN_MODE}: node 0 takes`,
        "# the master back (postStart).",
        "set -eu",
        'mode="${1:-handover}"',
        `: "${me}" "\${${SCRIPT_ENV.sentinelPassword}}"`,
        `if [ "$mode" = ${RETURN_MODE} ]; then`,
        "    # A postStart hook that fails kills its container: whatever goes wrong, the master stays where it is.",
        `    sh "$0" ${RETURN_MODE}-now || echo "node 0 did not take the master back: it stays where it is"`,
        "    exit 0",
        "fi",
        "# The password in the environment of the node's redis-cli only, never on a command line (ps shows those).",
        `on() { host=$1 port=$2; shift 2; REDISCLI_AUTH="\${${SCRIPT_ENV.sentinelPassword}}" redis-cli --no-auth-warning --raw -h "$host" -p "$port" --user ${SENTINEL_USER} "$@"; }`,
        `node() { on "${me}" ${port} "$@"; }`,
        `sentinels='${sentinels}'`,
        "# As the Sentinel user: a Sentinel takes FAILOVER from it only.",
        `ask() { REDISCLI_AUTH="\${${SCRIPT_ENV.sentinelPassword}}" redis-cli --no-auth-warning --raw --user ${SENTINEL_USER} -h "\${1%:*}" -p "\${1##*:}" SENTINEL "$2" ${MASTER_NAME} 2>/dev/null; }`,
        "# A Sentinel that knows every replica and every peer: one restarted a moment ago may not know a replica yet, and",
        "# would leave it following the old master after the promotion (the new master then waits for it).",
        `knows_all() { view=$(ask "$1" MASTER) || return 1; for f in num-slaves num-other-sentinels; do [ "$(echo "$view" | sed -n "/^$f$/{n;p;}")" = ${topology.nodes.length - 1} ] || return 1; done; }`,
        "# A field of INFO replication of the node at $1:$2.",
        'field() { on "$1" "$2" INFO replication | tr -d "\\r" | sed -n "s/^$3://p"; }',
        "# Runs a check every tenth of a second until it holds, at most $1 times; else fails saying $2.",
        'within() { limit=$1 what=$2; shift 2; n=0; until "$@"; do n=$((n + 1)); [ $n -lt "$limit" ] || { echo "$what" >&2; return 1; }; sleep 0.1; done; }',
        'source_node() { on "$src_host" "$src_port" "$@"; }',
        'paused="" preferred=""',
        "# Whatever happens, the held clients are released and node 0's priority is the others' again.",
        "cleanup() {",
        '    if [ -n "$paused" ]; then source_node CLIENT UNPAUSE >/dev/null 2>&1 || true; paused=""; fi',
        `    if [ -n "$preferred" ]; then node CONFIG SET replica-priority ${REPLICA_PRIORITY} >/dev/null 2>&1 || true; preferred=""; fi`,
        "}",
        "trap cleanup EXIT",
        `if [ "$mode" = ${RETURN_MODE}-now ]; then`,
        `    index="\${${SCRIPT_ENV.nodeIndex}:-\${HOSTNAME##*-}}"`,
        '    [ "$index" = 0 ] || { echo "node $index: only node 0 takes the master back"; exit 0; }',
        "    # Until this node answers and is the master, or a replica whose link is up (synced).",
        `    linked() { role=$(node ROLE 2>/dev/null | head -n 1) && { [ "$role" = master ] || [ "$(field "${me}" ${port} master_link_status)" = up ]; }; }`,
        `    within ${tenths(timing.returnSyncMilliseconds)} "node 0 is no replica in sync after ${timing.returnSyncMilliseconds / 1000} s" linked`,
        '    [ "$role" != master ] || { echo "node 0 is the master"; exit 0; }',
        `    src_host=$(field "${me}" ${port} master_host) src_port=$(field "${me}" ${port} master_port) target="${me}" stopping=none`,
        "    preferred=yes",
        `    node CONFIG SET replica-priority ${RETURNING_PRIORITY} >/dev/null`,
        "    # The priority this Sentinel has for node 0, from its last INFO of it.",
        `    seen_by() { ask "$1" REPLICAS | awk -v me="${me}" 'p == "ip" { ip = $0 } p == "slave-priority" && ip == me { print } { p = $0 }' | grep -qx ${RETURNING_PRIORITY}; }`,
        '    pick() { for s in $sentinels; do if knows_all "$s" && seen_by "$s"; then via=$s; return 0; fi; done; return 1; }',
        `    within ${tenths(PRIORITY_SEEN_MILLISECONDS)} "no Sentinel has seen node 0's priority" pick`,
        "else",
        '    [ "$(node ROLE | head -n 1)" = master ] || { echo "not the master: nothing to move"; exit 0; }',
        `    src_host="${me}" src_port=${port} target="" via="" stopping="${me}"`,
        "fi",
        "# No Sentinel still in a failover: one finishing the last would send the replica it is promoting now back to",
        "# the master it chose (seen when node 0 came back just after a failover).",
        'quiet() { for s in $sentinels; do if ask "$s" MASTER | grep -q failover_in_progress; then return 1; fi; done; }',
        "# A failover ends at the latest its `failover-timeout` after its promotion, which came at most as long after its start.",
        `within ${tenths(2 * topology.failoverTimeoutMilliseconds)} "a Sentinel's failover is still in progress" quiet`,
        "paused=yes",
        `source_node CLIENT PAUSE ${timing.holdMilliseconds} WRITE >/dev/null`,
        "# Until the replica to promote (any, or node 0) has every write: its offset equals the master's, which stands",
        "# still while writes are held.",
        "caught_up() {",
        '    offset=$(field "$src_host" "$src_port" master_repl_offset)',
        '    field "$src_host" "$src_port" "slave[0-9]*" | grep -q "ip=${target:-[^,]*},port=[0-9]*,state=online,offset=$offset,"',
        "}",
        `within ${hold} "no replica caught up" caught_up`,
        "# The replicas' addresses as they announce them (ip=…,port=…): where the promoted one will be.",
        `replicas=$(field "$src_host" "$src_port" "slave[0-9]*" | sed -n "s/^ip=\\([^,]*\\),port=\\([0-9]*\\),.*/\\1:\\2/p")`,
        "# The first Sentinel that knows every replica and peer and accepts the failover; failing that, any.",
        "failover() {",
        '    if [ -n "$via" ]; then [ "$(ask "$via" FAILOVER)" = OK ]; return; fi',
        '    for s in $sentinels; do knows_all "$s" && [ "$(ask "$s" FAILOVER)" = OK ] && via=$s && return 0; done',
        '    for s in $sentinels; do [ "$(ask "$s" FAILOVER)" = OK ] && via=$s && return 0; done',
        "    return 1",
        "}",
        "# Where the Sentinel's failover stands (for a failure's message).",
        'failover_state() { ask "$via" MASTER | sed -n "/^failover-state$/{n;p;}"; }',
        'failover || { echo "no Sentinel started the failover" >&2; exit 1; }',
        "# The promoted replica, as soon as it says master: the Sentinels notice at their next INFO, up to a second later.",
        "new_master() {",
        "    for r in $replicas; do",
        '        if [ "$(on "${r%:*}" "${r##*:}" ROLE 2>/dev/null | head -n 1)" = master ]; then moved="${r%:*} ${r##*:}"; return 0; fi',
        "    done",
        "    return 1",
        "}",
        `within ${hold} "no new master within the hold" new_master || { echo "the Sentinel at $via: $(failover_state)" >&2; exit 1; }`,
        "# shellcheck disable=SC2086",
        "set -- $moved",
        'source_node REPLICAOF "$1" "$2" >/dev/null',
        "source_node CLIENT UNPAUSE >/dev/null",
        'paused=""',
        'echo "master moved to $1:$2"',
        "# The new master's online replicas but the one stopping: this node, when it hands over.",
        `online() { field "$1" "$2" "slave[0-9]*" | grep "state=online" | grep -vc "ip=$stopping," || true; }`,
        `majority() { [ "$(online "$1" "$2")" -ge ${minReplicasToWrite(topology.nodes.length)} ]; }`,
        `within ${hold} "the new master has no majority of replicas yet" majority "$1" "$2"`,
        "",
    ].join("\n");
}
