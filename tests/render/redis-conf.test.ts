/** redis.conf on its own: every directive the bus depends on, and the memory arithmetic behind maxmemory. */
import * as assert from "assert";
import {
    configChecksum,
    maxmemoryBytes,
    minMemoryLimitBytes,
    renderRedisConf,
} from "../../components/render/redis-conf";

/** The directives, in order, without comments and blank lines (which Redis ignores). */
const directives = (conf: string) => conf.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
const MiB = 1024 * 1024;

describe("redis.conf", () => {
    it("with persistence: the AOF as the only log, fsync as asked, maxmemory for a fork, noeviction, the ACL file", () => {
        assert.deepStrictEqual(
            directives(renderRedisConf({ memoryLimit: "200Mi", persistence: true, appendfsync: "everysec" })),
            [
                "bind * -::*",
                "port 6379",
                "protected-mode no",
                "dir /data",
                "appendonly yes",
                "appendfsync everysec",
                'appenddirname "appendonlydir"',
                "aof-use-rdb-preamble yes",
                "auto-aof-rewrite-percentage 100",
                "auto-aof-rewrite-min-size 64mb",
                'save ""',
                `maxmemory ${92 * MiB}`,
                "maxmemory-policy noeviction",
                "aclfile /etc/redis/acl/users.acl",
                "loglevel notice",
                'logfile ""',
            ],
        );
        assert.ok(
            directives(renderRedisConf({ memoryLimit: "200Mi", persistence: true, appendfsync: "always" })).includes(
                "appendfsync always",
            ),
        );
    });

    it("without persistence: no AOF, no snapshots, and the whole limit but the overhead for data", () => {
        const conf = renderRedisConf({ memoryLimit: "200Mi", persistence: false, appendfsync: "everysec" });
        assert.ok(conf.includes("# Persistence is off (a throwaway stack): a restart loses every event."), conf);
        const lines = directives(conf);
        assert.deepStrictEqual(lines.slice(4, 6), ["appendonly no", 'save ""']);
        assert.ok(!lines.some((l) => l.startsWith("appendfsync")));
        assert.ok(lines.includes(`maxmemory ${184 * MiB}`));
    });

    it("says in a comment which limit maxmemory came from", () => {
        const conf = renderRedisConf({ memoryLimit: "1Gi", persistence: true, appendfsync: "everysec" });
        assert.ok(conf.includes("# Memory: 1Gi limit"), conf);
        assert.ok(conf.endsWith('logfile ""\n'));
    });

    it("computes maxmemory as (limit − 16Mi) / 2 with persistence, limit − 16Mi without, from any quantity form", () => {
        assert.strictEqual(maxmemoryBytes("200Mi", true), BigInt(92 * MiB));
        assert.strictEqual(maxmemoryBytes("200Mi", false), BigInt(184 * MiB));
        assert.strictEqual(maxmemoryBytes("1Gi", true), BigInt(504 * MiB));
        assert.strictEqual(maxmemoryBytes("1e9", false), BigInt(1e9 - 16 * MiB));
        assert.strictEqual(maxmemoryBytes("48Mi", true), BigInt(16 * MiB));
        assert.strictEqual(minMemoryLimitBytes(true), BigInt(48 * MiB));
        assert.strictEqual(minMemoryLimitBytes(false), BigInt(32 * MiB));
    });

    it("checksums the parts so that any change, even a shift between parts, changes the digest", () => {
        const base = configChecksum("conf", "acl");
        assert.match(base, /^[0-9a-f]{64}$/);
        assert.strictEqual(configChecksum("conf", "acl"), base);
        assert.notStrictEqual(configChecksum("conf", "acl2"), base);
        assert.notStrictEqual(configChecksum("con", "facl"), base);
        assert.notStrictEqual(configChecksum("confacl"), base);
    });
});
