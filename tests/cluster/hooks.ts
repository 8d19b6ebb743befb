/**
 * The cluster tier's one control plane: started before the first suite in a temp folder, stopped by PID after the
 * last, whatever failed in between. Loaded first by `npm run test:cluster` (mocha --file).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClusterState, startCluster, stopCluster } from "../../testbed/cluster/local-cluster";

let state: ClusterState | undefined;

export function localCluster(): ClusterState {
    if (state === undefined) throw new Error("the local cluster is not running (is tests/cluster/hooks.ts loaded?)");
    return state;
}

before(async function () {
    // Starting the control plane only: its binaries are built before mocha runs (npm run test:cluster builds them
    // first), and startCluster fails at once, naming the command, when they are not there.
    this.timeout(180_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-cluster-"));
    state = await startCluster(dir);
    process.stdout.write(`      local cluster up in ${state.startSeconds.toFixed(1)} s at ${state.server}\n`);
});

after(async function () {
    this.timeout(60_000);
    if (state !== undefined) await stopCluster(state.dir);
});

// An interrupted run (Ctrl-C, a CI timeout) still stops every process by its PID.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
        const stopping = state === undefined ? Promise.resolve() : stopCluster(state.dir);
        void stopping.finally(() => process.exit(130));
    });
}
