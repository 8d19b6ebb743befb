/**
 * Another Pulumi program can use the bus as a library: the package builds to JavaScript with types, importing it
 * registers nothing, DsmRedis works from the built files, its arguments are typed, and the stream-groups provider it
 * serializes stands alone. The package is built into a temp folder and used from a consumer program beside it.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../scripts/lib/repo-root";

const TSC = require.resolve("typescript/bin/tsc");

describe("the package, imported by another program", function () {
    this.timeout(120_000);
    let dir: string;
    let consumer: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-redis-package-"));
        const pkg = path.join(dir, "dsm-redis");
        const build = spawnSync(
            process.execPath,
            [TSC, "-p", "tsconfig.build.json", "--outDir", path.join(pkg, "dist")],
            {
                cwd: REPO_ROOT,
                encoding: "utf8",
            },
        );
        assert.strictEqual(build.status, 0, build.stdout + build.stderr);
        fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(pkg, "package.json"));
        fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(pkg, "node_modules"));
        consumer = path.join(dir, "consumer");
        fs.mkdirSync(path.join(consumer, "node_modules"), { recursive: true });
        fs.symlinkSync(pkg, path.join(consumer, "node_modules", "dsm-redis"));
        for (const scope of ["@pulumi", "@types"]) {
            fs.symlinkSync(path.join(REPO_ROOT, "node_modules", scope), path.join(consumer, "node_modules", scope));
        }
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("ships what package.json points at: JavaScript and declarations, and nothing of the stack program", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
            main: string;
            types: string;
            exports: Record<string, { types: string; default: string }>;
        };
        const pkg = path.join(dir, "dsm-redis");
        for (const file of [
            manifest.main,
            manifest.types,
            manifest.exports["."].types,
            manifest.exports["."].default,
        ]) {
            assert.ok(fs.existsSync(path.join(pkg, file)), `${file} is built`);
        }
        assert.ok(!fs.existsSync(path.join(pkg, "dist", "index.js")), "the stack program is not part of the library");
        assert.ok(!fs.existsSync(path.join(pkg, "dist", "config")), "nor is its config reader");
    });

    it("registers nothing at import, then builds the bus from the built files, with a provider that stands alone", () => {
        fs.writeFileSync(
            path.join(consumer, "check.js"),
            `
const pulumi = require("@pulumi/pulumi");
const settings = require("@pulumi/pulumi/runtime/settings");
const Module = require("module");
const path = require("path");
const registered = [];
pulumi.runtime
    .setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, inputs: args.inputs });
                const result = args.type.endsWith(":RandomPassword") ? { result: "p".repeat(32) } : {};
                return { id: args.name + "-id", state: { ...args.inputs, ...result } };
            },
            call: (args) => args.inputs,
        },
        "consumer", "dev", false,
    )
    .then(async () => {
        const lib = require("dsm-redis");
        await settings.waitForRPCs();
        const atImport = registered.length;
        const bus = new lib.DsmRedis("bus", { resources: { limits: { memory: "256Mi" } } });
        await new Promise((resolve) => pulumi.all([bus.streamGroups.urn, bus.deployment.urn]).apply(resolve));
        await settings.waitForRPCs();
        const groups = registered.find((r) => r.type === "pulumi-nodejs:dynamic/dsm:RedisStreamGroups");
        const text = String(groups.inputs.__provider);
        const file = path.join(__dirname, "serialized-provider.js");
        const mod = new Module(file);
        mod.filename = file;
        mod.paths = Module._nodeModulePaths(__dirname);
        mod._compile(text, file);
        const provider = mod.exports.handler();
        const checked = await provider.check({}, { stream: "dsm:events", groups: [{ name: "a" }], connection: { host: "h", port: 0 } });
        console.log(JSON.stringify({
            atImport,
            types: [...new Set(registered.map((r) => r.type))].sort(),
            exports: Object.keys(lib).sort(),
            failures: checked.failures,
        }));
    })
    .catch((error) => { console.error(error); process.exit(1); });
`,
        );
        const run = spawnSync(process.execPath, ["check.js"], { cwd: consumer, encoding: "utf8" });
        assert.strictEqual(run.status, 0, run.stdout + run.stderr);
        const result = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as {
            atImport: number;
            types: string[];
            exports: string[];
            failures: Array<{ property: string; reason: string }>;
        };
        assert.strictEqual(result.atImport, 0, "importing the package registered resources");
        for (const type of [
            "kubernetes:apps/v1:Deployment",
            "kubernetes:core/v1:Service",
            "pulumi-nodejs:dynamic/dsm:RedisStreamGroups",
        ]) {
            assert.ok(result.types.includes(type), `${type} is registered`);
        }
        for (const name of ["DsmRedis", "DSM_REDIS_DEFAULTS", "InvalidArgumentsError", "RedisStreamGroups"]) {
            assert.ok(result.exports.includes(name), `${name} is exported`);
        }
        // The provider serialized from the package's built code runs on its own: its check refuses port 0.
        assert.deepStrictEqual(
            result.failures.map((f) => f.property),
            ["connection.port"],
        );
    });

    it("types the arguments: a program that passes a wrong type does not compile", () => {
        const tsconfig = {
            compilerOptions: {
                strict: true,
                module: "node16",
                moduleResolution: "node16",
                target: "ES2022",
                noEmit: true,
            },
        };
        // One compilation of both files: the good one compiles cleanly, the bad one fails on the wrong types.
        fs.writeFileSync(
            path.join(consumer, "tsconfig.json"),
            JSON.stringify({ ...tsconfig, files: ["good.ts", "bad.ts"] }),
        );
        fs.writeFileSync(
            path.join(consumer, "good.ts"),
            'import { DsmRedis, DsmRedisArgs } from "dsm-redis";\n' +
                'const args: DsmRedisArgs = { namespace: "events", resources: { limits: { memory: "1Gi" } } };\n' +
                'export const host = new DsmRedis("bus", args).host;\n',
        );
        fs.writeFileSync(
            path.join(consumer, "bad.ts"),
            'import { DsmRedis } from "dsm-redis";\nnew DsmRedis("bus", { port: "6379", persistence: "yes" });\n',
        );
        const bad = spawnSync(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: consumer, encoding: "utf8" });
        assert.notStrictEqual(bad.status, 0);
        assert.doesNotMatch(bad.stdout, /good\.ts/, "the well-typed program compiles");
        assert.match(bad.stdout, /bad\.ts.*error TS2322: Type 'string' is not assignable to type 'boolean/s);
    });
});
