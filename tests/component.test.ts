import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { DsmRedis, DsmRedisArgs, InvalidSettingsError } from "../components";
import { MOCKS } from "./helpers/mocks";
import { registrationsSettled, resolve } from "./helpers/program";

describe("DsmRedis arguments", () => {
    const registered: string[] = [];
    before(async () => {
        pulumi.runtime.setAllConfig({});
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push(args.name);
                    return MOCKS.newResource(args);
                },
                call: MOCKS.call,
            },
            "dsm-redis",
            "dev",
            false,
        );
    });

    /** The names registered under a component's name: itself and its children. */
    async function registeredUnder(name: string): Promise<string[]> {
        await registrationsSettled();
        return registered.filter((n) => n === name || n.startsWith(`${name}-`));
    }

    it("throws before creating children when a plain argument is invalid, naming the argument", () => {
        assert.throws(
            () =>
                new DsmRedis("bad", {
                    resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "500m", memory: "1Gi" } },
                }),
            (error: unknown) =>
                error instanceof InvalidSettingsError &&
                /resources\.requests\.cpu: the request "1" is above the limit "500m"/.test(error.message),
        );
    });

    const plainCases: Array<[string, DsmRedisArgs, RegExp]> = [
        [
            "a user that is not a DNS-1123 label",
            { users: [{ name: "Sprint_Service", roles: ["publish"] }] },
            /users: \[0\]\.name "Sprint_Service" is not a DNS-1123 label/,
        ],
        [
            "a reserved user",
            { users: [{ name: "dsm-admin", roles: ["consume"] }] },
            /users: \[0\]\.name "dsm-admin" is reserved/,
        ],
        [
            "a user without roles",
            { users: [{ name: "audit-service", roles: [] }] },
            /users: \[0\]\.roles \[\] is not a non-empty list/,
        ],
        [
            "a password for a user that does not exist",
            { passwords: { "audit-service": "a-long-enough-password-1" } },
            /passwords: names "audit-service", which is not a user/,
        ],
        [
            "a short password, without showing it",
            { passwords: { "sprint-service": "short pw" } },
            /passwords\.sprint-service: the password of sprint-service is not a string of at least 16 characters/,
        ],
        ["a stream outside dsm:*", { stream: "events" }, /stream: "events" is outside dsm:\*/],
        ["a storage size that is no quantity", { storageSize: "5GB" }, /storageSize: "5GB" is not valid/],
        [
            "a StorageClass that is no DNS name",
            { storageClass: "Fast SSD" },
            /storageClass: "Fast SSD" is not a StorageClass name/,
        ],
        [
            "a client namespace that is not a DNS-1123 label",
            { clientNamespaces: ["dsm", "DSM_Workers"] },
            /clientNamespaces\[1\]: "DSM_Workers" is not a DNS-1123 label/,
        ],
    ];
    for (const [what, args, message] of plainCases) {
        it(`throws before creating children for ${what}, naming the argument`, async () => {
            const name = `bad-${plainCases.findIndex(([w]) => w === what)}`;
            assert.throws(
                () => new DsmRedis(name, args),
                (error: unknown) => {
                    assert.ok(error instanceof InvalidSettingsError, String(error));
                    assert.match(error.message, message);
                    assert.ok(!error.message.includes("short pw"), "the password is not shown");
                    return true;
                },
            );
            // Only the component itself registered: no child exists for a half-built bus.
            assert.deepStrictEqual(await registeredUnder(name), [name]);
        });
    }

    it("validates an argument given as an Output once it resolves", async () => {
        const bus = new DsmRedis("late", { image: pulumi.output("redis:latest") });
        await assert.rejects(
            resolve(bus.deployment.spec.template.spec.containers.apply((c) => c[0].image)),
            /image: "redis:latest" is not pinned/,
        );
    });

    it("accepts valid Outputs", async () => {
        const bus = new DsmRedis("ok", { namespace: pulumi.output("dsm"), port: pulumi.output(6379) });
        assert.strictEqual(await resolve(bus.host), "redis.dsm.svc.cluster.local");
    });
});
