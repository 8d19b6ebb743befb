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
