import * as assert from "assert";
import { isDns1123Label, isDns1123Subdomain, isPortNumber } from "../../k8s-grammar/dns-names";

describe("Kubernetes names", () => {
    it("takes DNS-1123 labels, up to 63 characters", () => {
        for (const name of ["dsm", "a", "0", "dsm-redis", "a-b-c", "x".repeat(63)]) {
            assert.ok(isDns1123Label(name), name);
        }
    });

    it("refuses a label that starts valid and ends invalid, or starts invalid, or is too long", () => {
        for (const name of [
            "dsm-",
            "dsm_x",
            "fast!",
            "-dsm",
            "_dsm",
            "Dsm",
            "dsm.io",
            "",
            "x".repeat(64),
            7,
            ["dsm"],
        ]) {
            assert.ok(!isDns1123Label(name), String(name));
        }
        assert.ok(!isDns1123Label("abcd", 3), "a shorter maximum is honoured");
        assert.ok(isDns1123Label("abc", 3));
    });

    it("takes DNS-1123 subdomains, dot-separated labels up to 253 characters", () => {
        for (const name of ["fast-ssd", "ebs.csi.aws.com", "a.b", `${"a".repeat(63)}.${"b".repeat(63)}`]) {
            assert.ok(isDns1123Subdomain(name), name);
        }
    });

    it("refuses a subdomain invalid at either end or in a label, or too long", () => {
        for (const name of ["fast!", "fast-", "-fast", "!fast", "a..b", "a.", ".a", "a.b-", "A.b", "a_b.c", ""]) {
            assert.ok(!isDns1123Subdomain(name), name);
        }
        const long = Array.from({ length: 64 }, () => "abc").join(".");
        assert.strictEqual(long.length, 255);
        assert.strictEqual(isDns1123Subdomain(long), false);
        assert.ok(isDns1123Subdomain(long.slice(2)), "253 characters are fine");
        assert.ok(!isDns1123Subdomain(null));
    });

    it("takes ports from 1 to 65535, whole numbers only", () => {
        for (const port of [1, 6379, 65535]) assert.ok(isPortNumber(port), String(port));
        for (const port of [0, -1, 65536, 6379.5, "6379", NaN]) assert.ok(!isPortNumber(port), String(port));
    });
});
