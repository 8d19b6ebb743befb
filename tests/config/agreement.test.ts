/**
 * The stack config and the component's arguments are one validation path: for generated settings, valid and invalid,
 * the config reader refuses exactly what DsmRedis refuses, and names the same fields (as config keys).
 */
import * as assert from "assert";
import fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { DsmRedis, DsmRedisArgs, InvalidArgumentsError, Role } from "../../components";
import { CONFIG_KEYS } from "../../config/keys";
import { InvalidSettingsError, readConfig } from "../../config/read-config";
import { MOCKS } from "../helpers/mocks";

/** Mostly valid values, so that whole settings are often valid; sometimes one of the invalid ones. */
function mostly<T>(valid: T[], invalid: T[]): fc.Arbitrary<T> {
    return fc.oneof(
        { arbitrary: fc.constantFrom(...valid), weight: 19 },
        { arbitrary: fc.constantFrom(...invalid), weight: 1 },
    );
}

const label = mostly(["dsm", "dsm-workers", "a", "a".repeat(63)], ["a".repeat(64), "DSM", "-dsm", "dsm-", "dsm_x"]);
const cpu = mostly(["100m", "0.5", "1", "200m"], ["0", "m", "1 cpu"]);
const memory = mostly(["100Mi", "200Mi", "1Gi", "48Mi"], ["10Mi", "47Mi", "Gi", "100MB", "100m"]);
const user = fc.record({
    name: mostly(["sprint-service", "audit", "a".repeat(50)], ["dsm-admin", "default", "Bad_Name", "a".repeat(51)]),
    // "admin" is no role: the cast lets the generator hand the component what a JavaScript caller could.
    roles: mostly<Role[]>([["publish"], ["consume"], ["publish", "consume"]], [[], ["admin" as Role]]),
});

/** Plain arguments, each field left out, valid, or (now and then) invalid. */
const argsArbitrary: fc.Arbitrary<DsmRedisArgs> = fc.record(
    {
        namespace: label,
        createNamespace: fc.boolean(),
        image: mostly(
            ["redis:7.2-alpine", "valkey/valkey:8-alpine", `redis@sha256:${"a".repeat(64)}`],
            [`redis@sha256:${"a".repeat(63)}g`, "redis:latest", "redis", "fast!"],
        ),
        port: mostly([6379, 1, 65535, 16379], [0, -1, 65536, 6379.5]),
        resources: fc.record(
            {
                requests: fc.record({ cpu, memory }, { requiredKeys: [] }),
                limits: fc.record({ cpu, memory }, { requiredKeys: [] }),
            },
            { requiredKeys: [] },
        ),
        stream: mostly(["dsm:events", "dsm:x"], ["events", "", "dsm:with space"]),
        groups: fc.uniqueArray(
            fc.record(
                { name: mostly(["a", "b", "sprint-service"], [""]), startId: mostly(["0", "$", "1-0"], ["new"]) },
                { requiredKeys: ["name"] },
            ),
            { maxLength: 3, selector: (g) => g.name },
        ),
        readinessTimeoutSeconds: mostly([1, 300, 3600], [0, 3601]),
        deleteStreamOnDelete: fc.boolean(),
        deleteDataOnDestroy: fc.boolean(),
        provisionerConnection: mostly<"direct" | "port-forward">(["port-forward", "direct"], ["vpn" as "direct"]),
        persistence: mostly([true, true, true], [false]),
        storageSize: memory,
        storageClass: mostly(["standard", "fast.ssd"], ["Fast SSD", "x."]),
        appendfsync: mostly<"always" | "everysec">(["everysec", "always"], ["no" as "always"]),
        users: fc.uniqueArray(user, { minLength: 1, maxLength: 3, selector: (u) => u.name }),
        passwords: fc.dictionary(
            mostly(["dsm-admin"], ["nobody"]),
            mostly(["0123456789abcdef"], ["short", "with spaces in it here"]),
        ),
        networkPolicy: fc.boolean(),
        clientNamespaces: fc.array(label, { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: [] },
);

/** The stack config that says the same as the arguments: each key's text. */
function configOf(args: DsmRedisArgs): Record<string, string> {
    const config: Record<string, string> = {};
    for (const key of CONFIG_KEYS.filter((k) => !k.option)) {
        const value = key.argument
            .split(".")
            .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], args);
        if (value === undefined) continue;
        config[key.key] = typeof value === "object" ? JSON.stringify(value) : String(value);
    }
    return config;
}

/** The config keys an argument path belongs to. */
function keyOf(field: string): string {
    const owners = CONFIG_KEYS.filter(
        (k) => field === k.argument || field.startsWith(`${k.argument}.`) || field.startsWith(`${k.argument}[`),
    );
    return owners.sort((a, b) => b.argument.length - a.argument.length)[0]?.key ?? field;
}

describe("the config path and the component path agree", () => {
    const stackTraceLimit = Error.stackTraceLimit;
    before(async () => {
        pulumi.runtime.setAllConfig({});
        await pulumi.runtime.setMocks(MOCKS, "dsm-redis", "dev", false);
        // The SDK records a stack trace per resource and per promise; without them a valid bus registers 3x faster.
        Error.stackTraceLimit = 0;
    });
    after(() => (Error.stackTraceLimit = stackTraceLimit));

    it("on generated settings, valid and invalid: the same verdict, the same fields", () => {
        let run = 0;
        let accepted = 0;
        fc.assert(
            fc.property(argsArbitrary, (args) => {
                let componentFields: string[] = [];
                try {
                    new DsmRedis(`agreement-${run++}`, args);
                } catch (error) {
                    if (!(error instanceof InvalidArgumentsError)) throw error;
                    componentFields = [...new Set(error.problems.map((p) => keyOf(p.field)))].sort();
                }
                let configFields: string[] = [];
                try {
                    readConfig({
                        project: "dsm-redis",
                        get: (key) => configOf(args)[key],
                        keys: () => Object.keys(configOf(args)),
                    });
                } catch (error) {
                    if (!(error instanceof InvalidSettingsError)) throw error;
                    configFields = [...new Set(error.problems.map((p) => p.field.replace(/^dsm-redis:/, "")))].sort();
                }
                assert.deepStrictEqual(configFields, componentFields);
                if (componentFields.length === 0) accepted++;
            }),
            { numRuns: 200, seed: 20261129 },
        );
        // The generator reaches both verdicts, so the agreement is not only on refusals.
        assert.ok(accepted >= 20 && accepted <= 180, `${accepted} of 200 generated settings were valid`);
    });
});
