export { DsmRedis, DsmRedisArgs, REDIS_CONTAINER_PORT, REDIS_NAME, REDIS_SELECTOR } from "./dsm-redis";
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
