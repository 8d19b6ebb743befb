/**
 * Another Pulumi program can adopt the bus from a registry: the package is packed by `npm pack` and unpacked into a
 * consumer's node_modules (a real folder, as `npm install` leaves it), importing it registers nothing, its arguments
 * are typed, and under the mocks of Pulumi's documentation (`state: args.inputs`) DsmRedis builds with users and groups,
 * each dynamic provider serializing from the installed package into code that loads and runs on its own.
 * The engine tier runs the same tarball under the real engine (tests/engine/installed-package.test.ts).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PackedPackage, installTarball, packPackage } from "./helpers/installed-package";

const TSC = require.resolve("typescript/bin/tsc");

describe("the package, installed from its tarball by another program", function () {
    this.timeout(120_000);
    let dir: string;
    let consumer: string;
    let packed: PackedPackage;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-redis-package-"));
        packed = packPackage(dir);
        consumer = path.join(dir, "consumer");
        installTarball(packed.tarball, consumer);
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("ships only what runs: the built library with its declarations, and its papers", () => {
        const outside = packed.files.filter(
            (f) => !/^dist\/(components|k8s-grammar)\/.*\.(js|d\.ts)$/.test(f) && !f.endsWith(".js.map"),
        );
        assert.deepStrictEqual(outside.sort(), ["CHANGELOG.md", "LICENSE", "README.md", "package.json"]);
        for (const f of ["dist/components/index.js", "dist/components/index.d.ts"]) {
            assert.ok(packed.files.includes(f), `${f} is shipped`);
        }
        assert.ok(!packed.files.some((f) => f.startsWith("dist/config/") || f === "dist/index.js"), "no stack program");
    });

    it("builds the bus under Pulumi's documented mocks, with providers that serialize from the installed package", () => {
        fs.writeFileSync(
            path.join(consumer, "check.js"),
            `
const pulumi = require("@pulumi/pulumi");
const settings = require("@pulumi/pulumi/runtime/settings");
const Module = require("module");
const path = require("path");
const registered = [];
const problems = [];
process.on("unhandledRejection", (error) => problems.push(String(error && error.stack || error)));
process.on("uncaughtException", (error) => problems.push(String(error && error.stack || error)));
// The mocks exactly as Pulumi's documentation shows them: every resource's state is its inputs.
pulumi.runtime
    .setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, inputs: args.inputs });
                return { id: args.inputs.name + "_id", state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "consumer", "dev", false,
    )
    .then(async () => {
        const lib = require("dsm-redis");
        await settings.waitForRPCs();
        const atImport = registered.length;
        const bus = new lib.DsmRedis("bus", {
            users: [{ name: "billing", roles: ["publish", "consume"] }],
            groups: [{ name: "billing" }],
        });
        const host = await new Promise((resolve) => bus.host.apply(resolve));
        await new Promise((resolve) => pulumi.all([bus.streamGroups.urn, bus.aclUsers.urn, bus.deployment.urn]).apply(resolve));
        await settings.waitForRPCs();
        // Each provider's closure, loaded as the engine's dynamic-provider host loads it: a module of its own in the
        // consumer's folder, which must resolve every require it makes against the installed package's exports.
        const checks = {};
        const SAMPLES = {
            "pulumi-nodejs:dynamic/dsm:RedisAclUsers": { users: [{ user: "a", rules: ["on"] }], readinessTimeoutSeconds: 5 },
            "pulumi-nodejs:dynamic/dsm:RedisStreamGroups": { stream: "dsm:events", groups: [{ name: "a" }] },
        };
        for (const r of registered.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))) {
            const file = path.join(__dirname, "serialized-provider.js");
            const mod = new Module(file);
            mod.filename = file;
            mod.paths = Module._nodeModulePaths(__dirname);
            mod._compile(String(r.inputs.__provider), file);
            const provider = mod.exports.handler();
            checks[r.type] = await provider.check({}, { ...SAMPLES[r.type], connection: { host: "h", port: 0 } });
        }
        console.log(JSON.stringify({
            atImport,
            host,
            types: [...new Set(registered.map((r) => r.type))].sort(),
            exports: Object.keys(lib).sort(),
            failures: Object.fromEntries(Object.entries(checks).map(([t, c]) => [t, (c.failures || []).map((f) => f.property)])),
            problems,
        }));
    })
    .catch((error) => { console.error(error); process.exit(1); });
`,
        );
        const run = spawnSync(process.execPath, ["check.js"], { cwd: consumer, encoding: "utf8" });
        assert.strictEqual(run.status, 0, run.stdout + run.stderr);
        const result = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as {
            atImport: number;
            host: string;
            types: string[];
            exports: string[];
            failures: Record<string, string[]>;
            problems: string[];
        };
        assert.deepStrictEqual(result.problems, [], "no unhandled rejection and no TypeError");
        assert.strictEqual(result.atImport, 0, "importing the package registered resources");
        assert.strictEqual(result.host, "redis.dsm.svc.cluster.local");
        for (const type of ["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"]) {
            assert.ok(result.types.includes(type), `${type} is registered`);
        }
        for (const name of ["DsmRedis", "DSM_REDIS_DEFAULTS", "InvalidArgumentsError", "RedisStreamGroups"]) {
            assert.ok(result.exports.includes(name), `${name} is exported`);
        }
        // Every provider serialized from the installed package and run on its own: each check of a connection refuses
        // port 0; the topology guard's passes (a new stack has no deployed topology to compare with).
        assert.deepStrictEqual(result.failures, {
            "pulumi-nodejs:dynamic/dsm:RedisAclUsers": ["connection.port"],
            "pulumi-nodejs:dynamic/dsm:RedisStreamGroups": ["connection.port"],
            "pulumi-nodejs:dynamic/dsm:RedisTopologyGuard": [],
        });
        assert.match(run.stderr + run.stdout, /RandomPassword of ACL user "billing" has no result/);
    });

    it("types the arguments: a program that passes a wrong type does not compile", () => {
        const tsconfig = {
            compilerOptions: {
                strict: true,
                module: "node16",
                moduleResolution: "node16",
                target: "ES2022",
                noEmit: true,
                types: [],
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
