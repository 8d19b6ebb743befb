/**
 * The stack config keys that make the bus durable, bounded and locked down: persistence, storage, ACL users and their
 * passwords, and the NetworkPolicy.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_SERVICE_USERS, ServiceUser } from "./acl";
import { APPENDFSYNC_MODES, AppendFsync, MIN_MAXMEMORY_BYTES, maxmemoryBytes } from "./redis-config";
import type { ConfigText } from "./settings-stream";
import {
    Problem,
    USERS_FORM,
    checkNamespace,
    checkPassword,
    checkPasswordUsers,
    checkQuantity,
    checkStorageClass,
    checkUsers,
    parseBoolean,
    parseJson,
} from "./validation";

export interface HardeningSettings {
    /** A PersistentVolumeClaim with AOF; false for throwaway stacks (an emptyDir, and a warning). */
    readonly persistence: boolean;
    /** The size of the volume. */
    readonly storageSize: string;
    /** The StorageClass of the volume; undefined means the cluster's default. */
    readonly storageClass?: string;
    /** AOF fsync policy. */
    readonly appendfsync: AppendFsync;
    /** One ACL user per DSM service. */
    readonly users: ServiceUser[];
    /** Passwords set in the config (secret), by user; the others are generated. */
    readonly passwords: Readonly<Record<string, pulumi.Output<string>>>;
    /** Whether to restrict ingress to labelled client pods. */
    readonly networkPolicy: boolean;
    /** The namespaces whose labelled pods may connect; undefined means the bus's own namespace. */
    readonly clientNamespaces?: string[];
}

export const DEFAULT_HARDENING_SETTINGS: HardeningSettings = {
    persistence: true,
    storageSize: "1Gi",
    storageClass: undefined,
    appendfsync: "everysec",
    users: DEFAULT_SERVICE_USERS.map((u) => ({ name: u.name, roles: [...u.roles] })),
    passwords: {},
    networkPolicy: true,
    clientNamespaces: undefined,
};

function readJson(
    get: ConfigText,
    key: string,
    form: string,
    name: (k: string) => string,
    problems: Problem[],
    secret = false,
): unknown {
    const text = get(key);
    return text === undefined ? undefined : parseJson(text, name(key), form, problems, secret);
}

function readUsers(get: ConfigText, name: (k: string) => string, problems: Problem[]): ServiceUser[] {
    const parsed = readJson(get, "users", USERS_FORM, name, problems);
    if (parsed === undefined) return DEFAULT_HARDENING_SETTINGS.users;
    const checked = checkUsers(parsed, name("users"));
    problems.push(...checked.problems);
    return checked.users;
}

function readPasswords(
    get: ConfigText,
    users: readonly ServiceUser[],
    name: (k: string) => string,
    problems: Problem[],
): Record<string, pulumi.Output<string>> {
    const form = `a secret JSON object of user name to password, set with: pulumi config set --secret --path 'passwords.sprint-service' <password>`;
    const parsed = readJson(get, "passwords", form, name, problems, true);
    if (parsed === undefined) return {};
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        problems.push({ field: name("passwords"), message: `is not an object; expected ${form}` });
        return {};
    }
    const field = name("passwords");
    const passwords: Record<string, pulumi.Output<string>> = {};
    for (const [user, password] of Object.entries(parsed as Record<string, unknown>)) {
        const unknownUser = checkPasswordUsers([user], users, field);
        const bad = unknownUser.length > 0 ? unknownUser : checkPassword(user, password, field);
        problems.push(...bad);
        if (bad.length === 0) passwords[user] = pulumi.secret(password as string);
    }
    return passwords;
}

/** Reads and validates the hardening keys; `memoryLimit` is checked against what maxmemory needs. */
export function readHardeningSettings(
    get: ConfigText,
    name: (key: string) => string,
    memoryLimit: string | undefined,
    problems: Problem[],
): HardeningSettings {
    const defaults = DEFAULT_HARDENING_SETTINGS;
    const persistence = parseBoolean(get("persistence") ?? String(defaults.persistence), name("persistence"), problems);

    const storageSize = get("storageSize") ?? defaults.storageSize;
    checkQuantity(storageSize, name("storageSize"), "memory", problems);

    const storageClass = get("storageClass");
    if (storageClass !== undefined) problems.push(...checkStorageClass(storageClass, name("storageClass")));

    const appendfsync = get("appendfsync") ?? defaults.appendfsync;
    if (!(APPENDFSYNC_MODES as readonly string[]).includes(appendfsync)) {
        problems.push({
            field: name("appendfsync"),
            message: `${JSON.stringify(appendfsync)} is not an fsync policy; expected "everysec" (lose at most about a second on a node crash) or "always" (fsync before every reply)`,
        });
    }

    if (memoryLimit !== undefined) {
        const maxmemory = maxmemoryBytes(memoryLimit, persistence);
        if (maxmemory < MIN_MAXMEMORY_BYTES) {
            problems.push({
                field: name("memoryLimit"),
                message: `"${memoryLimit}" leaves Redis ${maxmemory < 0n ? 0n : maxmemory / 1048576n} MiB for data after process overhead${persistence ? " and AOF-rewrite headroom" : ""}; expected at least ${persistence ? "48Mi" : "32Mi"}`,
            });
        }
    }

    const users = readUsers(get, name, problems);
    const passwords = readPasswords(get, users, name, problems);
    const networkPolicy = parseBoolean(
        get("networkPolicy") ?? String(defaults.networkPolicy),
        name("networkPolicy"),
        problems,
    );

    const namespacesForm = 'a JSON list of namespaces, e.g. ["dsm", "dsm-workers"]';
    const parsedNamespaces = readJson(get, "clientNamespaces", namespacesForm, name, problems);
    let clientNamespaces: string[] | undefined = defaults.clientNamespaces;
    if (parsedNamespaces !== undefined) {
        if (
            !Array.isArray(parsedNamespaces) ||
            parsedNamespaces.length === 0 ||
            !parsedNamespaces.every((n) => typeof n === "string")
        ) {
            problems.push({
                field: name("clientNamespaces"),
                message: `must be a non-empty list of names; expected ${namespacesForm}`,
            });
        } else {
            for (const ns of parsedNamespaces as string[])
                problems.push(...checkNamespace(ns, name("clientNamespaces")));
            clientNamespaces = parsedNamespaces as string[];
        }
    }

    return {
        persistence,
        storageSize,
        storageClass,
        appendfsync: appendfsync as AppendFsync,
        users,
        passwords,
        networkPolicy,
        clientNamespaces,
    };
}
