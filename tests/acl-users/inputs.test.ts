/** RedisAclUsers' pure parts: what its check refuses, and how a change of users becomes ACL commands. */
import * as assert from "assert";
import { aclChanges, aclCommands, checkAclUsersInputs } from "../../components/acl-users/inputs";
import { UNKNOWN } from "../../k8s-grammar/unknown-values";

const GOOD = {
    users: [{ user: "sprint-service", rules: ["on", `#${"a".repeat(64)}`, "~dsm:*", "+xadd"] }],
    connection: { host: "redis.dsm.svc.cluster.local", port: 6379 },
    readinessTimeoutSeconds: 300,
};
const failuresOf = (news: Record<string, unknown>) =>
    checkAclUsersInputs({ ...GOOD, ...news }).map((f) => `${f.field}: ${f.message}`);

describe("RedisAclUsers' check", () => {
    it("accepts good inputs, and values unknown at preview", () => {
        assert.deepStrictEqual(failuresOf({}), []);
        assert.deepStrictEqual(failuresOf({ users: UNKNOWN, readinessTimeoutSeconds: UNKNOWN }), []);
        assert.deepStrictEqual(failuresOf({ readinessTimeoutSeconds: 3600 }), []);
        // A selector (Redis 7), as the retention user's rules carry one: words in parentheses, one argument.
        assert.deepStrictEqual(
            failuresOf({ users: [{ user: "r", rules: ["on", "(~dsm:*:dead +xadd)", "(+get)"] }] }),
            [],
        );
    });

    it("refuses no users, a bad user name, bad rules and a bad timeout, naming each field", () => {
        const RULES =
            'must be a list of ACL rules, each a word without spaces or a selector of words in parentheses, e.g. "+get" or "(~app:* +set)"';
        const users = "users: must list at least one user with its rules";
        assert.deepStrictEqual(failuresOf({ users: [] }), [users]);
        assert.deepStrictEqual(failuresOf({ users: "sprint-service" }), [users]);
        assert.deepStrictEqual(
            failuresOf({
                users: [
                    GOOD.users[0],
                    { user: "with space", rules: ["on"] },
                    { user: "x", rules: ["on", "two words"] },
                    { user: "y", rules: "on" },
                    { user: "z", rules: ["on", 7] },
                    null,
                    { user: "", rules: [] },
                    { user: "s", rules: ["(~a +get", "~a)"] },
                    { user: "t", rules: ["( +get)"] },
                    { user: "u", rules: ["(+get  +set)"] },
                    { user: "v", rules: ["((+get))"] },
                ],
            }),
            [
                "users[1].user: must be a user name without spaces",
                "users[2].rules: " + RULES,
                "users[3].rules: " + RULES,
                "users[4].rules: " + RULES,
                "users[5].user: must be a user name without spaces",
                "users[5].rules: " + RULES,
                "users[6].user: must be a user name without spaces",
                "users[7].rules: " + RULES,
                "users[8].rules: " + RULES,
                "users[9].rules: " + RULES,
                "users[10].rules: " + RULES,
            ],
        );
        for (const timeout of [0, -1, 3601, "300", NaN]) {
            assert.deepStrictEqual(
                failuresOf({ readinessTimeoutSeconds: timeout }),
                ["readinessTimeoutSeconds: must be a number of seconds above 0 and at most 3600"],
                String(timeout),
            );
        }
        assert.ok(failuresOf({ connection: { port: 6379 } }).some((f) => f.startsWith("connection")));
    });
});

describe("RedisAclUsers' changes", () => {
    const a = { user: "a", rules: ["on", "+ping"] };
    const b = { user: "b", rules: ["on", "+xadd"] };

    it("sets the users that are new or whose rules changed, and removes those that are gone", () => {
        const changedB = { user: "b", rules: ["on", "+xadd", "+xlen"] };
        const c = { user: "c", rules: ["on"] };
        const changes = aclChanges([a, b], [changedB, c]);
        assert.deepStrictEqual(changes, { set: [changedB, c], remove: ["a"] });
        assert.deepStrictEqual(aclCommands(changes), [
            ["SETUSER", "b", "reset", "on", "+xadd", "+xlen"],
            ["SETUSER", "c", "reset", "on"],
            ["DELUSER", "a"],
        ]);
    });

    it("sends nothing when nothing changed, and no DELUSER without a removal", () => {
        assert.deepStrictEqual(aclCommands(aclChanges([a, b], [b, a])), []);
        assert.deepStrictEqual(aclCommands(aclChanges([a], [a, b])), [["SETUSER", "b", "reset", "on", "+xadd"]]);
    });

    it("sees a rule moved between users' rules, not only a count", () => {
        assert.deepStrictEqual(aclChanges([a], [{ user: "a", rules: ["on", "+pong"] }]).set.length, 1);
        assert.deepStrictEqual(aclChanges([a], [{ user: "a", rules: ["on+ping"] }]).set.length, 1);
    });
});
