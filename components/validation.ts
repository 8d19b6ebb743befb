/**
 * Plain validators for the bus's settings. Each takes a value and the name the user knows it by (a stack config
 * key such as `dsm-redis:memoryLimit`, or a component argument such as `resources.limits.memory`), and returns the
 * problems it finds. They never throw, so that every bad value is reported at once.
 */
import * as pulumi from "@pulumi/pulumi";
import { ADMIN_USER, KEY_PATTERN, ROLES, Role, ServiceUser } from "./acl";
import { IMAGE_FORM, ImageReferenceError, parseImageReference, unpinnedReason } from "../policy/image-reference";
import { QUANTITY_FORM, Quantity, QuantityError, compareQuantities, parseQuantity } from "../policy/quantity";

export interface Problem {
    /** The config key or argument the problem is about. */
    readonly field: string;
    /** What is wrong with the value and what would be accepted. */
    readonly message: string;
}

/**
 * Thrown when settings are invalid; its message lists every problem, one a line. It is a RunError so that the
 * engine prints the message at preview without a stack trace: the user needs the keys, not our frames.
 */
export class InvalidSettingsError extends pulumi.RunError {
    readonly problems: readonly Problem[];
    constructor(problems: readonly Problem[]) {
        super(`Invalid DSM Redis settings:\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join("\n")}`);
        this.name = "InvalidSettingsError";
        this.problems = problems;
    }
}

/** Throws InvalidSettingsError when there is any problem. */
export function assertNoProblems(problems: readonly Problem[]): void {
    if (problems.length > 0) {
        throw new InvalidSettingsError(problems);
    }
}

/** A DNS-1123 label, as Kubernetes names namespaces and most objects (length checked separately). */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function checkNamespace(value: string, field: string): Problem[] {
    if (value.length > 63 || !DNS1123_LABEL.test(value)) {
        return [
            {
                field,
                message: `${JSON.stringify(value)} is not a DNS-1123 label; expected at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. "dsm"`,
            },
        ];
    }
    return [];
}

export function checkImage(value: string, field: string): Problem[] {
    try {
        const reason = unpinnedReason(parseImageReference(value));
        return reason === undefined
            ? []
            : [{ field, message: `${JSON.stringify(value)} is not pinned: ${reason}; expected ${IMAGE_FORM}` }];
    } catch (error) {
        if (error instanceof ImageReferenceError) {
            return [
                {
                    field,
                    message: `${JSON.stringify(value)} is not a valid image reference: ${error.reason}; expected ${IMAGE_FORM}`,
                },
            ];
        }
        throw error;
    }
}

/** A boolean as config text: exactly `true` or `false`. Reports anything else and reads it as false. */
export function parseBoolean(text: string, field: string, problems: Problem[]): boolean {
    if (text !== "true" && text !== "false") {
        problems.push({ field, message: `${JSON.stringify(text)} is not a boolean; expected true or false` });
    }
    return text === "true";
}

/**
 * Config text that holds JSON. Reports text that does not parse (never echoing a secret's) and returns undefined for
 * it; the caller checks the shape.
 */
export function parseJson(text: string, field: string, form: string, problems: Problem[], secret = false): unknown {
    try {
        return JSON.parse(text);
    } catch {
        problems.push({
            field,
            message: `${secret ? "the value" : JSON.stringify(text)} is not JSON; expected ${form}`,
        });
        return undefined;
    }
}

/** A TCP port: a whole number from 1 to 65535, given as a number or as its decimal text. */
export function checkPort(value: string | number, field: string): Problem[] {
    const text = String(value);
    const port = Number(text);
    if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
        return [
            {
                field,
                message: `${JSON.stringify(value)} is not a TCP port; expected a whole number from 1 to 65535, e.g. 6379`,
            },
        ];
    }
    return [];
}

/** Parses a positive, non-zero quantity, reporting a problem (and returning undefined) otherwise. */
export function checkQuantity(
    value: string | number,
    field: string,
    kind: "cpu" | "memory",
    problems: Problem[],
): Quantity | undefined {
    let quantity: Quantity;
    try {
        quantity = parseQuantity(value);
    } catch (error) {
        if (error instanceof QuantityError) {
            problems.push({
                field,
                message: `${JSON.stringify(value)} is not valid: ${error.reason}; expected ${QUANTITY_FORM}`,
            });
            return undefined;
        }
        throw error;
    }
    const example = kind === "cpu" ? '"100m" or "0.5"' : '"100Mi" or "1Gi"';
    if (!quantity.hasDigits || quantity.nanos <= 0n) {
        problems.push({
            field,
            message: `${JSON.stringify(value)} is not a positive quantity; expected a value above zero, e.g. ${example}`,
        });
        return undefined;
    }
    if (kind === "memory" && quantity.suffix === "m") {
        problems.push({
            field,
            message: `${JSON.stringify(value)} means ${value.toString().slice(0, -1)} thousandths of a byte ("m" is milli); for mebibytes write "Mi", e.g. "100Mi"`,
        });
        return undefined;
    }
    return quantity;
}

export interface ResourceValues {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

/** The names the four resource fields are known by, so that messages speak the caller's language. */
export interface ResourceFieldNames {
    readonly requestsCpu: string;
    readonly requestsMemory: string;
    readonly limitsCpu: string;
    readonly limitsMemory: string;
}

/** Every quantity parses, is positive, and no request exceeds its limit (compared exactly). */
export function checkResources(values: ResourceValues, names: ResourceFieldNames): Problem[] {
    const problems: Problem[] = [];
    const requestsCpu = checkQuantity(values.requests.cpu, names.requestsCpu, "cpu", problems);
    const limitsCpu = checkQuantity(values.limits.cpu, names.limitsCpu, "cpu", problems);
    const requestsMemory = checkQuantity(values.requests.memory, names.requestsMemory, "memory", problems);
    const limitsMemory = checkQuantity(values.limits.memory, names.limitsMemory, "memory", problems);
    const pairs: Array<[Quantity | undefined, Quantity | undefined, string, string]> = [
        [requestsCpu, limitsCpu, names.requestsCpu, names.limitsCpu],
        [requestsMemory, limitsMemory, names.requestsMemory, names.limitsMemory],
    ];
    for (const [request, limit, requestField, limitField] of pairs) {
        if (request !== undefined && limit !== undefined && compareQuantities(request, limit) > 0) {
            problems.push({
                field: requestField,
                message: `the request ${JSON.stringify(request.text)} is above the limit ${JSON.stringify(limit.text)} (${limitField}); expected a request at most the limit`,
            });
        }
    }
    return problems;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function checkStorageClass(value: string, field: string): Problem[] {
    if (value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
        return [
            {
                field,
                message: `${JSON.stringify(value)} is not a StorageClass name (a DNS-1123 subdomain); expected e.g. "standard", or unset for the cluster's default`,
            },
        ];
    }
    return [];
}

/** The stream must lie in the key pattern the ACL users are confined to, or no service could use it. */
export function checkStreamKey(value: string, field: string): Problem[] {
    if (!value.startsWith(KEY_PATTERN.slice(0, -1))) {
        return [
            {
                field,
                message: `${JSON.stringify(value)} is outside ${KEY_PATTERN}, the only keys the ACL users may touch; expected e.g. "dsm:events"`,
            },
        ];
    }
    return [];
}

/** The users' form, for messages. */
export const USERS_FORM = `a JSON list such as [{"name": "sprint-service", "roles": ["publish", "consume"]}], roles from ${ROLES.join(", ")}`;

/**
 * ACL users, each a DNS-1123 label of at most 50 characters (it is also part of its Secret's name, `redis-<name>`),
 * neither `default` nor the admin, listed once, with roles from ROLES. Returns the valid ones (roles deduplicated)
 * with the problems, so that a caller can go on checking what refers to them.
 */
export function checkUsers(value: unknown, field: string): { users: ServiceUser[]; problems: Problem[] } {
    if (!Array.isArray(value) || value.length === 0) {
        return { users: [], problems: [{ field, message: `must be a non-empty list; expected ${USERS_FORM}` }] };
    }
    const problems: Problem[] = [];
    const seen = new Set<string>();
    const users: ServiceUser[] = [];
    value.forEach((entry: unknown, index) => {
        const at = `[${index}]`;
        const user = entry as { name?: unknown; roles?: unknown };
        if (typeof user?.name !== "string" || user.name.length > 50 || !DNS1123_LABEL.test(user.name)) {
            problems.push({
                field,
                message: `${at}.name ${JSON.stringify(user?.name)} is not a DNS-1123 label of at most 50 characters; expected e.g. "sprint-service"`,
            });
            return;
        }
        if (user.name === "default" || user.name === ADMIN_USER) {
            problems.push({ field, message: `${at}.name "${user.name}" is reserved; expected a service's own name` });
            return;
        }
        if (seen.has(user.name)) {
            problems.push({ field, message: `${at}.name "${user.name}" is listed twice` });
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
                field,
                message: `${at}.roles ${JSON.stringify(roles)} is not a non-empty list of ${ROLES.map((r) => `"${r}"`).join(", ")}`,
            });
            return;
        }
        users.push({ name: user.name, roles: [...new Set(roles as Role[])] });
    });
    return { users, problems };
}

/** A password set by the user: at least 16 characters without white space. The message never shows the value. */
export function checkPassword(user: string, value: unknown, field: string): Problem[] {
    if (typeof value !== "string" || value.length < 16 || /\s/.test(value)) {
        return [
            {
                field,
                message: `the password of ${user} is not a string of at least 16 characters without white space`,
            },
        ];
    }
    return [];
}

/** Passwords may be set only for the users there are: the admin and the service users. */
export function checkPasswordUsers(names: readonly string[], users: readonly ServiceUser[], field: string): Problem[] {
    const known = [ADMIN_USER, ...users.map((u) => u.name)];
    return names
        .filter((name) => !known.includes(name))
        .map((name) => ({
            field,
            message: `names ${JSON.stringify(name)}, which is not a user; expected one of ${known.join(", ")}`,
        }));
}
