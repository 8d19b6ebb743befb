/** Imported first by the program: an older Node.js stops it with one sentence, shown without a stack trace. */
import * as pulumi from "@pulumi/pulumi";
import { runningNodeProblem } from "./node-floor";

const problem = runningNodeProblem();
if (problem !== undefined) throw new pulumi.RunError(problem);
