/**
 * Where pod specs and containers live in every Kubernetes workload kind, including the `*Patch` types, so that each
 * policy sees every container of every kind the same way.
 */
import { isUnknown } from "./unknown";

/** A JSON object as the policy SDK passes it: values may be unknown sentinels during preview. */
export type Json = Record<string, unknown>;

/** The path from a kind's root to its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    Pod: ["spec"],
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    ReplicationController: ["spec", "template", "spec"],
    Job: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Any API version (`apps/v1`, `batch/v1beta1`, `extensions/v1beta1` …), with or without `Patch`. */
const WORKLOAD_TYPE = /^kubernetes:[^:]+:([A-Za-z]+?)(Patch)?$/;

export const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;
export type ContainerList = (typeof CONTAINER_LISTS)[number];

export interface Workload {
    /** The kind, e.g. `Deployment`. */
    readonly kind: string;
    /** True for `*Patch` types, whose fields are all optional. */
    readonly isPatch: boolean;
    /** `namespace/name`, or the name alone, for messages. */
    readonly displayName: string;
    /** The object's root (its props). */
    readonly root: Json;
    /** The pod spec, or undefined when the object carries none (a patch that leaves it alone, or unknown). */
    readonly podSpec?: Json;
    /** The dotted path to the pod spec, e.g. `spec.template.spec`. */
    readonly podSpecPath: string;
    /** The metadata of the pod (its template's, or the Pod's own). */
    readonly podMetadata?: Json;
}

export interface ContainerRef {
    readonly list: ContainerList;
    readonly index: number;
    /** The container's name, or `#index` when it has none. */
    readonly name: string;
    /** The dotted path to the container, e.g. `spec.template.spec.containers[0]`. */
    readonly path: string;
    readonly container: Json;
}

/** A plain JSON object, or undefined for anything else (absent, unknown, a scalar). */
export function objectAt(value: unknown): Json | undefined {
    return value !== null && typeof value === "object" && !Array.isArray(value) && !isUnknown(value)
        ? (value as Json)
        : undefined;
}

function walk(root: Json, path: readonly string[]): Json | undefined {
    let node: Json | undefined = root;
    for (const key of path) {
        node = node === undefined ? undefined : objectAt(node[key]);
    }
    return node;
}

/** A resource's display name: `namespace/name` from its metadata, else the Pulumi name. */
export function displayName(root: Json, fallback: string): string {
    const metadata = objectAt(root.metadata);
    const name = metadata?.name;
    const namespace = metadata?.namespace;
    const known = (v: unknown): v is string => typeof v === "string" && !isUnknown(v);
    if (!known(name)) return fallback;
    return known(namespace) ? `${namespace}/${name}` : name;
}

/** The workload a resource type describes, or undefined when it is not one that holds a pod spec. */
export function workloadOf(type: string, props: Json, resourceName: string): Workload | undefined {
    const match = WORKLOAD_TYPE.exec(type);
    if (match === null) return undefined;
    const [, kind, patch] = match;
    const path = POD_SPEC_PATHS[kind];
    if (path === undefined) return undefined;
    const podSpec = walk(props, path);
    const podMetadata = kind === "Pod" ? objectAt(props.metadata) : walk(props, [...path.slice(0, -1), "metadata"]);
    return {
        kind,
        isPatch: patch !== undefined,
        displayName: `${kind}${patch ?? ""} ${displayName(props, resourceName)}`,
        root: props,
        podSpec,
        podSpecPath: path.join("."),
        podMetadata,
    };
}

/** Every container of a pod spec, in the order init, regular, ephemeral. Unknown lists are skipped. */
export function containersOf(workload: Workload, lists: readonly ContainerList[] = CONTAINER_LISTS): ContainerRef[] {
    const refs: ContainerRef[] = [];
    if (workload.podSpec === undefined) return refs;
    for (const list of lists) {
        const items = workload.podSpec[list];
        if (!Array.isArray(items)) continue;
        items.forEach((item, index) => {
            const container = objectAt(item);
            if (container === undefined) return;
            const name =
                typeof container.name === "string" && !isUnknown(container.name) ? container.name : `#${index}`;
            refs.push({ list, index, name, path: `${workload.podSpecPath}.${list}[${index}]`, container });
        });
    }
    return refs;
}

/** Formats a found value for a message: JSON for known values, `(unset)` for absent ones. */
export function shown(value: unknown): string {
    return value === undefined ? "(unset)" : JSON.stringify(value);
}
