/**
 * What a service sees of the bus on the local cluster: the consumer groups of `dsm:events`, read with the user's own
 * credentials from its Secret, straight from the node agent's redis-server that stands behind the Redis pod.
 */
import Redis from "ioredis";
import { ClusterState, kubectl } from "../../testbed/cluster/local-cluster";

export async function groupsSeenBy(cluster: ClusterState, namespace: string, user: string): Promise<string[]> {
    const secret = kubectl(cluster, [
        ...["get", "secret", `redis-${user}`, "-n", namespace],
        ...["-o", "jsonpath={.data.REDIS_PASSWORD}"],
    ]);
    const client = new Redis({
        host: "127.0.0.1",
        port: cluster.redisPort,
        username: user,
        password: Buffer.from(secret, "base64").toString(),
        lazyConnect: true,
        maxRetriesPerRequest: 1,
    });
    try {
        await client.connect();
        const groups = (await client.xinfo("GROUPS", "dsm:events")) as unknown[][];
        return groups.map((g) => String(g[1])).sort();
    } finally {
        client.disconnect();
    }
}
