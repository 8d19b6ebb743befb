import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    SECRET_PLACEHOLDER,
    checkStackFile,
    configFromStackFile,
    formatViolations,
} from "../../scripts/lib/check-policies";

const ROOT = path.resolve(__dirname, "..", "..");

describe("npm run check-policies", () => {
    it("finds no violation in the dev stack", async () => {
        const violations = await checkStackFile(path.join(ROOT, "Pulumi.dev.yaml"));
        assert.strictEqual(formatViolations(violations), "no policy violations\n");
    });

    it("catches what the program's own validation allows but the pack forbids: a 2Gi limit over maxMemory 1Gi", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
        const file = path.join(dir, "Pulumi.big.yaml");
        fs.writeFileSync(file, "config:\n  dsm-redis:memoryLimit: 2Gi\n  dsm-redis:memoryRequest: 1Gi\n");
        try {
            const text = formatViolations(await checkStackFile(file));
            assert.match(
                text,
                /^\[mandatory\] resources-bounded: Deployment dsm\/redis, container "redis": spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory is "2Gi": the limit is above the maximum "1Gi" \(maxMemory\)/m,
            );
            assert.deepStrictEqual(await checkStackFile(file, { "resources-bounded": { maxMemory: "4Gi" } }), []);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reads a stack file as the engine passes config: full keys, text, JSON for structures, placeholders for secrets", () => {
        const config = configFromStackFile(
            [
                "config:",
                "  dsm-redis:port: 6380",
                "  dsm-redis:users:",
                "    - { name: a, roles: [consume] }",
                "  dsm-redis:passwords:",
                "    secure: v1:abc",
                "  kubernetes:kubeconfig:",
                "    secure: v1:def",
                "",
            ].join("\n"),
        );
        assert.deepStrictEqual(config, {
            "dsm-redis:port": "6380",
            "dsm-redis:users": '[{"name":"a","roles":["consume"]}]',
            "dsm-redis:passwords": "{}",
            "kubernetes:kubeconfig": SECRET_PLACEHOLDER,
        });
    });
});
