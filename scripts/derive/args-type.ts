/**
 * components/dsm-redis-args.ts, rendered from the settings table: the argument type `DsmRedisArgs` (each setting an
 * optional field with its meaning and default in its JSDoc), the resolved `BusSettings`, and the names of the
 * structural settings. Pure; `npm run docs:config` writes the file, and tests/settings.test.ts fails when it differs.
 */
import { SETTINGS, SETTING_GROUPS, Setting, SettingType, shownDefault } from "../../components/settings";

export const ARGS_TYPE_FILE = "components/dsm-redis-args.ts";

type Shape = "argument" | "settled";

function leafType(setting: Setting, shape: Shape): string {
    const type: SettingType = setting.type;
    const plain = shape === "settled" || setting.structural === true;
    switch (type.kind) {
        case "text":
            return plain ? "string" : "pulumi.Input<string>";
        case "whole":
        case "number":
            return plain ? "number" : "pulumi.Input<number>";
        case "boolean":
            return plain ? "boolean" : "pulumi.Input<boolean>";
        case "choice":
            return type.typeName;
        case "json":
            return shape === "settled" ? type.settledType : type.argType;
    }
}

/** A JSDoc comment, wrapped to the width Prettier keeps code to (it leaves comments as they are). */
function jsdoc(text: string, indent: string): string {
    const words = text.replace(/\*\//g, "*\\/").split(" ");
    const width = 120 - indent.length - 3;
    if (words.join(" ").length + 6 <= width) return `${indent}/** ${words.join(" ")} */`;
    const lines: string[] = [];
    for (const word of words) {
        const last = lines.length - 1;
        if (last >= 0 && lines[last].length + word.length + 1 <= width) lines[last] += ` ${word}`;
        else lines.push(word);
    }
    return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`].join("\n");
}

function defaultSentence(setting: Setting): string {
    const shown = shownDefault(setting);
    return shown.startsWith("(") ? `Default: ${shown.slice(1, -1)}.` : `Default: \`${shown}\`.`;
}

interface Node {
    readonly children: Map<string, Node>;
    setting?: Setting;
}

/** The settings as a tree of their argument paths, in the table's order. */
function tree(settings: readonly Setting[]): Node {
    const root: Node = { children: new Map() };
    for (const setting of settings) {
        let node = root;
        for (const part of (setting.argument as string).split(".")) {
            if (!node.children.has(part)) node.children.set(part, { children: new Map() });
            node = node.children.get(part) as Node;
        }
        node.setting = setting;
    }
    return root;
}

function fields(node: Node, path: string, shape: Shape, depth: number): string[] {
    const indent = "    ".repeat(depth);
    return [...node.children].flatMap(([name, child]) => {
        const at = path === "" ? name : `${path}.${name}`;
        const setting = child.setting;
        if (setting !== undefined) {
            const optional = shape === "argument" || setting.default === undefined ? "?" : "";
            const doc =
                shape === "argument" ? `${setting.description} ${defaultSentence(setting)}` : setting.description;
            return [jsdoc(doc, indent), `${indent}readonly ${name}${optional}: ${leafType(setting, shape)};`];
        }
        const optional = shape === "argument" ? "?" : "";
        return [
            jsdoc(SETTING_GROUPS[at] ?? at, indent),
            `${indent}readonly ${name}${optional}: {`,
            ...fields(child, at, shape, depth + 1),
            `${indent}};`,
        ];
    });
}

/** A union type as Prettier prints it: on one line when it fits, else one member per line. */
function union(name: string, members: readonly string[]): string {
    const line = `export type ${name} = ${members.join(" | ")};`;
    return line.length <= 120 ? line : [`export type ${name} =`, ...members.map((m) => `    | ${m}`)].join("\n") + ";";
}

export function renderArgsType(settings: readonly Setting[] = SETTINGS): string {
    const args = settings.filter((s) => s.argument !== undefined);
    const settled = args.filter((s) => s.apart !== true);
    const structural = args.filter((s) => s.structural === true).map((s) => `"${s.argument}"`);
    return [
        "// Generated from components/settings.ts by `npm run docs:config`; do not edit.",
        'import type * as pulumi from "@pulumi/pulumi";',
        'import type { ServiceUser } from "./render/acl";',
        'import type { AppendFsync } from "./render/redis-conf";',
        'import type { ReplicaSpread } from "./render/replication";',
        'import type { GroupSpec, ProvisionerConnection } from "./stream-groups/inputs";',
        "",
        "/** The arguments of DsmRedis: every one optional, each with its default. */",
        "export interface DsmRedisArgs {",
        ...fields(tree(args), "", "argument", 1),
        "}",
        "",
        "/** The settings once resolved and valid: what the builders read. Secrets and the cluster are kept apart. */",
        "export interface BusSettings {",
        ...fields(tree(settled), "", "settled", 1),
        "}",
        "",
        "/** The settings that decide which resources exist: plain values, known when the component is built. */",
        union("StructuralSetting", structural),
        "",
    ].join("\n");
}
