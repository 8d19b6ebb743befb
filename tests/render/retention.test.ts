/**
 * The retention renderer's pure parts: the script's arguments and the CronJob's loop, as text. What they do on a real
 * redis-server, run as the CronJob runs them, is tests/retention.test.ts's.
 */
import * as assert from "assert";
import { deadLetterArgs, deadLetterKeys, deadLetterStreamOf } from "../../components/render/dead-letter-script";
import { deadLetterScriptPath, retentionArgs, retentionRunner } from "../../components/render/retention-script";

describe("the retention renderer", () => {
    it("passes the window as the script's ARGV: batch, age in ms (-1: none), count (-1: none), the opt-in", () => {
        assert.deepStrictEqual(retentionArgs({ batch: 500, trimUnacknowledged: false }), ["500", "-1", "-1", "0"]);
        assert.deepStrictEqual(
            retentionArgs({ batch: 1, maxAgeSeconds: 86400, minEntries: 10000, trimUnacknowledged: true }),
            ["1", "86400000", "10000", "1"],
        );
        assert.deepStrictEqual(
            retentionArgs({ batch: 7, maxAgeSeconds: 0, minEntries: 0, trimUnacknowledged: false }),
            ["7", "0", "0", "0"],
        );
    });

    it("loops over steps as the retention user until a step trims less than a batch or the budget is spent", () => {
        const script = retentionRunner("dsm:events", { batch: 500, minEntries: 10, trimUnacknowledged: false }, 45);
        const lines = script.split("\n");
        assert.strictEqual(lines[0], "#!/bin/sh");
        assert.ok(lines.includes("set -eu"), "a failed step fails the Job");
        assert.ok(lines.includes("deadline=$(( $(date +%s) + 45 ))"), script);
        const call = lines.find((l) => l.includes("redis-cli"));
        assert.strictEqual(
            call,
            `  out=$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --user "$REDIS_USERNAME" --no-auth-warning -e --eval /retention/trim.lua dsm:events dsm:retention:last-run dsm:retention:trimmed-total dsm:retention:blocked dsm:retention:held-by dsm:pending:oldest-age-seconds dsm:pending:oldest dsm:backup:hold , 500 -1 10 0)`,
        );
        assert.ok(!script.includes("REDIS_PASSWORD"), "redis-cli reads REDISCLI_AUTH from the environment");
        assert.deepStrictEqual(
            lines.filter((l) => /^ {2}(trimmed|blocked)=/.test(l)),
            ['  trimmed=$(echo "$out" | head -n 1)', '  blocked=$(echo "$out" | sed -n 2p)'],
        );
        assert.deepStrictEqual([lines.indexOf("while :; do") > 0, lines.at(-2)], [true, "done"]);
        assert.ok(lines.includes('  [ "$trimmed" -ge 500 ] || break'), script);
        assert.ok(lines.includes('  [ "$(date +%s)" -lt "$deadline" ] || break'), script);
        assert.ok(lines.includes('  echo "trimmed $trimmed${blocked:+, held by group $blocked}"'), script);
        assert.ok(script.endsWith("done\n"));
        assert.ok(
            retentionRunner("s", { batch: 1, trimUnacknowledged: false }, 5, "/x/t.lua").includes("--eval /x/t.lua s "),
        );
    });

    it("runs the dead-letter steps first, when on, until a pass has seen every pending entry", () => {
        const window = { batch: 500, trimUnacknowledged: false };
        const policy = { deliveries: 5, idleSeconds: 600, maxEntries: 100000 };
        const off = retentionRunner("dsm:events", window, 45);
        const on = retentionRunner("dsm:events", window, 45, "/retention/trim.lua", policy);
        assert.ok(!off.includes("dead-letter"), "off: no dead-letter step");
        const lines = on.split("\n");
        // The dead-letter loop, then the trim loop: the trim is no longer held back by what was just moved.
        assert.deepStrictEqual(lines.slice(4, 14), [
            "while :; do",
            `  out=$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --user "$REDIS_USERNAME" --no-auth-warning -e --eval /retention/dead-letter.lua dsm:events dsm:events:dead dsm:dead-letters:cursor dsm:dead-letters:moved-total dsm:dead-letters:full dsm:dead-letters:deliveries dsm:pending:most-deliveries dsm:pending:most-delivered dsm:backup:hold , 5 600000 100 100000)`,
            '  moved=$(echo "$out" | head -n 1)',
            '  scanned=$(echo "$out" | sed -n 2p)',
            '  full=$(echo "$out" | sed -n 3p)',
            '  if [ "$full" = 1 ]; then echo "dead letters moved $moved, the dead-letter stream is full"; else echo "dead letters moved $moved"; fi',
            '  [ "$full" = 0 ] && [ "$scanned" -ge 100 ] || break',
            '  [ "$(date +%s)" -lt "$deadline" ] || break',
            "done",
            "while :; do",
        ]);
        assert.strictEqual(on.split("--eval /retention/trim.lua").length, 2, "the trim step, once");
        assert.strictEqual(deadLetterScriptPath("/x/y/trim.lua"), "/x/y/dead-letter.lua");
        assert.strictEqual(deadLetterStreamOf("dsm:orders"), "dsm:orders:dead");
        assert.deepStrictEqual(deadLetterKeys("dsm:o").slice(0, 2), ["dsm:o", "dsm:o:dead"]);
        assert.deepStrictEqual(deadLetterArgs({ deliveries: 2, idleSeconds: 1, maxEntries: 7 }, 3), [
            "2",
            "1000",
            "3",
            "7",
        ]);
    });
});
