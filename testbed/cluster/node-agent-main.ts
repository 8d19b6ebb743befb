/** The local cluster's node agent, started by startCluster: `node -r ts-node/register testbed/cluster/node-agent-main.ts DIR`. */
import { runNodeAgent } from "./node-agent";

runNodeAgent(process.argv[2]).catch((error: unknown) => {
    process.stderr.write(`node agent: ${String(error)}\n`);
    process.exit(1);
});
