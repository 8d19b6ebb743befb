/**
 * The replicated bus's pure renderers on their own: the majority arithmetic, the ACL users a replicated bus adds,
 * and that the start and switchover scripts carry no password (they read it from the environment, from a Secret).
 * tests/replication/ runs the same scripts and config on real processes under faults.
 */
import * as assert from "assert";
import {
    ADMIN_USER,
    PROBE_USER,
    REPLICATION_USER,
    RESERVED_USERS,
    SENTINEL_USER,
    aclRules,
    sha256Hex,
} from "../../components/render/acl";
import { renderHaproxyConf } from "../../components/render/haproxy-conf";
import {
    ReplicationTopology,
    minReplicasToWrite,
    quorum,
    renderNodeStartScript,
    renderSentinelStartScript,
} from "../../components/render/replication";
import { SWITCHOVER_TIMING } from "../../components/render/replicated-pod-spec";
import { renderSwitchoverScript } from "../../components/render/switchover";

const TOPOLOGY: ReplicationTopology = {
    nodes: ["redis-node-0.redis-nodes", "redis-node-1.redis-nodes", "redis-node-2.redis-nodes"],
    redisPort: 6379,
    sentinelPort: 26379,
    downAfterMilliseconds: 5000,
    failoverTimeoutMilliseconds: 10000,
    minReplicasMaxLagSeconds: 10,
};

describe("the replicated bus's renderers", () => {
    it("a failover needs a majority of the Sentinels, and a write a majority of the nodes", () => {
        assert.deepStrictEqual([3, 5, 7].map(quorum), [2, 3, 4]);
        assert.deepStrictEqual([3, 5, 7].map(minReplicasToWrite), [1, 2, 3]);
    });

    it("the node's config says it all: who it replicates as, and when it refuses writes", () => {
        const script = renderNodeStartScript(TOPOLOGY);
        for (const line of [
            `masteruser ${REPLICATION_USER}`,
            "min-replicas-to-write 1",
            "min-replicas-max-lag 10",
            "replica-announce-port 6379",
            "replica-read-only yes",
        ]) {
            assert.ok(script.includes(`echo "${line}"`), line);
        }
        // A new bus: without a Sentinel's answer, node 0 is the master and every other node its replica.
        assert.ok(script.includes("master='redis-node-0.redis-nodes 6379'"), "node 0 as the first master");
    });

    it("the Sentinel's config: quorum, timings, the user it logs in as", () => {
        const script = renderSentinelStartScript(TOPOLOGY);
        for (const line of [
            "sentinel monitor dsm $master 2",
            `sentinel auth-user dsm ${SENTINEL_USER}`,
            "sentinel down-after-milliseconds dsm 5000",
            "sentinel failover-timeout dsm 10000",
            "port 26379",
        ]) {
            assert.ok(script.includes(`echo "${line}"`), line);
        }
        for (const node of TOPOLOGY.nodes) assert.ok(script.includes(`'${node}:26379'`), node);
    });

    it("no script holds a password: each reads it from the environment, and redis-cli gets it in REDISCLI_AUTH", () => {
        const switchover = renderSwitchoverScript(TOPOLOGY, SWITCHOVER_TIMING);
        assert.ok(renderNodeStartScript(TOPOLOGY).includes('masterauth \\"${REPLICATION_PASSWORD}\\"'));
        assert.ok(renderSentinelStartScript(TOPOLOGY).includes('auth-pass dsm \\"${SENTINEL_PASSWORD}\\"'));
        assert.ok(switchover.includes('REDISCLI_AUTH="${SENTINEL_PASSWORD}"'));
        assert.ok(!/\s-a\s/.test(switchover), "a password on redis-cli's command line");
        assert.ok(switchover.includes("CLIENT PAUSE 5000 WRITE"), "writes held for the hold");
    });

    it("a replicated bus's ACL adds the replication and Sentinel users, and ROLE for the proxy's probe", () => {
        const hashes = Object.fromEntries([ADMIN_USER, REPLICATION_USER, SENTINEL_USER].map((u) => [u, sha256Hex(u)]));
        const single = aclRules([], hashes);
        const replicated = aclRules([], hashes, [], true);
        const rules = (list: typeof single, user: string) => list.find((r) => r.user === user)?.rules;
        assert.strictEqual(rules(single, REPLICATION_USER), undefined);
        assert.strictEqual(rules(single, SENTINEL_USER), undefined);
        assert.ok(!rules(single, PROBE_USER)?.includes("+role"));
        assert.ok(rules(replicated, PROBE_USER)?.includes("+role"));
        assert.deepStrictEqual(rules(replicated, REPLICATION_USER), [
            "on",
            `#${sha256Hex(REPLICATION_USER)}`,
            "resetchannels",
            "-@all",
            "+psync",
            "+replconf",
            "+ping",
        ]);
        // Redis's documented rules for a Sentinel user, with REPLICAOF beside SLAVEOF and CLIENT PAUSE and UNPAUSE for
        // the switchover script; the failover tier runs real Sentinels with exactly these.
        const sentinel = rules(replicated, SENTINEL_USER) ?? [];
        assert.deepStrictEqual(sentinel.slice(2), [
            "resetchannels",
            "&__sentinel__:hello",
            "-@all",
            "+ping",
            "+info",
            "+role",
            "+multi",
            "+exec",
            "+slaveof",
            "+replicaof",
            "+config|rewrite",
            "+subscribe",
            "+publish",
            "+client|setname",
            "+client|kill",
            "+client|pause",
            "+client|unpause",
            "+config|set",
            "+script|kill",
        ]);
        assert.ok(!sentinel.some((r) => r.startsWith("~")), "the Sentinel user reaches no key");
        assert.ok(RESERVED_USERS.includes(REPLICATION_USER) && RESERVED_USERS.includes(SENTINEL_USER));
    });

    it("the proxy checks every node's ROLE and closes a demoted master's sessions", () => {
        const conf = renderHaproxyConf({
            bind: { host: "0.0.0.0", port: 6379 },
            nodes: TOPOLOGY.nodes,
            redisPort: 6379,
            resolveNames: true,
        });
        const servers = conf.split("\n").filter((l) => l.trim().startsWith("server "));
        assert.strictEqual(servers.length, 3);
        for (const s of servers) assert.match(s, /check inter 100ms fall 1 rise 1 on-marked-down shutdown-sessions/);
        assert.ok(conf.includes(`AUTH ${PROBE_USER} ${PROBE_USER}\\r\\nROLE\\r\\nQUIT\\r\\n`));
        assert.ok(conf.includes("resolvers cluster"), "names re-resolved in the cluster");
    });
});
