/**
 * The multi-language component (multi-language/): its arguments are derived from the stack config keys, its schema,
 * inferred by Pulumi from the TypeScript types as a program in another language gets it, is complete, and it maps
 * its arguments onto DsmRedis exactly as the stack config reader does. The commands tier runs it from YAML.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/provider";
import { COMPONENT_KEYS, renderBusArgs } from "../config/component-args";
import { projectConfig } from "../config/project-config";
import { readConfig } from "../config/read-config";
import { Bus, dsmRedisArgs } from "../multi-language/bus";
import { BusArgs } from "../multi-language/bus-args";
import { Role } from "../multi-language/types";
import { REPO_ROOT } from "../ops/lib/repo-root";

const PLUGIN = path.join(REPO_ROOT, "multi-language");

interface Schema {
    readonly resources: Record<
        string,
        {
            readonly inputProperties: Record<string, { type?: string; $ref?: string; description?: string }>;
            readonly properties: Record<string, unknown>;
        }
    >;
    readonly types: Record<string, { enum?: Array<{ value: string }> }>;
}

describe("the multi-language component", function () {
    this.timeout(60_000);
    let schema: Schema;

    before(async () => {
        const provider = new ComponentProvider({ name: "dsm-redis", dirname: PLUGIN, components: [Bus] });
        schema = JSON.parse(await provider.getSchema()) as Schema;
    });

    it("takes its arguments from the stack config keys: bus-args.ts is what docs:config renders", () => {
        assert.strictEqual(fs.readFileSync(path.join(PLUGIN, "bus-args.ts"), "utf8"), renderBusArgs());
    });

    it("has a complete inferred schema: every key, typed and described, enums for literal values", () => {
        const bus = schema.resources["dsm-redis:index:Bus"];
        assert.deepStrictEqual(
            Object.keys(bus.inputProperties),
            COMPONENT_KEYS.map((k) => k.key),
        );
        for (const key of COMPONENT_KEYS) {
            assert.ok(bus.inputProperties[key.key].description?.startsWith(key.description), key.key);
        }
        assert.strictEqual(bus.inputProperties.port.type, "number");
        assert.strictEqual(bus.inputProperties.persistence.type, "boolean");
        assert.match(bus.inputProperties.appendfsync.$ref ?? "", /Appendfsync$/);
        const values = (name: string) => schema.types[`dsm-redis:index:${name}`]?.enum?.map((e) => e.value);
        assert.deepStrictEqual(values("Appendfsync"), ["everysec", "always"]);
        assert.deepStrictEqual(values("Role"), ["publish", "consume"]);
        assert.deepStrictEqual(values("ProvisionerConnection"), ["port-forward", "direct"]);
        assert.deepStrictEqual(Object.keys(bus.properties).sort(), [
            "credentialSecrets",
            "groups",
            "host",
            "namespace",
            "port",
            "serviceName",
            "stream",
        ]);
    });

    it("maps its arguments onto DsmRedis as the stack config reader maps the same settings", () => {
        // Each declared default as its typed value: what a YAML, Python or Go program passes.
        const declared = projectConfig();
        const typed: Record<string, unknown> = Object.fromEntries(
            COMPONENT_KEYS.filter((k) => declared[k.key] !== undefined).map((k) => [
                k.key,
                k.kind === "number" ? Number(k.default) : declared[k.key].default,
            ]),
        );
        const structured = {
            groups: [{ name: "sprint-service" }, { name: "audit", startId: "$" }],
            users: [{ name: "billing", roles: [Role.Consume], namespaces: ["billing"] }],
            clientNamespaces: ["dsm", "billing"],
        };
        const asText: Record<string, string> = {
            ...Object.fromEntries(Object.entries(typed).map(([k, v]) => [k, String(v)])),
            ...Object.fromEntries(Object.entries(structured).map(([k, v]) => [k, JSON.stringify(v)])),
        };
        const { args } = readConfig({ project: "dsm-redis", get: (k) => asText[k], keys: () => Object.keys(asText) });
        const settings: BusArgs = { ...typed, ...structured };
        assert.deepStrictEqual(dsmRedisArgs(settings), args);
    });
});
