/**
 * The engine tier's world: a local control plane (as the cluster tier's) and the real Pulumi engine, both in one temp
 * folder, started before the first suite and stopped by PID after the last. Loaded first by `npm run test:engine`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClusterState, startCluster, stopCluster } from "../../testbed/cluster/local-cluster";
import { LocalEngine, prepareEngine } from "../../testbed/local-engine";
import { REPO_ROOT } from "../../ops/lib/repo-root";

let world: { cluster: ClusterState; engine: LocalEngine } | undefined;

export function engineWorld(): { cluster: ClusterState; engine: LocalEngine } {
    if (world === undefined) throw new Error("the engine tier is not set up (is tests/engine/hooks.ts loaded?)");
    return world;
}

/** The namespace of the bus that tests/engine/installed-package.test.ts deploys from the packed tarball. */
export const CONSUMER_NAMESPACE = "consumer-bus";

/** The stack config files the tier writes beside Pulumi.yaml, removed when it ends. */
export const TIER_STACKS = /^Pulumi\.engine-[a-z0-9-]+\.yaml$/;

function removeTierStackFiles(): void {
    for (const file of fs.readdirSync(REPO_ROOT)) if (TIER_STACKS.test(file)) fs.rmSync(path.join(REPO_ROOT, file));
}

before(async function () {
    // The control plane and the engine's plugins only: the tools are built before mocha runs (the test:engine and
    // test:commands scripts build them first), and a missing one fails at once, naming the command.
    this.timeout(300_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-engine-"));
    // Two namespaces whose Redis pods lead to the node agent's redis-server: the project's stacks use dsm, the
    // consumer program that installs the package uses its own, so that neither meets the other's leftovers.
    const cluster = await startCluster(path.join(dir, "cluster"), { redisNamespaces: ["dsm", CONSUMER_NAMESPACE] });
    world = { cluster, engine: prepareEngine(path.join(dir, "engine"), cluster.kubeconfig) };
    const v = world.engine.versions;
    process.stdout.write(
        `      cluster up in ${cluster.startSeconds.toFixed(1)} s; pulumi ${v.cli}, language host ${v.languageHost}, kubernetes plugin ${v.kubernetesPlugin} installed as ${v.kubernetesSdk}, random plugin ${v.randomPlugin} installed as ${v.randomSdk}\n`,
    );
});

after(async function () {
    this.timeout(60_000);
    removeTierStackFiles();
    if (world !== undefined) {
        await stopCluster(world.cluster.dir);
        fs.rmSync(path.dirname(world.cluster.dir), { recursive: true, force: true });
    }
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
        removeTierStackFiles();
        const stopping = world === undefined ? Promise.resolve() : stopCluster(world.cluster.dir);
        void stopping.finally(() => process.exit(130));
    });
}
