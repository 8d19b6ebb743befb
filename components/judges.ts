/**
 * The judges of one value each: given a value of any type, the reason it is refused (what is wrong, and the accepted
 * form), or undefined. Pure, and never throw, so that every bad value is reported at once; a secret's value is never
 * shown. The settings table (settings.ts) names each setting's judge; validation.ts runs them.
 */
import { IMAGE_FORM, ImageReferenceError, parseImageReference, unpinnedReason } from "../k8s-grammar/image-reference";
import { isDns1123Label, isDns1123Subdomain, isPortNumber } from "../k8s-grammar/dns-names";
import { isQuantityProblem, parseResourceQuantity } from "../k8s-grammar/quantity";

/** The reason a value is refused, or undefined when it is accepted. */
export type Judge = (value: unknown) => string | undefined;

/** A value as messages show it: JSON, so that a string's quotes and spaces are visible. */
export const shown = (value: unknown): string => (value === undefined ? "(unset)" : JSON.stringify(value));

export function booleanProblem(value: unknown): string | undefined {
    return typeof value === "boolean" ? undefined : `${shown(value)} is not a boolean; expected true or false`;
}

export function wholeNumberProblem(value: unknown, min: number, max: number): string | undefined {
    return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
        ? undefined
        : `${shown(value)} is not a whole number from ${min} to ${max}`;
}

/**
 * A number of nodes: 1, or an odd number from 3. A failover needs a majority of the Sentinels; with an even number
 * one more node adds no loss it survives (2 survive none, 4 survive one, as 3 do) and a split in halves elects nobody.
 */
export function replicasProblem(value: unknown): string | undefined {
    const whole = wholeNumberProblem(value, 1, 7);
    if (whole !== undefined) return `${whole}; expected 1, 3, 5 or 7`;
    return (value as number) % 2 === 1
        ? undefined
        : `${shown(value)} is an even number of nodes, which has no majority when split in halves: a failover needs a majority, so ${shown(value)} nodes survive the loss of ${(value as number) / 2 - 1}, as ${(value as number) - 1} would; expected 1, 3, 5 or 7`;
}

export function ratioProblem(value: unknown): string | undefined {
    return typeof value === "number" && value > 0 && value <= 1
        ? undefined
        : `${shown(value)} is not a share of maxmemory; expected a number above 0 and at most 1, e.g. 0.8`;
}

/** One of a list of words; `what` names the kind (`an fsync policy`), `meanings` says what each does. */
export function choiceProblem(
    value: unknown,
    accepted: readonly string[],
    what: string,
    meanings: Readonly<Record<string, string>> = {},
): string | undefined {
    if (accepted.includes(value as string)) return undefined;
    const forms = accepted.map((a) => (meanings[a] === undefined ? `"${a}"` : `"${a}" (${meanings[a]})`));
    return `${shown(value)} is not ${what}; expected ${forms.join(" or ")}`;
}

/** A cron schedule as Kubernetes takes it: five fields of digits, `*`, `/`, `,` and `-`, or a macro such as @hourly. */
const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|([0-9*/,-]+\s+){4}[0-9*/,-]+)$/;

export function scheduleProblem(value: unknown): string | undefined {
    return typeof value === "string" && CRON.test(value.trim())
        ? undefined
        : `${shown(value)} is not a cron schedule; expected five fields such as "* * * * *" (every minute) or "*/5 * * * *", or @hourly`;
}

export function namespaceProblem(value: unknown): string | undefined {
    return isDns1123Label(value)
        ? undefined
        : `${shown(value)} is not a DNS-1123 label; expected at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. "dsm"`;
}

export function imageProblem(value: unknown): string | undefined {
    if (typeof value !== "string") return `${shown(value)} is not an image reference; expected ${IMAGE_FORM}`;
    try {
        const reason = unpinnedReason(parseImageReference(value));
        return reason === undefined ? undefined : `${shown(value)} is not pinned: ${reason}; expected ${IMAGE_FORM}`;
    } catch (error) {
        if (!(error instanceof ImageReferenceError)) throw error;
        return `${shown(value)} is not a valid image reference: ${error.reason}; expected ${IMAGE_FORM}`;
    }
}

export function portProblem(value: unknown): string | undefined {
    return isPortNumber(value)
        ? undefined
        : `${shown(value)} is not a TCP port; expected a whole number from 1 to 65535, e.g. 6379`;
}

export function cpuProblem(value: unknown): string | undefined {
    return quantityProblem(value, "cpu");
}

export function memoryProblem(value: unknown): string | undefined {
    return quantityProblem(value, "memory");
}

function quantityProblem(value: unknown, kind: "cpu" | "memory"): string | undefined {
    const result = parseResourceQuantity(value, kind);
    return isQuantityProblem(result) ? `${shown(value)}: ${result.problem}; expected ${result.expected}` : undefined;
}

export function storageClassProblem(value: unknown): string | undefined {
    return isDns1123Subdomain(value)
        ? undefined
        : `${shown(value)} is not a StorageClass name (a DNS-1123 subdomain); expected e.g. "standard", or unset for the cluster's default`;
}

export function claimNameProblem(value: unknown): string | undefined {
    return isDns1123Subdomain(value)
        ? undefined
        : `${shown(value)} is not a PersistentVolumeClaim name (a DNS-1123 subdomain); expected e.g. "dsm-backups", or unset for a claim of the bus's own`;
}
