/**
 * `npm run bench -- --engine`: the project's commands on the real engine and a local control plane (as the engine
 * tier sets them up), timed, against a baseline of the design's own steps on the same control plane: `kubectl apply` of
 * its two manifests until the Deployment is Available, and three `XGROUP CREATE` through `kubectl port-forward`.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { kubectl, startCluster, stopCluster } from "../testbed/cluster/local-cluster";
import { prepareEngine } from "../testbed/local-engine";
import { buildTools } from "../testbed/built-tools";
import { REPO_ROOT } from "../ops/lib/repo-root";

/** The design's manifests: Deployment and Service redis in namespace dsm, as its document gives them. */
const DESIGN_MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: { name: dsm }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: redis, namespace: dsm }
spec:
  replicas: 1
  selector: { matchLabels: { app: redis } }
  template:
    metadata: { labels: { app: redis } }
    spec:
      containers:
        - name: redis
          image: redis:7.2-alpine
          ports: [{ containerPort: 6379 }]
          resources:
            requests: { memory: "100Mi", cpu: "100m" }
            limits: { memory: "200Mi", cpu: "200m" }
---
apiVersion: v1
kind: Service
metadata: { name: redis, namespace: dsm }
spec:
  selector: { app: redis }
  ports: [{ protocol: TCP, port: 6379, targetPort: 6379 }]
  type: ClusterIP
`;

const seconds = (started: number) => (Date.now() - started) / 1000;

export async function engineBench(): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-bench-engine-"));
    buildTools("cluster", "engine");
    const cluster = await startCluster(path.join(dir, "cluster"));
    try {
        const engine = prepareEngine(path.join(dir, "engine"), cluster.kubeconfig);
        const k = (...args: string[]) => kubectl(cluster, args);

        // The baseline: the design's steps by hand.
        const started = Date.now();
        kubectl(cluster, ["apply", "-f", "-"], DESIGN_MANIFESTS);
        k("wait", "--for=condition=Available", "deployment/redis", "-n", "dsm", "--timeout=120s");
        const forward = spawn(path.join(cluster.bin.kubernetes, "kubectl"), [
            "--kubeconfig",
            cluster.kubeconfig,
            "port-forward",
            "-n",
            "dsm",
            "svc/redis",
            ":6379",
        ]);
        const port = await new Promise<number>((resolve, reject) => {
            forward.stdout.on("data", (chunk: Buffer) => {
                const match = /127\.0\.0\.1:(\d+)/.exec(chunk.toString());
                if (match) resolve(Number(match[1]));
            });
            forward.once("exit", () => reject(new Error("kubectl port-forward exited")));
        });
        const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
        await client.connect();
        for (const group of ["sprint-service", "project-service", "backlog-service"]) {
            await client.xgroup("CREATE", "dsm:events", group, "0", "MKSTREAM");
        }
        client.disconnect();
        forward.kill();
        const baseline = seconds(started);
        k("delete", "namespace", "dsm", "--wait=true", "--timeout=120s");

        // The project's commands, as a user runs them.
        const stackFile = path.join(REPO_ROOT, "Pulumi.engine-bench.yaml");
        fs.writeFileSync(stackFile, "config: {}\n");
        const run = (script: string, ...args: string[]) => {
            const at = Date.now();
            const result = spawnSync("npm", ["run", "--silent", script, "--", "--stack", "engine-bench", ...args], {
                cwd: REPO_ROOT,
                env: engine.env,
                encoding: "utf8",
            });
            if (result.status !== 0) throw new Error(`npm run ${script} failed:\n${result.stdout}${result.stderr}`);
            return seconds(at);
        };
        try {
            const preview = run("preview");
            const deploy = run("deploy");
            const verify = run("verify");
            const noOp = run("deploy");
            const destroy = run("destroy", "--yes");
            const rows: Array<[string, number]> = [
                ["design's steps by hand: kubectl apply, wait Available, 3 XGROUP CREATE via port-forward", baseline],
                ["npm run preview (policy pack enforced)", preview],
                ["npm run deploy, first, from empty (preview with the pack, then up)", deploy],
                ["npm run verify", verify],
                ["first deploy to a verified bus (deploy + verify)", deploy + verify],
                ["npm run deploy, no change", noOp],
                ["npm run destroy --yes", destroy],
            ];
            const width = Math.max(...rows.map(([name]) => name.length));
            return [
                `pulumi ${engine.versions.cli}, kubernetes plugin ${engine.versions.kubernetesPlugin} (as ${engine.versions.kubernetesSdk}); local control plane v1.37.2, KWOK`,
                ...rows.map(([name, s]) => `${name.padEnd(width)}  ${s.toFixed(1).padStart(6)} s`),
                `no-op deploy / preview: ${(noOp / preview).toFixed(2)}; first verified deploy / baseline: ${((deploy + verify) / baseline).toFixed(2)}`,
            ].join("\n");
        } finally {
            fs.rmSync(stackFile, { force: true });
        }
    } finally {
        await stopCluster(path.join(dir, "cluster"));
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
