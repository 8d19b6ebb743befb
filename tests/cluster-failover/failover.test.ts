/**
 * The replicated bus as pods of the local cluster, under faults: the program's manifests for `replicas: 3` applied to
 * the real control plane, the StatefulSet's three pods each run by the node agent as a real redis-server and
 * redis-sentinel at the pod's own loopback address, started by the pod's own scripts, and HAProxy behind Service
 * `redis` (testbed/cluster/replicated-pods.ts). The scenarios and their judge are the loopback tier's
 * (tests/replication/scenarios.ts), with the cluster's Sentinel timing (down-after 5 s).
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { aclUsersProvider } from "../../components/acl-users/provider";
import { AclUsersInputs } from "../../components/acl-users/inputs";
import { ADMIN_USER, REPLICATION_USER, SENTINEL_USER, sha256Hex } from "../../components/render/acl";
import { mockPassword } from "../../ops/lib/mocks";
import { ClusterBus } from "../../testbed/cluster/cluster-bus";
import { ClusterState, kubectl, startCluster, stopCluster } from "../../testbed/cluster/local-cluster";
import { until } from "../../testbed/replicated-bus";
import { programManifests } from "../cluster/manifests";
import {
    SERVICE,
    assertPromisesKept,
    assertWritesResumedWithin,
    faultScenarios,
    withBus,
} from "../replication/scenarios";

const STREAM = "dsm:events";
const AUDIT_PASSWORD = "audit-password-0123456789";
const NODES = 3;
const passwordOf = (user: string) => mockPassword(`dsm-redis-${user}-password`);
const PASSWORDS = Object.fromEntries(
    [ADMIN_USER, SENTINEL_USER, REPLICATION_USER, SERVICE].map((user) => [user, passwordOf(user)]),
);

let cluster: ClusterState | undefined;

/** kubectl without blocking the event loop: the history's producers and consumers run meanwhile. */
function kubectlAsync(args: readonly string[]): Promise<string> {
    const { bin, kubeconfig } = state();
    return new Promise((resolve, reject) =>
        execFile(
            path.join(bin.kubernetes, "kubectl"),
            ["--kubeconfig", kubeconfig, ...args],
            (error, stdout, stderr) =>
                error ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr || error.message}`)) : resolve(stdout),
        ),
    );
}
const state = () => {
    if (cluster === undefined) throw new Error("the cluster did not start");
    return cluster;
};

describe("a replicated bus as pods of the local cluster, under faults", function () {
    this.timeout(300_000);

    before(async function () {
        this.timeout(600_000);
        cluster = await startCluster(fs.mkdtempSync(path.join(os.tmpdir(), "dsm-cluster-failover-")));
        const manifests = await programManifests({
            replicas: String(NODES),
            users: JSON.stringify([{ name: SERVICE, roles: ["publish", "consume"] }]),
        });
        // As tests/cluster/kube.ts applies them (not imported: its module brings the cluster tier's own hooks).
        kubectl(
            cluster,
            ["apply", "--server-side", "--validate=strict", "--field-manager=dsm-redis-tests", "-f", "-"],
            manifests.map((m) => JSON.stringify(m)).join("\n---\n"),
        );
        kubectl(cluster, ["rollout", "status", "statefulset/redis-node", "-n", "dsm", "--timeout=120s"]);
        kubectl(cluster, ["rollout", "status", "deployment/redis", "-n", "dsm", "--timeout=120s"]);
    });

    after(async function () {
        this.timeout(60_000);
        // DSM_KEEP_CLUSTER=1 keeps the folder (logs, the pods' files) to read after a failure.
        if (cluster !== undefined) await stopCluster(cluster.dir, { keep: process.env.DSM_KEEP_CLUSTER === "1" });
    });

    const attach = () => ClusterBus.attach(state(), NODES, PASSWORDS, STREAM, ADMIN_USER);

    it("runs each node at its pod's own address, node 0 master, and every Sentinel agrees", async () => {
        const bus = await attach();
        assert.equal(await bus.untilSettled(), 0);
        for (let i = 1; i < NODES; i++) assert.equal(await bus.role(i), "slave");
        // The address each pod reports, as a kubelet reports its pod IP, is the one its server announces.
        const podIPs = kubectl(state(), [
            "get",
            "pods",
            "-n",
            "dsm",
            "-l",
            "app=redis-node",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.status.podIP} {end}",
        ]);
        assert.deepEqual(
            podIPs.trim().split(" ").sort(),
            bus.topology.nodes.map((address, i) => `redis-node-${i}=${address}`),
        );
        const announced = await bus.onNode(0, ADMIN_USER, (c) => c.info("replication"));
        for (const address of bus.topology.nodes.slice(1)) assert.match(announced, new RegExp(`ip=${address},`));
    });

    it("applies a user change to every node through its own pod's port-forward, as the program does", async () => {
        const bus = await attach();
        const rules = [
            {
                user: "dsm-audit",
                rules: ["on", `#${sha256Hex(AUDIT_PASSWORD)}`, "~dsm:*", "resetchannels", "-@all", "+xlen"],
            },
        ];
        const connection = (ordinal: number) => ({
            namespace: "dsm",
            podSelector: { "statefulset.kubernetes.io/pod-name": `redis-node-${ordinal}` },
            port: 6379,
            kubeconfig: state().kubeconfig,
            username: ADMIN_USER,
            password: PASSWORDS[ADMIN_USER],
        });
        for (let i = 0; i < NODES; i++) {
            const inputs = { users: rules, connection: connection(i), readinessTimeoutSeconds: 60 } as AclUsersInputs;
            await aclUsersProvider.create(inputs);
        }
        // The new user logs in on every node: a replica too, since ACL SETUSER is not replicated.
        const asAudit = { ...PASSWORDS, "dsm-audit": AUDIT_PASSWORD };
        for (let i = 0; i < NODES; i++) {
            const client = bus.client({ host: bus.topology.nodes[i], port: bus.topology.redisPort }, "dsm-audit", {
                password: asAudit["dsm-audit"],
                lazyConnect: true,
                // The user may run XLEN only: not the INFO of ioredis's ready check.
                enableReadyCheck: false,
            });
            try {
                await client.connect();
                assert.equal(await client.xlen(STREAM), 0, `node ${i}`);
            } finally {
                client.disconnect();
            }
        }
    });

    faultScenarios(attach, { lostMasterMilliseconds: 10_000, plannedMilliseconds: 2_000 });

    it("a rolling restart by the StatefulSet controller: replicas first, the master handed over once by node 0's preStop and taken back by its postStart; no confirmed event lost, writes back within 2 s", async () => {
        const uids = () =>
            kubectl(state(), [
                "get",
                "pods",
                "-n",
                "dsm",
                "-l",
                "app=redis-node",
                "-o",
                "jsonpath={.items[*].metadata.uid}",
            ])
                .split(" ")
                .sort();
        const before = uids();
        let epochs: number[] = [];
        const masters: number[] = [];
        const verdict = await withBus(attach, async (bus) => {
            if ((await bus.untilSettled()) !== 0) {
                // Node 0 back from a loss takes the master back: where the bus is whenever node 0 is up.
                await bus.node(0).kill();
                await bus.node(0).start();
            }
            assert.equal(await bus.untilSettled(60_000), 0, "node 0 does not hold the master before the rollout");
            epochs = [await bus.configEpoch()];
            // The master the Sentinels agree on, through the rollout: each change of it, in order.
            let rolling = true;
            const sampler = (async () => {
                while (rolling) {
                    const agreed = await bus.agreedMaster().catch(() => undefined);
                    if (agreed !== undefined && agreed !== masters[masters.length - 1]) masters.push(agreed);
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
            })();
            try {
                // kubectl rollout restart, then its status, without blocking the producers and consumers of the history.
                await kubectlAsync(["rollout", "restart", "statefulset/redis-node", "-n", "dsm"]);
                await kubectlAsync(["rollout", "status", "statefulset/redis-node", "-n", "dsm", "--timeout=240s"]);
                // The rollout is done when node 0's new pod is Ready; its postStart hook may still wait for the sync.
                await bus.untilPostStartEnded(0);
                assert.equal(await bus.untilSettled(60_000), 0, "node 0 did not take the master back");
            } finally {
                rolling = false;
                await sampler;
            }
            epochs.push(await bus.configEpoch());
        });
        assertPromisesKept(verdict, "rollout restart");
        assertWritesResumedWithin(verdict, 2_000);
        const after = uids();
        assert.equal(after.length, NODES);
        assert.deepEqual(
            after.filter((uid) => before.includes(uid)),
            [],
            "every pod was replaced",
        );
        // Pods 2 and 1 went with the master on node 0; node 0's preStop handed it to one of them (both replaced by
        // then), and node 0's new pod took it back: two failovers, none more.
        assert.equal(masters.length, 3, `the master went ${masters.join(" → ")}`);
        assert.ok(masters[0] === 0 && masters[1] !== 0 && masters[2] === 0, `the master went ${masters.join(" → ")}`);
        assert.equal(epochs[1], epochs[0] + 2, `the config epoch went from ${epochs[0]} to ${epochs[1]}`);
    });

    it("brings a lost node back as a replica of the current master, by its start script asking the Sentinels", async () => {
        const bus = await attach();
        let master = await bus.untilSettled();
        if (master === 0) {
            // Off node 0 first, by its preStop script: node 0 back from a loss would take the master at once.
            assert.match(await bus.switchover(0), /master moved to/);
            master = await bus.untilSettled();
        }
        await bus.node(master).kill();
        const next = await bus.untilNewMaster(master);
        await bus.node(master).start();
        await until("the old master to follow the new one", async () => (await bus.role(master)) === "slave", 60_000);
        assert.equal(await bus.untilSettled(60_000), next);
    });
});
