/**
 * The one judgement of the bus's settings: `settingsProblems` takes resolved settings and returns every problem, each
 * under the argument path a caller of DsmRedis knows (`resources.limits.memory`, `users[0].name`). The stack config
 * reader maps those paths to its keys; it has no rules of its own. Validators never throw, so every bad value is
 * reported at once, and never echo a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { IMAGE_FORM, ImageReferenceError, parseImageReference, unpinnedReason } from "../k8s-grammar/image-reference";
import { isDns1123Label, isDns1123Subdomain, isPortNumber } from "../k8s-grammar/names";
import {
    Quantity,
    compareQuantities,
    isQuantityProblem,
    parseResourceQuantity,
    wholeUnits,
} from "../k8s-grammar/quantity";
import { ADMIN_USER, KEY_PATTERN, RESERVED_USERS, ROLES, Role, ServiceUser } from "./render/acl";
import { APPENDFSYNC_MODES, MiB, maxmemoryBytes, minMemoryLimitBytes } from "./render/redis-conf";
import { PROVISIONER_CONNECTIONS, UNKNOWN, checkInputs } from "./stream-groups/inputs";

export interface Problem {
    /** The argument (or, from the config reader, the config key) the problem is about. */
    readonly field: string;
    /** What is wrong with the value and what would be accepted. */
    readonly message: string;
}

/**
 * Thrown by DsmRedis for invalid arguments, before it registers anything. An InputPropertiesError, so that the engine
 * shows each property and its reason when the component is served by a provider; its message lists them all.
 */
export class InvalidArgumentsError extends pulumi.InputPropertiesError {
    readonly problems: readonly Problem[];
    constructor(problems: readonly Problem[]) {
        super({
            message: `Invalid DsmRedis arguments:\n${formatProblems(problems)}`,
            errors: problems.map((p) => ({ propertyPath: p.field, reason: p.message })),
        });
        this.name = "InvalidArgumentsError";
        this.problems = problems;
    }
}

export function formatProblems(problems: readonly Problem[]): string {
    return problems.map((p) => `  - ${p.field}: ${p.message}`).join("\n");
}

/** A value given as an Output or a Promise: checked once it resolves, skipped until then. */
export const NOT_YET_KNOWN: unique symbol = Symbol("not yet known");
type Known<T> = T | typeof NOT_YET_KNOWN;

/** The settings as `settingsProblems` reads them: any field may be not yet known, any value may be of a wrong type. */
export interface SettingsToCheck {
    readonly namespace: Known<unknown>;
    readonly createNamespace: unknown;
    readonly image: Known<unknown>;
    readonly port: Known<unknown>;
    readonly resources: {
        readonly requests: { readonly cpu: Known<unknown>; readonly memory: Known<unknown> };
        readonly limits: { readonly cpu: Known<unknown>; readonly memory: Known<unknown> };
    };
    readonly stream: Known<unknown>;
    readonly groups: Known<unknown>;
    readonly readinessTimeoutSeconds: Known<unknown>;
    readonly deleteStreamOnDelete: Known<unknown>;
    readonly deleteDataOnDestroy: unknown;
    readonly provisionerConnection: unknown;
    readonly persistence: unknown;
    readonly storageSize: Known<unknown>;
    readonly storageClass?: Known<unknown>;
    readonly appendfsync: unknown;
    readonly users: unknown;
    readonly passwords: Readonly<Record<string, Known<unknown>>>;
    readonly networkPolicy: unknown;
    readonly clientNamespaces?: Known<unknown>;
    readonly retention: unknown;
    readonly retentionMaxAgeSeconds: Known<unknown>;
    readonly retentionMinEntries: Known<unknown>;
    readonly retentionSchedule: Known<unknown>;
    readonly retentionBatch: Known<unknown>;
    readonly retentionTrimUnacknowledged: unknown;
    readonly metrics: unknown;
    readonly metricsImage: Known<unknown>;
    readonly monitoring: unknown;
    readonly monitoringNamespace: Known<unknown>;
    readonly alertLagEntries: Known<unknown>;
    readonly alertPendingIdleSeconds: Known<unknown>;
    readonly alertMemoryRatio: Known<unknown>;
    readonly alertRetentionStaleSeconds: Known<unknown>;
}

/** Every problem of the settings, in argument order. */
export function settingsProblems(s: SettingsToCheck): Problem[] {
    const problems: Problem[] = [];
    const check = (field: string, value: unknown, judge: (v: unknown) => string | undefined) => {
        if (value === NOT_YET_KNOWN) return;
        const message = judge(value);
        if (message !== undefined) problems.push({ field, message });
    };
    check("namespace", s.namespace, namespaceProblem);
    check("createNamespace", s.createNamespace, booleanProblem);
    check("image", s.image, imageProblem);
    check("port", s.port, portProblem);
    problems.push(...resourcesProblems(s.resources, s.persistence));
    problems.push(...streamGroupsProblems(s));
    check("deleteStreamOnDelete", s.deleteStreamOnDelete, booleanProblem);
    check("deleteDataOnDestroy", s.deleteDataOnDestroy, booleanProblem);
    check("provisionerConnection", s.provisionerConnection, (v) =>
        oneOfProblem(v, PROVISIONER_CONNECTIONS, "a connection mode"),
    );
    check("persistence", s.persistence, booleanProblem);
    check("storageSize", s.storageSize, (v) => quantityProblem(v, "memory"));
    if (s.storageClass !== undefined) check("storageClass", s.storageClass, storageClassProblem);
    check("appendfsync", s.appendfsync, appendfsyncProblem);
    const users = usersProblems(s.users);
    problems.push(...users.problems);
    problems.push(...passwordsProblems(s.passwords, users.names));
    check("networkPolicy", s.networkPolicy, booleanProblem);
    if (s.clientNamespaces !== undefined) problems.push(...clientNamespacesProblems(s.clientNamespaces));
    check("retention", s.retention, booleanProblem);
    check("retentionMaxAgeSeconds", s.retentionMaxAgeSeconds, (v) => wholeNumberProblem(v, 0, 10 * 365 * 86400));
    check("retentionMinEntries", s.retentionMinEntries, (v) => wholeNumberProblem(v, 0, 1e9));
    check("retentionSchedule", s.retentionSchedule, scheduleProblem);
    check("retentionBatch", s.retentionBatch, (v) => wholeNumberProblem(v, 1, 100000));
    check("retentionTrimUnacknowledged", s.retentionTrimUnacknowledged, booleanProblem);
    check("metrics", s.metrics, booleanProblem);
    check("metricsImage", s.metricsImage, imageProblem);
    check("monitoring", s.monitoring, booleanProblem);
    if (s.monitoring === true && s.metrics === false) {
        problems.push({
            field: "monitoring",
            message:
                "needs metrics: the PodMonitor scrapes the metrics exporter; expected metrics true, or monitoring false",
        });
    }
    check("monitoringNamespace", s.monitoringNamespace, namespaceProblem);
    check("alertLagEntries", s.alertLagEntries, (v) => wholeNumberProblem(v, 1, 1e12));
    check("alertPendingIdleSeconds", s.alertPendingIdleSeconds, (v) => wholeNumberProblem(v, 1, 30 * 86400));
    check("alertMemoryRatio", s.alertMemoryRatio, ratioProblem);
    check("alertRetentionStaleSeconds", s.alertRetentionStaleSeconds, (v) => wholeNumberProblem(v, 60, 30 * 86400));
    return problems;
}

function wholeNumberProblem(value: unknown, min: number, max: number): string | undefined {
    return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
        ? undefined
        : `${shown(value)} is not a whole number from ${min} to ${max}`;
}

function ratioProblem(value: unknown): string | undefined {
    return typeof value === "number" && value > 0 && value <= 1
        ? undefined
        : `${shown(value)} is not a share of maxmemory; expected a number above 0 and at most 1, e.g. 0.8`;
}

/** A cron schedule as Kubernetes takes it: five fields of digits, `*`, `/`, `,` and `-`, or a macro such as @hourly. */
const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|([0-9*/,-]+\s+){4}[0-9*/,-]+)$/;

function scheduleProblem(value: unknown): string | undefined {
    return typeof value === "string" && CRON.test(value.trim())
        ? undefined
        : `${shown(value)} is not a cron schedule; expected five fields such as "* * * * *" (every minute) or "*/5 * * * *", or @hourly`;
}

const shown = (value: unknown): string => (value === undefined ? "(unset)" : JSON.stringify(value));

function booleanProblem(value: unknown): string | undefined {
    return typeof value === "boolean" ? undefined : `${shown(value)} is not a boolean; expected true or false`;
}

function oneOfProblem(value: unknown, accepted: readonly string[], what: string): string | undefined {
    return accepted.includes(value as string)
        ? undefined
        : `${shown(value)} is not ${what}; expected ${accepted.map((a) => `"${a}"`).join(" or ")}`;
}

function namespaceProblem(value: unknown): string | undefined {
    return isDns1123Label(value)
        ? undefined
        : `${shown(value)} is not a DNS-1123 label; expected at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. "dsm"`;
}

function imageProblem(value: unknown): string | undefined {
    if (typeof value !== "string") return `${shown(value)} is not an image reference; expected ${IMAGE_FORM}`;
    try {
        const reason = unpinnedReason(parseImageReference(value));
        return reason === undefined ? undefined : `${shown(value)} is not pinned: ${reason}; expected ${IMAGE_FORM}`;
    } catch (error) {
        if (!(error instanceof ImageReferenceError)) throw error;
        return `${shown(value)} is not a valid image reference: ${error.reason}; expected ${IMAGE_FORM}`;
    }
}

function portProblem(value: unknown): string | undefined {
    return isPortNumber(value)
        ? undefined
        : `${shown(value)} is not a TCP port; expected a whole number from 1 to 65535, e.g. 6379`;
}

function quantityProblem(value: unknown, kind: "cpu" | "memory"): string | undefined {
    const result = parseResourceQuantity(value, kind);
    return isQuantityProblem(result) ? `${shown(value)}: ${result.problem}; expected ${result.expected}` : undefined;
}

function resourcesProblems(resources: SettingsToCheck["resources"], persistence: unknown): Problem[] {
    const problems: Problem[] = [];
    const parsed: Record<string, Quantity | undefined> = {};
    for (const bound of ["requests", "limits"] as const) {
        for (const kind of ["cpu", "memory"] as const) {
            const field = `resources.${bound}.${kind}`;
            const value = resources[bound][kind];
            if (value === NOT_YET_KNOWN) continue;
            const result = parseResourceQuantity(value, kind);
            if (isQuantityProblem(result)) {
                problems.push({ field, message: `${shown(value)}: ${result.problem}; expected ${result.expected}` });
            } else {
                parsed[field] = result;
            }
        }
    }
    for (const kind of ["cpu", "memory"] as const) {
        const request = parsed[`resources.requests.${kind}`];
        const limit = parsed[`resources.limits.${kind}`];
        if (request !== undefined && limit !== undefined && compareQuantities(request, limit) > 0) {
            problems.push({
                field: `resources.requests.${kind}`,
                message: `the request ${shown(request.text)} is above the limit ${shown(limit.text)}; expected a request at most the limit`,
            });
        }
    }
    const memoryLimit = parsed["resources.limits.memory"];
    if (memoryLimit !== undefined && typeof persistence === "boolean") {
        const maxmemory = maxmemoryBytes(memoryLimit.text, persistence);
        const minimum = minMemoryLimitBytes(persistence);
        if (wholeUnits(memoryLimit) < minimum) {
            problems.push({
                field: "resources.limits.memory",
                message: `${shown(memoryLimit.text)} leaves Redis ${maxmemory < 0n ? 0n : maxmemory / MiB} MiB for data after process overhead${persistence ? " and AOF-rewrite headroom" : ""}; expected at least ${minimum / MiB}Mi`,
            });
        }
    }
    return problems;
}

function streamKeyProblem(value: unknown): string | undefined {
    // The provider's own rules (length, characters) are checked with the groups; this is the bus's rule.
    if (typeof value !== "string" || !value.startsWith(KEY_PATTERN.slice(0, -1))) {
        return `${shown(value)} is outside ${KEY_PATTERN}, the only keys the ACL users may touch; expected e.g. "dsm:events"`;
    }
    return undefined;
}

/**
 * The stream-groups provider's own check, run now rather than at its `check`, under the same argument names; then
 * the bus's rule for a stream key the provider accepts.
 */
function streamGroupsProblems(s: SettingsToCheck): Problem[] {
    const asInput = (v: unknown) => (v === NOT_YET_KNOWN ? UNKNOWN : v);
    const problems = checkInputs({
        stream: asInput(s.stream),
        groups: asInput(s.groups),
        readinessTimeoutSeconds: asInput(s.readinessTimeoutSeconds),
        connection: UNKNOWN,
    }).map((f) => ({ field: f.property, message: f.reason }));
    const keyProblem = s.stream === NOT_YET_KNOWN ? undefined : streamKeyProblem(s.stream);
    if (keyProblem !== undefined && !problems.some((p) => p.field === "stream")) {
        problems.unshift({ field: "stream", message: keyProblem });
    }
    return problems;
}

function storageClassProblem(value: unknown): string | undefined {
    return isDns1123Subdomain(value)
        ? undefined
        : `${shown(value)} is not a StorageClass name (a DNS-1123 subdomain); expected e.g. "standard", or unset for the cluster's default`;
}

function appendfsyncProblem(value: unknown): string | undefined {
    return (APPENDFSYNC_MODES as readonly unknown[]).includes(value)
        ? undefined
        : `${shown(value)} is not an fsync policy; expected "everysec" (lose at most about a second on a node crash) or "always" (fsync before every reply)`;
}

/** The users' form, for messages. */
export const USERS_FORM = `a list such as [{"name": "sprint-service", "roles": ["publish", "consume"]}], roles from ${ROLES.join(", ")}`;

/** A user name is also part of its Secret's name, `redis-<name>`, which must stay a DNS-1123 label. */
const MAX_USER_NAME_LENGTH = 50;

/**
 * ACL users: each a DNS-1123 label of at most 50 characters, not a reserved name (RESERVED_USERS), listed once, with roles
 * from ROLES. Returns the names of the valid ones, so that passwords can be checked against them.
 */
function usersProblems(value: unknown): { names: string[]; problems: Problem[] } {
    if (!Array.isArray(value) || value.length === 0) {
        return {
            names: [],
            problems: [{ field: "users", message: `must be a non-empty list; expected ${USERS_FORM}` }],
        };
    }
    const problems: Problem[] = [];
    const names: string[] = [];
    value.forEach((entry: unknown, index) => {
        const field = `users[${index}]`;
        const user = entry as { name?: unknown; roles?: unknown; namespaces?: unknown } | null;
        if (!isDns1123Label(user?.name, MAX_USER_NAME_LENGTH)) {
            problems.push({
                field: `${field}.name`,
                message: `${shown(user?.name)} is not a DNS-1123 label of at most ${MAX_USER_NAME_LENGTH} characters; expected e.g. "sprint-service"`,
            });
            return;
        }
        const name = user.name;
        if (RESERVED_USERS.includes(name)) {
            problems.push({ field: `${field}.name`, message: `"${name}" is reserved; expected a service's own name` });
            return;
        }
        if (names.includes(name)) {
            problems.push({ field: `${field}.name`, message: `"${name}" is listed twice` });
            return;
        }
        names.push(name);
        const roles = user.roles;
        if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => ROLES.includes(r as Role))) {
            problems.push({
                field: `${field}.roles`,
                message: `${shown(roles)} is not a non-empty list of ${ROLES.map((r) => `"${r}"`).join(", ")}`,
            });
        }
        const namespaces = user.namespaces;
        if (namespaces !== undefined && !Array.isArray(namespaces)) {
            problems.push({
                field: `${field}.namespaces`,
                message: `${shown(namespaces)} is not a list of the namespaces ${name} runs in, e.g. ["dsm-workers"]`,
            });
        }
        (Array.isArray(namespaces) ? namespaces : []).forEach((namespace: unknown, j) => {
            const message = namespaceProblem(namespace);
            if (message !== undefined) {
                problems.push({
                    field: `${field}.namespaces[${j}]`,
                    message: `${message} (a namespace ${name} runs in)`,
                });
            }
        });
    });
    return { names, problems };
}

/** The users with their roles deduplicated, for the renderers; call only on users without problems. */
export function normalisedUsers(users: readonly ServiceUser[]): ServiceUser[] {
    return users.map((u) => ({
        name: u.name,
        roles: [...new Set(u.roles)],
        ...(u.namespaces === undefined ? {} : { namespaces: [...new Set(u.namespaces)] }),
    }));
}

/** A password set by the user: at least 16 characters without white space. The message never shows the value. */
export const MIN_PASSWORD_LENGTH = 16;

export function passwordsProblems(passwords: SettingsToCheck["passwords"], userNames: readonly string[]): Problem[] {
    const known = [ADMIN_USER, ...userNames];
    const problems: Problem[] = [];
    for (const [user, password] of Object.entries(passwords)) {
        const field = `passwords.${user}`;
        if (!known.includes(user)) {
            problems.push({ field, message: `${shown(user)} is not a user; expected one of ${known.join(", ")}` });
        } else if (
            password !== NOT_YET_KNOWN &&
            (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH || /\s/.test(password))
        ) {
            problems.push({
                field,
                message: `the password of ${user} is not a string of at least ${MIN_PASSWORD_LENGTH} characters without white space`,
            });
        }
    }
    return problems;
}

const NAMESPACES_FORM = 'a non-empty list of namespaces, e.g. ["dsm", "dsm-workers"]';

function clientNamespacesProblems(value: unknown): Problem[] {
    if (value === NOT_YET_KNOWN) return [];
    // An empty list would render a NetworkPolicy `In` expression with no values, which the API server refuses.
    if (!Array.isArray(value) || value.length === 0) {
        return [{ field: "clientNamespaces", message: `${shown(value)} is not ${NAMESPACES_FORM}` }];
    }
    return value.flatMap((ns, i) => {
        const message = ns === NOT_YET_KNOWN ? undefined : namespaceProblem(ns);
        return message === undefined ? [] : [{ field: `clientNamespaces[${i}]`, message }];
    });
}
