/** What a change of inputs means for the stream and its groups. Pure: it never connects. */
import { GroupSpec, StreamGroupsInputs, withStartId } from "./inputs";

export interface StreamGroupsDiff {
    readonly changes: boolean;
    readonly replaces: string[];
    readonly deleteBeforeReplace: boolean;
}

/** Inputs that matter; `__provider` (the serialized provider code) is left out, so new code alone shows no diff. */
const COMPARED = ["stream", "groups", "connection", "readinessTimeoutSeconds", "deleteStreamOnDelete"] as const;

/** A canonical JSON text: object keys sorted, so that key order never reads as a change. */
export function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
        // An object's keys are unique, so two are never equal.
        // Stryker disable next-line EqualityOperator: `<=` differs from `<` only for equal keys, which cannot occur
        entries.sort(([a], [b]) => (a < b ? -1 : 1));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
    }
    return JSON.stringify(value);
}

/** Groups as a set: order in the config does not matter, a missing startId is the default. */
function groupSet(groups: unknown): string {
    if (!Array.isArray(groups)) return canonical(groups);
    const parts = (groups as GroupSpec[]).map((g) => canonical(withStartId(g))).sort();
    // Stryker disable next-line StringLiteral: each part is a JSON object, delimited by its braces whatever joins them
    return parts.join(",");
}

export function diffInputs(olds: Partial<StreamGroupsInputs>, news: Partial<StreamGroupsInputs>): StreamGroupsDiff {
    const changed = COMPARED.filter((key) =>
        key === "groups"
            ? groupSet(olds.groups) !== groupSet(news.groups)
            : canonical(olds[key]) !== canonical(news[key]),
    );
    return {
        changes: changed.length > 0,
        // A new key is a new stream: create it alongside, and leave the old one (and its events) to delete's rules.
        replaces: changed.includes("stream") ? ["stream"] : [],
        deleteBeforeReplace: false,
    };
}

/** The group names to add and to remove in an update, by name. */
export function groupChanges(
    olds: readonly GroupSpec[],
    news: readonly GroupSpec[],
): { add: GroupSpec[]; remove: string[] } {
    const oldNames = new Set(olds.map((g) => g.name));
    const newNames = new Set(news.map((g) => g.name));
    return {
        add: news.filter((g) => !oldNames.has(g.name)),
        remove: [...oldNames].filter((name) => !newNames.has(name)),
    };
}
