/**
 * Starts the pack exactly as the Pulumi CLI does for `pulumi preview --policy-pack policy`: from the pack's folder,
 * `@pulumi/pulumi/cmd/run-policy-pack` (resolved by Node from there, so the hoisted workspace install must serve it)
 * with an engine address and the pack's path. Then it talks to the pack over the analyzer gRPC protocol, as the
 * engine would: it lists the policies and analyzes a resource.
 */
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
    AnalyzeRequest,
    AnalyzeResponse,
    AnalyzerInfo,
    AnalyzerResourceOptions,
} from "@pulumi/pulumi/proto/analyzer_pb";
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as path from "path";
import { REPO_ROOT } from "../../ops/lib/repo-root";

const PACK = path.join(REPO_ROOT, "policy");

describe("the policy pack served as the Pulumi CLI starts it", function () {
    this.timeout(60_000);
    let pack: ChildProcess;
    let client: AnalyzerClient;

    before(async () => {
        // The same resolution the CLI's nodejs host performs, from the pack's own folder.
        const runner = execFileSync(
            process.execPath,
            ["-e", "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))"],
            { cwd: PACK, encoding: "utf8" },
        );
        assert.ok(runner.endsWith(path.join("@pulumi", "pulumi", "cmd", "run-policy-pack", "index.js")), runner);
        // The engine address is only used for logging; nothing listens there, and the pack does not need it to serve.
        pack = spawn(process.execPath, [runner, "127.0.0.1:1", PACK], { cwd: PACK, stdio: ["ignore", "pipe", "pipe"] });
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            let err = "";
            pack.stdout?.on("data", (chunk: Buffer) => {
                out += chunk.toString();
                const match = /^(\d+)\s*$/m.exec(out);
                if (match) resolve(Number(match[1]));
            });
            pack.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
            pack.on("exit", (code) => reject(new Error(`the pack exited with ${code}: ${err}`)));
        });
        client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill("SIGTERM");
    });

    it("reports its name and every policy with its enforcement level", async () => {
        const info = await new Promise<AnalyzerInfo>((resolve, reject) =>
            client.getAnalyzerInfo(new Empty(), (error, response) => (error ? reject(error) : resolve(response))),
        );
        assert.strictEqual(info.getName(), "dsm-redis-policies");
        assert.deepStrictEqual(
            info.getPoliciesList().map((p) => p.getName()),
            [
                "image-pinned",
                "resources-bounded",
                "pod-security-restricted",
                "probes-present",
                "redis-cluster-internal",
                "no-default-namespace",
            ],
        );
    });

    it("analyzes a Deployment as the engine sends it, and reports the unpinned image", async () => {
        const request = new AnalyzeRequest();
        request.setType("kubernetes:apps/v1:Deployment");
        request.setName("web");
        request.setOptions(new AnalyzerResourceOptions());
        request.setUrn("urn:pulumi:dev::dsm-redis::kubernetes:apps/v1:Deployment::web");
        request.setProperties(
            Struct.fromJavaScript({
                metadata: { name: "web", namespace: "dsm" },
                spec: { template: { spec: { containers: [{ name: "web", image: "redis:latest" }] } } },
            }),
        );
        const response = await new Promise<AnalyzeResponse>((resolve, reject) =>
            client.analyze(request, (error, result) => (error ? reject(error) : resolve(result))),
        );
        // The server puts the policy's description on the first line of each message, our finding on the next.
        const found = response
            .getDiagnosticsList()
            .map((d) => [d.getPolicyname(), d.getMessage().split("\n").pop() ?? ""]);
        assert.ok(
            found.some(
                ([policy, message]) =>
                    policy === "image-pinned" &&
                    message.startsWith(
                        'Deployment dsm/web, container "web": spec.template.spec.containers[0].image is "redis:latest": the image is not pinned',
                    ),
            ),
            JSON.stringify(found, null, 1),
        );
        assert.ok(found.some(([policy]) => policy === "resources-bounded"));
        assert.ok(found.some(([policy]) => policy === "pod-security-restricted"));
    });
});
