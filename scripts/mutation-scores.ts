/**
 * `npm run test:mutation`, after Stryker: the mutation score of each mutated file, from Stryker's JSON report, and a
 * failure when any file is below the floor. Stryker's own threshold judges only the total, which a few strong files
 * can lift over a weak one.
 */
import * as fs from "fs";
import * as path from "path";
import { table } from "../ops/lib/table";
import { REPO_ROOT } from "../ops/lib/repo-root";

const REPORT = path.join(REPO_ROOT, "reports", "mutation", "mutation.json");
const FLOOR = 90;

interface Report {
    readonly files: Record<string, { readonly mutants: ReadonlyArray<{ readonly status: string }> }>;
}

/** Stryker's definition: detected (killed or timed out) over valid (detected, survived or without coverage). */
function score(statuses: readonly string[]): { score: number; counts: Record<string, number> } {
    const counts: Record<string, number> = {};
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
    const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
    const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
    return { score: valid === 0 ? 100 : (detected / valid) * 100, counts };
}

function main(): number {
    if (!fs.existsSync(REPORT)) {
        console.error(
            `no Stryker report at ${REPORT}: run \`npx stryker run\` first (npm run test:mutation does both).`,
        );
        return 2;
    }
    const report = JSON.parse(fs.readFileSync(REPORT, "utf8")) as Report;
    const rows = Object.entries(report.files)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([file, { mutants }]) => ({ file, ...score(mutants.map((m) => m.status)) }));
    console.log(
        table(
            ["file", "score %", "killed", "timeout", "survived", "no coverage", "ignored"],
            rows.map((r) => [
                r.file,
                r.score.toFixed(1),
                ...["Killed", "Timeout", "Survived", "NoCoverage", "Ignored"].map((s) => String(r.counts[s] ?? 0)),
            ]),
        ),
    );
    const all = score(Object.values(report.files).flatMap((f) => f.mutants.map((m) => m.status)));
    console.log(`\ntotal ${all.score.toFixed(1)}%`);
    const below = rows.filter((r) => r.score < FLOOR);
    if (below.length > 0) {
        console.log(`below ${FLOOR}%: ${below.map((r) => `${r.file} (${r.score.toFixed(1)}%)`).join(", ")}`);
        return 1;
    }
    console.log(`every file at ${FLOOR}% or more`);
    return 0;
}

process.exitCode = main();
