/**
 * Kubernetes resource quantities, parsed by the grammar of k8s.io/apimachinery `resource.ParseQuantity`
 * and held as exact integers of nano-units, so that comparisons never go through floating point.
 *
 *   quantity    ::= sign? number suffix
 *   number      ::= digits | digits "." digits? | "." digits
 *   suffix      ::= binarySI | decimalSI | ("e" | "E") sign? digits
 *   binarySI    ::= Ki | Mi | Gi | Ti | Pi | Ei
 *   decimalSI   ::= n | u | m | "" | k | M | G | T | P | E
 *
 * Suffixes are case-sensitive. Kubernetes rounds a value up to nano precision; so does this parser.
 */

/** The nano-unit scale: a quantity is stored as `nanos / NANOS_PER_UNIT` units. */
export const NANOS_PER_UNIT = 1_000_000_000n;

/** Exponents beyond this are refused rather than expanded into enormous integers. */
const MAX_EXPONENT = 1000;

const BINARY_SUFFIXES: Readonly<Record<string, bigint>> = {
    Ki: 1n << 10n,
    Mi: 1n << 20n,
    Gi: 1n << 30n,
    Ti: 1n << 40n,
    Pi: 1n << 50n,
    Ei: 1n << 60n,
};

/** Decimal suffixes as powers of ten. */
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
    n: -9,
    u: -6,
    m: -3,
    "": 0,
    k: 3,
    M: 6,
    G: 9,
    T: 12,
    P: 15,
    E: 18,
};

const QUANTITY_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$/;

/**
 * A quantity with digits and no minus sign, as a JSON Schema `pattern`, so that a policy config names a bad value when
 * the pack loads. Zero and `m` of memory still match; the checks that read the value refuse those.
 */
export const QUANTITY_SCHEMA_PATTERN = String.raw`^\+?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$`;

/** What every error message says the accepted form is. */
export const QUANTITY_FORM =
    'a Kubernetes quantity: a decimal number with an optional case-sensitive suffix (binary Ki Mi Gi Ti Pi Ei, decimal n u m k M G T P E, or an exponent such as 1e3), e.g. "200Mi" or "100m"';

export interface Quantity {
    /** The text as given. */
    readonly text: string;
    /** The exact value in nano-units, rounded up as Kubernetes does. */
    readonly nanos: bigint;
    /** False for inputs like `m`, `Gi` or `.`, which Kubernetes silently reads as zero. */
    readonly hasDigits: boolean;
    /** The suffix as written (`Mi`, `m`, `e3`, or empty). */
    readonly suffix: string;
}

export class QuantityError extends Error {
    constructor(
        readonly text: string,
        readonly reason: string,
    ) {
        super(`"${text}" is not a valid quantity: ${reason}`);
        this.name = "QuantityError";
    }
}

/** Parses a quantity. JSON/YAML numbers are quantities too (`cpu: 0.5`). Throws QuantityError. */
export function parseQuantity(input: string | number): Quantity {
    const text = typeof input === "number" ? numberToQuantityText(input) : input;
    if (typeof text !== "string") {
        throw new QuantityError(String(text), "expected a string or a number");
    }
    const match = QUANTITY_PATTERN.exec(text);
    if (match === null || text === "") {
        throw new QuantityError(text, explainMismatch(text));
    }
    const [, sign, whole, fraction = "", suffix] = match;
    const hasDigits = whole.length + fraction.length > 0;
    // The numerator counts units of 10^-fraction.length.
    // BigInt reads leading zeros, and "" (a digitless quantity such as "Gi"), as the number they are.
    let numerator = BigInt(whole + fraction);
    let denominator = 10n ** BigInt(fraction.length);

    if (suffix in BINARY_SUFFIXES) {
        numerator *= BINARY_SUFFIXES[suffix];
    } else {
        const exponent = suffix in DECIMAL_SUFFIXES ? DECIMAL_SUFFIXES[suffix] : Number(suffix.slice(1));
        if (Math.abs(exponent) > MAX_EXPONENT) {
            throw new QuantityError(text, `the exponent is beyond ±${MAX_EXPONENT}`);
        }
        numerator *= 10n ** BigInt(Math.max(exponent, 0));
        denominator *= 10n ** BigInt(Math.max(-exponent, 0));
    }

    const scaled = numerator * NANOS_PER_UNIT;
    let nanos = scaled / denominator;
    if (scaled % denominator !== 0n) {
        nanos += 1n; // Kubernetes rounds up to the next nano-unit.
    }
    return { text, nanos: sign === "-" ? -nanos : nanos, hasDigits, suffix };
}

function numberToQuantityText(value: number): string {
    if (!Number.isFinite(value)) {
        throw new QuantityError(String(value), "a quantity must be a finite number");
    }
    return String(value);
}

function explainMismatch(text: string): string {
    if (text === "") return "it is empty";
    if (/\s/.test(text)) return "it contains white space";
    // Stryker disable next-line Regex: `.*` runs to the end whether or not `$` is written
    const suffix = /[^\d.+-].*$/.exec(text)?.[0];
    if (suffix === undefined) return "it is not a decimal number";
    if (/^[eE][+-]?\d*\.\d*$/.test(suffix)) return "an exponent must be an integer";
    const known = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E"];
    const hint = known.find(
        (k) => k.toLowerCase() === suffix.toLowerCase() || `${k}B` === suffix || `${k}b` === suffix,
    );
    const caseHint =
        hint !== undefined && hint !== suffix ? ` (suffixes are case-sensitive: did you mean "${hint}"?)` : "";
    return `unknown suffix "${suffix}"${caseHint}`;
}

/** The whole units a quantity rounds down to (bytes for memory). */
export function wholeUnits(quantity: Quantity): bigint {
    return quantity.nanos / NANOS_PER_UNIT;
}

/** Exact comparison: negative, zero or positive as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
    return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

export type ResourceKind = "cpu" | "memory";

/** An example of a good value of each kind, for messages. */
export const QUANTITY_EXAMPLES: Readonly<Record<ResourceKind, string>> = {
    cpu: '"100m" or "0.5"',
    memory: '"128Mi" or "1Gi"',
};

/** What is wrong with a value given as a container's cpu or memory, and what is accepted instead. */
export interface QuantityProblem {
    readonly problem: string;
    readonly expected: string;
}

/**
 * Parses a cpu or memory amount as a container request, limit or volume size must be: a valid quantity, above zero,
 * with digits (Kubernetes reads `Gi` alone as zero), and for memory not in `m` (thousandths of a byte). The one
 * judgement behind the component's arguments and the policy pack's resources-bounded.
 */
export function parseResourceQuantity(value: unknown, kind: ResourceKind): Quantity | QuantityProblem {
    if (typeof value !== "string" && typeof value !== "number") {
        return { problem: "it is not a quantity", expected: QUANTITY_FORM };
    }
    let quantity: Quantity;
    try {
        quantity = parseQuantity(value);
    } catch (error) {
        // Stryker disable next-line ConditionalExpression: parseQuantity throws only QuantityErrors; this keeps a bug loud
        if (!(error instanceof QuantityError)) throw error;
        return { problem: `it is not a valid quantity: ${error.reason}`, expected: QUANTITY_FORM };
    }
    const positive = `a positive quantity such as ${QUANTITY_EXAMPLES[kind]}`;
    if (!quantity.hasDigits) {
        return { problem: "it has no digits, which Kubernetes silently reads as zero", expected: positive };
    }
    if (quantity.nanos <= 0n) return { problem: "it is not above zero", expected: positive };
    if (kind === "memory" && quantity.suffix === "m") {
        return {
            problem: 'the suffix "m" is milli: this is thousandths of a byte',
            expected: 'mebibytes as "Mi", e.g. "128Mi"',
        };
    }
    return quantity;
}

export function isQuantityProblem(result: Quantity | QuantityProblem): result is QuantityProblem {
    return "problem" in result;
}
