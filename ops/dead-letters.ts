/**
 * `npm run dead-letters -- list | replay ID… | drop ID…`: the dead letters of the stack's bus, the poison entries the
 * retention run moved out of their group's way, through the port-forward, as the admin; `--help` for the flags.
 */
import "./lib/node-check";
import type Redis from "ioredis";
import { withSession } from "../components";
import { busConnection, busTargetOf } from "./lib/bus-connection";
import { Command, CommandLine, CommandOutput, JSON_FLAG, UsageError, runCommandLine } from "./lib/command-line";
import {
    DeadLetter,
    DeadLetterRefusal,
    dropDeadLetter,
    listDeadLetters,
    replayDeadLetter,
} from "./lib/dead-letter-ops";
import { STACK_FLAG, openCommandStack, reportFailure } from "./lib/stack-command";
import { table } from "./lib/table";

export const DEAD_LETTERS_COMMAND: Command = {
    name: "npm run dead-letters",
    summary:
        "Lists the stack's dead letters (entries a group kept failing on, moved aside by the retention run), replays them to the group they came from, or drops them. Each replay and drop is atomic, one dead letter at a time.",
    flags: {
        stack: STACK_FLAG,
        group: { type: "string", value: "GROUP", description: "Only the dead letters of this consumer group." },
        all: { type: "boolean", description: "replay or drop every dead letter (of --group, when given)." },
        append: {
            type: "boolean",
            description:
                "replay a dead letter whose entry retention has trimmed as a new entry, with its fields and dead-letter:replayed-from; every group is delivered it.",
        },
        json: JSON_FLAG,
    },
    operands: {
        usage: "list [ID…] | replay (ID… | --all) | drop (ID… | --all)",
        description:
            "What to do, and the dead letters' IDs as list prints them. replay makes the group owe the entry again: it is pending for the consumer it was pending for, with a delivery count of 0, and no other group sees it again.",
        min: 1,
        max: Number.MAX_SAFE_INTEGER,
    },
    examples: [
        "npm run dead-letters -- list",
        "npm run dead-letters -- list --group backlog-service-group --json",
        "npm run dead-letters -- replay 1764770000000-0 --stack prod",
        "npm run dead-letters -- drop --all --group sprint-service-group",
    ],
};

const ACTIONS = ["list", "replay", "drop"] as const;
type Action = (typeof ACTIONS)[number];

export interface DeadLetterRequest {
    readonly action: Action;
    /** The dead letters named, or undefined for all (list, or --all). */
    readonly ids?: readonly string[];
    readonly group?: string;
    readonly append: boolean;
    readonly json: boolean;
}

const STREAM_ID = /^\d+-\d+$/;

/** The request a command line makes; a UsageError names what is wrong and the accepted form. */
export function readDeadLetterRequest({ flags, operands }: CommandLine): DeadLetterRequest {
    const [action, ...ids] = operands;
    if (!(ACTIONS as readonly string[]).includes(action)) {
        throw new UsageError(`the action is one of ${ACTIONS.join(", ")}; got ${JSON.stringify(action)}`);
    }
    const bad = ids.find((id) => !STREAM_ID.test(id));
    if (bad !== undefined) {
        throw new UsageError(`${JSON.stringify(bad)} is not a dead letter's ID: a stream ID MS-SEQ, as list prints it`);
    }
    const all = flags.all === true;
    if (action !== "list" && ids.length === 0 && !all) {
        throw new UsageError(`${action} needs the dead letters' IDs, or --all`);
    }
    if (all && (action === "list" || ids.length > 0)) {
        throw new UsageError(
            action === "list" ? "--all is for replay and drop: list shows all" : "give IDs or --all, not both",
        );
    }
    if (flags.append === true && action !== "replay") throw new UsageError("--append is for replay only");
    return {
        action: action as Action,
        ids: ids.length > 0 ? ids : undefined,
        group: typeof flags.group === "string" ? flags.group : undefined,
        append: flags.append === true,
        json: flags.json === true,
    };
}

/** How long ago, in the largest whole unit: `3 d`, `5 h`, `12 min`, `40 s`. */
function ageOf(milliseconds: number): string {
    const seconds = Math.max(0, Math.floor(milliseconds / 1000));
    if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)} d`;
    if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h`;
    if (seconds >= 60) return `${Math.floor(seconds / 60)} min`;
    return `${seconds} s`;
}

/** An event's fields in one short cell. */
function fieldsOf(letter: DeadLetter): string {
    if (letter.missing) return "(gone when moved)";
    const pairs: string[] = [];
    for (let i = 0; i + 1 < letter.fields.length; i += 2) pairs.push(`${letter.fields[i]}=${letter.fields[i + 1]}`);
    const text = pairs.join(" ");
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Runs a request on a bus: prints what it did, a line per dead letter as it goes (so that a command stopped midway
 * has said what it had done), and each refusal on stderr. Exit 0, or 1 when a dead letter was refused.
 */
export async function runDeadLetterRequest(
    client: Redis,
    stream: string,
    request: DeadLetterRequest,
    output: Pick<CommandOutput, "out" | "error">,
    now = Date.now(),
): Promise<number> {
    const letters = await listDeadLetters(client, stream, request);
    if (request.action === "list") {
        if (request.json) {
            output.out(`${JSON.stringify(letters, null, 2)}\n`);
        } else if (letters.length === 0) {
            output.out(`No dead letters in ${stream}${request.group === undefined ? "" : ` for ${request.group}`}.\n`);
        } else {
            const rows = letters.map((l) => [
                l.id,
                l.group,
                l.consumer,
                String(l.deliveries),
                ageOf(now - l.movedAt),
                l.originalId,
                fieldsOf(l),
            ]);
            output.out(
                `${table(["dead letter", "group", "consumer", "deliveries", "age", "entry", "fields"], rows)}\n`,
            );
        }
        return 0;
    }
    const done: Array<Record<string, string>> = [];
    let refused = 0;
    for (const letter of letters) {
        try {
            if (request.action === "drop") {
                await dropDeadLetter(client, stream, letter);
                done.push({ deadLetter: letter.id, group: letter.group, dropped: letter.originalId });
                if (!request.json) output.out(`dropped ${letter.id} (entry ${letter.originalId} of ${letter.group})\n`);
                continue;
            }
            const replayed = await replayDeadLetter(client, stream, letter, request.append);
            const to = replayed.to === "pending" ? "pending" : replayed.to.appended;
            done.push({ deadLetter: letter.id, group: letter.group, entry: letter.originalId, to });
            if (!request.json) {
                output.out(
                    replayed.to === "pending"
                        ? `replayed ${letter.id}: entry ${letter.originalId} is pending again in ${letter.group}, for ${letter.consumer}\n`
                        : `replayed ${letter.id}: entry ${letter.originalId} appended to ${stream} as ${to}, for every group\n`,
                );
            }
        } catch (error) {
            if (!(error instanceof DeadLetterRefusal)) throw error;
            refused++;
            output.error(`refused: ${error.message}\n`);
        }
    }
    const verb = request.action === "drop" ? "dropped" : "replayed";
    if (request.json) output.out(`${JSON.stringify({ [verb]: done, refused }, null, 2)}\n`);
    else output.out(`${done.length} ${verb}, ${refused} refused.\n`);
    return refused > 0 ? 1 : 0;
}

/** How long the command waits for Redis to answer. */
const CONNECT_SECONDS = 60;

if (require.main === module) {
    runCommandLine(
        DEAD_LETTERS_COMMAND,
        async (line, output) => {
            const request = readDeadLetterRequest(line);
            const stack = await openCommandStack(line.flags, output);
            const target = await busTargetOf(stack);
            output.progress(`connecting to Redis in ${target.namespace} through the Kubernetes API`);
            return withSession(
                await busConnection(target),
                { timeoutSeconds: CONNECT_SECONDS, log: output.progress },
                ({ client }) => runDeadLetterRequest(client, target.stream, request, output),
            );
        },
        (error, output) =>
            reportFailure(error instanceof DeadLetterRefusal ? new UsageError(error.message) : error, output.error),
    );
}
