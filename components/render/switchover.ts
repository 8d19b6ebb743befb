/**
 * The planned switchover: moves the master off a node before it stops (the pod's preStop hook, a rolling restart),
 * without losing a write and with writes held for about a second. Pure: the script, rendered from the topology.
 *
 * A plain `SENTINEL FAILOVER` would lose writes: the old master keeps accepting them until a Sentinel turns it into a
 * replica, which Sentinel does only 8 s later (4 × its publish period), and a write another replica confirmed (WAIT)
 * in that window is then thrown away. So the script, on the master:
 * 1. holds writes (CLIENT PAUSE … WRITE: clients wait, nothing is refused);
 * 2. waits until a replica has every write (its offset equals the master's);
 * 3. asks a Sentinel to fail over, one that knows every replica and peer if any does (a Sentinel restarted a moment
 *    ago may not know them all yet, and would not make a replica it does not know follow the new master): it promotes
 *    the replica with the highest offset, one with every write;
 * 4. waits until one of its replicas says it is master (Sentinel promoted it), and makes this node its replica at
 *    once (REPLICAOF);
 * 5. releases the held clients, which now get READONLY or a closed connection, and retry on the new master;
 * 6. waits until the new master has a majority without this node (the other replicas follow it, which Sentinel
 *    arranges a moment after the promotion): stopped sooner, this node would leave the new master short of
 *    `min-replicas-to-write`, refusing writes until they do.
 * On a replica it does nothing. If a step times out it releases the clients and fails: before step 4 the node stays
 * master; at step 6 it is already a replica, and the new master refuses writes until its replicas follow it.
 */
import { SENTINEL_USER } from "./acl";
import { MASTER_NAME, ReplicationTopology, SCRIPT_ENV, minReplicasToWrite, sentinelEndpoints } from "./replication";

export interface SwitchoverTiming {
    /** The longest writes are held; past it they go on, on this node, and the script fails. */
    readonly holdMilliseconds: number;
}

export function renderSwitchoverScript(topology: ReplicationTopology, timing: SwitchoverTiming): string {
    const sentinels = sentinelEndpoints(topology.nodes, topology.sentinelPort).join(" ");
    const tenths = Math.ceil(timing.holdMilliseconds / 100);
    const me = `\${${SCRIPT_ENV.announceHost}}`;
    return [
        "#!/bin/sh",
        "# Rendered by dsm-redis: moves the master off this node without losing a write (components/render/switchover.ts).",
        "set -eu",
        `: "${me}" "\${${SCRIPT_ENV.sentinelPassword}}"`,
        "# The password in the environment of the node's redis-cli only, never on a command line (ps shows those).",
        `on() { host=$1 port=$2; shift 2; REDISCLI_AUTH="\${${SCRIPT_ENV.sentinelPassword}}" redis-cli --no-auth-warning --raw -h "$host" -p "$port" --user ${SENTINEL_USER} "$@"; }`,
        `node() { on "${me}" ${topology.redisPort} "$@"; }`,
        `sentinels='${sentinels}'`,
        "# As the Sentinel user: a Sentinel takes FAILOVER from it only.",
        `ask() { REDISCLI_AUTH="\${${SCRIPT_ENV.sentinelPassword}}" redis-cli --no-auth-warning --raw --user ${SENTINEL_USER} -h "\${1%:*}" -p "\${1##*:}" SENTINEL "$2" ${MASTER_NAME} 2>/dev/null; }`,
        "# A Sentinel that knows every replica and every peer: one restarted a moment ago may not know a replica yet, and",
        "# would leave it following this node after the promotion (the new master then waits for it).",
        `knows_all() { view=$(ask "$1" MASTER) || return 1; for f in num-slaves num-other-sentinels; do [ "$(echo "$view" | sed -n "/^$f$/{n;p;}")" = ${topology.nodes.length - 1} ] || return 1; done; }`,
        "# The first such Sentinel that accepts the failover; failing that, any.",
        'failover() { for s in $sentinels; do knows_all "$s" && [ "$(ask "$s" FAILOVER)" = OK ] && return 0; done; for s in $sentinels; do [ "$(ask "$s" FAILOVER)" = OK ] && return 0; done; return 1; }',
        "# The promoted replica, as soon as it says master: the Sentinels notice at their next INFO, up to a second later.",
        "new_master() {",
        "    for r in $replicas; do",
        '        if [ "$(on "${r%:*}" "${r##*:}" ROLE 2>/dev/null | head -n 1)" = master ]; then echo "${r%:*} ${r##*:}"; return 0; fi',
        "    done",
        "    return 1",
        "}",
        'field() { node INFO replication | tr -d "\\r" | sed -n "s/^$1://p"; }',
        `[ "$(node ROLE | head -n 1)" = master ] || { echo "not the master: nothing to move"; exit 0; }`,
        `release() { node CLIENT UNPAUSE >/dev/null || true; }`,
        "trap release EXIT",
        `node CLIENT PAUSE ${timing.holdMilliseconds} WRITE >/dev/null`,
        "# Until a replica has every write: its offset equals the master's (paused, the master's offset stands still).",
        "caught_up() {",
        "    offset=$(field master_repl_offset)",
        '    field "slave[0-9]*" | grep -q "state=online,offset=$offset,"',
        "}",
        "n=0",
        `until caught_up; do n=$((n + 1)); [ $n -lt ${tenths} ] || { echo "no replica caught up" >&2; exit 1; }; sleep 0.1; done`,
        "# The replicas' addresses as they announce them (ip=…,port=…): where the promoted one will be.",
        `replicas=$(field "slave[0-9]*" | sed -n "s/^ip=\\([^,]*\\),port=\\([0-9]*\\),.*/\\1:\\2/p")`,
        'failover || { echo "no Sentinel started the failover" >&2; exit 1; }',
        "n=0",
        `until moved=$(new_master); do n=$((n + 1)); [ $n -lt ${tenths} ] || { echo "no new master within the hold" >&2; exit 1; }; sleep 0.1; done`,
        "# shellcheck disable=SC2086",
        "set -- $moved",
        'node REPLICAOF "$1" "$2" >/dev/null',
        "release",
        'echo "master moved to $1:$2"',
        "# The new master's online replicas other than this node.",
        `others() { on "$1" "$2" INFO replication | tr -d "\\r" | grep "^slave[0-9]*:" | grep "state=online" | grep -vc "ip=${me}," || true; }`,
        "n=0",
        `until [ "$(others "$1" "$2")" -ge ${minReplicasToWrite(topology.nodes.length)} ]; do n=$((n + 1)); [ $n -lt ${tenths} ] || { echo "the new master has no majority without this node yet" >&2; exit 1; }; sleep 0.1; done`,
        "",
    ].join("\n");
}
