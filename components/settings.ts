/**
 * The stack configuration of the bus: every knob, its default, and how it is read and validated.
 * This is the one place that knows config keys; the component only sees typed values.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    GroupSpec,
    PROVISIONER_CONNECTIONS,
    ProvisionerConnection,
    STREAM_GROUPS_DEFAULTS,
    UNKNOWN,
    checkInputs,
} from "./stream-groups/inputs";
import { Problem, assertNoProblems, checkImage, checkNamespace, checkPort, checkResources } from "./validation";

/** The bus's settings as plain, validated values. */
export interface RedisSettings {
    readonly namespace: string;
    readonly createNamespace: boolean;
    readonly image: string;
    readonly port: number;
    readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly cpu: string; readonly memory: string };
    };
    /** The event stream's key. */
    readonly stream: string;
    /** Its consumer groups, one per consuming service. */
    readonly groups: GroupSpec[];
    /** How long provisioning waits for Redis, in seconds. */
    readonly readinessTimeoutSeconds: number;
    /** Whether destroying the stack deletes the stream and its events. */
    readonly deleteStreamOnDelete: boolean;
    /** How provisioning reaches Redis. */
    readonly provisionerConnection: ProvisionerConnection;
}

/** The defaults equal the manifest in the design document (redis-service-setup.md, section 3). */
export const DEFAULT_SETTINGS: RedisSettings = {
    namespace: "dsm",
    createNamespace: true,
    image: "redis:7.2-alpine",
    port: 6379,
    resources: {
        requests: { cpu: "100m", memory: "100Mi" },
        limits: { cpu: "200m", memory: "200Mi" },
    },
    stream: STREAM_GROUPS_DEFAULTS.stream,
    groups: STREAM_GROUPS_DEFAULTS.groups.map((g) => ({ name: g.name, startId: STREAM_GROUPS_DEFAULTS.startId })),
    readinessTimeoutSeconds: STREAM_GROUPS_DEFAULTS.readinessTimeoutSeconds,
    deleteStreamOnDelete: STREAM_GROUPS_DEFAULTS.deleteStreamOnDelete,
    provisionerConnection: "port-forward",
};

/** One row of the config table: the key (without the project prefix), its default and what it means. */
export interface ConfigKey {
    readonly key: string;
    readonly default: string;
    readonly description: string;
}

/** Every key the program reads. README's table mirrors this list; a test keeps the two in step. */
export const CONFIG_KEYS: readonly ConfigKey[] = [
    { key: "namespace", default: "dsm", description: "Namespace for the bus; a DNS-1123 label." },
    {
        key: "createNamespace",
        default: "true",
        description: "Create the namespace (false when another stack owns it).",
    },
    {
        key: "image",
        default: "redis:7.2-alpine",
        description: "Redis image; pinned by a tag other than latest, or a digest.",
    },
    { key: "port", default: "6379", description: "Port of Service `redis` (the container always listens on 6379)." },
    { key: "cpuRequest", default: "100m", description: "CPU request of the redis container." },
    { key: "cpuLimit", default: "200m", description: "CPU limit of the redis container." },
    { key: "memoryRequest", default: "100Mi", description: "Memory request of the redis container." },
    { key: "memoryLimit", default: "200Mi", description: "Memory limit of the redis container." },
    { key: "stream", default: "dsm:events", description: "Key of the event stream; changing it creates a new stream." },
    {
        key: "groups",
        default: '["sprint-service","project-service","backlog-service"]',
        description:
            'Consumer groups, a JSON list of names or `{"name","startId"}`; startId `0` (default: the whole history) or `$`.',
    },
    {
        key: "readinessTimeoutSeconds",
        default: "300",
        description: "How long provisioning the stream waits for Redis to answer.",
    },
    {
        key: "deleteStreamOnDelete",
        default: "false",
        description: "Delete the stream and its events on destroy (events are kept by default).",
    },
    {
        key: "provisionerConnection",
        default: "port-forward",
        description:
            "How `pulumi up` reaches Redis: `port-forward` (through the Kubernetes API) or `direct` (in-cluster).",
    },
];

/** Where settings come from: a `pulumi.Config` in the program, a plain map in tests. */
export interface ConfigSource {
    /** The project name, the prefix of every key (`dsm-redis`). */
    readonly project: string;
    /** The raw text of a key (without the prefix), or undefined when unset. */
    get(key: string): string | undefined;
    /** Every key set for this project (without the prefix), to catch misspelt ones. */
    keys(): readonly string[];
}

/** The stack's own configuration, as the Pulumi engine passes it to the program. */
export function stackConfigSource(): ConfigSource {
    const project = pulumi.getProject();
    const config = new pulumi.Config(project);
    return {
        project,
        get: (key) => config.get(key),
        keys: () =>
            Object.keys(pulumi.runtime.allConfig())
                .filter((k) => k.startsWith(`${project}:`))
                .map((k) => k.slice(project.length + 1)),
    };
}

/**
 * Reads and validates every setting. Throws InvalidSettingsError listing each bad key with the value given and
 * the accepted form, before any resource is registered.
 */
export function readSettings(source: ConfigSource): RedisSettings {
    const problems: Problem[] = [];
    const name = (key: string) => `${source.project}:${key}`;
    const text = (key: string, fallback: string) => source.get(key) ?? fallback;

    const known = new Set(CONFIG_KEYS.map((k) => k.key));
    for (const key of source.keys()) {
        if (!known.has(key)) {
            problems.push({
                field: name(key),
                message: `is not a setting of this program; expected one of ${[...known].join(", ")}`,
            });
        }
    }

    const namespace = text("namespace", DEFAULT_SETTINGS.namespace);
    problems.push(...checkNamespace(namespace, name("namespace")));

    const createNamespaceText = text("createNamespace", String(DEFAULT_SETTINGS.createNamespace));
    if (createNamespaceText !== "true" && createNamespaceText !== "false") {
        problems.push({
            field: name("createNamespace"),
            message: `${JSON.stringify(createNamespaceText)} is not a boolean; expected true or false`,
        });
    }

    const image = text("image", DEFAULT_SETTINGS.image);
    problems.push(...checkImage(image, name("image")));

    const portText = text("port", String(DEFAULT_SETTINGS.port));
    problems.push(...checkPort(portText, name("port")));

    const resources = {
        requests: {
            cpu: text("cpuRequest", DEFAULT_SETTINGS.resources.requests.cpu),
            memory: text("memoryRequest", DEFAULT_SETTINGS.resources.requests.memory),
        },
        limits: {
            cpu: text("cpuLimit", DEFAULT_SETTINGS.resources.limits.cpu),
            memory: text("memoryLimit", DEFAULT_SETTINGS.resources.limits.memory),
        },
    };
    problems.push(
        ...checkResources(resources, {
            requestsCpu: name("cpuRequest"),
            requestsMemory: name("memoryRequest"),
            limitsCpu: name("cpuLimit"),
            limitsMemory: name("memoryLimit"),
        }),
    );

    const streamSettings = readStreamSettings(source, name, problems);

    assertNoProblems(problems);
    return {
        ...streamSettings,
        namespace,
        createNamespace: createNamespaceText === "true",
        image,
        port: Number(portText),
        resources,
    };
}

function parseGroups(text: string, field: string, problems: Problem[]): GroupSpec[] | undefined {
    const form =
        'a JSON list of group names or {"name", "startId"} objects, e.g. ["sprint-service", {"name": "audit", "startId": "$"}]';
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        problems.push({ field, message: `${JSON.stringify(text)} is not JSON; expected ${form}` });
        return undefined;
    }
    if (!Array.isArray(parsed)) {
        problems.push({ field, message: `${JSON.stringify(text)} is not a list; expected ${form}` });
        return undefined;
    }
    return parsed.map((g: unknown) => (typeof g === "string" ? { name: g } : (g as GroupSpec)));
}

/** The stream keys, validated by the same rules as the provider's check, each problem under its config key. */
function readStreamSettings(
    source: ConfigSource,
    name: (key: string) => string,
    problems: Problem[],
): Pick<
    RedisSettings,
    "stream" | "groups" | "readinessTimeoutSeconds" | "deleteStreamOnDelete" | "provisionerConnection"
> {
    const stream = source.get("stream") ?? DEFAULT_SETTINGS.stream;
    const groupsText = source.get("groups");
    const groups =
        groupsText === undefined ? DEFAULT_SETTINGS.groups : parseGroups(groupsText, name("groups"), problems);
    const timeoutText = source.get("readinessTimeoutSeconds") ?? String(DEFAULT_SETTINGS.readinessTimeoutSeconds);
    const timeout = /^\d+(\.\d+)?$/.test(timeoutText) ? Number(timeoutText) : NaN;
    const deleteText = source.get("deleteStreamOnDelete") ?? String(DEFAULT_SETTINGS.deleteStreamOnDelete);
    if (deleteText !== "true" && deleteText !== "false") {
        problems.push({
            field: name("deleteStreamOnDelete"),
            message: `${JSON.stringify(deleteText)} is not a boolean; expected true or false`,
        });
    }
    const connection = source.get("provisionerConnection") ?? DEFAULT_SETTINGS.provisionerConnection;
    if (!(PROVISIONER_CONNECTIONS as readonly string[]).includes(connection)) {
        problems.push({
            field: name("provisionerConnection"),
            message: `${JSON.stringify(connection)} is not a connection mode; expected ${PROVISIONER_CONNECTIONS.map((c) => `"${c}"`).join(" or ")}`,
        });
    }
    const failures = checkInputs({
        stream,
        // A list that did not parse was reported above; the placeholder skips it here.
        groups: groups ?? UNKNOWN,
        readinessTimeoutSeconds: Number.isNaN(timeout) ? timeoutText : timeout,
        connection: { host: "redis", port: 6379 },
    });
    for (const failure of failures) {
        const key = failure.property.split(/[.[]/)[0];
        const detail = failure.property === key ? "" : `${failure.property.slice(key.length)}: `;
        problems.push({ field: name(key), message: `${detail}${failure.reason}` });
    }
    return {
        stream,
        groups: (groups ?? []).map((g) => ({ name: g.name, startId: g.startId ?? STREAM_GROUPS_DEFAULTS.startId })),
        readinessTimeoutSeconds: timeout,
        deleteStreamOnDelete: deleteText === "true",
        provisionerConnection: connection as ProvisionerConnection,
    };
}

/** What the stack's Kubernetes provider connects with, so that the port-forward goes the same way. */
export interface KubernetesAccess {
    /** `kubernetes:kubeconfig` (contents or a path), a secret; unset means the default kubeconfig, as kubectl. */
    readonly kubeconfig?: pulumi.Output<string>;
    /** `kubernetes:context`; unset means the kubeconfig's current context. */
    readonly context?: string;
}

export function stackKubernetesAccess(): KubernetesAccess {
    const config = new pulumi.Config("kubernetes");
    return { kubeconfig: config.getSecret("kubeconfig"), context: config.get("context") };
}
