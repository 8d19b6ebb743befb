/**
 * A real redis-server running exactly the configuration the program renders: redis.conf from ConfigMap redis-config
 * and the ACL file from Secret redis-acl, as registered under mocks. Only paths, the port and the bind address (this
 * machine's loopback, not every interface) are overridden.
 */
import type * as k8s from "@pulumi/kubernetes";
import Redis from "ioredis";
import { BACKUP_USER, RETENTION_USER } from "../../components/render/acl";
import { BackupJob } from "../../testbed/backup-job";
import { streamGroupsProvider } from "../../components/stream-groups/provider";
import { RetentionJob } from "../../testbed/bus-traffic";
import { ProgramRun, named, only, runProgram } from "./program";
import { RedisServer } from "./redis-server";
import { connectOnce } from "./connect-once";

export interface RenderedRedis {
    readonly server: RedisServer;
    readonly run: ProgramRun;
    /** Each user's password, from its Secret redis-<user>. */
    readonly passwords: Record<string, string>;
    /** The Deployment's redis container, as registered. */
    readonly container: k8s.types.output.core.v1.Container;
    /** Creates the stream and these groups with the stream-groups provider, connected as dsm-admin. */
    provision(groups: readonly string[]): Promise<void>;
    /** A connected client for a user (closed by `stop`). */
    connect(user: string, password?: string): Promise<Redis>;
    /** The retention CronJob's rendered run.sh and scripts, run here as the retention user. */
    retentionJob(): RetentionJob;
    /** The backup CronJob's rendered run.sh and scripts, run here as the backup user, writing to `backupDir`. */
    backupJob(backupDir: string): BackupJob;
    /** Stops the server and closes every client. */
    stop(): Promise<void>;
}

/**
 * Starts a server with the program's files for a stack config. `editAcl` changes the ACL file first, for controls
 * that show what a rule of it is for.
 */
export async function startRenderedRedis(
    config: Record<string, string> = {},
    editAcl: (aclFile: string) => string = (acl) => acl,
): Promise<RenderedRedis> {
    const run = await runProgram(config);
    const redisConf = named(run, "kubernetes:core/v1:ConfigMap", "redis-config").inputs.data["redis.conf"];
    const aclFile = editAcl(named(run, "kubernetes:core/v1:Secret", "redis-acl").inputs.stringData["users.acl"]);
    const passwords: Record<string, string> = {};
    for (const secret of run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret")) {
        const data = (secret.inputs as { stringData?: Record<string, string> }).stringData;
        if (data?.REDIS_USERNAME !== undefined) passwords[data.REDIS_USERNAME] = data.REDIS_PASSWORD;
    }
    const restarted = RedisServer.prepare({ config: redisConf.split("\n"), aclFile });
    await restarted.start();
    const clients: Redis[] = [];
    const jobs: Array<RetentionJob | BackupJob> = [];
    const container = only(run, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0];
    return {
        server: restarted,
        run,
        passwords,
        container,
        async provision(groups: readonly string[]) {
            await streamGroupsProvider.create({
                stream: "dsm:events",
                groups: groups.map((name) => ({ name, startId: "0" })),
                connection: {
                    host: "127.0.0.1",
                    port: restarted.port,
                    username: "dsm-admin",
                    password: passwords["dsm-admin"],
                },
                readinessTimeoutSeconds: 10,
                deleteStreamOnDelete: false,
            });
        },
        async connect(user: string, password = passwords[user]) {
            const client = await connectOnce({ port: restarted.port, username: user, password });
            clients.push(client);
            return client;
        },
        retentionJob() {
            const scripts = named(run, "kubernetes:core/v1:ConfigMap", "redis-retention").inputs.data;
            const job = RetentionJob.prepare(scripts, {
                host: "127.0.0.1",
                port: restarted.port,
                username: RETENTION_USER,
                password: passwords[RETENTION_USER],
            });
            jobs.push(job);
            return job;
        },
        backupJob(backupDir: string) {
            const scripts = named(run, "kubernetes:core/v1:ConfigMap", "redis-backup").inputs.data;
            const job = BackupJob.prepare(
                scripts,
                {
                    host: "127.0.0.1",
                    port: restarted.port,
                    username: BACKUP_USER,
                    password: passwords[BACKUP_USER],
                },
                backupDir,
            );
            jobs.push(job);
            return job;
        },
        async stop() {
            for (const client of clients) client.disconnect();
            for (const job of jobs) job.remove();
            await restarted.destroy();
        },
    };
}
