/**
 * The ACL users of the bus, their rules, and the ACL file Redis loads at start. Pure: passwords come in as SHA-256
 * hashes, so nothing here holds a plaintext password. Every rule is valid on Redis 7.0 and 7.2 and on Valkey (7.2-only
 * commands such as `client|setinfo` would stop 7.0 from starting).
 */
import { createHash } from "crypto";
import { BACKUP_KEY_PATTERN } from "./backup-script";
import { DEAD_LETTER_CURSOR_KEY, DELIVERIES_TALLY_KEY } from "./dead-letter-script";

/** The user the stream-groups provider and the probes connect as. */
export const ADMIN_USER = "dsm-admin";

/** The key pattern every user is confined to. */
export const KEY_PATTERN = "dsm:*";

export const ROLES = ["publish", "consume"] as const;
export type Role = (typeof ROLES)[number];

export interface ServiceUser {
    /** The ACL user name, also the name of its Kubernetes Secret (`redis-<name>`). */
    readonly name: string;
    /** What the service does on the bus. */
    readonly roles: readonly Role[];
    /**
     * The namespaces the service runs in, besides the bus's own: its Secret is written there too (and rewritten on a
     * rotation), and its pods there are admitted by the NetworkPolicy. Default: none.
     */
    readonly namespaces?: readonly string[];
}

/** The services of the design's diagram: the Sprint Service publishes and consumes, the others one or the other. */
export const DEFAULT_SERVICE_USERS: readonly ServiceUser[] = [
    { name: "sprint-service", roles: ["publish", "consume"] },
    { name: "project-orchestrator", roles: ["publish"] },
    { name: "project-service", roles: ["consume"] },
    { name: "backlog-service", roles: ["consume"] },
];

/** What any client needs to connect and check the server (ioredis sends INFO for its ready check). */
const CONNECTION_COMMANDS = ["ping", "info", "client|setname", "client|getname", "client|id"];

/** The stream commands each role needs, and nothing else (a publisher's WAIT and WAITAOF: ROLE_CATEGORY_RULES). */
export const ROLE_COMMANDS: Readonly<Record<Role, readonly string[]>> = {
    publish: ["xadd", "xlen"],
    consume: [
        "xreadgroup",
        "xack",
        "xpending",
        "xclaim",
        "xautoclaim",
        "xgroup|createconsumer",
        "xinfo|stream",
        "xinfo|groups",
        "xinfo|consumers",
        "xrange",
        "xrevrange",
        "xlen",
    ],
};

/**
 * WAIT, and WAITAOF where the server has it, by category: a durable publish waits until a majority of the nodes has
 * the entry (WAIT), or has written it to its append-only file (WAITAOF; README, "High availability"). WAITAOF came
 * with Redis 7.2, and Redis 7.0 refuses a rule that names a command it does not know, so the rule names none: the
 * connection category's slow commands, less the dangerous ones and CLIENT and COMMAND, are WAIT on Redis 7.0 and
 * WAIT and WAITAOF on Redis 7.2 to 8.0 and on Valkey, as each server's own command table has it
 * (tests/hardening-redis.test.ts and tests/upgrade/valkey.test.ts list every command a user may run, on each server).
 */
export const DURABLE_PUBLISH_RULES = ["+@connection", "-@fast", "-@dangerous", "-client", "-command"] as const;

/** Each role's rules by category, which go before its commands (a later `+client|setname` is not undone). */
export const ROLE_CATEGORY_RULES: Readonly<Record<Role, readonly string[]>> = {
    publish: DURABLE_PUBLISH_RULES,
    consume: [],
};

/** The commands a user with these roles may run, in a stable order. */
export function commandsFor(roles: readonly Role[]): string[] {
    return [...new Set([...CONNECTION_COMMANDS, ...roles.flatMap((role) => ROLE_COMMANDS[role])])];
}

/**
 * A user's password as the ACL file takes it: its SHA-256 in hex, or NO_PASSWORD where none was produced (a
 * RandomPassword without a result, as under test mocks that echo their inputs), which leaves the user unable to log in.
 */
export type PasswordHash = string | typeof NO_PASSWORD;
export const NO_PASSWORD = null;

export function sha256Hex(password: string): string {
    // Stryker disable next-line StringLiteral: an empty encoding is Node's default, which is utf8
    return createHash("sha256").update(password, "utf8").digest("hex");
}

/** The user the probes connect as: no password, and PING only, so that the pod holds no credential at all. */
export const PROBE_USER = "dsm-probe";

/** The user the retention CronJob runs its script as. */
export const RETENTION_USER = "dsm-retention" as const;

/** The user the scheduled backup's CronJob reads the bus as. */
export const BACKUP_USER = "dsm-backup" as const;

/** The user the metrics exporter reads as. */
export const METRICS_USER = "dsm-metrics" as const;

/** The user replicas authenticate to their master as (`masteruser`), on a replicated bus. */
export const REPLICATION_USER = "dsm-replication" as const;

/** The user the Sentinels monitor and reconfigure the nodes as, and the switchover script runs as. */
export const SENTINEL_USER = "dsm-sentinel" as const;

/** Names a service user may not take. */
export const RESERVED_USERS: readonly string[] = [
    "default",
    ADMIN_USER,
    PROBE_USER,
    RETENTION_USER,
    BACKUP_USER,
    METRICS_USER,
    REPLICATION_USER,
    SENTINEL_USER,
];

/**
 * The users of a replicated bus, with every rule but their login. Neither touches a key. The replication user may
 * only sync (Redis's documented replica rules). The Sentinel user has what Sentinel sends (its documented rules, with
 * REPLICAOF beside SLAVEOF, the name Sentinel uses), and for the switchover script (render/switchover.ts) CLIENT PAUSE
 * and UNPAUSE, which hold writes while a replica catches up, and CONFIG SET, by which node 0 lowers its own
 * `replica-priority` to take the master back (Redis 7 refuses CONFIG SET of `dir`, `dbfilename` and the other
 * protected settings by default, `enable-protected-configs no`).
 */
export const REPLICATION_USER_RULES = {
    [REPLICATION_USER]: ["resetchannels", "-@all", "+psync", "+replconf", "+ping"],
    [SENTINEL_USER]: [
        "resetchannels",
        "&__sentinel__:hello",
        "-@all",
        "+ping",
        "+info",
        "+role",
        "+multi",
        "+exec",
        "+slaveof",
        "+replicaof",
        "+config|rewrite",
        "+subscribe",
        "+publish",
        "+client|setname",
        "+client|kill",
        "+client|pause",
        "+client|unpause",
        "+config|set",
        "+script|kill",
    ],
} as const;

export type ReplicationUser = keyof typeof REPLICATION_USER_RULES;
export const REPLICATION_USERS = Object.keys(REPLICATION_USER_RULES) as ReplicationUser[];

/**
 * The bus's own users besides the admin and the probe, each with a password of its own, present when their feature
 * is on: what each may run, and nothing more.
 */
export const SYSTEM_USER_COMMANDS = {
    /** One retention step: the script, and what it calls (commands inside a script are checked as the caller's). */
    [RETENTION_USER]: [
        "ping",
        "eval",
        "evalsha",
        "time",
        "exists",
        "xlen",
        "xinfo|groups",
        "xpending",
        "xrange",
        "xtrim",
        "set",
        "incrby",
        // A backup's hold on retention (render/backup-script.ts), which each step reads.
        "get",
        // The dead-letter step (render/dead-letter-script.ts) acknowledges the poison entry it moves; its other
        // writes are allowed on their own keys only (SYSTEM_USER_SELECTORS).
        "xack",
    ],
    /**
     * The backup's steps (render/backup-script.ts): the scripts, and the reads they call. Its writes (its hold and
     * status keys) are allowed on its own keys only (SYSTEM_USER_SELECTORS): it cannot change the bus.
     */
    [BACKUP_USER]: [
        "ping",
        // Which node to read the pages from: a replica linked to its master, on a replicated bus.
        "role",
        "eval",
        "time",
        "exists",
        "xinfo|stream",
        "xinfo|groups",
        "xinfo|consumers",
        "xrange",
        "xpending",
    ],
    /** What redis_exporter reads with --check-single-streams, --check-single-keys and --config-command=- . */
    [METRICS_USER]: [
        "ping",
        "info",
        "select",
        "client|setname",
        "slowlog|len",
        // The last slow command's duration (redis_last_slow_execution_duration_seconds); its arguments are no more
        // than XINFO STREAM shows this user already.
        "slowlog|get",
        "latency|latest",
        // Per-command latency: XADD's, which producers feel.
        "latency|histogram",
        "xinfo|stream",
        "xinfo|groups",
        "xinfo|consumers",
        "type",
        "exists",
        "get",
        // The exporter tries a string key as a HyperLogLog first; on the status keys PFCOUNT answers WRONGTYPE.
        "pfcount",
        "strlen",
        "xlen",
        "memory|usage",
    ],
} as const;

export type SystemUser = keyof typeof SYSTEM_USER_COMMANDS;

/**
 * Commands a system user may run on some keys only, as ACL selectors (Redis 7): the retention user may append to a
 * dead-letter stream (`<stream>:dead`) and keep the dead-letter cursors and deliveries tally, but not append to the
 * bus's stream; the backup user may write its hold and status keys only.
 */
export const SYSTEM_USER_SELECTORS: Readonly<Record<SystemUser, readonly string[]>> = {
    [RETENTION_USER]: [
        `(~${KEY_PATTERN}:dead ~${DEAD_LETTER_CURSOR_KEY} ~${DELIVERIES_TALLY_KEY} +xadd +hget +hset +hdel)`,
    ],
    // EVAL needs every access to the keys it is given (the stream among them), which the commands above then confine.
    [BACKUP_USER]: [`(~${BACKUP_KEY_PATTERN} +get +set +pexpire +del)`],
    [METRICS_USER]: [],
};

/** One ACL user's rules, as `ACL SETUSER <user> <rules…>` takes them and as the ACL file writes them. */
export interface AclRule {
    readonly user: string;
    readonly rules: readonly string[];
}

/**
 * Every user's rules. Pure: passwords come in as SHA-256 hashes.
 *
 * - The default user is off, so no connection can authenticate as it (unauthenticated clients get NOAUTH, `AUTH
 *   default` fails), and without a password; a file that left it out would get it back as `on nopass +@all`. It keeps
 *   command permissions on `dsm:*` all the same, because Redis replays the AOF as the default user and, up to the fix
 *   of redis/redis#14541, re-checks that user's ACL when it replays a MULTI/EXEC block. XREADGROUP with COUNT > 1,
 *   XAUTOCLAIM and scripts are written to the AOF as such blocks; with `-@all` here, a restart silently drops them,
 *   and with them every consumer group's position and pending entries (tests/hardening-redis.test.ts shows it).
 * - The admin may run everything but the dangerous commands (FLUSHALL, CONFIG, KEYS, DEBUG, SHUTDOWN …), on `dsm:*`
 *   only, with INFO allowed back for monitoring, and ACL SETUSER and DELUSER, with which the provisioning applies a
 *   user change to the running server without a restart.
 * - The probe user may only PING, and on a replicated bus ROLE, which the proxy in front asks to find the master.
 * - On a replicated bus, the replication and Sentinel users (REPLICATION_USER_RULES).
 * - Each service user may run its roles' commands, on `dsm:*` only, and a publisher WAIT and WAITAOF.
 */
export function aclRules(
    users: readonly ServiceUser[],
    passwordHashes: Readonly<Record<string, PasswordHash>>,
    systemUsers: readonly SystemUser[] = [],
    replicated = false,
): AclRule[] {
    /** `on #hash`, or `off resetpass` for a user that has no password (NO_PASSWORD): it cannot log in at all. */
    const login = (name: string): string[] => {
        const hash = passwordHashes[name];
        if (hash === NO_PASSWORD) return ["off", "resetpass"];
        // Stryker disable next-line StringLiteral: any text in place of a missing hash fails the same test
        if (!/^[0-9a-f]{64}$/.test(hash ?? "")) {
            throw new Error(`no SHA-256 password hash for ACL user ${JSON.stringify(name)}`);
        }
        return ["on", `#${hash}`];
    };
    return [
        { user: "default", rules: ["off", "resetpass", `~${KEY_PATTERN}`, "resetchannels", "+@all", "-@dangerous"] },
        {
            user: ADMIN_USER,
            rules: [
                ...login(ADMIN_USER),
                `~${KEY_PATTERN}`,
                "resetchannels",
                "+@all",
                "-@dangerous",
                "+info",
                "+acl|setuser",
                "+acl|deluser",
            ],
        },
        {
            user: PROBE_USER,
            rules: ["on", "nopass", "resetchannels", "-@all", "+ping", ...(replicated ? ["+role"] : [])],
        },
        ...(replicated ? REPLICATION_USERS : []).map((user) => ({
            user,
            rules: [...login(user), ...REPLICATION_USER_RULES[user]],
        })),
        ...systemUsers.map((user) => ({
            user,
            rules: [
                ...login(user),
                `~${KEY_PATTERN}`,
                "resetchannels",
                "-@all",
                ...SYSTEM_USER_COMMANDS[user].map((c) => `+${c}`),
                ...SYSTEM_USER_SELECTORS[user],
            ],
        })),
        ...users.map((user) => ({
            user: user.name,
            rules: [
                ...login(user.name),
                `~${KEY_PATTERN}`,
                "resetchannels",
                "-@all",
                ...new Set(user.roles.flatMap((role) => ROLE_CATEGORY_RULES[role])),
                ...commandsFor(user.roles).map((c) => `+${c}`),
            ],
        })),
    ];
}

/** The ACL file Redis loads at start: one `user` line per rule. */
export function renderAclFile(
    users: readonly ServiceUser[],
    passwordHashes: Readonly<Record<string, PasswordHash>>,
    systemUsers: readonly SystemUser[] = [],
    replicated = false,
): string {
    return aclRules(users, passwordHashes, systemUsers, replicated)
        .map((rule) => `user ${rule.user} ${rule.rules.join(" ")}`)
        .join("\n")
        .concat("\n");
}
