import * as assert from "assert";
import { QuantityError, compareQuantities, parseQuantity } from "../../k8s-grammar/quantity";

const nanos = (text: string | number) => parseQuantity(text).nanos;

describe("parseQuantity", () => {
    const exact: Array<[string | number, bigint]> = [
        ["1", 1_000_000_000n],
        ["100m", 100_000_000n],
        ["0.5", 500_000_000n],
        [0.5, 500_000_000n],
        ["5.", 5_000_000_000n],
        [".5", 500_000_000n],
        ["+1", 1_000_000_000n],
        ["-1", -1_000_000_000n],
        ["1n", 1n],
        ["1u", 1_000n],
        ["1k", 1_000_000_000_000n],
        ["1Ki", 1024n * 1_000_000_000n],
        ["100Mi", 100n * 1024n * 1024n * 1_000_000_000n],
        ["1Gi", 1024n ** 3n * 1_000_000_000n],
        ["1Ei", 2n ** 60n * 1_000_000_000n],
        ["1E", 10n ** 18n * 1_000_000_000n],
        ["1E3", 1000n * 1_000_000_000n],
        ["1e3", 1000n * 1_000_000_000n],
        ["1e-3", 1_000_000n],
        ["1e+3", 1000n * 1_000_000_000n],
        ["1.5Gi", (3n * 1024n ** 3n * 1_000_000_000n) / 2n],
        ["0.1n", 1n], // rounds up to a whole nano, as Kubernetes does
        ["1.0000000001", 1_000_000_001n],
    ];
    for (const [text, expected] of exact) {
        it(`reads ${JSON.stringify(text)} exactly`, () => assert.strictEqual(nanos(text), expected));
    }

    const invalid = [
        "",
        " 1",
        "1 Gi",
        "1K",
        "1mi",
        "1Mb",
        "1MB",
        "1KiB",
        "1e1.5",
        "1e",
        "0x10",
        "1..2",
        "1.2.3",
        "Mi1",
        "--1",
        "1e1001",
    ];
    for (const text of invalid) {
        it(`rejects ${JSON.stringify(text)}`, () => assert.throws(() => parseQuantity(text), QuantityError));
    }

    it("says what is wrong: case, byte suffixes, integer exponents", () => {
        assert.throws(
            () => parseQuantity("1mi"),
            /unknown suffix "mi" \(suffixes are case-sensitive: did you mean "Mi"\?\)/,
        );
        assert.throws(() => parseQuantity("1MB"), /unknown suffix "MB".*"M"/);
        assert.throws(() => parseQuantity("1e1.5"), /exponent must be an integer/);
        assert.throws(() => parseQuantity("1 Gi"), /white space/);
    });

    it("says exactly what is wrong with each malformed quantity", () => {
        const reasons: Array<[unknown, string]> = [
            ["", "it is empty"],
            ["1 Gi", "it contains white space"],
            ["1..2", "it is not a decimal number"],
            ["--1", "it is not a decimal number"],
            ["1e1.5", "an exponent must be an integer"],
            ["1e.5", "an exponent must be an integer"],
            ["1e1.55", "an exponent must be an integer"],
            ["1e1.5x", 'unknown suffix "e1.5x"'],
            ["1xe1.5", 'unknown suffix "xe1.5"'],
            ["--1Mi", 'unknown suffix "Mi"'],
            ["1e1001", "the exponent is beyond ±1000"],
            ["1e-1001", "the exponent is beyond ±1000"],
            [undefined, "expected a string or a number"],
            [Infinity, "a quantity must be a finite number"],
            [NaN, "a quantity must be a finite number"],
        ];
        for (const [text, reason] of reasons) {
            assert.throws(
                () => parseQuantity(text as string),
                (e: unknown) =>
                    e instanceof QuantityError &&
                    e.name === "QuantityError" &&
                    e.reason === reason &&
                    e.message === `"${String(text)}" is not a valid quantity: ${reason}`,
                String(text),
            );
        }
    });

    it("hints at each suffix a case or a byte unit away", () => {
        for (const suffix of ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E"]) {
            for (const wrong of [`${suffix}B`, `${suffix}b`]) {
                assert.throws(
                    () => parseQuantity(`1${wrong}`),
                    (e: unknown) =>
                        e instanceof QuantityError &&
                        e.reason ===
                            `unknown suffix "${wrong}" (suffixes are case-sensitive: did you mean "${suffix}"?)`,
                    wrong,
                );
            }
        }
        assert.throws(() => parseQuantity("1GI"), /did you mean "Gi"\?/);
        assert.throws(
            () => parseQuantity("1X"),
            (e: unknown) => (e as QuantityError).reason === 'unknown suffix "X"',
        );
    });

    it("reads the largest exponents there are, and leading zeros", () => {
        assert.strictEqual(nanos("1e1000"), 10n ** 1000n * 1_000_000_000n);
        assert.strictEqual(nanos("1e-1000"), 1n);
        assert.strictEqual(nanos("007"), 7_000_000_000n);
        assert.strictEqual(nanos("1e0"), 1_000_000_000n);
        assert.strictEqual(nanos("1e-0"), 1_000_000_000n);
    });

    it("reads digitless inputs as zero and marks them, as Kubernetes silently does", () => {
        for (const text of ["m", "Gi", "+", ".", "-"]) {
            const q = parseQuantity(text);
            assert.strictEqual(q.nanos === 0n || q.nanos === -0n, true, text);
            assert.strictEqual(q.hasDigits, false, text);
        }
        assert.strictEqual(parseQuantity("0").hasDigits, true);
    });

    it("compares exactly where floats cannot: 1Gi = 1024Mi, 1e9 vs 1G, 9007199254740993", () => {
        assert.strictEqual(compareQuantities(parseQuantity("1Gi"), parseQuantity("1024Mi")), 0);
        assert.strictEqual(compareQuantities(parseQuantity("1e9"), parseQuantity("1G")), 0);
        assert.strictEqual(compareQuantities(parseQuantity("9007199254740993"), parseQuantity("9007199254740992")), 1);
        assert.strictEqual(compareQuantities(parseQuantity("128Mi"), parseQuantity("134217729")), -1);
    });
});
