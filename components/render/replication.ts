/**
 * A replicated bus: one master, replicas, and a Sentinel beside each node. Pure: the start scripts of a node and of
 * its Sentinel, rendered from the topology. The same scripts run in the pods and, on loopback, in the tests, so the
 * tests check what ships.
 *
 * Why a script and not only a config file: which node is master is decided at run time (by the Sentinels, after a
 * failover), and the passwords a replica and a Sentinel need come from a Secret, so each start writes its own config
 * into a private run directory and then executes the server.
 */
import { PROBE_USER, REPLICATION_USER, SENTINEL_USER } from "./acl";

/** The name Sentinel monitors the bus under, and Sentinel-aware clients ask for. */
export const MASTER_NAME = "dsm";

/** The port each Sentinel listens on: Sentinel's own default. */
export const SENTINEL_PORT = 26379;

/** Where a node or Sentinel writes its run-time config (a private, memory-backed directory in the pod). */
export const RUN_DIR = "/run/redis";

/**
 * Every node's `replica-priority` (Redis's default, written out): equal on every node, so that an unplanned failover
 * promotes the replica with the most writes. Only node 0's return lowers its own for a moment (switchover.ts).
 */
export const REPLICA_PRIORITY = 100;

/** The environment each script reads at run time. */
export const SCRIPT_ENV = {
    /** The address peers reach this pod at: its stable DNS name in the cluster, its own loopback address in tests. */
    announceHost: "ANNOUNCE_HOST",
    /** The node's ordinal; the pod's hostname suffix (`redis-node-2`) when unset. */
    nodeIndex: "NODE_INDEX",
    /** The base redis.conf the node's config starts from. */
    baseConfig: "BASE_CONFIG",
    replicationPassword: "REPLICATION_PASSWORD",
    sentinelPassword: "SENTINEL_PASSWORD",
    runDir: "RUN_DIR",
} as const;

/** How a replicated bus's nodes spread over hosts: where the scheduler can, or always. */
export const REPLICA_SPREADS = ["preferred", "required"] as const;
export type ReplicaSpread = (typeof REPLICA_SPREADS)[number];

/**
 * What anyone may ask a Sentinel without a password: where the master is, who the other Sentinels and the replicas
 * are, and to be told of a failover (`+switch-master`), which is what a Sentinel-aware client (ioredis `sentinels`)
 * asks. Never FAILOVER, SET, REMOVE, RESET or CONFIG: those need the Sentinel user, which the peers and the scripts
 * log in as.
 */
export const SENTINEL_CLIENT_RULES = [
    "resetchannels",
    "&+switch-master",
    "-@all",
    "+ping",
    "+auth",
    "+client|setname",
    "+sentinel|get-master-addr-by-name",
    "+sentinel|sentinels",
    "+sentinel|replicas",
    "+sentinel|slaves",
    "+subscribe",
    "+unsubscribe",
] as const;

export interface Endpoint {
    readonly host: string;
    readonly port: number;
}

export interface ReplicationTopology {
    /** Each node's address as its peers reach it, by ordinal; node 0 is the master of a new bus. */
    readonly nodes: readonly string[];
    /** The port every node listens on. */
    readonly redisPort: number;
    /** The port every Sentinel listens on; Sentinels run at the nodes' addresses. */
    readonly sentinelPort: number;
    /** A master that has not answered for this long is down, in a Sentinel's view. */
    readonly downAfterMilliseconds: number;
    /** How long a Sentinel waits before it retries a failover that did not complete. */
    readonly failoverTimeoutMilliseconds: number;
    /**
     * The longest a replica may lag before a master stops counting it for `min-replicas-to-write`: a master cut off
     * from its replicas for this long refuses writes, so that a partitioned master does not keep taking them.
     */
    readonly minReplicasMaxLagSeconds: number;
}

/** Votes a failover needs: a majority of the Sentinels, so that a minority (one side of a partition) cannot elect. */
export function quorum(nodes: number): number {
    return Math.floor(nodes / 2) + 1;
}

/**
 * Replicas a write must reach before the master accepts the next one: with the master, a majority of the nodes. A
 * master that has fewer connected replicas refuses writes (NOREPLICAS).
 */
export function minReplicasToWrite(nodes: number): number {
    return quorum(nodes) - 1;
}

/** A shell word in single quotes. */
function shellWord(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Shell lines that set `master` to "host port" of the master the Sentinels agree on now; when no Sentinel answers
 * (every one restarting, or a new bus), of the node that says it is master, the one with the most replicas if several
 * do; else leave it empty (a new bus). Asking the nodes keeps a node or Sentinel that starts while every Sentinel is
 * down from taking node 0 for the master while its peers follow another: a second master, or Sentinels that would
 * make the real master follow node 0 and drop what it took since.
 */
function askForMaster(topology: ReplicationTopology): string[] {
    const port = topology.redisPort;
    return [
        "# In a function, whose `set --` leaves the script's own arguments alone.",
        "current_master() {",
        `    for sentinel in ${sentinelWords(topology).map(shellWord).join(" ")}; do`,
        `        reply=$(redis-cli --raw -h "\${sentinel%:*}" -p "\${sentinel##*:}" SENTINEL get-master-addr-by-name ${MASTER_NAME} 2>/dev/null) || continue`,
        "        # shellcheck disable=SC2086",
        "        set -- $reply",
        '        if [ $# -eq 2 ]; then echo "$1 $2"; return 0; fi',
        "    done",
        "}",
        "# As the probe user, which may run ROLE and needs no password: a master's ROLE lists 3 lines per replica.",
        "node_master() {",
        '    best="" most=-1',
        `    for node in ${topology.nodes.map(shellWord).join(" ")}; do`,
        `        role=$(redis-cli --no-auth-warning --raw -h "$node" -p ${port} --user ${PROBE_USER} --pass ${PROBE_USER} ROLE 2>/dev/null) || continue`,
        '        [ "$(echo "$role" | head -n 1)" = master ] || continue',
        '        replicas=$((($(echo "$role" | wc -l) - 2) / 3))',
        `        if [ "$replicas" -gt "$most" ]; then best="$node ${port}" most=$replicas; fi`,
        "    done",
        '    echo "$best"',
        "}",
        "master=$(current_master)",
        '[ -n "$master" ] || master=$(node_master)',
    ];
}

/** The Sentinels, as host:port: one at each node's address. */
export function sentinelEndpoints(nodes: readonly string[], sentinelPort: number): string[] {
    return nodes.map((host) => `${host}:${sentinelPort}`);
}

function sentinelWords(topology: ReplicationTopology): string[] {
    return sentinelEndpoints(topology.nodes, topology.sentinelPort);
}

const env = (name: keyof typeof SCRIPT_ENV) => `\${${SCRIPT_ENV[name]}}`;

/**
 * The start script of one Redis node. It asks the Sentinels which node is master, and the nodes when no Sentinel
 * answers; without an answer, node 0 starts as master and the others as its replicas. It writes the base config plus the replication lines into the run
 * directory (owner-only: it holds `masterauth`), then executes redis-server with the script's own arguments appended
 * (the tests pass their bind address and directories).
 */
export function renderNodeStartScript(topology: ReplicationTopology): string {
    const nodes = topology.nodes.length;
    return [
        "#!/bin/sh",
        "# Rendered by dsm-redis: starts one node of the replicated bus, as master or as replica of the master.",
        "set -eu",
        `: "${env("announceHost")}" "${env("baseConfig")}" "${env("replicationPassword")}" "${env("runDir")}"`,
        `index="\${${SCRIPT_ENV.nodeIndex}:-\${HOSTNAME##*-}}"`,
        ...askForMaster(topology),
        "# Neither a Sentinel nor a node knows a master: a new bus, whose first node is its master.",
        `if [ -z "$master" ] && [ "$index" != 0 ]; then master=${shellWord(`${topology.nodes[0]} ${topology.redisPort}`)}; fi`,
        "umask 077",
        `conf="${env("runDir")}/redis.conf"`,
        "{",
        `    cat "${env("baseConfig")}"`,
        '    echo ""',
        '    echo "# Replication, written at start."',
        `    echo "replica-announce-ip ${env("announceHost")}"`,
        `    echo "replica-announce-port ${topology.redisPort}"`,
        `    echo "masteruser ${REPLICATION_USER}"`,
        `    echo "masterauth \\"${env("replicationPassword")}\\""`,
        '    echo "replica-read-only yes"',
        `    echo "min-replicas-to-write ${minReplicasToWrite(nodes)}"`,
        `    echo "min-replicas-max-lag ${topology.minReplicasMaxLagSeconds}"`,
        "    # A replica that restarts syncs in full; by default the master waits 5 s for others to share the transfer,",
        "    # while it counts one replica fewer for min-replicas-to-write. Replicas restart one at a time: no wait.",
        '    echo "repl-diskless-sync-delay 0"',
        `    echo "replica-priority ${REPLICA_PRIORITY}"`,
        `    if [ -n "$master" ] && [ "\${master% *}" != "${env("announceHost")}" ]; then echo "replicaof $master"; fi`,
        '} > "$conf"',
        'exec redis-server "$conf" "$@"',
        "",
    ].join("\n");
}

/**
 * The start script of one Sentinel. It asks its peers for the master they agree on (a restarted Sentinel must not
 * go back to node 0 after a failover), then the nodes, else monitors node 0, and writes a fresh sentinel.conf, which Sentinel then
 * rewrites as it learns the replicas and peers.
 */
export function renderSentinelStartScript(topology: ReplicationTopology): string {
    const name = MASTER_NAME;
    return [
        "#!/bin/sh",
        "# Rendered by dsm-redis: starts the Sentinel beside one node of the replicated bus.",
        "set -eu",
        `: "${env("announceHost")}" "${env("sentinelPassword")}" "${env("runDir")}"`,
        ...askForMaster(topology),
        `if [ -z "$master" ]; then master=${shellWord(`${topology.nodes[0]} ${topology.redisPort}`)}; fi`,
        "umask 077",
        `conf="${env("runDir")}/sentinel.conf"`,
        `hash=$(printf %s "${env("sentinelPassword")}" | sha256sum | cut -d " " -f 1)`,
        "{",
        `    echo "port ${topology.sentinelPort}"`,
        '    echo "protected-mode no"',
        `    echo "dir ${env("runDir")}"`,
        "    # Peers are named by stable DNS names in the cluster: a restarted pod keeps its name, not its IP.",
        '    echo "sentinel resolve-hostnames yes"',
        '    echo "sentinel announce-hostnames yes"',
        `    echo "sentinel announce-ip ${env("announceHost")}"`,
        `    echo "sentinel announce-port ${topology.sentinelPort}"`,
        `    echo "sentinel monitor ${name} $master ${quorum(topology.nodes.length)}"`,
        "    # Its own users: a client may only ask where the master is; the peers and the scripts log in as the Sentinel user.",
        `    echo "user default on nopass ${SENTINEL_CLIENT_RULES.join(" ")}"`,
        `    echo "user ${SENTINEL_USER} on #$hash resetchannels &* +@all"`,
        `    echo "sentinel sentinel-user ${SENTINEL_USER}"`,
        `    echo "sentinel sentinel-pass \\"${env("sentinelPassword")}\\""`,
        `    echo "sentinel auth-user ${name} ${SENTINEL_USER}"`,
        `    echo "sentinel auth-pass ${name} \\"${env("sentinelPassword")}\\""`,
        `    echo "sentinel down-after-milliseconds ${name} ${topology.downAfterMilliseconds}"`,
        `    echo "sentinel failover-timeout ${name} ${topology.failoverTimeoutMilliseconds}"`,
        `    echo "sentinel parallel-syncs ${name} 1"`,
        '} > "$conf"',
        'exec redis-sentinel "$conf" "$@"',
        "",
    ].join("\n");
}
