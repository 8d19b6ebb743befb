/**
 * haproxy.cfg for the proxy behind Service `redis` on a replicated bus. Pure.
 *
 * Why a proxy: plain clients (every DSM service) address `redis.dsm.svc.cluster.local:6379` and know nothing of
 * Sentinel. HAProxy asks every node for its ROLE ten times a second and sends connections only to the node that answers
 * master; when a node stops being master it closes that node's sessions, so no client stays on a demoted master
 * (the redis-ha chart's design). A Service whose selector follows a label on the master would need a controller with
 * rights to relabel pods, and would keep existing connections on the old master.
 */
import { PROBE_USER } from "./acl";

export interface ProxyTopology {
    /** Where the proxy listens. */
    readonly bind: { readonly host: string; readonly port: number };
    /** The nodes' addresses, by ordinal. */
    readonly nodes: readonly string[];
    readonly redisPort: number;
    /** Re-resolve the nodes' DNS names through the pod's resolver (in the cluster, where a restarted pod's IP changes). */
    readonly resolveNames: boolean;
}

/**
 * Idle limit for client and server sides: longer than any blocking read a consumer makes (XREADGROUP BLOCK), so
 * that the proxy never cuts a waiting consumer; ioredis reconnects when it does.
 */
export const PROXY_IDLE_TIMEOUT = "1h";

/**
 * Between two checks of a node's role. Short, because a demoted master stays up in the proxy's view until its next
 * check (connections sent to it meanwhile get READONLY and reconnect) and a promoted one waits for its next check:
 * at 100 ms both take a tenth of a second. A check is one connection running AUTH, ROLE and QUIT: 10 a second per
 * node is nothing to Redis.
 */
export const PROXY_CHECK_INTERVAL_MILLISECONDS = 100;

export function renderHaproxyConf(topology: ProxyTopology): string {
    const resolver = topology.resolveNames ? " resolvers cluster init-addr none" : "";
    return [
        "# Rendered by dsm-redis: sends every connection to the node that says it is master.",
        "global",
        "    maxconn 4096",
        "",
        "defaults",
        "    mode tcp",
        "    timeout connect 2s",
        `    timeout client ${PROXY_IDLE_TIMEOUT}`,
        `    timeout server ${PROXY_IDLE_TIMEOUT}`,
        "    timeout check 1s",
        "",
        ...(topology.resolveNames
            ? ["resolvers cluster", "    parse-resolv-conf", "    hold valid 1s", "    hold obsolete 1s", ""]
            : []),
        "frontend bus",
        `    bind ${topology.bind.host}:${topology.bind.port}`,
        "    default_backend master",
        "",
        "backend master",
        // Every connection to one server: the first that is up. If two answer master for a moment (an old master
        // back from a pause, before Sentinel demotes it), connections may reach the old one; it refuses writes
        // (min-replicas-to-write: its replicas follow the new master), and its sessions close when it is demoted.
        "    balance first",
        "    option tcp-check",
        "    tcp-check connect",
        // One round trip: log in as the probe user (no password, PING and ROLE only: the proxy holds no credential),
        // ask ROLE, and QUIT, so that the node closes the connection and a reply that does not match fails at once
        // rather than after the check timeout.
        `    tcp-check send "AUTH ${PROBE_USER} ${PROBE_USER}\\r\\nROLE\\r\\nQUIT\\r\\n"`,
        // A master's ROLE starts *3, $6, master; a replica's with slave. Single quotes: HAProxy passes the pattern
        // as written to PCRE (in double quotes it would take \* and \$ as its own escapes, and $6 as a variable).
        "    tcp-check expect rstring '^\\+OK\\r\\n\\*3\\r\\n\\$6\\r\\nmaster\\r\\n'",
        // One answer makes a node up, one wrong answer takes it down, and its sessions with it.
        ...topology.nodes.map(
            (host, index) =>
                `    server node-${index} ${host}:${topology.redisPort} check inter ${PROXY_CHECK_INTERVAL_MILLISECONDS}ms fall 1 rise 1 on-marked-down shutdown-sessions${resolver}`,
        ),
        "",
    ].join("\n");
}
