/**
 * The dynamic provider behind RedisStreamGroups. Pulumi serializes this object into the state and runs that copy for
 * refresh and delete, so it captures no live object: ioredis and the Kubernetes client are required inside the
 * functions it calls, and credentials reach it only as inputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { asCheckFailures } from "../problems";
import { groupChanges, diffInputs } from "./diff";
import { GroupSpec, StreamGroupsInputs, checkInputs, withDefaults } from "./inputs";
import { createGroups, deleteStream, destroyGroupsWithoutPending, readGroups } from "./redis-ops";
import { WaitOptions, withSession } from "../redis-link/session";

/** Progress goes to the engine's log, which shows it under the resource during `pulumi up`. */
function waitOptions(inputs: StreamGroupsInputs): WaitOptions {
    return {
        timeoutSeconds: inputs.readinessTimeoutSeconds,
        log: (message) => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            void (require("@pulumi/pulumi") as typeof pulumi).log.info(message);
        },
    };
}

/** The outputs: the inputs as stored (defaults filled in), without the provider's own key. */
function outputsOf(inputs: StreamGroupsInputs): Record<string, unknown> {
    return {
        stream: inputs.stream,
        groups: inputs.groups,
        connection: inputs.connection,
        readinessTimeoutSeconds: inputs.readinessTimeoutSeconds,
        deleteStreamOnDelete: inputs.deleteStreamOnDelete,
    };
}

export const streamGroupsProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
        const failures = checkInputs(news);
        return failures.length > 0
            ? { inputs: news, failures: asCheckFailures(failures) }
            : { inputs: withDefaults(news) };
    },

    async diff(_id: string, olds: StreamGroupsInputs, news: StreamGroupsInputs) {
        return diffInputs(olds, news);
    },

    async create(raw: Record<string, unknown>) {
        const inputs = withDefaults(raw);
        await withSession(inputs.connection, waitOptions(inputs), ({ client }) =>
            createGroups(client, inputs.stream, inputs.groups),
        );
        return { id: inputs.stream, outs: outputsOf(inputs) };
    },

    async read(id: string, props: StreamGroupsInputs) {
        const inputs = withDefaults(props as unknown as Record<string, unknown>);
        const existing = await withSession(inputs.connection, waitOptions(inputs), ({ client }) =>
            readGroups(client, inputs.stream),
        );
        // Only the groups this resource manages: others on the same stream belong to someone else.
        const names = new Set(existing.map((g) => g.name));
        const groups: GroupSpec[] = inputs.groups.filter((g) => names.has(g.name));
        return { id, props: { ...outputsOf(inputs), groups } };
    },

    async update(_id: string, olds: StreamGroupsInputs, raw: StreamGroupsInputs) {
        const news = withDefaults(raw as unknown as Record<string, unknown>);
        const { add, remove } = groupChanges(olds.groups ?? [], news.groups);
        // A change of connection, timeout or startId alone writes nothing: the stored state is all that changes.
        if (add.length > 0 || remove.length > 0) {
            await withSession(news.connection, waitOptions(news), async ({ client }) => {
                // Removal first and all-or-nothing: a refusal leaves the stream exactly as it was.
                await destroyGroupsWithoutPending(client, news.stream, remove, "all-or-nothing");
                await createGroups(client, news.stream, add);
            });
        }
        return { outs: outputsOf(news) };
    },

    async delete(_id: string, props: StreamGroupsInputs) {
        const inputs = withDefaults(props as unknown as Record<string, unknown>);
        const wait = waitOptions(inputs);
        await withSession(inputs.connection, wait, async ({ client, endpoint }) => {
            if (inputs.deleteStreamOnDelete) {
                await deleteStream(client, inputs.stream);
                return;
            }
            // Events are data: the stream stays, and so does every group whose consumers still owe acknowledgements.
            const { kept } = await destroyGroupsWithoutPending(
                client,
                inputs.stream,
                inputs.groups.map((g) => g.name),
                "each",
            );
            for (const group of kept) {
                wait.log(
                    `kept group ${group.name} on ${inputs.stream} at ${endpoint}: ${group.pending} entries still pending`,
                );
            }
        });
    },
};
