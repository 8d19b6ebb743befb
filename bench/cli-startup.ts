/**
 * `npm run bench -- --cli`: the plain CLI's commands, as users type them, measured side by side in one run on a local
 * control plane, in a copy of the project: `pulumi preview` of the bus against `pulumi preview` of a program with one
 * ConfigMap; the same preview with `--policy-pack policy`; and a no-op `pulumi up` against `pulumi preview`. Each is
 * the median of several runs, and the three ratios are printed against their targets.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startCluster, stopCluster } from "../testbed/cluster/local-cluster";
import { prepareEngine } from "../testbed/local-engine";
import { buildTools } from "../testbed/built-tools";
import { copyProject } from "../testbed/project-copy";

const ONE_CONFIGMAP = `const k8s = require("@pulumi/kubernetes");
new k8s.core.v1.ConfigMap("one", { metadata: { name: "one", namespace: "default" }, data: { a: "b" } });
`;

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

export async function cliBench(repeats = Number(process.env.BENCH_REPEATS ?? 3)): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-bench-cli-"));
    buildTools("cluster", "engine");
    const cluster = await startCluster(path.join(dir, "cluster"));
    try {
        const engine = prepareEngine(path.join(dir, "engine"), cluster.kubeconfig);
        const project = copyProject(dir);
        const small = path.join(dir, "one-configmap");
        fs.mkdirSync(small);
        fs.writeFileSync(path.join(small, "Pulumi.yaml"), "name: one-configmap\nruntime: nodejs\n");
        fs.writeFileSync(path.join(small, "index.js"), ONE_CONFIGMAP);
        fs.symlinkSync(path.join(project, "node_modules"), path.join(small, "node_modules"));
        const pulumiWith = (env: NodeJS.ProcessEnv, cwd: string, ...args: string[]): number => {
            const started = Date.now();
            const result = spawnSync("pulumi", [...args, "--stack", "bench", "--non-interactive"], {
                cwd,
                env,
                encoding: "utf8",
            });
            if (result.status !== 0)
                throw new Error(`pulumi ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
            return (Date.now() - started) / 1000;
        };
        const pulumi = (cwd: string, ...args: string[]) => pulumiWith(engine.env, cwd, ...args);
        const times = (cwd: string, ...args: string[]) =>
            median(Array.from({ length: repeats }, () => pulumi(cwd, ...args)));
        // What dominates, measured: the same preview without ts-node's type check, and the update of a no-op up
        // without the preview that `pulumi up` runs first.
        const transpileOnly = { ...engine.env, PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
        pulumi(project, "stack", "init");
        pulumi(small, "stack", "init");
        // Interleaved, so that a slower moment of the machine weighs on every figure alike.
        const preview = times(project, "preview");
        const smallPreview = times(small, "preview");
        const withPack = times(project, "preview", "--policy-pack", "policy");
        pulumi(project, "up", "--yes");
        const noOp = times(project, "up", "--yes", "--expect-no-changes");
        const previewDeployed = times(project, "preview");
        const noOpSkipPreview = times(project, "up", "--yes", "--skip-preview", "--expect-no-changes");
        const previewUnchecked = median(
            Array.from({ length: repeats }, () => pulumiWith(transpileOnly, project, "preview")),
        );
        pulumi(project, "destroy", "--yes");
        const rows: Array<[string, number]> = [
            ["pulumi preview, a program with one ConfigMap (JavaScript)", smallPreview],
            ["pulumi preview, the bus (TypeScript, empty stack)", preview],
            ["pulumi preview --policy-pack policy, the bus", withPack],
            ["pulumi preview, the bus deployed", previewDeployed],
            ["pulumi up, no change", noOp],
            ["pulumi up --skip-preview, no change", noOpSkipPreview],
            ["pulumi preview, the bus deployed, PULUMI_NODEJS_TRANSPILE_ONLY=true", previewUnchecked],
        ];
        const width = Math.max(...rows.map(([name]) => name.length));
        const ratio = (name: string, value: number, target: string, ok: boolean, dominated: string) =>
            `${name.padEnd(48)} ${value.toFixed(2).padStart(6)}  target ${target}  ${ok ? "met" : `missed: ${dominated}`}`;
        return [
            `pulumi ${engine.versions.cli}, language host ${engine.versions.languageHost.split(" ")[0]}, median of ${repeats}; local control plane v1.37.2, KWOK`,
            ...rows.map(([name, s]) => `${name.padEnd(width)}  ${s.toFixed(1).padStart(6)} s`),
            "",
            ratio(
                "preview of the bus / preview of one ConfigMap",
                preview / smallPreview,
                "<= 2",
                preview / smallPreview <= 2,
                `ts-node's type check of the program: ${(previewDeployed - previewUnchecked).toFixed(1)} s of the ${previewDeployed.toFixed(1)} s (transpile-only: ${(previewUnchecked / smallPreview).toFixed(2)}x)`,
            ),
            ratio(
                "seconds the policy pack adds to a preview",
                withPack - preview,
                "<= 1",
                withPack - preview <= 1,
                "starting the pack's Node process and its gRPC server, then one call per resource",
            ),
            ratio(
                "no-op pulumi up / pulumi preview",
                noOp / previewDeployed,
                "<= 1.5",
                noOp / previewDeployed <= 1.5,
                `pulumi up runs the program twice, its preview then the update; the update alone is ${(noOpSkipPreview / previewDeployed).toFixed(2)}x a preview`,
            ),
        ].join("\n");
    } finally {
        await stopCluster(path.join(dir, "cluster"));
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
