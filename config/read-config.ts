/**
 * The stack configuration of the bus: every knob, its default, and how it is read and validated.
 * This is the one place that knows config keys; the component only sees typed values.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_HARDENING_SETTINGS, HardeningSettings, readHardeningSettings } from "./settings-hardening";
import { DEFAULT_STREAM_SETTINGS, StreamSettings, readStreamSettings } from "./settings-stream";
import {
    Problem,
    assertNoProblems,
    checkImage,
    checkNamespace,
    checkPort,
    checkResources,
    checkStreamKey,
    parseBoolean,
} from "./validation";

/** The bus's settings as plain, validated values. */
export interface RedisSettings extends StreamSettings, HardeningSettings {
    readonly namespace: string;
    readonly createNamespace: boolean;
    readonly image: string;
    readonly port: number;
    readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly cpu: string; readonly memory: string };
    };
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
    ...DEFAULT_STREAM_SETTINGS,
    ...DEFAULT_HARDENING_SETTINGS,
};

/** One row of the config table: the key (without the project prefix), its default and what it means. */
export interface ConfigKey {
    readonly key: string;
    readonly default: string;
    readonly description: string;
    /** A secret key: set with `pulumi config set --secret`, never shown in Pulumi.dev.yaml in plaintext. */
    readonly secret?: boolean;
}

/** Every key the program reads. README's table mirrors this list; a test keeps the two in step. */
export const CONFIG_KEYS: readonly ConfigKey[] = [
    { key: "namespace", default: "dsm", description: "Namespace for the bus; a DNS-1123 label." },
    {
        key: "createNamespace",
        default: "true",
        description:
            "Create the namespace (false when another stack owns it; it should then enforce the restricted Pod Security Standard).",
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
    {
        key: "memoryLimit",
        default: "200Mi",
        description: "Memory limit of the redis container; sets maxmemory (92 MiB for 200Mi, see below).",
    },
    {
        key: "stream",
        default: "dsm:events",
        description: "Key of the event stream, in `dsm:*`; changing it creates a new stream.",
    },
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
    {
        key: "persistence",
        default: "true",
        description: "A PersistentVolumeClaim with AOF; `false` for throwaway stacks (emptyDir).",
    },
    { key: "storageSize", default: "1Gi", description: "Size of the data volume." },
    { key: "storageClass", default: "(cluster default)", description: "StorageClass of the data volume." },
    { key: "appendfsync", default: "everysec", description: "AOF fsync policy: `everysec` or `always`." },
    {
        key: "users",
        default:
            '[{"name":"sprint-service","roles":["publish","consume"]},{"name":"project-orchestrator","roles":["publish"]},{"name":"project-service","roles":["consume"]},{"name":"backlog-service","roles":["consume"]}]',
        description: "One ACL user per service, with roles `publish` and/or `consume`.",
    },
    {
        key: "passwords",
        default: "(generated)",
        description: "Secret JSON object of user (or `dsm-admin`) to password; unset users get a generated one.",
        secret: true,
    },
    { key: "networkPolicy", default: "true", description: "Admit port 6379 only from labelled client pods." },
    {
        key: "clientNamespaces",
        default: "(the bus's namespace)",
        description: 'Namespaces whose labelled pods may connect, a JSON list such as `["dsm","dsm-workers"]`.',
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
    return {
        project,
        // The raw text, secrets included, without the SDK's warning: settings never echo a secret key's value.
        get: (key) => pulumi.runtime.getConfig(`${project}:${key}`),
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

    const createNamespace = parseBoolean(
        text("createNamespace", String(DEFAULT_SETTINGS.createNamespace)),
        name("createNamespace"),
        problems,
    );

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

    const streamSettings = readStreamSettings((key) => source.get(key), name, problems);
    if (!problems.some((p) => p.field === name("stream"))) {
        problems.push(...checkStreamKey(streamSettings.stream, name("stream")));
    }
    const memoryLimitValid = !problems.some((p) => p.field === name("memoryLimit"));
    const hardening = readHardeningSettings(
        (key) => source.get(key),
        name,
        memoryLimitValid ? resources.limits.memory : undefined,
        problems,
    );

    assertNoProblems(problems);
    return {
        ...streamSettings,
        ...hardening,
        namespace,
        createNamespace,
        image,
        port: Number(portText),
        resources,
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
