/**
 * `promtool test rules`, with promtool built from the Prometheus Go module by tools/build.sh: the rules and the unit
 * tests written to a temp folder as JSON (which is YAML), the verdict promtool's own.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { builtTools } from "../../testbed/built-tools";

/** One input series: its selector and promtool's expanding notation, e.g. `'0+10x20'`. */
export interface InputSeries {
    readonly series: string;
    readonly values: string;
}

export interface ExpectedAlert {
    readonly exp_labels: Record<string, string>;
    readonly exp_annotations: Record<string, string>;
}

export interface AlertCase {
    /** What the case shows, for promtool's report. */
    readonly name: string;
    readonly input_series: readonly InputSeries[];
    readonly alertname: string;
    readonly eval_time: string;
    /** Empty: the alert must stay quiet. */
    readonly exp_alerts: readonly ExpectedAlert[];
}

export interface PromtoolResult {
    readonly ok: boolean;
    readonly output: string;
}

/** Runs the cases against the rule groups (a PrometheusRule's spec.groups). */
export function testRules(groups: unknown, cases: readonly AlertCase[], interval = "1m"): PromtoolResult {
    const promtool = path.join(builtTools("promtool").promtool, "promtool");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-promtool-"));
    try {
        fs.writeFileSync(path.join(dir, "rules.json"), JSON.stringify({ groups }));
        const tests = cases.map(({ name, input_series, alertname, eval_time, exp_alerts }) => ({
            name,
            interval,
            input_series,
            alert_rule_test: [{ alertname, eval_time, exp_alerts }],
        }));
        const file = path.join(dir, "tests.json");
        fs.writeFileSync(file, JSON.stringify({ rule_files: ["rules.json"], evaluation_interval: interval, tests }));
        const run = spawnSync(promtool, ["test", "rules", file], { encoding: "utf8" });
        return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
