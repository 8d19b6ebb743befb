/**
 * The scheduled backup's Job, run here: the rendered run.sh and its scripts from ConfigMap redis-backup, with this
 * machine's `sh` and Debian's `redis-cli` in place of the Redis image's, and a folder in place of the backups' claim.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localizePaths } from "./cluster/job-runner";
import type { RetentionTarget } from "./bus-traffic";

/** Where the CronJob mounts the scripts and the claim (builders/backup-cronjob.ts). */
const SCRIPT_MOUNT = "/backup";
const BACKUP_MOUNT = "/backups";

export interface BackupRunResult {
    /** The file the run wrote (the last line of its output names it). */
    readonly file: string;
    readonly output: string;
}

export class BackupJob {
    private constructor(
        private readonly scriptDir: string,
        readonly backupDir: string,
        private readonly target: RetentionTarget,
        private readonly env: Readonly<Record<string, string>>,
    ) {}

    /**
     * `files`: the ConfigMap's data; `backupDir`: the folder standing in for the claim; `env`: the container's further
     * environment (a replicated bus's REDIS_NODES).
     */
    static prepare(
        files: Readonly<Record<string, string>>,
        target: RetentionTarget,
        backupDir: string,
        env: Readonly<Record<string, string>> = {},
    ): BackupJob {
        const scriptDir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-backup-scripts-"));
        const mounts = new Map([
            [SCRIPT_MOUNT, scriptDir],
            [BACKUP_MOUNT, backupDir],
        ]);
        if (!files["run.sh"].includes(`'${SCRIPT_MOUNT}'`)) throw new Error(`run.sh names no ${SCRIPT_MOUNT}`);
        for (const [name, text] of Object.entries(files)) {
            fs.writeFileSync(path.join(scriptDir, name), name === "run.sh" ? localizePaths(text, mounts) : text);
        }
        return new BackupJob(scriptDir, backupDir, target, env);
    }

    /** One run, to its end; rejects with its output when it exits non-zero, as the Job would fail. */
    run(overrides: Partial<RetentionTarget> = {}): Promise<BackupRunResult> {
        const target = { ...this.target, ...overrides };
        const env = {
            ...this.env,
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            REDIS_HOST: target.host,
            REDIS_PORT: String(target.port),
            REDIS_USERNAME: target.username,
            REDISCLI_AUTH: target.password,
        };
        return new Promise((resolve, reject) => {
            execFile("sh", [path.join(this.scriptDir, "run.sh")], { env }, (error, stdout, stderr) => {
                const output = `${stdout}${stderr}`;
                if (error) {
                    reject(new Error(`backup run failed (${error.code ?? error.signal}): ${output}`));
                    return;
                }
                const file = / to (\S+)$/m.exec(stdout)?.[1];
                if (file === undefined) reject(new Error(`the backup named no file: ${output}`));
                else resolve({ file, output });
            });
        });
    }

    /** The files in the folder, oldest first. */
    files(): string[] {
        return fs
            .readdirSync(this.backupDir)
            .sort()
            .map((name) => path.join(this.backupDir, name));
    }

    remove(): void {
        fs.rmSync(this.scriptDir, { recursive: true, force: true });
    }
}
