/**
 * redis_exporter, built from its Go module, against a real redis-server with the rendered configuration: started with
 * the sidecar's rendered arguments, as the metrics user, it must find every command it runs allowed, and export the
 * series the alerts and the dashboard read. Run by `npm run test:metrics`.
 */
import * as assert from "assert";
import type Redis from "ioredis";
import { METRICS_USER } from "../../components/render/acl";
import { DEAD_LETTER_STATUS_KEYS } from "../../components/render/dead-letter-script";
import { RETENTION_STATUS_KEYS } from "../../components/render/retention-script";
import { GroupReader, publish } from "../../testbed/bus-traffic";
import { RedisExporter, Sample } from "../../testbed/redis-exporter";
import { RenderedRedis, startRenderedRedis } from "../helpers/rendered-redis";
import { exporterArgs, startSidecarExporter } from "./sidecar-exporter";

const STREAM = "dsm:events";
const GROUPS = ["sprint-service", "project-service", "backlog-service"];
const EVENT = ["type", "TASK_UPDATED", "taskId", "task-1"];
/** A user the tests add to the rendered ACL file, to read ACL LOG (the admin may not: ACL is a dangerous command); INFO for
 * ioredis's ready check, which would otherwise log a denial of its own. */
const OBSERVER = { user: "test-observer", password: "observer-password" };
const withObserver = (acl: string) =>
    `${acl.trimEnd()}\nuser ${OBSERVER.user} on >${OBSERVER.password} +info +acl|log\n`;

/** ACL LOG, each entry as "user: reason object". */
async function aclLog(redis: RenderedRedis): Promise<string[]> {
    const observer = await redis.connect(OBSERVER.user, OBSERVER.password);
    const entries = (await observer.call("ACL", "LOG")) as unknown[][];
    return entries.map((flat) => {
        const f = new Map<string, unknown>();
        for (let i = 0; i < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
        return `${String(f.get("username"))}: ${String(f.get("reason"))} ${String(f.get("object"))}`;
    });
}

function series(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
    return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
    const found = series(samples, name, labels);
    assert.strictEqual(found.length, 1, `${name}${JSON.stringify(labels)}: ${found.length} series`);
    return found[0].value;
}

/** Each group's XINFO GROUPS fields, as the server reports them. */
async function groupInfo(client: Redis): Promise<Map<string, Map<string, unknown>>> {
    const groups = new Map<string, Map<string, unknown>>();
    for (const flat of (await client.xinfo("GROUPS", STREAM)) as unknown[][]) {
        const f = new Map<string, unknown>();
        for (let i = 0; i < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
        groups.set(String(f.get("name")), f);
    }
    return groups;
}

/** A bus at work: 100 events, one group behind by 40 with 20 pending, and one retention run. */
async function busAtWork(redis: RenderedRedis): Promise<void> {
    await redis.provision(GROUPS);
    await publish(await redis.connect("sprint-service"), STREAM, 100, EVENT);
    const project = new GroupReader(await redis.connect("project-service"), STREAM, "project-service");
    await project.read(60);
    await project.acknowledge(20);
    await redis.retentionJob().run();
}

describe("redis_exporter with the rendered sidecar arguments, as the metrics user", function () {
    this.timeout(60_000);

    it("runs only commands the metrics user may (ACL LOG stays empty) and exports what the alerts and the dashboard read", async () => {
        const redis = await startRenderedRedis({}, withObserver);
        let exporter: RedisExporter | undefined;
        try {
            await busAtWork(redis);
            const args = exporterArgs(redis);
            const password = redis.passwords[METRICS_USER];
            exporter = await startSidecarExporter(redis, args);
            await exporter.scrape();
            const samples = await exporter.scrape();
            assert.deepStrictEqual(await aclLog(redis), [], "the exporter ran commands its user may not");
            assert.doesNotMatch(exporter.log, /level=(error|warning|fatal)/, exporter.log);

            assert.strictEqual(value(samples, "redis_up"), 1);
            assert.strictEqual(value(samples, "redis_exporter_last_scrape_error"), 0);
            assert.strictEqual(value(samples, "redis_memory_max_bytes"), 92 * 1024 * 1024);
            assert.ok(value(samples, "redis_memory_used_bytes") > 0);
            assert.strictEqual(value(samples, "redis_aof_last_write_status"), 1);
            assert.strictEqual(value(samples, "redis_aof_last_bgrewrite_status"), 1);
            // The node's role, by which the alerts and the dashboard count the bus's series on the master only.
            assert.strictEqual(value(samples, "redis_instance_info", { role: "master" }), 1);

            const stream = { stream: STREAM };
            assert.strictEqual(value(samples, "redis_stream_length", stream), 100);
            assert.strictEqual(value(samples, "redis_stream_groups", stream), 3);
            const info = await groupInfo(await redis.connect("dsm-admin"));
            for (const group of GROUPS) {
                const labels = { ...stream, group };
                const fields = info.get(group);
                assert.ok(fields);
                assert.strictEqual(value(samples, "redis_stream_group_lag", labels), Number(fields.get("lag")));
                assert.strictEqual(
                    value(samples, "redis_stream_group_messages_pending", labels),
                    Number(fields.get("pending")),
                );
                assert.strictEqual(
                    value(samples, "redis_stream_group_consumers", labels),
                    Number(fields.get("consumers")),
                );
            }
            assert.strictEqual(value(samples, "redis_stream_group_lag", { ...stream, group: "project-service" }), 40);
            const consumer = { ...stream, group: "project-service", consumer: "project-service-1" };
            assert.strictEqual(value(samples, "redis_stream_group_consumer_messages_pending", consumer), 20);
            assert.ok(value(samples, "redis_stream_group_consumer_idle_seconds", consumer) >= 0);

            const now = Date.now() / 1000;
            const lastRun = value(samples, "redis_key_value", { key: RETENTION_STATUS_KEYS.lastRun });
            assert.ok(Math.abs(lastRun - now) < 60, `last run ${lastRun}, now ${now}`);
            assert.strictEqual(value(samples, "redis_key_value", { key: RETENTION_STATUS_KEYS.trimmedTotal }), 0);
            assert.strictEqual(value(samples, "redis_key_value", { key: RETENTION_STATUS_KEYS.blocked }), 0);
            // The dead-letter step ran in the same Job: its counter and its full flag exist from the first run on.
            assert.strictEqual(value(samples, "redis_key_value", { key: DEAD_LETTER_STATUS_KEYS.movedTotal }), 0);
            assert.strictEqual(value(samples, "redis_key_value", { key: DEAD_LETTER_STATUS_KEYS.full }), 0);

            // The password reaches the exporter in its environment only, as the Secret gives it to the sidecar.
            assert.ok(!args.some((arg) => arg.includes(password)));
            assert.ok(!exporter.log.includes(password));
            assert.strictEqual((await exporter.get("/health")).status, 200);
        } finally {
            await exporter?.stop();
            await redis.stop();
        }
    });

    it("would show a missing permission: without xinfo|groups, ACL LOG records it and the group series are gone (control)", async () => {
        const redis = await startRenderedRedis({}, (acl) =>
            withObserver(acl.replace(/^(user dsm-metrics .*) \+xinfo\|groups(.*)$/m, "$1$2")),
        );
        let exporter: RedisExporter | undefined;
        try {
            await busAtWork(redis);
            exporter = await startSidecarExporter(redis);
            const samples = await exporter.scrape();
            assert.deepStrictEqual(await aclLog(redis), ["dsm-metrics: command xinfo|groups"]);
            assert.deepStrictEqual(series(samples, "redis_stream_group_lag"), []);
        } finally {
            await exporter?.stop();
            await redis.stop();
        }
    });

    it('counts refused writes as redis_errors_total{err="OOM"} once the bus is full', async () => {
        const redis = await startRenderedRedis({ memoryLimit: "48Mi", memoryRequest: "48Mi" });
        let exporter: RedisExporter | undefined;
        try {
            await redis.provision(GROUPS);
            const producer = await redis.connect("sprint-service");
            let refused = 0;
            while (refused === 0) {
                await publish(producer, STREAM, 1000, ["payload", "p".repeat(1000)]).catch(() => refused++);
            }
            exporter = await startSidecarExporter(redis);
            const samples = await exporter.scrape();
            assert.ok(value(samples, "redis_errors_total", { err: "OOM" }) >= 1);
            const used = value(samples, "redis_memory_used_bytes");
            assert.ok(used / value(samples, "redis_memory_max_bytes") > 0.95, `used ${used}`);
        } finally {
            await exporter?.stop();
            await redis.stop();
        }
    });
});
