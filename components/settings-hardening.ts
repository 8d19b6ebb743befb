/**
 * The stack config keys that make the bus durable, bounded and locked down: persistence, storage, ACL users and their
 * passwords, and the NetworkPolicy.
 */
import * as pulumi from "@pulumi/pulumi";
import { ADMIN_USER, DEFAULT_SERVICE_USERS, ROLES, Role, ServiceUser } from "./acl";
import { APPENDFSYNC_MODES, AppendFsync, MIN_MAXMEMORY_BYTES, maxmemoryBytes } from "./redis-config";
import type { ConfigText } from "./settings-stream";
import { DNS1123_LABEL, Problem, checkNamespace, checkQuantity, parseBoolean, parseJson } from "./validation";

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

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A user name is also part of its Secret's name (`redis-<name>`), so it must be a DNS-1123 label. */
const USER_NAME = DNS1123_LABEL;

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
    const form = `a JSON list such as [{"name": "sprint-service", "roles": ["publish", "consume"]}], roles from ${ROLES.join(", ")}`;
    const parsed = readJson(get, "users", form, name, problems);
    if (parsed === undefined) return DEFAULT_HARDENING_SETTINGS.users;
    if (!Array.isArray(parsed) || parsed.length === 0) {
        problems.push({ field: name("users"), message: `must be a non-empty list; expected ${form}` });
        return [];
    }
    const seen = new Set<string>();
    const users: ServiceUser[] = [];
    parsed.forEach((entry: unknown, index) => {
        const at = `[${index}]`;
        const user = entry as { name?: unknown; roles?: unknown };
        if (typeof user?.name !== "string" || user.name.length > 50 || !USER_NAME.test(user.name)) {
            problems.push({
                field: name("users"),
                message: `${at}.name ${JSON.stringify(user?.name)} is not a DNS-1123 label of at most 50 characters; expected e.g. "sprint-service"`,
            });
            return;
        }
        if (user.name === "default" || user.name === ADMIN_USER) {
            problems.push({
                field: name("users"),
                message: `${at}.name "${user.name}" is reserved; expected a service's own name`,
            });
            return;
        }
        if (seen.has(user.name)) {
            problems.push({ field: name("users"), message: `${at}.name "${user.name}" is listed twice` });
            return;
        }
        seen.add(user.name);
        const roles = user.roles;
        if (
            !Array.isArray(roles) ||
            roles.length === 0 ||
            !roles.every((r) => (ROLES as readonly unknown[]).includes(r))
        ) {
            problems.push({
                field: name("users"),
                message: `${at}.roles ${JSON.stringify(roles)} is not a non-empty list of ${ROLES.map((r) => `"${r}"`).join(", ")}`,
            });
            return;
        }
        users.push({ name: user.name, roles: [...new Set(roles as Role[])] });
    });
    return users;
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
    const known = new Set([ADMIN_USER, ...users.map((u) => u.name)]);
    const passwords: Record<string, pulumi.Output<string>> = {};
    for (const [user, password] of Object.entries(parsed as Record<string, unknown>)) {
        if (!known.has(user)) {
            problems.push({
                field: name("passwords"),
                message: `names ${JSON.stringify(user)}, which is not a user; expected one of ${[...known].join(", ")}`,
            });
        } else if (typeof password !== "string" || password.length < 16 || /\s/.test(password)) {
            // Never the value: only what is wrong with it.
            problems.push({
                field: name("passwords"),
                message: `the password of ${user} is not a string of at least 16 characters without white space`,
            });
        } else {
            passwords[user] = pulumi.secret(password);
        }
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
    if (storageClass !== undefined && (storageClass.length > 253 || !DNS1123_SUBDOMAIN.test(storageClass))) {
        problems.push({
            field: name("storageClass"),
            message: `${JSON.stringify(storageClass)} is not a StorageClass name (a DNS-1123 subdomain); expected e.g. "standard", or unset for the cluster's default`,
        });
    }

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
