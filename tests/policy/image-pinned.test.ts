import * as assert from "assert";
import { imagePinned, parseAllowPattern } from "../../policy/image-pinned";
import { deployment, goodContainer, goodPod, messagesFor } from "../helpers/policy";

const SHA = "0".repeat(64);
const OPEN = { allowedImages: ["*"] };

async function imageMessages(image: unknown, config: Record<string, unknown> = OPEN): Promise<string[]> {
    return messagesFor(
        imagePinned,
        "kubernetes:apps/v1:Deployment",
        deployment(goodPod({ containers: [goodContainer({ image })] })),
        config,
    );
}

describe("image-pinned", () => {
    it("admits the bus's own image with the default config", async () => {
        assert.deepStrictEqual(await imageMessages("redis:7.2-alpine", {}), []);
        assert.deepStrictEqual(await imageMessages("docker.io/library/redis:7.2.5-alpine", {}), []);
    });

    it("names the resource, container, field, value and accepted form", async () => {
        const [message] = await imageMessages("redis:latest");
        assert.strictEqual(
            message.split(";")[0],
            'Deployment dsm/app, container "app": spec.template.spec.containers[0].image is "redis:latest": the image is not pinned: its tag is "latest"',
        );
        assert.match(message, /expected .*tag other than "latest"/);
    });

    const rejected: Array<[string, RegExp]> = [
        ["redis", /no tag, so it means ":latest"/],
        ["localhost:5000/redis", /no tag/], // a registry port is not a tag
        ["redis:", /tag after ":" is empty/],
        ["redis@sha256:abc", /exactly 64/],
        [`redis@sha256:${SHA.toUpperCase().replace(/0/g, "A")}`, /lower-case hex/],
        ["Redis:7.2", /lower case/],
    ];
    for (const [image, reason] of rejected) {
        it(`rejects ${image}`, async () => {
            const messages = await imageMessages(image);
            assert.strictEqual(messages.length, 1, messages.join("\n"));
            assert.match(messages[0], reason);
        });
    }

    it("accepts a digest with or without a tag (what is pulled is the digest)", async () => {
        assert.deepStrictEqual(await imageMessages(`redis@sha256:${SHA}`), []);
        assert.deepStrictEqual(await imageMessages(`redis:latest@sha256:${SHA}`), []);
        assert.deepStrictEqual(await imageMessages(`localhost:5000/redis:7@sha256:${SHA}`), []);
    });

    it("checks init and ephemeral containers too", async () => {
        const props = deployment(
            goodPod({
                initContainers: [goodContainer({ name: "init", image: "busybox" })],
                ephemeralContainers: [{ name: "debug", image: "busybox:latest" }],
            }),
        );
        const messages = await messagesFor(imagePinned, "kubernetes:apps/v1:Deployment", props, OPEN);
        assert.deepStrictEqual(
            messages.map((m) => m.split(":")[0] + ":" + m.split(":")[1]),
            [
                'Deployment dsm/app, container "init": spec.template.spec.initContainers[0].image is "busybox"',
                'Deployment dsm/app, container "debug": spec.template.spec.ephemeralContainers[0].image is "busybox',
            ],
        );
    });

    const kinds: Array<[string, Record<string, unknown>, string]> = [
        [
            "kubernetes:core/v1:Pod",
            { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "redis" }] } },
            "spec.containers[0].image",
        ],
        [
            "kubernetes:apps/v1:StatefulSet",
            deployment({ containers: [{ name: "c", image: "redis" }] }),
            "spec.template.spec.containers[0].image",
        ],
        [
            "kubernetes:apps/v1:DaemonSet",
            deployment({ containers: [{ name: "c", image: "redis" }] }),
            "spec.template.spec.containers[0].image",
        ],
        [
            "kubernetes:apps/v1:ReplicaSet",
            deployment({ containers: [{ name: "c", image: "redis" }] }),
            "spec.template.spec.containers[0].image",
        ],
        [
            "kubernetes:core/v1:ReplicationController",
            deployment({ containers: [{ name: "c", image: "redis" }] }),
            "spec.template.spec.containers[0].image",
        ],
        [
            "kubernetes:batch/v1:Job",
            deployment({ containers: [{ name: "c", image: "redis" }] }),
            "spec.template.spec.containers[0].image",
        ],
        [
            "kubernetes:batch/v1:CronJob",
            {
                spec: {
                    jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "redis" }] } } } },
                },
            },
            "spec.jobTemplate.spec.template.spec.containers[0].image",
        ],
        [
            "kubernetes:apps/v1:DeploymentPatch",
            deployment({ containers: [{ name: "c", image: "redis" }] }),
            "spec.template.spec.containers[0].image",
        ],
        [
            "kubernetes:batch/v1:CronJobPatch",
            {
                spec: {
                    jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "redis" }] } } } },
                },
            },
            "spec.jobTemplate.spec.template.spec.containers[0].image",
        ],
    ];
    for (const [type, props, field] of kinds) {
        it(`finds containers of ${type.split(":")[2]} at ${field}`, async () => {
            const messages = await messagesFor(imagePinned, type, props, OPEN);
            assert.strictEqual(messages.length, 1);
            assert.ok(messages[0].includes(`${field} is "redis"`), messages[0]);
        });
    }

    it("lets a patch leave the image unset, but not a Deployment", async () => {
        const props = deployment({ containers: [{ name: "c", resources: {} }] });
        assert.deepStrictEqual(await messagesFor(imagePinned, "kubernetes:apps/v1:DeploymentPatch", props, OPEN), []);
        assert.match(
            (await messagesFor(imagePinned, "kubernetes:apps/v1:Deployment", props, OPEN))[0],
            /needs an image/,
        );
    });

    it("enforces allowedImages after normalisation", async () => {
        const config = { allowedImages: ["redis:7.2*-alpine", "registry.example.com/dsm/*"] };
        assert.deepStrictEqual(await imageMessages("docker.io/library/redis:7.2.4-alpine", config), []);
        assert.deepStrictEqual(await imageMessages("registry.example.com/dsm/sprint-service:1.4.0", config), []);
        assert.match(
            (await imageMessages("redis:7.4-alpine", config))[0],
            /docker.io\/library\/redis:7.4-alpine is not in allowedImages/,
        );
        assert.match((await imageMessages("bitnami/redis:7.2-alpine", config))[0], /not in allowedImages/);
        assert.match((await imageMessages(`redis@sha256:${SHA}`, config))[0], /not in allowedImages/);
    });

    it("requires a digest when requireDigest is set", async () => {
        const config = { allowedImages: ["*"], requireDigest: true };
        assert.match(
            (await imageMessages("redis:7.2-alpine", config))[0],
            /requireDigest is set and the image has no digest/,
        );
        assert.deepStrictEqual(await imageMessages(`redis:7.2-alpine@sha256:${SHA}`, config), []);
    });

    it("skips an image that is unknown during preview, and checks the rest", async () => {
        const unknownString = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const props = deployment(
            goodPod({
                containers: [goodContainer({ image: unknownString }), goodContainer({ name: "b", image: "redis" })],
            }),
        );
        const messages = await messagesFor(imagePinned, "kubernetes:apps/v1:Deployment", props, OPEN);
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /container "b"/);
    });

    it("normalises allow patterns like references", () => {
        assert.ok(parseAllowPattern("redis").repository.test("docker.io/library/redis"));
        assert.ok(parseAllowPattern("docker.io/redis").repository.test("docker.io/library/redis"));
        assert.ok(!parseAllowPattern("redis").repository.test("docker.io/library/redis-stack"));
        assert.ok(parseAllowPattern("localhost:5000/redis").repository.test("localhost:5000/redis"));
    });
});
