import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PreflightError } from "../../ops/lib/preflight";
import { StackNotFound } from "../../ops/lib/automation";
import {
    CommandOptions,
    openExistingStack,
    STACK_COMMAND_LINES,
    reportFailure,
    runStackCommand,
    stackOptions,
    workspaceEnv,
} from "../../ops/lib/stack-command";
import { CommandLine, readCommandLine } from "../../ops/lib/command-line";

/** The stack options of a command line of npm run deploy (or another stack command). */
function parseArgs(argv: string[], env: NodeJS.ProcessEnv, command = STACK_COMMAND_LINES.deploy) {
    return stackOptions((readCommandLine(command, argv) as CommandLine).flags, env);
}
import { FakeAutomation } from "../../testbed/fakes/fake-automation";
import { REPO_ROOT } from "../../ops/lib/repo-root";

const KUBECONFIG = "/home/dev/.kube/config";

function options(env: NodeJS.ProcessEnv = {}, files: string[] = [KUBECONFIG]): CommandOptions & { output: string[] } {
    const output: string[] = [];
    return {
        stackName: "dev",
        write: (t) => void output.push(t),
        environment: { env: { HOME: "/home/dev", ...env }, fileExists: (f) => files.includes(f) },
        output,
    };
}

describe("npm run preview / deploy / destroy", () => {
    it("previews the dev stack of this folder with the policy pack enforced, streaming the engine's output", async () => {
        const automation = new FakeAutomation({
            engineOutput: ["Previewing update (dev):", "+ kubernetes:apps/v1:Deployment redis create"],
        });
        const opts = options();
        await runStackCommand("preview", automation, opts);
        assert.deepStrictEqual(automation.requests[0], { stackName: "dev", workDir: REPO_ROOT, envVars: {} });
        const preview = automation.calls.find((c) => c.call === "preview")?.args as Record<string, unknown>;
        assert.deepStrictEqual(preview.policyPacks, [path.join(REPO_ROOT, "policy")]);
        assert.strictEqual(preview.policyPackConfigs, undefined);
        assert.deepStrictEqual(opts.output.slice(1), [
            "Previewing update (dev):\n",
            "+ kubernetes:apps/v1:Deployment redis create\n",
        ]);
        assert.match(opts.output[0], /^preview of stack dev \(policy pack policy enforced\)/);
    });

    it("deploys with the policy pack and a policy config, and destroys, on the stack named by --stack", async () => {
        const automation = new FakeAutomation();
        const args = parseArgs(["--stack", "prod", "--policy-config", "policy/config.example.json"], {});
        await runStackCommand("deploy", automation, { ...options(), ...args });
        await runStackCommand("destroy", automation, {
            ...options(),
            ...parseArgs(["--stack=prod", "--yes"], {}, STACK_COMMAND_LINES.destroy),
        });
        // A deploy previews with the policy pack first, so that a violation stops it before anything changes.
        assert.deepStrictEqual(automation.operations, ["preview", "up", "destroy"]);
        const up = automation.calls.find((c) => c.call === "up")?.args as Record<string, unknown>;
        assert.deepStrictEqual(up.policyPacks, [path.join(REPO_ROOT, "policy")]);
        assert.deepStrictEqual(up.policyPackConfigs, [path.resolve("policy/config.example.json")]);
        assert.ok(automation.requests.every((r) => r.stackName === "prod"));
        assert.strictEqual(parseArgs([], { DSM_STACK: "staging" }).stackName, "staging");
    });

    it("passes the backend, passphrase and kubeconfig variables to the CLI, and nothing else", () => {
        assert.deepStrictEqual(
            workspaceEnv({
                PULUMI_BACKEND_URL: "file:///tmp/s",
                PULUMI_CONFIG_PASSPHRASE: "p",
                KUBECONFIG: "/k",
                AWS_SECRET: "x",
                HOME: "/h",
            }),
            {
                PULUMI_BACKEND_URL: "file:///tmp/s",
                PULUMI_CONFIG_PASSPHRASE: "p",
                KUBECONFIG: "/k",
            },
        );
    });

    it("says what to install when the Pulumi CLI is missing, before touching any stack", async () => {
        const automation = new FakeAutomation({ cli: false });
        await assert.rejects(
            runStackCommand("preview", automation, options()),
            (e: unknown) =>
                e instanceof PreflightError && /The Pulumi CLI is not installed .*get\.pulumi\.com/.test(e.message),
        );
        assert.strictEqual(automation.requests.length, 0);
    });

    it("asks for a passphrase on a file backend, and not on Pulumi Cloud", async () => {
        const local = new FakeAutomation();
        await assert.rejects(
            runStackCommand("deploy", local, options({ PULUMI_BACKEND_URL: "file:///home/dev/.pulumi-dsm" })),
            /backend file:\/\/\/home\/dev\/\.pulumi-dsm .* Export PULUMI_CONFIG_PASSPHRASE/,
        );
        assert.strictEqual(local.requests.length, 0);
        await runStackCommand(
            "deploy",
            local,
            options({ PULUMI_BACKEND_URL: "file:///home/dev/.pulumi-dsm", PULUMI_CONFIG_PASSPHRASE: "p" }),
        );
        await runStackCommand("deploy", new FakeAutomation({ backendUrl: "https://api.pulumi.com" }), options());
    });

    it("asks for a kubeconfig when kubectl would find none and the stack sets none", async () => {
        await assert.rejects(
            runStackCommand("deploy", new FakeAutomation(), options({}, [])),
            /No kubeconfig found \(looked for \/home\/dev\/\.kube\/config\)/,
        );
        await assert.rejects(
            runStackCommand("deploy", new FakeAutomation(), options({ KUBECONFIG: "/a:/b" }, [])),
            /looked for \/a, \/b/,
        );
        await runStackCommand("deploy", new FakeAutomation(), options({ KUBECONFIG: "/a:/b" }, ["/b"]));
        // A stack whose config sets kubernetes:kubeconfig needs no file; its config file says so before the CLI runs.
        const stackFile = path.join(REPO_ROOT, "Pulumi.kubeconfig-set.yaml");
        fs.writeFileSync(stackFile, "config:\n  kubernetes:kubeconfig:\n    secure: v1:abc\n");
        try {
            await runStackCommand("deploy", new FakeAutomation(), {
                ...options({}, []),
                stackName: "kubeconfig-set",
            });
        } finally {
            fs.rmSync(stackFile, { force: true });
        }
    });

    it("lists every missing prerequisite at once: the CLI, the passphrase and the kubeconfig", async () => {
        const automation = new FakeAutomation({ cli: false });
        await assert.rejects(
            runStackCommand("deploy", automation, options({ PULUMI_BACKEND_URL: "file:///tmp/state" }, [])),
            (e: unknown) => {
                assert.ok(e instanceof PreflightError);
                assert.strictEqual(e.paragraphs.length, 3, e.message);
                assert.match(e.paragraphs[0], /The Pulumi CLI is not installed/);
                assert.match(e.paragraphs[1], /Export PULUMI_CONFIG_PASSPHRASE/);
                assert.match(e.paragraphs[2], /No kubeconfig found/);
                return true;
            },
        );
        assert.strictEqual(automation.requests.length, 0);
    });

    it("never creates a stack for verify: a mistyped name is an error naming the stacks there are", async () => {
        const automation = new FakeAutomation({ stacks: ["dev", "prod"] });
        await assert.rejects(openExistingStack(automation, { ...options(), stackName: "dve" }), (e: unknown) => {
            assert.ok(e instanceof StackNotFound);
            assert.match(e.message, /There is no stack named "dve"; the stacks are dev, prod/);
            return true;
        });
        assert.ok(!automation.calls.some((c) => c.call === "selectOrCreateStack"));
        const printed: string[] = [];
        assert.strictEqual(
            reportFailure(new StackNotFound("dve", ["dev"]), (t) => void printed.push(t)),
            2,
        );
    });

    it("prints a failure whole: a preflight as paragraphs (exit 2), a settings error with every line, a CLI failure with its stderr", () => {
        const printed: string[] = [];
        const write = (t: string) => void printed.push(t);
        assert.strictEqual(reportFailure(new PreflightError(["Install the CLI.", "Set a passphrase."]), write), 2);
        assert.strictEqual(reportFailure(new Error("Invalid DSM Redis settings:\n  - a\n  - b"), write), 1);
        const cliFailure = Object.assign(new Error("code: -2"), {
            commandResult: { code: -2, stdout: "", stderr: "error: no Pulumi.yaml project file found", err: undefined },
        });
        assert.strictEqual(reportFailure(cliFailure, write), 1);
        assert.deepStrictEqual(printed, [
            "Install the CLI.\n\nSet a passphrase.\n",
            "failed: Invalid DSM Redis settings:\n  - a\n  - b\n",
            "failed: the Pulumi CLI exited with code -2\n",
            "error: no Pulumi.yaml project file found\n",
        ]);
        assert.throws(() => parseArgs(["--force"], {}), /unknown flag --force; the flags are: --stack NAME/);
    });

    describe("destroy", () => {
        const outputs = { namespace: { value: "dsm", secret: false } };

        it("asks, naming the stack, the cluster and what it keeps, and destroys only on the stack's name", async () => {
            const questions: string[] = [];
            const automation = new FakeAutomation({ outputs });
            const asked = (answer: string) => ({
                ...options({ KUBECONFIG: "/nonexistent-kubeconfig" }),
                environment: {
                    env: { HOME: "/home/dev", KUBECONFIG: "/home/dev/.kube/config" },
                    fileExists: () => true,
                    ask: async (question: string) => (questions.push(question), answer),
                },
            });
            await assert.rejects(
                runStackCommand("destroy", automation, asked("yes")),
                /Not destroyed: the answer was not the stack's name \(dev\)/,
            );
            assert.ok(!automation.operations.includes("destroy"));
            assert.match(
                questions[0],
                /^Destroy stack dev on .*\? It keeps namespace dsm with the data volume redis-data \(every event\)\./,
            );
            const opts = asked("dev");
            await runStackCommand("destroy", automation, opts);
            assert.deepStrictEqual(automation.operations, ["destroy"]);
            assert.match(
                opts.output.join(""),
                /Kept: namespace dsm with PersistentVolumeClaim redis-data.* kubectl delete namespace dsm/,
            );
        });

        it("refuses without a terminal to ask in, unless --yes", async () => {
            const automation = new FakeAutomation({ outputs });
            await assert.rejects(
                runStackCommand("destroy", automation, options()),
                /there is no terminal to ask in\. Run it in a terminal, or pass --yes/,
            );
            assert.ok(!automation.operations.includes("destroy"));
            await runStackCommand("destroy", automation, { ...options(), yes: true });
            assert.deepStrictEqual(automation.operations, ["destroy"]);
        });

        it("says nothing is kept when deleteDataOnDestroy is set, and never creates a stack to destroy", async () => {
            const automation = new FakeAutomation({
                outputs,
                config: { "dsm-redis:deleteDataOnDestroy": { value: "true" } },
            });
            const opts = { ...options(), yes: true };
            await runStackCommand("destroy", automation, opts);
            assert.match(opts.output.join(""), /Nothing was kept\./);
            assert.ok(!automation.calls.some((c) => c.call === "selectOrCreateStack"));
            await assert.rejects(
                runStackCommand("destroy", new FakeAutomation({ stacks: ["dev"] }), {
                    ...options(),
                    stackName: "prod",
                    yes: true,
                }),
                /There is no stack named "prod"/,
            );
        });
    });
});
