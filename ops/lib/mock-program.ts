/**
 * Runs this repo's Pulumi program (index.ts) under `pulumi.runtime.setMocks` and reports what it registered, as the
 * engine's resource monitor saw it: URNs (which encode the parent chain), types, names and inputs.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as path from "path";
import type { StreamGroupsInputs } from "../../components";
import { CheckedResource } from "../../policy/run-policies";
import { MOCKS, mockResource } from "./mocks";
import { REPO_ROOT } from "./repo-root";

export const PROJECT = "dsm-redis";
export const STACK = "dev";

/**
 * The inputs of each type the program registers, resolved: for Kubernetes objects the manifest's shape, as
 * @pulumi/kubernetes types it. The output types are used because resolved inputs hold no Inputs; their fields are all
 * declared present, which a test's assertion then checks.
 */
export interface RegisteredInputs {
    "kubernetes:core/v1:Namespace": k8s.types.output.core.v1.Namespace;
    "kubernetes:core/v1:ConfigMap": k8s.types.output.core.v1.ConfigMap;
    "kubernetes:core/v1:Secret": k8s.types.output.core.v1.Secret;
    "kubernetes:core/v1:PersistentVolumeClaim": k8s.types.output.core.v1.PersistentVolumeClaim;
    "kubernetes:core/v1:Service": k8s.types.output.core.v1.Service;
    "kubernetes:apps/v1:Deployment": k8s.types.output.apps.v1.Deployment;
    "kubernetes:apps/v1:StatefulSet": k8s.types.output.apps.v1.StatefulSet;
    "kubernetes:policy/v1:PodDisruptionBudget": k8s.types.output.policy.v1.PodDisruptionBudget;
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": k8s.types.output.networking.v1.NetworkPolicy;
    "kubernetes:batch/v1:CronJob": k8s.types.output.batch.v1.CronJob;
    /** With the serialized provider the engine stores beside the inputs. */
    "pulumi-nodejs:dynamic/dsm:RedisStreamGroups": StreamGroupsInputs & { readonly __provider: string };
}

/** The inputs of a type: typed for the types above, a plain record for any other. */
export type InputsOf<Type extends string> = Type extends keyof RegisteredInputs
    ? RegisteredInputs[Type]
    : Record<string, unknown>;

export interface RegisteredResource<Inputs = Record<string, unknown>> {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    /** What the program passed, with Outputs resolved. */
    readonly inputs: Inputs;
    /** Top-level inputs that reached the engine as secrets. */
    readonly secretInputs: string[];
    /** The URNs it depends on, as the engine would receive them (dependsOn and Output dependencies). */
    readonly dependencies: string[];
}

export interface ProgramRun {
    readonly resources: RegisteredResource[];
    /** The stack outputs (index.ts's exports), resolved. */
    readonly outputs: Record<string, unknown>;
}

/** The SDK's runtime settings; waitForRPCs is internal (not in its typings) and drains pending registrations. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as {
    waitForRPCs(): Promise<void>;
    getMonitor(): unknown;
};

/** Resolves once every registration the program has started has reached the (mock) monitor. */
export function registrationsSettled(): Promise<void> {
    return runtimeSettings.waitForRPCs();
}

/** This repo's program. */
export const PROGRAM = path.join(REPO_ROOT, "index.ts");

/**
 * Resolves an Output's value under mocks (not in preview, where unknowns never resolve), and rejects when it failed.
 * `apply` alone would never call back on a failure; the Output's promise (internal to the SDK) carries it.
 */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}

/**
 * Runs index.ts with the given stack config (this project's keys without their prefix), freshly each call.
 * Rejects with the program's own error when it throws, as `pulumi preview` would show it.
 */
export async function runProgram(config: Record<string, string> = {}, program = PROGRAM): Promise<ProgramRun> {
    const recorded = new Map<string, { inputs: Record<string, unknown>; custom: boolean }>();
    // The SDK caches PULUMI_CONFIG in its store when it loads; setAllConfig replaces it for this run.
    // Keys without a namespace are this project's; others (kubernetes:context) are given whole.
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `${PROJECT}:${k}`, v])),
    );
    await pulumi.runtime.setMocks(
        {
            newResource: (args: pulumi.runtime.MockResourceArgs) => {
                recorded.set(`${args.type}::${args.name}`, { inputs: args.inputs, custom: args.custom ?? true });
                return mockResource(args);
            },
            call: MOCKS.call,
        },
        PROJECT,
        STACK,
        false,
    );
    // Record what each registration depends on: the mocks' newResource does not see it, the monitor does.
    const dependencies = new Map<string, string[]>();
    type Registration = { getType(): string; getName(): string; getDependenciesList(): string[] };
    const monitorForDeps = runtimeSettings.getMonitor() as {
        registerResource(req: Registration, callback: unknown): void;
    };
    const register = monitorForDeps.registerResource.bind(monitorForDeps);
    monitorForDeps.registerResource = (req, callback) => {
        dependencies.set(`${req.getType()}::${req.getName()}`, req.getDependenciesList());
        register(req, callback);
    };
    delete require.cache[program];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program must load after setMocks, anew.
    const loaded = require(program) as Record<string, unknown> | (() => Promise<Record<string, unknown>>);
    // A program is a module whose exports are the outputs, or (index.ts) a function that returns them.
    const exported = typeof loaded === "function" ? await loaded() : loaded;
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exported)) {
        outputs[key] = pulumi.Output.isInstance(value) ? await resolve(value) : value;
    }
    await runtimeSettings.waitForRPCs();
    const monitor = runtimeSettings.getMonitor() as MockMonitor;
    const resources: RegisteredResource[] = [];
    for (const urn of monitor.getRegisteredResources().keys()) {
        const parts = urn.split("::");
        const type = parts[2].split("$").pop() ?? "";
        const name = parts[3];
        const entry = recorded.get(`${type}::${name}`);
        resources.push({
            urn,
            type,
            name,
            custom: entry?.custom ?? true,
            inputs: revealed(entry?.inputs ?? {}) as Record<string, unknown>,
            secretInputs: Object.entries(entry?.inputs ?? {})
                .filter(([, v]) => isSecretValue(v))
                .map(([k]) => k),
            dependencies: dependencies.get(`${type}::${name}`) ?? [],
        });
    }
    return { resources, outputs };
}

/** The wire form of a secret: the engine's signature key with the secret sigil, and the value. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretValue(value: unknown): value is { value: unknown } {
    return (
        value !== null &&
        typeof value === "object" &&
        (value as Record<string, unknown>)[SECRET_SIGNATURE] === SECRET_SIG
    );
}

/** The inputs with secrets shown as their values, for assertions on content. */
function revealed(value: unknown): unknown {
    if (isSecretValue(value)) return revealed(value.value);
    if (Array.isArray(value)) return value.map(revealed);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealed(v)]));
    }
    return value;
}

/** Every registered resource of a type, typed by it. */
export function ofType<Type extends string>(run: ProgramRun, type: Type): RegisteredResource<InputsOf<Type>>[] {
    return run.resources.filter((r) => r.type === type) as RegisteredResource<InputsOf<Type>>[];
}

/** The one registered resource of a type, failing clearly when there is not exactly one. */
export function only<Type extends string>(run: ProgramRun, type: Type): RegisteredResource<InputsOf<Type>> {
    const matches = ofType(run, type);
    if (matches.length !== 1) {
        throw new Error(
            `expected exactly one ${type}, found ${matches.length}: ${matches.map((m) => m.urn).join(", ")}`,
        );
    }
    return matches[0];
}

/** The registered resources in the form the policy harness takes (props are the inputs the program gave). */
export function asCheckedResources(run: ProgramRun): CheckedResource[] {
    return run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }));
}

/** The one registered Kubernetes object of a type with this metadata.name. */
export function named<Type extends string>(
    run: ProgramRun,
    type: Type,
    name: string,
): RegisteredResource<InputsOf<Type>> {
    const matches = ofType(run, type).filter(
        (r) => (r.inputs as { metadata?: { name?: string } }).metadata?.name === name,
    );
    if (matches.length !== 1) throw new Error(`expected exactly one ${type} named ${name}, found ${matches.length}`);
    return matches[0];
}
