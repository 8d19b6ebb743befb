/** The stream keys of the stack config: the stream, its groups, and how provisioning reaches Redis. */
import {
    GroupSpec,
    PROVISIONER_CONNECTIONS,
    ProvisionerConnection,
    STREAM_GROUPS_DEFAULTS,
    UNKNOWN,
    checkInputs,
} from "./stream-groups/inputs";
import { Problem, parseBoolean, parseJson } from "./validation";

export interface StreamSettings {
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

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
    stream: STREAM_GROUPS_DEFAULTS.stream,
    groups: STREAM_GROUPS_DEFAULTS.groups.map((g) => ({ name: g.name, startId: STREAM_GROUPS_DEFAULTS.startId })),
    readinessTimeoutSeconds: STREAM_GROUPS_DEFAULTS.readinessTimeoutSeconds,
    deleteStreamOnDelete: STREAM_GROUPS_DEFAULTS.deleteStreamOnDelete,
    provisionerConnection: "port-forward",
};

/** Reads a config key: its raw text, or undefined when unset. */
export type ConfigText = (key: string) => string | undefined;

export function parseGroups(text: string, field: string, problems: Problem[]): GroupSpec[] | undefined {
    const form =
        'a JSON list of group names or {"name", "startId"} objects, e.g. ["sprint-service", {"name": "audit", "startId": "$"}]';
    const parsed = parseJson(text, field, form, problems);
    if (parsed === undefined) return undefined;
    if (!Array.isArray(parsed)) {
        problems.push({ field, message: `${JSON.stringify(text)} is not a list; expected ${form}` });
        return undefined;
    }
    return parsed.map((g: unknown) => (typeof g === "string" ? { name: g } : (g as GroupSpec)));
}

/** The stream keys, validated by the same rules as the provider's check, each problem under its config key. */
export function readStreamSettings(
    get: ConfigText,
    name: (key: string) => string,
    problems: Problem[],
): StreamSettings {
    const defaults = DEFAULT_STREAM_SETTINGS;
    const stream = get("stream") ?? defaults.stream;
    const groupsText = get("groups");
    const groups = groupsText === undefined ? defaults.groups : parseGroups(groupsText, name("groups"), problems);
    const timeoutText = get("readinessTimeoutSeconds") ?? String(defaults.readinessTimeoutSeconds);
    const timeout = /^\d+(\.\d+)?$/.test(timeoutText) ? Number(timeoutText) : NaN;
    const deleteStreamOnDelete = parseBoolean(
        get("deleteStreamOnDelete") ?? String(defaults.deleteStreamOnDelete),
        name("deleteStreamOnDelete"),
        problems,
    );
    const connection = get("provisionerConnection") ?? defaults.provisionerConnection;
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
        deleteStreamOnDelete,
        provisionerConnection: connection as ProvisionerConnection,
    };
}
