/**
 * The alert rules, as the renderer writes them, unit-tested by promtool (built from the Prometheus Go module): each
 * alert fires on series that should fire it, with its labels and rendered annotations, and stays quiet on series that
 * should not. Run by `npm run test:metrics`, and by `npm run test:mutation` for alerts.ts.
 */
import * as assert from "assert";
import { CASES, expectPass, ruleGroups } from "./alert-cases";
import { testRules } from "./promtool";

describe("the alert rules under promtool test rules", function () {
    this.timeout(600_000);
    // Rendered in each test, not once per file: a mutation tester switches mutants between tests.
    let groups: ReturnType<typeof ruleGroups>;
    beforeEach(() => {
        groups = ruleGroups();
    });

    it("renders exactly the alerts these cases cover", () => {
        const rules = groups[0].rules.map((r) => r.alert);
        assert.deepStrictEqual([...rules].sort(), Object.keys(CASES).sort());
    });

    for (const [alert, cases] of Object.entries(CASES)) {
        it(`${alert} fires when it should, saying what it should, and stays quiet otherwise`, () => {
            expectPass(groups, cases);
        });
    }

    it("fails a case that expects the wrong thing (promtool's verdict is not ignored)", () => {
        const [firing] = CASES.DsmRedisGroupLagHigh;
        const result = testRules(groups, [{ ...firing, exp_alerts: [] }]);
        assert.strictEqual(result.ok, false, result.output);
        assert.match(result.output, /DsmRedisGroupLagHigh/);
    });

    it("takes its thresholds from the settings", () => {
        const [, quiet] = CASES.DsmRedisGroupLagHigh;
        const result = testRules(ruleGroups({ lagEntries: 100 }), [quiet]);
        assert.strictEqual(result.ok, false, "900 behind is above a threshold of 100");
    });

    it("without retention, has no retention or dead-letter alerts", () => {
        const rules = ruleGroups({ retention: false })[0].rules.map((r) => r.alert);
        assert.deepStrictEqual(
            rules,
            groups[0].rules
                .map((r) => r.alert)
                .filter((a) => !a.startsWith("DsmRedisRetention") && !a.startsWith("DsmRedisDeadLetters")),
        );
    });
});
