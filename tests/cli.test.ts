/**
 * `npm run cli` against a real redis-server with the rendered config and ACL file (its --direct mode; the engine tier
 * runs it through the port-forward of a deployed stack, in a terminal): PING, XINFO, a refused command shown as
 * NOPERM, a wrong password as a clear error, and an interactive session.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { formatReply, parseCommandLine } from "../ops/lib/redis-repl";
import { RenderedRedis, startRenderedRedis } from "./helpers/rendered-redis";
import { REPO_ROOT } from "../ops/lib/repo-root";
import { freePort } from "../testbed/redis-server";

describe("npm run cli", function () {
    this.timeout(60_000);
    let redis: RenderedRedis;

    before(async () => {
        redis = await startRenderedRedis();
        await redis.provision(["sprint-service", "project-service"]);
    });
    after(() => redis.stop());

    /** The cli as a user runs it, with the password in REDISCLI_AUTH (as redis-cli takes it), never in the arguments. */
    function cli(user: string, password: string, args: string[], input?: string) {
        const run = spawnSync(
            process.execPath,
            [
                "-r",
                "ts-node/register/transpile-only",
                "ops/cli.ts",
                "--direct",
                `127.0.0.1:${redis.server.port}`,
                "--user",
                user,
                ...args,
            ],
            {
                cwd: REPO_ROOT,
                encoding: "utf8",
                input,
                env: { ...process.env, REDISCLI_AUTH: password },
                timeout: 60_000,
            },
        );
        return { status: run.status, stdout: run.stdout, stderr: run.stderr };
    }

    it("runs one command and prints its reply as redis-cli does", () => {
        const ping = cli("dsm-admin", redis.passwords["dsm-admin"], ["PING"]);
        assert.deepStrictEqual([ping.status, ping.stdout], [0, "PONG\n"]);
        const groups = cli("dsm-admin", redis.passwords["dsm-admin"], ["XINFO", "GROUPS", "dsm:events"]);
        assert.strictEqual(groups.status, 0, groups.stdout + groups.stderr);
        assert.match(groups.stdout, /^1\) {2}1\) "name"\n {4}2\) "project-service"\n/);
        assert.match(groups.stdout, /\n2\) {2}1\) "name"\n {4}2\) "sprint-service"\n/);
        assert.match(groups.stdout, /\n {4}9\) "entries-read"\n {3}10\) \(nil\)\n/);
    });

    it("shows a command the user may not run as NOPERM, and exits 1", () => {
        const refused = cli("project-service", redis.passwords["project-service"], [
            "XADD",
            "dsm:events",
            "*",
            "type",
            "x",
        ]);
        assert.strictEqual(refused.status, 1);
        assert.match(refused.stdout, /^\(error\) NOPERM .*xadd/i);
    });

    it("says a wrong password is refused, without showing it", () => {
        const wrong = cli("sprint-service", "not-the-password-of-anyone", ["PING"]);
        assert.strictEqual(wrong.status, 1);
        // On stderr, as every error of the operator commands; stdout holds only replies.
        assert.match(wrong.stderr, /failed: Redis at redis:\/\/127\.0\.0\.1:\d+ refused the credentials: WRONGPASS/);
        assert.strictEqual(wrong.stdout, "");
        assert.ok(!`${wrong.stdout}${wrong.stderr}`.includes("not-the-password-of-anyone"));
    });

    it("says at once that nothing listens at a direct address that refuses, instead of waiting out its timeout", async () => {
        const closed = await freePort();
        const run = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "ops/cli.ts", "--direct", `127.0.0.1:${closed}`, "PING"],
            { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 },
        );
        assert.strictEqual(run.status, 1, run.stderr);
        assert.match(
            run.stderr,
            new RegExp(`nothing listens at redis://127\\.0\\.0\\.1:${closed}: the connection was refused`),
        );
        // No attempt after the first: the message would say "attempts" had it waited.
        assert.doesNotMatch(run.stderr, /not ready within/);
    });

    it("passes everything from the command on to Redis: flags after it are the command's", () => {
        const echo = cli("dsm-admin", redis.passwords["dsm-admin"], ["ECHO", "-h"]);
        assert.deepStrictEqual([echo.status, echo.stdout], [0, '"-h"\n']);
    });

    it("reads commands until quit when given none", () => {
        const session = cli(
            "sprint-service",
            redis.passwords["sprint-service"],
            [],
            'XADD dsm:events * type "Sprint Started"\nXLEN dsm:events\nquit\nPING\n',
        );
        assert.strictEqual(session.status, 0, session.stderr);
        assert.match(session.stdout, /Connected to redis:\/\/127\.0\.0\.1:\d+ as sprint-service\./);
        assert.match(session.stdout, /> "\d+-0"\ndsm-redis\(sprint-service\)> \(integer\) 1\n/);
        assert.doesNotMatch(session.stdout, /PONG/, "nothing runs after quit");
    });

    it("parses quoting and formats replies as redis-cli", () => {
        assert.deepStrictEqual(parseCommandLine(`XADD s * a "b c" d 'e f' g "h\\"i"`), [
            "XADD",
            "s",
            "*",
            "a",
            "b c",
            "d",
            "e f",
            "g",
            'h"i',
        ]);
        assert.throws(() => parseCommandLine('GET "open'), /unbalanced quotes/);
        assert.strictEqual(formatReply(null), "(nil)");
        assert.strictEqual(formatReply(3), "(integer) 3");
        assert.strictEqual(formatReply([]), "(empty array)");
        assert.strictEqual(formatReply(["a", ["b", 2]]), '1) "a"\n2) 1) "b"\n   2) (integer) 2');
    });
});
