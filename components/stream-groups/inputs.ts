/**
 * The inputs of RedisStreamGroups: their types, defaults and validation. Pure: nothing here connects anywhere, so the
 * provider's check can run at preview.
 */

import { isPortNumber } from "../../k8s-grammar/names";

/** Reach Redis at an address: for programs that run inside the cluster, and for tests. */
export interface DirectConnection {
    readonly host: string;
    readonly port: number;
    /** ACL user; default: the `default` user. */
    readonly username?: string;
    /** Secret. */
    readonly password?: string;
    /** TLS: true, or the CA certificate (PEM) and server name to verify against. Default: plain TCP. */
    readonly tls?: boolean | { readonly ca?: string; readonly servername?: string };
}

/** Reach Redis through the Kubernetes API's port-forward, from wherever `pulumi up` runs. */
export interface PortForwardConnection {
    readonly namespace: string;
    /** The Service whose selector picks the pod; or give `podSelector`. */
    readonly service?: string;
    /** Labels that pick the pod, when there is no Service to go by. */
    readonly podSelector?: Readonly<Record<string, string>>;
    /** The container port Redis listens on (not the Service's port). */
    readonly port: number;
    /** Kubeconfig contents or a path to it (secret); default: $KUBECONFIG or ~/.kube/config, as kubectl. */
    readonly kubeconfig?: string;
    /** The kubeconfig context; default: its current context. */
    readonly context?: string;
    /** ACL user and password to authenticate with once the tunnel is open. */
    readonly username?: string;
    /** Secret. */
    readonly password?: string;
}

export type Connection = DirectConnection | PortForwardConnection;

export interface GroupSpec {
    readonly name: string;
    /** Where a new group starts: `0` (the whole history), `$` (only new entries) or an entry ID. Default `0`. */
    readonly startId?: string;
}

/** The inputs as the provider receives them. */
export interface StreamGroupsInputs {
    readonly stream: string;
    readonly groups: readonly GroupSpec[];
    readonly connection: Connection;
    readonly readinessTimeoutSeconds: number;
    readonly deleteStreamOnDelete: boolean;
}

export const STREAM_GROUPS_DEFAULTS = {
    stream: "dsm:events",
    groups: [{ name: "sprint-service" }, { name: "project-service" }, { name: "backlog-service" }],
    /**
     * Event-sourced consumers build their state from the stream's history, so a group, even one added long after
     * producers started, begins at the first entry. `$` would silently skip everything written before it existed.
     */
    startId: "0",
    readinessTimeoutSeconds: 300,
    deleteStreamOnDelete: false,
} as const;

/** The engine's placeholder for a value not known until the update; validation skips it. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
    readonly property: string;
    readonly reason: string;
}

const ENTRY_ID = /^(0|[1-9]\d*)(-(0|[1-9]\d*))?$/;
const NAME_CHARACTERS = /^[\x21-\x7e]+$/;
const MAX_NAME_LENGTH = 200;
const MAX_TIMEOUT_SECONDS = 3600;

/** A JSON object (not an array, not null). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** How the provider reaches Redis from the program: a tunnel through the Kubernetes API, or the Service's address. */
export const PROVISIONER_CONNECTIONS = ["port-forward", "direct"] as const;
export type ProvisionerConnection = (typeof PROVISIONER_CONNECTIONS)[number];

export function isPortForward(connection: Connection): connection is PortForwardConnection {
    return "namespace" in connection;
}

function checkName(value: unknown, property: string, what: string, failures: CheckFailure[]): void {
    if (value === UNKNOWN) return;
    if (
        typeof value !== "string" ||
        value.length === 0 ||
        value.length > MAX_NAME_LENGTH ||
        !NAME_CHARACTERS.test(value)
    ) {
        failures.push({
            property,
            reason: `${what} must be 1 to ${MAX_NAME_LENGTH} printable ASCII characters without spaces; got ${JSON.stringify(value)}`,
        });
    }
}

function checkPort(value: unknown, property: string, failures: CheckFailure[]): void {
    if (value === UNKNOWN) return;
    if (!isPortNumber(value)) {
        failures.push({ property, reason: `must be a whole number from 1 to 65535; got ${JSON.stringify(value)}` });
    }
}

function checkOptionalString(value: unknown, property: string, failures: CheckFailure[], secret = false): void {
    if (value === undefined || value === UNKNOWN) return;
    if (typeof value !== "string" || value.length === 0) {
        // A secret's value is never echoed, not even a malformed one.
        const got = secret
            ? value === ""
                ? "an empty string"
                : `a value of type ${typeof value}`
            : JSON.stringify(value);
        failures.push({ property, reason: `must be a non-empty string when given; got ${got}` });
    }
}

export function checkConnection(value: unknown, failures: CheckFailure[]): void {
    if (value === UNKNOWN) return;
    if (!isPlainObject(value)) {
        failures.push({
            property: "connection",
            reason: "must be { host, port, … } (direct) or { namespace, service | podSelector, port, … } (port-forward)",
        });
        return;
    }
    const direct = "host" in value;
    const forward = "namespace" in value;
    if (direct === forward) {
        failures.push({
            property: "connection",
            reason: direct
                ? "gives both host (direct) and namespace (port-forward); choose one"
                : "gives neither host (direct) nor namespace (port-forward)",
        });
        return;
    }
    checkPort(value.port, "connection.port", failures);
    checkOptionalString(value.username, "connection.username", failures);
    checkOptionalString(value.password, "connection.password", failures, true);
    if (direct) {
        checkOptionalString(value.host, "connection.host", failures);
        if (value.host === undefined)
            failures.push({ property: "connection.host", reason: "is required for a direct connection" });
        const tls = value.tls;
        if (tls !== undefined && typeof tls !== "boolean" && !isPlainObject(tls)) {
            failures.push({
                property: "connection.tls",
                reason: `must be true, false or { ca?, servername? }; got ${JSON.stringify(tls)}`,
            });
        }
        return;
    }
    checkName(value.namespace, "connection.namespace", "a namespace", failures);
    const hasService = value.service !== undefined;
    const hasSelector = value.podSelector !== undefined;
    if (hasService === hasSelector) {
        failures.push({
            property: "connection.service",
            reason: "give exactly one of service (a Service name) and podSelector (labels)",
        });
    }
    if (hasService) checkName(value.service, "connection.service", "a Service name", failures);
    if (hasSelector && value.podSelector !== UNKNOWN) {
        const selector = value.podSelector;
        if (
            !isPlainObject(selector) ||
            Object.keys(selector).length === 0 ||
            !Object.values(selector).every((v) => typeof v === "string")
        ) {
            failures.push({
                property: "connection.podSelector",
                reason: 'must be a non-empty map of label to value, e.g. { "app": "redis" }',
            });
        }
    }
    checkOptionalString(value.kubeconfig, "connection.kubeconfig", failures, true);
    checkOptionalString(value.context, "connection.context", failures);
}

/** Validates raw inputs and returns the failures, each naming its property. */
export function checkInputs(news: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    checkName(news.stream, "stream", "a stream key", failures);

    const groups = news.groups;
    if (groups !== UNKNOWN) {
        if (!Array.isArray(groups) || groups.length === 0) {
            failures.push({
                property: "groups",
                reason: 'must list at least one group, e.g. [{ "name": "sprint-service" }]',
            });
        } else {
            const seen = new Set<string>();
            groups.forEach((group: unknown, index) => {
                const property = `groups[${index}]`;
                if (!isPlainObject(group)) {
                    failures.push({ property, reason: "must be { name, startId? }" });
                    return;
                }
                checkName(group.name, `${property}.name`, "a group name", failures);
                if (typeof group.name === "string" && group.name !== UNKNOWN) {
                    if (seen.has(group.name))
                        failures.push({
                            property: `${property}.name`,
                            reason: `${JSON.stringify(group.name)} is listed twice`,
                        });
                    seen.add(group.name);
                }
                const startId = group.startId;
                if (
                    startId !== undefined &&
                    startId !== UNKNOWN &&
                    (typeof startId !== "string" || (startId !== "$" && !ENTRY_ID.test(startId)))
                ) {
                    failures.push({
                        property: `${property}.startId`,
                        reason: `must be "0" (the whole history), "$" (only new entries) or an entry ID such as "1700000000000-0"; got ${JSON.stringify(startId)}`,
                    });
                }
            });
        }
    }

    checkConnection(news.connection, failures);

    const timeout = news.readinessTimeoutSeconds;
    if (
        timeout !== undefined &&
        timeout !== UNKNOWN &&
        (typeof timeout !== "number" || !(timeout > 0) || timeout > MAX_TIMEOUT_SECONDS)
    ) {
        failures.push({
            property: "readinessTimeoutSeconds",
            reason: `must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}; got ${JSON.stringify(timeout)}`,
        });
    }
    const deleteStream = news.deleteStreamOnDelete;
    if (deleteStream !== undefined && deleteStream !== UNKNOWN && typeof deleteStream !== "boolean") {
        failures.push({
            property: "deleteStreamOnDelete",
            reason: `must be true or false; got ${JSON.stringify(deleteStream)}`,
        });
    }
    return failures;
}

/** The inputs with defaults filled in, as stored in state; groups get their startId. */
export function withDefaults(news: Record<string, unknown>): StreamGroupsInputs {
    const groups = (Array.isArray(news.groups) ? news.groups : STREAM_GROUPS_DEFAULTS.groups) as GroupSpec[];
    return {
        ...news,
        stream: (news.stream as string | undefined) ?? STREAM_GROUPS_DEFAULTS.stream,
        groups: groups.map((g) => ({ name: g.name, startId: g.startId ?? STREAM_GROUPS_DEFAULTS.startId })),
        connection: news.connection as Connection,
        readinessTimeoutSeconds:
            (news.readinessTimeoutSeconds as number | undefined) ?? STREAM_GROUPS_DEFAULTS.readinessTimeoutSeconds,
        deleteStreamOnDelete:
            (news.deleteStreamOnDelete as boolean | undefined) ?? STREAM_GROUPS_DEFAULTS.deleteStreamOnDelete,
    };
}

/** Labels as the Kubernetes API's label selector, and as kubectl's `-l` takes them: `app=redis,tier=bus`. */
export function labelSelector(labels: Readonly<Record<string, string>>): string {
    return Object.entries(labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(",");
}

/** How an endpoint is named in logs and errors: never with credentials. */
export function describeEndpoint(connection: Connection): string {
    if (isPortForward(connection)) {
        const target =
            connection.service !== undefined
                ? `service ${connection.namespace}/${connection.service}`
                : `pods ${connection.namespace}/${labelSelector(connection.podSelector ?? {})}`;
        return `${target} port ${connection.port} via Kubernetes port-forward${connection.context ? ` (context ${connection.context})` : ""}`;
    }
    return `${connection.tls ? "rediss" : "redis"}://${connection.host}:${connection.port}`;
}
