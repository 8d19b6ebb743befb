/**
 * `npm run dead-letters` on a real redis-server with the rendered redis.conf and ACL file, as the admin it connects
 * as: dead letters moved there by the rendered retention run (its run.sh and dead-letter.lua, through redis-cli),
 * then listed, replayed and dropped by the command's own functions. A poison entry's delivery count and idle time
 * are set with XCLAIM's RETRYCOUNT and IDLE, as failed deliveries and the passing of time would set them.
 */
import * as assert from "assert";
import Redis from "ioredis";
import { readCommandLine, CommandLine, UsageError } from "../../ops/lib/command-line";
import {
    DEAD_LETTERS_COMMAND,
    DeadLetterRequest,
    readDeadLetterRequest,
    runDeadLetterRequest,
} from "../../ops/dead-letters";
import { REPLAYED_FROM_FIELD, listDeadLetters } from "../../ops/lib/dead-letter-ops";
import { publish } from "../../testbed/bus-traffic";
import { RenderedRedis, startRenderedRedis } from "../helpers/rendered-redis";

const STREAM = "dsm:events";
const DEAD = "dsm:events:dead";
const GROUPS = ["sprint-service", "backlog-service"];
const POLICY = { deadLetterDeliveries: "5", deadLetterIdleSeconds: "600" };

type Entries = Array<[string, string[]]>;

const request = (argv: string[]): DeadLetterRequest =>
    readDeadLetterRequest(readCommandLine(DEAD_LETTERS_COMMAND, argv) as CommandLine);

/** What a run printed, stdout and stderr apart. */
function recorder() {
    const printed = { out: "", error: "" };
    return { printed, output: { out: (t: string) => (printed.out += t), error: (t: string) => (printed.error += t) } };
}

async function pending(admin: Redis, group: string): Promise<Array<[string, string, number, number]>> {
    return (await admin.xpending(STREAM, group, "-", "+", 1000)) as Array<[string, string, number, number]>;
}

describe("npm run dead-letters's command line", () => {
    it("reads the action, the IDs and the flags", () => {
        assert.deepStrictEqual(request(["replay", "1-0", "2-5", "--group=sprint-service"]), {
            action: "replay",
            ids: ["1-0", "2-5"],
            group: "sprint-service",
            append: false,
            json: false,
        });
        assert.deepStrictEqual(request(["drop", "--all"]).ids, undefined);
        assert.strictEqual(request(["list", "--json"]).json, true);
    });

    for (const [argv, says] of [
        [["purge"], /the action is one of list, replay, drop; got "purge"/],
        [["replay"], /replay needs the dead letters' IDs, or --all/],
        [["drop", "1-0", "--all"], /give IDs or --all, not both/],
        [["list", "--all"], /--all is for replay and drop/],
        [["replay", "latest"], /"latest" is not a dead letter's ID: a stream ID MS-SEQ/],
        [["drop", "1-0", "--append"], /--append is for replay only/],
    ] as const) {
        it(`refuses ${argv.join(" ")}, saying what it takes`, () => {
            assert.throws(
                () => request([...argv]),
                (e: unknown) => e instanceof UsageError && says.test(e.message),
            );
        });
    }
});

describe("npm run dead-letters on a real redis-server, on dead letters the rendered retention run moved", function () {
    this.timeout(60_000);
    let redis: RenderedRedis;
    let admin: Redis;
    let ids: string[];

    /** Ten events, read by both groups; the backlog service acknowledges all, the sprint service all but `poison`. */
    async function start(config: Record<string, string>, poison: number[]): Promise<void> {
        redis = await startRenderedRedis({ ...POLICY, ...config });
        await redis.provision(GROUPS);
        admin = await redis.connect("dsm-admin");
        ids = await publish(admin, STREAM, 10, ["type", "TASK_UPDATED", "taskId", "task-7"]);
        for (const group of GROUPS) await admin.xreadgroup("GROUP", group, `${group}-1`, "STREAMS", STREAM, ">");
        const kept = poison.map((i) => ids[i]);
        await admin.xack(STREAM, "sprint-service", ...ids.filter((id) => !kept.includes(id)));
        await admin.xack(STREAM, "backlog-service", ...ids);
        for (const id of kept) {
            await admin.call(
                "XCLAIM",
                STREAM,
                "sprint-service",
                "sprint-service-1",
                "0",
                id,
                "IDLE",
                600_000,
                "RETRYCOUNT",
                7,
                "JUSTID",
            );
        }
        await redis.retentionJob().run();
        assert.strictEqual(await admin.xlen(DEAD), poison.length, "the retention run moved the poison entries");
    }
    afterEach(() => redis.stop());

    it("lists each dead letter with its group, consumer, deliveries, age and entry; as JSON too", async () => {
        await start({}, [3]);
        const { printed, output } = recorder();
        const [letter] = await listDeadLetters(admin, STREAM);
        const code = await runDeadLetterRequest(admin, STREAM, request(["list"]), output, letter.movedAt + 5 * 60_000);
        assert.strictEqual(code, 0);
        const row = printed.out.split("\n")[2];
        assert.match(
            row,
            new RegExp(
                `^${letter.id}\\s+sprint-service\\s+sprint-service-1\\s+7\\s+5 min\\s+${ids[3]}\\s+type=TASK_UPDATED taskId=task-7$`,
            ),
        );
        const json = recorder();
        await runDeadLetterRequest(admin, STREAM, request(["list", "--json"]), json.output);
        assert.deepStrictEqual(JSON.parse(json.printed.out), [{ ...letter }]);
        const none = recorder();
        await runDeadLetterRequest(admin, STREAM, request(["list", "--group", "backlog-service"]), none.output);
        assert.strictEqual(none.printed.out, "No dead letters in dsm:events for backlog-service.\n");
    });

    it("replays a dead letter to its group only: pending again for its consumer, and no other group sees it", async () => {
        await start({}, [3]);
        const [letter] = await listDeadLetters(admin, STREAM);
        const length = await admin.xlen(STREAM);
        const { printed, output } = recorder();
        assert.strictEqual(await runDeadLetterRequest(admin, STREAM, request(["replay", letter.id]), output), 0);
        assert.match(
            printed.out,
            new RegExp(
                `replayed ${letter.id}: entry ${ids[3]} is pending again in sprint-service, for sprint-service-1`,
            ),
        );
        assert.strictEqual(await admin.xlen(DEAD), 0, "no longer a dead letter");
        assert.strictEqual(await admin.xlen(STREAM), length, "nothing was added to the stream");
        const owed = await pending(admin, "sprint-service");
        assert.deepStrictEqual(
            owed.map(([id, consumer, , deliveries]) => [id, consumer, deliveries]),
            [[ids[3], "sprint-service-1", 0]],
        );
        // The consumer gets it again reading its own pending entries, as a consumer does when it starts.
        const again = (await admin.xreadgroup(
            "GROUP",
            "sprint-service",
            "sprint-service-1",
            "STREAMS",
            STREAM,
            "0",
        )) as Array<[string, Entries]>;
        assert.deepStrictEqual(
            again[0][1].map(([id]) => id),
            [ids[3]],
        );
        // The other group neither owes it nor is delivered it.
        assert.deepStrictEqual(await pending(admin, "backlog-service"), []);
        assert.strictEqual(
            await admin.xreadgroup("GROUP", "backlog-service", "backlog-service-1", "STREAMS", STREAM, ">"),
            null,
        );
        // With a delivery count of 0, the next retention run leaves it where it is.
        await redis.retentionJob().run();
        assert.strictEqual(await admin.xlen(DEAD), 0);
    });

    it("refuses to replay one whose entry retention trimmed, unless --append, which adds it for every group", async () => {
        await start({ retentionMinEntries: "0", retentionMaxAgeSeconds: "0" }, [3]);
        assert.strictEqual(await admin.xlen(STREAM), 0, "the run trimmed past the moved entry");
        const [letter] = await listDeadLetters(admin, STREAM);
        const refused = recorder();
        assert.strictEqual(await runDeadLetterRequest(admin, STREAM, request(["replay", "--all"]), refused.output), 1);
        assert.match(refused.printed.error, /no longer in dsm:events \(retention trimmed it\).*--append adds it/);
        assert.strictEqual(await admin.xlen(DEAD), 1, "the dead letter stays");
        const appended = recorder();
        assert.strictEqual(
            await runDeadLetterRequest(admin, STREAM, request(["replay", letter.id, "--append"]), appended.output),
            0,
        );
        const entries = (await admin.xrange(STREAM, "-", "+")) as Entries;
        assert.deepStrictEqual(
            entries.map(([, fields]) => fields),
            [[REPLAYED_FROM_FIELD, ids[3], "type", "TASK_UPDATED", "taskId", "task-7"]],
        );
        assert.match(appended.printed.out, new RegExp(`appended to dsm:events as ${entries[0][0]}, for every group`));
        assert.strictEqual(await admin.xlen(DEAD), 0);
    });

    it("drops the dead letters of one group; refuses an ID that names none, changing nothing", async () => {
        await start({}, [2, 5]);
        const unknown = recorder();
        await assert.rejects(
            runDeadLetterRequest(admin, STREAM, request(["drop", "1-1"]), unknown.output),
            /no dead letter 1-1 in dsm:events:dead/,
        );
        assert.strictEqual(await admin.xlen(DEAD), 2);
        const { printed, output } = recorder();
        assert.strictEqual(
            await runDeadLetterRequest(admin, STREAM, request(["drop", "--all", "--group", "sprint-service"]), output),
            0,
        );
        assert.match(printed.out, /2 dropped, 0 refused\.\n$/);
        assert.strictEqual(await admin.xlen(DEAD), 0);
        assert.deepStrictEqual(await pending(admin, "sprint-service"), [], "dropped, not replayed");
    });

    it("stopped between any two of its commands, leaves every dead letter in exactly one place", async () => {
        for (let stopAfter = 0; stopAfter <= 3; stopAfter++) {
            await start({}, [1, 4, 7]);
            const letters = await listDeadLetters(admin, STREAM);
            // The connection is lost after `stopAfter` commands: the next one fails, as if the command were killed.
            let sent = 0;
            const stopping = new Proxy(admin, {
                get(target, property, receiver) {
                    const value: unknown = Reflect.get(target, property, receiver);
                    if (typeof value !== "function") return value;
                    return (...args: unknown[]) => {
                        if (property !== "xrange" && sent++ >= stopAfter)
                            return Promise.reject(new Error("connection lost"));
                        return (value as (...a: unknown[]) => unknown).apply(target, args);
                    };
                },
            });
            await runDeadLetterRequest(stopping, STREAM, request(["replay", "--all"]), recorder().output).catch(
                () => undefined,
            );
            const stillDead = new Set((await listDeadLetters(admin, STREAM)).map((l) => l.originalId));
            const owed = new Set((await pending(admin, "sprint-service")).map(([id]) => id));
            for (const letter of letters) {
                assert.notStrictEqual(
                    stillDead.has(letter.originalId),
                    owed.has(letter.originalId),
                    `after ${stopAfter} commands, entry ${letter.originalId} is ${stillDead.has(letter.originalId) ? "in both places" : "in neither place"}`,
                );
            }
            assert.strictEqual(stillDead.size, 3 - stopAfter, `after ${stopAfter} commands`);
            await redis.stop();
        }
    });
});
