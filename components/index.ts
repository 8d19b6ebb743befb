export {
    CLIENT_LABEL,
    DsmRedis,
    DsmRedisArgs,
    OBJECT_NAMES,
    REDIS_CONTAINER_PORT,
    REDIS_NAME,
    REDIS_SELECTOR,
} from "./dsm-redis";
export { ADMIN_USER, DEFAULT_SERVICE_USERS, ROLE_COMMANDS, Role, ServiceUser, renderAclFile } from "./acl";
export { maxmemoryBytes, renderRedisConf } from "./redis-config";
export { secretNameFor } from "./credentials";
export {
    CONFIG_KEYS,
    ConfigSource,
    DEFAULT_SETTINGS,
    RedisSettings,
    readSettings,
    stackConfigSource,
    stackKubernetesAccess,
} from "./settings";
export * from "./stream-groups";
export { InvalidSettingsError, Problem } from "./validation";
