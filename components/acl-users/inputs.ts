/** The inputs of RedisAclUsers, and how a change of them becomes ACL commands. Pure. */
import type { AclRule } from "../render/acl";
import { isUnknown } from "../../k8s-grammar/unknown-values";
import type { Problem } from "../problems";
import { Connection, checkConnection } from "../redis-link/connection";

export interface AclUsersInputs {
    /** Every user's rules, as the ACL file has them. Secret: they hold password hashes. */
    readonly users: readonly AclRule[];
    readonly connection: Connection;
    readonly readinessTimeoutSeconds: number;
}

const USER_NAME = /^[\x21-\x7e]+$/;

/**
 * One ACL rule as ACL SETUSER takes it: a word, or a selector, words in parentheses (Redis 7), which ACL SETUSER
 * takes as one argument.
 */
const ACL_RULE = /^(?:[\x21-\x27\x2a-\x7e]+|\((?:[\x21-\x27\x2a-\x7e]+ )*[\x21-\x27\x2a-\x7e]+\))$/;

export function checkAclUsersInputs(news: Record<string, unknown>): Problem[] {
    const failures: Problem[] = [];
    const users = news.users;
    if (!isUnknown(users)) {
        if (!Array.isArray(users) || users.length === 0) {
            failures.push({ field: "users", message: "must list at least one user with its rules" });
        } else {
            users.forEach((rule: unknown, i) => {
                const { user, rules } = (rule ?? {}) as { user?: unknown; rules?: unknown };
                if (typeof user !== "string" || !USER_NAME.test(user)) {
                    failures.push({ field: `users[${i}].user`, message: "must be a user name without spaces" });
                }
                if (!Array.isArray(rules) || !rules.every((r) => typeof r === "string" && ACL_RULE.test(r))) {
                    failures.push({
                        field: `users[${i}].rules`,
                        message:
                            'must be a list of ACL rules, each a word without spaces or a selector of words in parentheses, e.g. "+get" or "(~app:* +set)"',
                    });
                }
            });
        }
    }
    checkConnection(news.connection, failures);
    const timeout = news.readinessTimeoutSeconds;
    if (!isUnknown(timeout) && (typeof timeout !== "number" || !(timeout > 0) || timeout > 3600)) {
        failures.push({
            field: "readinessTimeoutSeconds",
            message: "must be a number of seconds above 0 and at most 3600",
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
