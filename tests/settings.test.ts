/**
 * The settings table (components/settings.ts) against every place derived from it that is not computed at run time:
 * the generated argument types, the modules that read each setting, the bounds validation enforces, the stream-groups
 * resource's own defaults and the test arbitraries. README's table and Pulumi.yaml are tests/readme.test.ts's, the
 * multi-language arguments tests/multi-language.test.ts's.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { argumentProblems } from "../components/args";
import { ARGUMENT_SETTINGS, SETTINGS, judgeOf, setAt } from "../components/settings";
import { STREAM_GROUPS_DEFAULTS, withDefaults } from "../components/stream-groups/inputs";
import { REPO_ROOT } from "../ops/lib/repo-root";
import { renderArgsType } from "../scripts/derive/args-type";
import { UNGENERATED, arbitraryFor, invalidValues, validValues } from "./helpers/setting-arbitraries";

/** The problems of arguments that set one setting and leave the rest at their defaults. */
function problemsWith(argument: string, value: unknown): { field: string; message: string }[] {
    const args: Record<string, unknown> = {};
    setAt(args, argument, value);
    return argumentProblems(args);
}

/** Every TypeScript file under a folder of the repository, as repository paths. */
function sources(folder: string): string[] {
    return fs
        .readdirSync(path.join(REPO_ROOT, folder), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.posix.join(folder, f.split(path.sep).join("/")));
}

describe("the settings table", () => {
    it("renders the argument types that components/dsm-redis-args.ts holds (npm run docs:config writes it)", () => {
        const file = fs.readFileSync(path.join(REPO_ROOT, "components", "dsm-redis-args.ts"), "utf8");
        assert.strictEqual(file, renderArgsType());
    });

    it("names every module that reads a setting, and each of them reads it", () => {
        // The builders read settings as setting("x") (an Output) or structure.x (plain), and the component the two
        // kept apart as resolved.passwords and args.kubernetes; `x` is the argument's top level, so the four
        // resources settings are all read as setting("resources").
        const declared = new Set(
            SETTINGS.flatMap((s) =>
                s.argument === undefined ? [] : s.readBy.map((f) => `${f} ${s.argument!.split(".")[0]}`),
            ),
        );
        const found = new Set<string>();
        // args.ts resolves every setting through the table, so it is no reader of one.
        for (const file of sources("components").filter((f) => f !== "components/args.ts")) {
            const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
            const reads = /\bsetting\("(\w+)"\)|\bstructure\.(\w+)|\bresolved\.(passwords)\b|\bargs\.(kubernetes)\b/g;
            for (const m of text.matchAll(reads)) found.add(`${file} ${m[1] ?? m[2] ?? m[3] ?? m[4]}`);
        }
        const unread = [...declared].filter(
            (d) => !found.has(d) && !d.startsWith("components/dsm-redis.ts kubernetes"),
        );
        const undeclared = [...found].filter((f) => !declared.has(f));
        assert.deepStrictEqual({ unread, undeclared }, { unread: [], undeclared: [] });
    });

    it("gives every setting a judge, and every value it states the verdict it states", () => {
        for (const setting of ARGUMENT_SETTINGS) {
            if (setting.argument in UNGENERATED) continue;
            assert.doesNotThrow(() => judgeOf(setting), setting.argument);
            const field = setting.argument;
            for (const value of validValues(setting)) {
                assert.deepStrictEqual(problemsWith(field, value), [], `${field}: ${JSON.stringify(value)} is valid`);
            }
            for (const value of invalidValues(setting)) {
                const fields = problemsWith(field, value).map((p) => p.field);
                assert.ok(
                    fields.some((f) => f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`)),
                    `${field}: ${JSON.stringify(value)} is refused under its name; named ${JSON.stringify(fields)}`,
                );
            }
        }
    });

    it("states a type's bounds as validation enforces them: the edges accepted, one step past refused", () => {
        // Checked apart from the loop above so that a failure names the bound: min, max, and a fraction.
        const port = ARGUMENT_SETTINGS.find((s) => s.argument === "port")!;
        assert.deepStrictEqual(invalidValues(port), [0, 65536, 1.5]);
        for (const edge of [1, 65535]) assert.deepStrictEqual(problemsWith("port", edge), [], `port ${edge}`);
        for (const past of [0, 65536, 1.5]) {
            assert.deepStrictEqual(
                problemsWith("port", past).map((p) => p.field),
                ["port"],
                `port ${past}`,
            );
        }
    });

    it("holds the stream-groups resource's defaults: the bus and the standalone resource agree", () => {
        const table = Object.fromEntries(
            ARGUMENT_SETTINGS.filter((s) => s.readBy.includes("components/builders/provisioning.ts")).map((s) => [
                s.argument,
                s.default,
            ]),
        );
        const checked = withDefaults({});
        assert.deepStrictEqual(
            {
                stream: checked.stream,
                groups: checked.groups,
                readinessTimeoutSeconds: checked.readinessTimeoutSeconds,
                deleteStreamOnDelete: checked.deleteStreamOnDelete,
            },
            {
                stream: table.stream,
                groups: table.groups,
                readinessTimeoutSeconds: table.readinessTimeoutSeconds,
                deleteStreamOnDelete: table.deleteStreamOnDelete,
            },
        );
        assert.strictEqual(STREAM_GROUPS_DEFAULTS.startId, "0");
    });

    it("generates every setting in the property tests, or says why not", () => {
        for (const setting of ARGUMENT_SETTINGS) {
            assert.ok(
                arbitraryFor(setting) !== undefined || setting.argument in UNGENERATED,
                `${setting.argument} has no arbitrary`,
            );
        }
    });

    it("writes descriptions that stay text in JSDoc: no comment end, no tag outside backticks", () => {
        for (const setting of SETTINGS) {
            const outsideCode = setting.description.replace(/`[^`]*`/g, "");
            assert.ok(!setting.description.includes("*/"), `${setting.key ?? setting.argument}: "*/" ends the comment`);
            assert.ok(!/(^|\s)@\w/.test(outsideCode), `${setting.key ?? setting.argument}: "@word" is a JSDoc tag`);
        }
    });
});
