/** The metrics sidecar as the program renders it, run for real: redis_exporter with its arguments, as its user. */
import * as assert from "assert";
import type * as k8s from "@pulumi/kubernetes";
import { METRICS_USER } from "../../components/render/acl";
import { RedisExporter } from "../../testbed/redis-exporter";
import { only } from "../helpers/program";
import type { RenderedRedis } from "../helpers/rendered-redis";

/** The rendered Deployment's `metrics` container's arguments. */
export function exporterArgs(redis: RenderedRedis): string[] {
    const pod = only(redis.run, "kubernetes:apps/v1:Deployment").inputs.spec.template
        .spec as k8s.types.output.core.v1.PodSpec;
    const sidecar = pod.containers.find((c) => c.name === "metrics");
    assert.ok(sidecar, "no metrics sidecar rendered");
    return sidecar.args;
}

/** redis_exporter with the sidecar's rendered arguments against this server, as the metrics user. */
export function startSidecarExporter(redis: RenderedRedis, args = exporterArgs(redis)): Promise<RedisExporter> {
    return RedisExporter.start(args, redis.server.port, redis.passwords[METRICS_USER]);
}
