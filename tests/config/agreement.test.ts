/**
 * The stack config and the component's arguments are one validation path: for generated settings, valid and invalid,
 * the config reader refuses exactly what DsmRedis refuses, and names the same fields (as config keys). The settings
 * come from the settings table (tests/helpers/setting-arbitraries.ts), so every setting takes part.
 */
import * as assert from "assert";
import fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { DsmRedis, DsmRedisArgs, InvalidArgumentsError } from "../../components";
import { CONFIG_KEYS } from "../../config/keys";
import { InvalidSettingsError, configKeyOfArgument, readConfig } from "../../config/read-config";
import { MOCKS } from "../helpers/mocks";
import { argsArbitrary } from "../helpers/setting-arbitraries";

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

describe("the config path and the component path agree", () => {
    const stackTraceLimit = Error.stackTraceLimit;
    before(async () => {
        pulumi.runtime.setAllConfig({});
        await pulumi.runtime.setMocks(MOCKS, "dsm-redis", "dev", false);
        // The SDK records a stack trace per resource and per promise; without them a valid bus registers 3x faster.
        Error.stackTraceLimit = 0;
    });
    // The generated settings turn on warned-about modes (persistence off, trimming unacknowledged entries) hundreds of
    // times; tests/hardening.test.ts checks those warnings, here they would only bury the verdicts.
    const warn = pulumi.log.warn;
    before(() => (pulumi.log.warn = () => Promise.resolve()));
    after(() => {
        Error.stackTraceLimit = stackTraceLimit;
        pulumi.log.warn = warn;
    });

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
                    componentFields = [...new Set(error.problems.map((p) => configKeyOfArgument(p.field).key))].sort();
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
