/**
 * The inputs of RedisStreamGroups: their types, defaults and validation. Pure: nothing here connects anywhere, so the
 * provider's check can run at preview.
 */

import type { Problem } from "../problems";
import { isUnknown } from "../../k8s-grammar/unknown-values";
import { Connection, checkConnection, checkName, isPlainObject } from "../redis-link/connection";

export type { Connection, DirectConnection, PortForwardConnection } from "../redis-link/connection";
export { describeEndpoint, isPortForward, labelSelector } from "../redis-link/connection";

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

const ENTRY_ID = /^(0|[1-9]\d*)(-(0|[1-9]\d*))?$/;
/** The longest readiness wait the provider takes, in seconds. */
export const MAX_TIMEOUT_SECONDS = 3600;

/** How the provider reaches Redis from the program: a tunnel through the Kubernetes API, or the Service's address. */
export const PROVISIONER_CONNECTIONS = ["port-forward", "direct"] as const;
export type ProvisionerConnection = (typeof PROVISIONER_CONNECTIONS)[number];

/** Validates raw inputs and returns the failures, each naming its property. */
export function checkInputs(news: Record<string, unknown>): Problem[] {
    const failures: Problem[] = [];
    checkName(news.stream, "stream", "a stream key", failures);

    const groups = news.groups;
    if (!isUnknown(groups)) {
        if (!Array.isArray(groups) || groups.length === 0) {
            failures.push({
                field: "groups",
                message: 'must list at least one group, e.g. [{ "name": "sprint-service" }]',
            });
        } else {
            const seen = new Set<string>();
            groups.forEach((group: unknown, index) => {
                const field = `groups[${index}]`;
                if (!isPlainObject(group)) {
                    failures.push({ field, message: "must be { name, startId? }" });
                    return;
                }
                checkName(group.name, `${field}.name`, "a group name", failures);
                if (typeof group.name === "string" && !isUnknown(group.name)) {
                    if (seen.has(group.name))
                        failures.push({
                            field: `${field}.name`,
                            message: `${JSON.stringify(group.name)} is listed twice`,
                        });
                    seen.add(group.name);
                }
                const startId = group.startId;
                if (
                    startId !== undefined &&
                    !isUnknown(startId) &&
                    (typeof startId !== "string" || (startId !== "$" && !ENTRY_ID.test(startId)))
                ) {
                    failures.push({
                        field: `${field}.startId`,
                        message: `must be "0" (the whole history), "$" (only new entries) or an entry ID such as "1700000000000-0"; got ${JSON.stringify(startId)}`,
                    });
                }
            });
        }
    }

    checkConnection(news.connection, failures);

    const timeout = news.readinessTimeoutSeconds;
    if (
        timeout !== undefined &&
        !isUnknown(timeout) &&
        (typeof timeout !== "number" || !(timeout > 0) || timeout > MAX_TIMEOUT_SECONDS)
    ) {
        failures.push({
            field: "readinessTimeoutSeconds",
            message: `must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}; got ${JSON.stringify(timeout)}`,
        });
    }
    const deleteStream = news.deleteStreamOnDelete;
    if (deleteStream !== undefined && !isUnknown(deleteStream) && typeof deleteStream !== "boolean") {
        failures.push({
            field: "deleteStreamOnDelete",
            message: `must be true or false; got ${JSON.stringify(deleteStream)}`,
        });
    }
    return failures;
}

/** A group with its startId filled in: the one place a missing startId becomes the default. */
export function withStartId(group: GroupSpec): GroupSpec {
    return { name: group.name, startId: group.startId ?? STREAM_GROUPS_DEFAULTS.startId };
}

/**
 * The inputs with defaults filled in, as stored in state; groups get their startId. The provider's check applies it,
 * so the standalone resource and the bus pass what they were given and share these defaults.
 */
export function withDefaults(news: Record<string, unknown>): StreamGroupsInputs {
    const groups = (Array.isArray(news.groups) ? news.groups : STREAM_GROUPS_DEFAULTS.groups) as GroupSpec[];
    return {
        ...news,
        stream: (news.stream as string | undefined) ?? STREAM_GROUPS_DEFAULTS.stream,
        groups: groups.map(withStartId),
        connection: news.connection as Connection,
        readinessTimeoutSeconds:
            (news.readinessTimeoutSeconds as number | undefined) ?? STREAM_GROUPS_DEFAULTS.readinessTimeoutSeconds,
        deleteStreamOnDelete:
            (news.deleteStreamOnDelete as boolean | undefined) ?? STREAM_GROUPS_DEFAULTS.deleteStreamOnDelete,
    };
}
