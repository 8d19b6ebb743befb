/**
 * How anything reaches the bus's Redis: the connection forms, their validation and how they are named in messages.
 * Pure, and self-contained within the package: the providers that use it are serialized into the state.
 */
import { isPortNumber } from "../../k8s-grammar/dns-names";
import { isUnknown } from "../../k8s-grammar/unknown-values";
import type { Problem } from "../problems";

const NAME_CHARACTERS = /^[\x21-\x7e]+$/;
const MAX_NAME_LENGTH = 200;

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

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function isPortForward(connection: Connection): connection is PortForwardConnection {
    return "namespace" in connection;
}

export function checkName(value: unknown, field: string, what: string, failures: Problem[]): void {
    if (isUnknown(value)) return;
    if (
        typeof value !== "string" ||
        value.length === 0 ||
        value.length > MAX_NAME_LENGTH ||
        !NAME_CHARACTERS.test(value)
    ) {
        failures.push({
            field,
            message: `${what} must be 1 to ${MAX_NAME_LENGTH} printable ASCII characters without spaces; got ${JSON.stringify(value)}`,
        });
    }
}

function checkPort(value: unknown, field: string, failures: Problem[]): void {
    if (isUnknown(value)) return;
    if (!isPortNumber(value)) {
        failures.push({ field, message: `must be a whole number from 1 to 65535; got ${JSON.stringify(value)}` });
    }
}

function checkOptionalString(value: unknown, field: string, failures: Problem[], secret = false): void {
    if (value === undefined || isUnknown(value)) return;
    if (typeof value !== "string" || value.length === 0) {
        // A secret's value is never echoed, not even a malformed one.
        const got = secret
            ? value === ""
                ? "an empty string"
                : `a value of type ${typeof value}`
            : JSON.stringify(value);
        failures.push({ field, message: `must be a non-empty string when given; got ${got}` });
    }
}

export function checkConnection(value: unknown, failures: Problem[]): void {
    if (isUnknown(value)) return;
    if (!isPlainObject(value)) {
        failures.push({
            field: "connection",
            message:
                "must be { host, port, … } (direct) or { namespace, service | podSelector, port, … } (port-forward)",
        });
        return;
    }
    const direct = "host" in value;
    const forward = "namespace" in value;
    if (direct === forward) {
        failures.push({
            field: "connection",
            message: direct
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
            failures.push({ field: "connection.host", message: "is required for a direct connection" });
        const tls = value.tls;
        if (tls !== undefined && typeof tls !== "boolean" && !isPlainObject(tls)) {
            failures.push({
                field: "connection.tls",
                message: `must be true, false or { ca?, servername? }; got ${JSON.stringify(tls)}`,
            });
        }
        return;
    }
    checkName(value.namespace, "connection.namespace", "a namespace", failures);
    const hasService = value.service !== undefined;
    const hasSelector = value.podSelector !== undefined;
    if (hasService === hasSelector) {
        failures.push({
            field: "connection.service",
            message: "give exactly one of service (a Service name) and podSelector (labels)",
        });
    }
    if (hasService) checkName(value.service, "connection.service", "a Service name", failures);
    if (hasSelector && !isUnknown(value.podSelector)) {
        const selector = value.podSelector;
        if (
            !isPlainObject(selector) ||
            Object.keys(selector).length === 0 ||
            !Object.values(selector).every((v) => typeof v === "string")
        ) {
            failures.push({
                field: "connection.podSelector",
                message: 'must be a non-empty map of label to value, e.g. { "app": "redis" }',
            });
        }
    }
    checkOptionalString(value.kubeconfig, "connection.kubeconfig", failures, true);
    checkOptionalString(value.context, "connection.context", failures);
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
