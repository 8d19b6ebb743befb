/**
 * The importable library: `import { DsmRedis } from "dsm-redis"`. Importing registers nothing; only constructing
 * DsmRedis (or RedisStreamGroups) does.
 */
export { DSM_REDIS_TYPE, DsmRedis } from "./dsm-redis";
export { BusSettings, DSM_REDIS_DEFAULTS, DsmRedisArgs, ResourceAmounts, argumentProblems, resolveArgs } from "./args";
export {
    BUS_LABELS,
    CLIENT_LABEL,
    NODE_SELECTOR,
    OBJECT_NAMES,
    REDIS_NAME,
    REDIS_SELECTOR,
    nodePodName,
    nodePodSelector,
    secretNameFor,
} from "./builders/object-names";
export {
    ADMIN_USER,
    DEFAULT_SERVICE_USERS,
    DURABLE_PUBLISH_RULES,
    ROLE_COMMANDS,
    Role,
    ServiceUser,
    renderAclFile,
} from "./render/acl";
export { REDIS_CONTAINER_PORT } from "./render/layout";
export { PASSWORD_KEY } from "./render/pod-spec";
export { DEAD_LETTER_FIELDS, deadLetterStreamOf } from "./render/dead-letter-script";
export { MASTER_NAME, SENTINEL_PORT } from "./render/replication";
export {
    BACKUP_CATCH_UP_MS,
    BACKUP_CATCH_UP_POLL_MS,
    BACKUP_CUT_SCRIPT,
    BACKUP_ENTRIES_SCRIPT,
    BACKUP_HELD_SCRIPT,
    BACKUP_HOLD_KEY,
    BACKUP_LEASE_MS,
    BACKUP_PAGE,
    BACKUP_PENDING_SCRIPT,
    BACKUP_RELEASE_SCRIPT,
    BACKUP_RENEW_SCRIPT,
    BACKUP_STEPS_FORMAT,
} from "./render/backup-script";
export { AppendFsync, maxmemoryBytes, renderRedisConf } from "./render/redis-conf";
export { InvalidArgumentsError, Problem } from "./validation";
export * from "./stream-groups";
export { GroupState, readGroups } from "./stream-groups/redis-ops";
export * from "./redis-link";
