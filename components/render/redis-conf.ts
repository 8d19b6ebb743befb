/**
 * redis.conf, rendered from the settings by pure functions, and the memory arithmetic behind `maxmemory`.
 */
import { createHash } from "crypto";
import { parseQuantity, wholeUnits } from "../../k8s-grammar/quantity";
import { ACL_DIR, ACL_FILE, REDIS_CONTAINER_PORT, REDIS_DATA_DIR } from "./layout";

export const APPENDFSYNC_MODES = ["everysec", "always"] as const;
export type AppendFsync = (typeof APPENDFSYNC_MODES)[number];

export const MiB = 1024n * 1024n;

/**
 * Memory the Redis process needs besides its dataset: the executable and allocator, client output buffers, the AOF
 * rewrite buffer and Lua. 16 MiB leaves room for a few dozen busy clients.
 */
export const PROCESS_OVERHEAD_BYTES = 16n * MiB;

/** The smallest dataset worth running; below it the memory limit is refused rather than silently useless. */
export const MIN_MAXMEMORY_BYTES = 16n * MiB;

/** The smallest memory limit that leaves MIN_MAXMEMORY_BYTES for data: 48Mi with persistence, 32Mi without. */
export function minMemoryLimitBytes(persistence: boolean): bigint {
    return PROCESS_OVERHEAD_BYTES + (persistence ? 2n : 1n) * MIN_MAXMEMORY_BYTES;
}

/**
 * `maxmemory` from the container's memory limit, so that Redis refuses writes (OOM errors to producers) before the
 * kernel kills it (OOMKill, losing whatever `everysec` had not yet synced):
 *
 * - with persistence, an AOF rewrite forks; while the child writes, every page the parent changes is copied, so in the
 *   worst case the dataset is in memory twice: limit = overhead + 2 × maxmemory, maxmemory = (limit − overhead) / 2;
 * - without persistence there is no fork: maxmemory = limit − overhead.
 *
 * For the default 200Mi limit with persistence: (200 − 16) / 2 = 92 MiB.
 */
export function maxmemoryBytes(memoryLimit: string, persistence: boolean): bigint {
    const limit = wholeUnits(parseQuantity(memoryLimit));
    const available = limit - PROCESS_OVERHEAD_BYTES;
    return persistence ? available / 2n : available;
}

export interface RedisConfigSettings {
    readonly memoryLimit: string;
    readonly persistence: boolean;
    readonly appendfsync: AppendFsync;
}

/** The complete redis.conf. Paths are the pod's; tests override them with their own. */
export function renderRedisConf(settings: RedisConfigSettings): string {
    const maxmemory = maxmemoryBytes(settings.memoryLimit, settings.persistence);
    const persistence = settings.persistence
        ? [
              // Stryker disable next-line StringLiteral: a comment line of redis.conf, which Redis ignores
              "# Persistence: an append-only file, the bus's log. RDB snapshots are off: AOF alone is the source of truth,",
              // Stryker disable next-line StringLiteral: a comment line of redis.conf, which Redis ignores
              "# and a second kind of fork would only compete for the same memory headroom.",
              "appendonly yes",
              `appendfsync ${settings.appendfsync}`,
              'appenddirname "appendonlydir"',
              "aof-use-rdb-preamble yes",
              "auto-aof-rewrite-percentage 100",
              "auto-aof-rewrite-min-size 64mb",
              'save ""',
          ]
        : ["# Persistence is off (a throwaway stack): a restart loses every event.", "appendonly no", 'save ""'];
    return [
        // Stryker disable next-line StringLiteral: a comment line of redis.conf, which Redis ignores
        "# Rendered by dsm-redis from the stack settings; a change rolls the pod.",
        "bind * -::*",
        `port ${REDIS_CONTAINER_PORT}`,
        // Stryker disable next-line StringLiteral: a comment line of redis.conf, which Redis ignores
        "# Protected mode would refuse clients from other pods; the ACL users and the NetworkPolicy guard access instead.",
        "protected-mode no",
        `dir ${REDIS_DATA_DIR}`,
        ...persistence,
        "",
        `# Memory: ${settings.memoryLimit} limit, see components/render/redis-conf.ts for the arithmetic.`,
        `maxmemory ${maxmemory}`,
        // Stryker disable next-line StringLiteral: a comment line of redis.conf, which Redis ignores
        "# Never evict: eviction would drop the whole stream key, with its groups and pending entries.",
        "maxmemory-policy noeviction",
        "",
        // Stryker disable next-line StringLiteral: a comment line of redis.conf, which Redis ignores
        "# Users and what they may run; the default user is off.",
        `aclfile ${ACL_DIR}/${ACL_FILE}`,
        "",
        "loglevel notice",
        'logfile ""',
        "",
    ].join("\n");
}

/** A short digest of the pod's configuration, as a pod-template annotation: a change rolls the pod. */
export function configChecksum(...parts: string[]): string {
    const hash = createHash("sha256");
    for (const part of parts) hash.update(part).update("\0");
    return hash.digest("hex");
}
