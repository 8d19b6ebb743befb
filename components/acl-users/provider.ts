/**
 * The dynamic provider behind RedisAclUsers: it applies a change of the users (one added or removed, a password
 * rotated) to the running server, so that no such change needs a restart. Like the stream-groups provider, it is
 * serialized into the state: it captures no live object, and credentials reach it only as inputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { asCheckFailures } from "../problems";
import { errorMessage } from "../redis-link/error-message";
import { Connection } from "../stream-groups/inputs";
import { WaitOptions, withSession } from "../redis-link/session";
import { AclUsersInputs, aclChanges, aclCommands, checkAclUsersInputs } from "./inputs";

function waitOptions(inputs: AclUsersInputs): WaitOptions {
    return {
        timeoutSeconds: inputs.readinessTimeoutSeconds,
        log: (message) => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            void (require("@pulumi/pulumi") as typeof pulumi).log.info(message);
        },
    };
}

/** Sends the ACL commands in one pipeline, failing with the first error reply. */
async function apply(connection: Connection, wait: WaitOptions, commands: string[][]): Promise<void> {
    if (commands.length === 0) return;
    await withSession(connection, wait, async ({ client }) => {
        const pipeline = client.pipeline();
        for (const [subcommand, ...args] of commands) pipeline.call("ACL", subcommand, ...args);
        for (const [error] of (await pipeline.exec()) ?? []) {
            if (error) throw new Error(`ACL ${commands[0][0]} failed: ${errorMessage(error)}`);
        }
    });
}

export const aclUsersProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
        const failures = checkAclUsersInputs(news);
        return failures.length > 0 ? { inputs: news, failures: asCheckFailures(failures) } : { inputs: news };
    },

    async diff(_id: string, olds: AclUsersInputs, news: AclUsersInputs) {
        // At preview, users whose password is not generated yet are unknown: a change, whatever it turns out to be.
        if (!Array.isArray(news.users)) return { changes: true, replaces: [], deleteBeforeReplace: false };
        const { set, remove } = aclChanges(olds.users ?? [], news.users);
        return { changes: set.length > 0 || remove.length > 0, replaces: [], deleteBeforeReplace: false };
    },

    /** The server loaded these users from the ACL file when it started; setting them again makes sure. */
    async create(inputs: AclUsersInputs) {
        await apply(inputs.connection, waitOptions(inputs), aclCommands(aclChanges([], inputs.users)));
        return { id: "acl-users", outs: inputs };
    },

    /**
     * Connects with the credentials the server has now (the old ones), and sets what changed. When the admin's own
     * password is rotated, the server may already have the new one (a pod that started with the new ACL file in the
     * same update), so the new credentials are tried when the old ones are refused.
     */
    async update(_id: string, olds: AclUsersInputs, news: AclUsersInputs) {
        const commands = aclCommands(aclChanges(olds.users ?? [], news.users));
        const wait = waitOptions(news);
        try {
            await apply(olds.connection ?? news.connection, wait, commands);
        } catch (error) {
            if (!/refused the credentials/.test(errorMessage(error))) throw error;
            await apply(news.connection, wait, commands);
        }
        return { outs: news };
    },

    /** Nothing to undo: the users are the ACL file's, and leave with the server. */
    async delete() {},
};
