/** The ACL renderer on its own: what each user's line says, and what it refuses to render. */
import * as assert from "assert";
import {
    ADMIN_USER,
    BACKUP_USER,
    DEFAULT_SERVICE_USERS,
    METRICS_USER,
    RETENTION_USER,
    SYSTEM_USER_COMMANDS,
    NO_PASSWORD,
    ServiceUser,
    aclRules,
    renderAclFile,
    sha256Hex,
} from "../../components/render/acl";

const USERS: readonly ServiceUser[] = [
    { name: "sprint-service", roles: ["publish", "consume"] },
    { name: "project-orchestrator", roles: ["publish"] },
];
const hashes = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, sha256Hex(`${n}-password`)]));
const ALL = [ADMIN_USER, RETENTION_USER, METRICS_USER, ...USERS.map((u) => u.name)];

describe("the ACL renderer", () => {
    it("hashes a password as Redis's ACL does: SHA-256, lower-case hex", () => {
        assert.strictEqual(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    });

    it("writes one line per user, the hashes and never a password", () => {
        const file = renderAclFile(USERS, hashes(ALL), [RETENTION_USER, METRICS_USER]);
        const lines = file.split("\n");
        assert.strictEqual(lines.at(-1), "", "the file ends with a newline");
        assert.deepStrictEqual(
            lines.slice(0, -1).map((l) => l.split(" ").slice(0, 2).join(" ")),
            ["default", ADMIN_USER, "dsm-probe", RETENTION_USER, METRICS_USER, ...USERS.map((u) => u.name)].map(
                (u) => `user ${u}`,
            ),
        );
        assert.ok(!file.includes("-password"), "a plaintext password");
        for (const user of ALL) assert.ok(file.includes(`#${sha256Hex(`${user}-password`)}`), user);
    });

    it("writes the backup user's line whole: reads only, and writes its own dsm:backup:* keys only", () => {
        const given = hashes([...ALL, BACKUP_USER]);
        const line = renderAclFile(USERS, given, [BACKUP_USER])
            .split("\n")
            .find((l) => l.startsWith(`user ${BACKUP_USER} `));
        assert.strictEqual(
            line,
            `user ${BACKUP_USER} on #${given[BACKUP_USER]} ~dsm:* resetchannels -@all +ping +role +eval +time +exists +xinfo|stream +xinfo|groups +xinfo|consumers +xrange +xpending (~dsm:backup:* +get +set +pexpire +del)`,
        );
    });

    it("writes each system user's line whole: on, its hash, dsm:* keys only, and only its commands", () => {
        const given = hashes(ALL);
        const lines = renderAclFile(USERS, given, [RETENTION_USER, METRICS_USER]).split("\n");
        assert.strictEqual(
            lines.find((l) => l.startsWith(`user ${RETENTION_USER} `)),
            `user ${RETENTION_USER} on #${given[RETENTION_USER]} ~dsm:* resetchannels -@all ${SYSTEM_USER_COMMANDS[RETENTION_USER].map((c) => `+${c}`).join(" ")} (~dsm:*:dead ~dsm:dead-letters:cursor ~dsm:dead-letters:deliveries +xadd +hget +hset +hdel)`,
        );
        assert.ok(
            !lines.find((l) => l.startsWith(`user ${METRICS_USER} `))?.includes("("),
            "the metrics user has no selector",
        );
        assert.ok(SYSTEM_USER_COMMANDS[METRICS_USER].includes("xinfo|groups"));
        assert.ok(
            lines.includes(
                `user ${ADMIN_USER} on #${given[ADMIN_USER]} ~dsm:* resetchannels +@all -@dangerous +info +acl|setuser +acl|deluser`,
            ),
        );
    });

    it("writes a user that has no password (NO_PASSWORD) off, with its rules kept, so that it cannot log in", () => {
        const given: Record<string, string | null> = {
            ...hashes(ALL),
            "sprint-service": NO_PASSWORD,
            [ADMIN_USER]: NO_PASSWORD,
        };
        const rules = Object.fromEntries(
            aclRules(USERS, given, [RETENTION_USER, METRICS_USER]).map((r) => [r.user, r.rules]),
        );
        assert.deepStrictEqual(rules["sprint-service"].slice(0, 4), ["off", "resetpass", "~dsm:*", "resetchannels"]);
        assert.deepStrictEqual(rules[ADMIN_USER].slice(0, 3), ["off", "resetpass", "~dsm:*"]);
        assert.deepStrictEqual(rules["project-orchestrator"].slice(0, 2), ["on", `#${given["project-orchestrator"]}`]);
    });

    it("refuses a user without a hash, or with a hash that is not 64 lower-case hex characters, naming the user", () => {
        const good = hashes(ALL);
        const cases: Array<[string, Record<string, string>]> = [
            ["sprint-service", { ...good, "sprint-service": undefined as unknown as string }],
            [ADMIN_USER, Object.fromEntries(Object.entries(good).filter(([u]) => u !== ADMIN_USER))],
            [RETENTION_USER, { ...good, [RETENTION_USER]: "a".repeat(63) }],
            ["project-orchestrator", { ...good, "project-orchestrator": "A".repeat(64) }],
            ["sprint-service", { ...good, "sprint-service": `${"a".repeat(64)}0` }],
            ["sprint-service", { ...good, "sprint-service": `x${"a".repeat(64)}` }],
            [
                "sprint-service",
                { ...good, "sprint-service": "plaintext-password-of-sufficient-length-but-not-a-hash!!" },
            ],
        ];
        for (const [user, given] of cases) {
            assert.throws(
                () => aclRules(USERS, given, [RETENTION_USER, METRICS_USER]),
                new Error(`no SHA-256 password hash for ACL user ${JSON.stringify(user)}`),
                user,
            );
        }
    });

    it("gives the default user no way in, the probe only PING, and each service only its roles' commands", () => {
        const rules = Object.fromEntries(
            aclRules(DEFAULT_SERVICE_USERS, hashes([ADMIN_USER, ...DEFAULT_SERVICE_USERS.map((u) => u.name)])).map(
                (r) => [r.user, r.rules],
            ),
        );
        assert.deepStrictEqual(rules.default, ["off", "resetpass", "~dsm:*", "resetchannels", "+@all", "-@dangerous"]);
        assert.deepStrictEqual(rules["dsm-probe"], ["on", "nopass", "resetchannels", "-@all", "+ping"]);
        assert.ok(!("dsm-retention" in rules), "a system user only when asked for");
        const orchestrator = rules["project-orchestrator"];
        assert.deepStrictEqual(orchestrator.slice(0, 1), ["on"]);
        assert.deepStrictEqual(orchestrator.slice(2, 5), ["~dsm:*", "resetchannels", "-@all"]);
        assert.ok(orchestrator.includes("+xadd") && !orchestrator.includes("+xreadgroup"), orchestrator.join(" "));
        // A publisher's WAIT and WAITAOF by category, before its commands (tests/hardening-redis.test.ts and
        // tests/upgrade/valkey.test.ts ask real servers what that grants); a consumer has no such rule.
        assert.deepStrictEqual(orchestrator.slice(4), [
            "-@all",
            "+@connection",
            "-@fast",
            "-@dangerous",
            "-client",
            "-command",
            "+ping",
            "+info",
            "+client|setname",
            "+client|getname",
            "+client|id",
            "+xadd",
            "+xlen",
        ]);
        assert.deepStrictEqual(
            rules["sprint-service"].slice(4, 11),
            ["-@all", "+@connection", "-@fast", "-@dangerous", "-client", "-command", "+ping"],
            "once for a user of both roles",
        );
        assert.deepStrictEqual(rules["backlog-service"].slice(4, 6), ["-@all", "+ping"]);
        const admin = rules[ADMIN_USER];
        assert.deepStrictEqual(admin.slice(2), [
            "~dsm:*",
            "resetchannels",
            "+@all",
            "-@dangerous",
            "+info",
            "+acl|setuser",
            "+acl|deluser",
        ]);
    });
});
