/**
 * Where things are inside the Redis container, written once for redis.conf, the pod spec and the probes.
 */

/** The port Redis listens on inside the container: the image's default. The Service's port may differ. */
export const REDIS_CONTAINER_PORT = 6379;

/** The image's WORKDIR and data directory: the AOF lives here, on the data volume. */
export const REDIS_DATA_DIR = "/data";

/** The uid and gid of user `redis` in the official Alpine image. */
export const REDIS_UID = 999;
export const REDIS_GID = 1000;

/** Where the pod mounts redis.conf (from a ConfigMap) and the ACL file (from a Secret). */
export const CONFIG_DIR = "/etc/redis/conf";
export const CONFIG_FILE = "redis.conf";
export const ACL_DIR = "/etc/redis/acl";
export const ACL_FILE = "users.acl";
