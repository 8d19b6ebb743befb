/** The inputs of RedisAclUsers, and how a change of them becomes ACL commands. Pure. */
import type { AclRule } from "../render/acl";
import { CheckFailure, Connection, UNKNOWN, checkConnection } from "../stream-groups/inputs";

export interface AclUsersInputs {
    /** Every user's rules, as the ACL file has them. Secret: they hold password hashes. */
    readonly users: readonly AclRule[];
    readonly connection: Connection;
    readonly readinessTimeoutSeconds: number;
}

const USER_NAME = /^[\x21-\x7e]+$/;

export function checkAclUsersInputs(news: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const users = news.users;
    if (users !== UNKNOWN) {
        if (!Array.isArray(users) || users.length === 0) {
            failures.push({ property: "users", reason: "must list at least one user with its rules" });
        } else {
            users.forEach((rule: unknown, i) => {
                const { user, rules } = (rule ?? {}) as { user?: unknown; rules?: unknown };
                if (typeof user !== "string" || !USER_NAME.test(user)) {
                    failures.push({ property: `users[${i}].user`, reason: "must be a user name without spaces" });
                }
                if (!Array.isArray(rules) || !rules.every((r) => typeof r === "string" && USER_NAME.test(r))) {
                    failures.push({
                        property: `users[${i}].rules`,
                        reason: "must be a list of ACL rules without spaces",
                    });
                }
            });
        }
    }
    checkConnection(news.connection, failures);
    const timeout = news.readinessTimeoutSeconds;
    if (timeout !== UNKNOWN && (typeof timeout !== "number" || !(timeout > 0) || timeout > 3600)) {
        failures.push({
            property: "readinessTimeoutSeconds",
            reason: "must be a number of seconds above 0 and at most 3600",
        });
    }
    return failures;
}

/** What an update must do: the users whose rules are new or changed, and the users that are gone. */
export interface AclChanges {
    readonly set: readonly AclRule[];
    readonly remove: readonly string[];
}

export function aclChanges(olds: readonly AclRule[], news: readonly AclRule[]): AclChanges {
    const before = new Map(olds.map((r) => [r.user, r.rules.join(" ")]));
    const names = new Set(news.map((r) => r.user));
    return {
        set: news.filter((r) => before.get(r.user) !== r.rules.join(" ")),
        remove: olds.map((r) => r.user).filter((user) => !names.has(user)),
    };
}

/**
 * The commands that apply the changes: `ACL SETUSER <user> reset <rules…>` leaves the user exactly as the ACL file
 * describes it, whatever it was before, and keeps its open connections (which take the new permissions at once);
 * `ACL DELUSER` closes the removed users' connections.
 */
export function aclCommands(changes: AclChanges): string[][] {
    return [
        ...changes.set.map((r) => ["SETUSER", r.user, "reset", ...r.rules]),
        ...(changes.remove.length > 0 ? [["DELUSER", ...changes.remove]] : []),
    ];
}
