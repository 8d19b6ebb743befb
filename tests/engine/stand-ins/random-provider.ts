/**
 * STAND-IN for the pulumi-random resource plugin, for the engine tier only: the real one is a bridged Terraform
 * provider whose Go module this machine's proxy does not serve (README, "The engine tier"). It implements the one
 * resource the program uses, `random:index/randomPassword:RandomPassword`, as the real one behaves:
 * - `result` is generated once at create, from crypto.randomInt, with the character classes and minimums asked for;
 * - every input, `keepers` included, forces a replacement (a new password); equal inputs are no change, so the
 *   password is stable across updates;
 * - `result` and `bcryptHash` are marked secret by the program (`additionalSecretOutputs`).
 */
import { main } from "@pulumi/pulumi/provider";
import type * as provider from "@pulumi/pulumi/provider";
import { createHash, randomInt } from "crypto";

export const STAND_IN_VERSION = "4.21.2";

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
const NUMERIC = "0123456789";
const DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

interface PasswordInputs {
    length: number;
    lower?: boolean;
    upper?: boolean;
    numeric?: boolean;
    special?: boolean;
    minLower?: number;
    minUpper?: number;
    minNumeric?: number;
    minSpecial?: number;
    overrideSpecial?: string;
    keepers?: Record<string, string>;
}

function withDefaults(
    news: Partial<PasswordInputs>,
): Required<Omit<PasswordInputs, "keepers" | "overrideSpecial">> & Pick<PasswordInputs, "keepers" | "overrideSpecial"> {
    return {
        length: news.length ?? 0,
        lower: news.lower ?? true,
        upper: news.upper ?? true,
        numeric: news.numeric ?? true,
        special: news.special ?? true,
        minLower: news.minLower ?? 0,
        minUpper: news.minUpper ?? 0,
        minNumeric: news.minNumeric ?? 0,
        minSpecial: news.minSpecial ?? 0,
        overrideSpecial: news.overrideSpecial,
        keepers: news.keepers,
    };
}

export function generatePassword(inputs: ReturnType<typeof withDefaults>): string {
    const special = inputs.overrideSpecial ?? DEFAULT_SPECIAL;
    const classes: Array<[boolean, string, number]> = [
        [inputs.lower, LOWER, inputs.minLower],
        [inputs.upper, UPPER, inputs.minUpper],
        [inputs.numeric, NUMERIC, inputs.minNumeric],
        [inputs.special, special, inputs.minSpecial],
    ];
    const pick = (set: string) => set[randomInt(set.length)];
    const chars: string[] = [];
    for (const [on, set, min] of classes) if (on) for (let i = 0; i < min; i++) chars.push(pick(set));
    const all = classes
        .filter(([on]) => on)
        .map(([, set]) => set)
        .join("");
    while (chars.length < inputs.length) chars.push(pick(all));
    for (let i = chars.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    return chars.join("");
}

const canonical = (value: unknown) => JSON.stringify(value, Object.keys((value ?? {}) as object).sort());

export const randomStandIn: provider.Provider = {
    version: STAND_IN_VERSION,
    async check(_urn, _olds, news) {
        const length = (news as Partial<PasswordInputs>).length;
        if (typeof length !== "number" || !Number.isInteger(length) || length < 1) {
            return { inputs: news, failures: [{ property: "length", reason: "must be a whole number of at least 1" }] };
        }
        return { inputs: news };
    },
    async diff(_id, _urn, olds, news) {
        const keys = [
            "length",
            "lower",
            "upper",
            "numeric",
            "special",
            "minLower",
            "minUpper",
            "minNumeric",
            "minSpecial",
            "overrideSpecial",
            "keepers",
        ] as const;
        const before = withDefaults(olds as Partial<PasswordInputs>);
        const after = withDefaults(news as Partial<PasswordInputs>);
        const replaces = keys.filter((k) => canonical(before[k]) !== canonical(after[k]));
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
    async create(_urn, news) {
        const inputs = withDefaults(news as Partial<PasswordInputs>);
        const result = generatePassword(inputs);
        // Not a real bcrypt hash: the program never reads it; a digest keeps the field present and secret-shaped.
        const bcryptHash = createHash("sha256").update(result).digest("hex");
        // Undefined fields cannot cross the wire (protobuf's Struct refuses them).
        const outs = Object.fromEntries(
            Object.entries({ ...news, ...inputs, result, bcryptHash }).filter(([, v]) => v !== undefined),
        );
        return { id: "none", outs };
    },
    async read(id, _urn, props) {
        return { id, props };
    },
    async delete() {
        // Nothing exists outside the state.
    },
};

if (require.main === module) {
    void main(randomStandIn, process.argv.slice(2));
}
