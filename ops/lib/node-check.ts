/** Imported first by every script: an older Node.js stops it with one sentence and exit code 2. */
import { runningNodeProblem } from "../../config/node-floor";

const problem = runningNodeProblem();
if (problem !== undefined) {
    process.stderr.write(`${problem}\n`);
    process.exit(2);
}
