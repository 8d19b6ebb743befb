/** The local cluster's node agent, started by startCluster: `node -r ts-node/register scripts/cluster-node-agent.ts DIR`. */
import { runNodeAgent } from "./lib/cluster/node-agent";

runNodeAgent(process.argv[2]).catch((error: unknown) => {
    process.stderr.write(`node agent: ${String(error)}\n`);
    process.exit(1);
});
