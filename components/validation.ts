/**
 * The one judgement of the bus's settings: `settingsProblems` takes resolved settings and returns every problem, each
 * under the argument path a caller of DsmRedis knows (`resources.limits.memory`, `users[0].name`). First each setting
 * alone, by the judge the settings table names for it; then the rules that relate settings to each other. The stack
 * config reader maps those paths to its keys; it has no rules of its own. Validators never throw, so every bad value is
 * reported at once, and never echo a secret. A value not known yet (an Output) is UNKNOWN here, and judged once known.
 */
import * as pulumi from "@pulumi/pulumi";
import { isDns1123Label } from "../k8s-grammar/dns-names";
import { UNKNOWN, isUnknown } from "../k8s-grammar/unknown-values";
import {
    Quantity,
    compareQuantities,
    isQuantityProblem,
    parseResourceQuantity,
    wholeUnits,
} from "../k8s-grammar/quantity";
import { namespaceProblem, shown } from "./judges";
import { Problem, formatProblems } from "./problems";
import { ADMIN_USER, KEY_PATTERN, RESERVED_USERS, ROLES, Role, ServiceUser } from "./render/acl";
import { MiB, maxmemoryBytes, minMemoryLimitBytes } from "./render/redis-conf";
import { ARGUMENT_SETTINGS, judgeOf, valueAt } from "./settings";
import { checkInputs } from "./stream-groups/inputs";

export type { Problem } from "./problems";
export { formatProblems } from "./problems";

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

/** Settings as the validators read them: nested by argument path, any value of any type, or UNKNOWN. */
export type SettingsToCheck = Readonly<Record<string, unknown>>;

/** Each setting alone, by its judge; a setting without a default may be left out. */
function eachSettingProblems(s: SettingsToCheck): Problem[] {
    return ARGUMENT_SETTINGS.flatMap((setting) => {
        const judge = judgeOf(setting);
        const value = valueAt(s, setting.argument);
        if (typeof judge !== "function" || isUnknown(value)) return [];
        if (value === undefined && setting.default === undefined) return [];
        const message = judge(value);
        return message === undefined ? [] : [{ field: setting.argument, message }];
    });
}

/** The rules that relate settings, or judge a list in its parts. */
const RULES: ReadonlyArray<(s: SettingsToCheck) => Problem[]> = [
    resourcesProblems,
    streamGroupsProblems,
    (s) => {
        const users = usersProblems(s.users);
        return [...users.problems, ...passwordsProblems(passwordsOf(s), users.names)];
    },
    (s) => (s.clientNamespaces === undefined ? [] : clientNamespacesProblems(s.clientNamespaces)),
    monitoringProblems,
];

/** The position of a field's setting in the table, so that problems come in argument order. */
function tableOrder(field: string): number {
    const index = ARGUMENT_SETTINGS.findIndex(
        (s) => field === s.argument || field.startsWith(`${s.argument}.`) || field.startsWith(`${s.argument}[`),
    );
    return index < 0 ? ARGUMENT_SETTINGS.length : index;
}

/** Every problem of the settings, in argument order. */
export function settingsProblems(s: SettingsToCheck): Problem[] {
    const problems = [...eachSettingProblems(s), ...RULES.flatMap((rule) => rule(s))];
    // A stable sort: within one setting, the judge's problem first, then the rules'.
    return problems
        .map((problem, i) => ({ problem, i, order: tableOrder(problem.field) }))
        .sort((a, b) => a.order - b.order || a.i - b.i)
        .map((p) => p.problem);
}

function passwordsOf(s: SettingsToCheck): Readonly<Record<string, unknown>> {
    const passwords = s.passwords;
    return passwords !== null && typeof passwords === "object" ? (passwords as Record<string, unknown>) : {};
}

function monitoringProblems(s: SettingsToCheck): Problem[] {
    return s.monitoring === true && s.metrics === false
        ? [
              {
                  field: "monitoring",
                  message:
                      "needs metrics: the PodMonitor scrapes the metrics exporter; expected metrics true, or monitoring false",
              },
          ]
        : [];
}

/** Requests at most their limits, and a memory limit that leaves Redis room (each value's own form is its judge's). */
function resourcesProblems(s: SettingsToCheck): Problem[] {
    const problems: Problem[] = [];
    const persistence = s.persistence;
    const parsed: Record<string, Quantity | undefined> = {};
    for (const bound of ["requests", "limits"] as const) {
        for (const kind of ["cpu", "memory"] as const) {
            const field = `resources.${bound}.${kind}`;
            const result = parseResourceQuantity(valueAt(s, field), kind);
            if (!isQuantityProblem(result)) parsed[field] = result;
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
    const problems = checkInputs({
        stream: s.stream,
        groups: s.groups,
        readinessTimeoutSeconds: s.readinessTimeoutSeconds,
        connection: UNKNOWN,
    });
    const keyProblem = isUnknown(s.stream) ? undefined : streamKeyProblem(s.stream);
    if (keyProblem !== undefined && !problems.some((p) => p.field === "stream")) {
        problems.unshift({ field: "stream", message: keyProblem });
    }
    return problems;
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

export function passwordsProblems(
    passwords: Readonly<Record<string, unknown>>,
    userNames: readonly string[],
): Problem[] {
    const known = [ADMIN_USER, ...userNames];
    const problems: Problem[] = [];
    for (const [user, password] of Object.entries(passwords)) {
        const field = `passwords.${user}`;
        if (!known.includes(user)) {
            problems.push({ field, message: `${shown(user)} is not a user; expected one of ${known.join(", ")}` });
        } else if (
            !isUnknown(password) &&
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
    if (isUnknown(value)) return [];
    // An empty list would render a NetworkPolicy `In` expression with no values, which the API server refuses.
    if (!Array.isArray(value) || value.length === 0) {
        return [{ field: "clientNamespaces", message: `${shown(value)} is not ${NAMESPACES_FORM}` }];
    }
    return value.flatMap((ns, i) => {
        const message = isUnknown(ns) ? undefined : namespaceProblem(ns);
        return message === undefined ? [] : [{ field: `clientNamespaces[${i}]`, message }];
    });
}
