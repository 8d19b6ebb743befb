import * as assert from "assert";
import { ImageReferenceError, parseImageReference, unpinnedReason } from "../../k8s-grammar/image-reference";

const SHA = "a".repeat(64);

describe("parseImageReference", () => {
    const normalised: Array<[string, string, string | undefined, string | undefined]> = [
        ["redis:7.2-alpine", "docker.io/library/redis", "7.2-alpine", undefined],
        ["docker.io/redis:7.2-alpine", "docker.io/library/redis", "7.2-alpine", undefined],
        ["docker.io/library/redis:7.2-alpine", "docker.io/library/redis", "7.2-alpine", undefined],
        ["index.docker.io/library/redis:7.2", "docker.io/library/redis", "7.2", undefined],
        ["bitnami/redis:7.2", "docker.io/bitnami/redis", "7.2", undefined],
        ["localhost:5000/redis", "localhost:5000/redis", undefined, undefined],
        ["localhost/redis:1", "localhost/redis", "1", undefined],
        ["registry.example.com:5000/team/redis:7.2", "registry.example.com:5000/team/redis", "7.2", undefined],
        ["[::1]:5000/redis:7", "[::1]:5000/redis", "7", undefined],
        [`redis@sha256:${SHA}`, "docker.io/library/redis", undefined, `sha256:${SHA}`],
        [`redis:7.2@sha256:${SHA}`, "docker.io/library/redis", "7.2", `sha256:${SHA}`],
        ["ghcr.io/a__b/c-d.e_f:v1", "ghcr.io/a__b/c-d.e_f", "v1", undefined],
        // A dot makes a first component a registry only when a slash follows it; upper case makes one too.
        ["my.redis:1", "docker.io/library/my.redis", "1", undefined],
        ["Registry/redis:1", "Registry/redis", "1", undefined],
        ["a".repeat(255), `docker.io/library/${"a".repeat(255)}`, undefined, undefined],
    ];
    for (const [text, repository, tag, digest] of normalised) {
        it(`reads ${text}`, () => {
            const ref = parseImageReference(text);
            assert.deepStrictEqual([ref.repository, ref.tag, ref.digest], [repository, tag, digest]);
        });
    }

    const invalid: Array<[string, RegExp]> = [
        ["", /^"" is not a valid image reference: it is empty$/],
        ["redis:", /tag after ":" is empty/],
        ["Redis:7", /must be lower case/],
        ["redis:-bad", /does not match/],
        [`redis:${"a".repeat(129)}`, /does not match/],
        ["redis@sha256:abc", /exactly 64 lower-case hex characters \(got 3/],
        [`redis@sha256:${"A".repeat(64)}`, /lower-case hex/],
        [`redis@md5:${"a".repeat(32)}`, /not one of sha256/],
        ["redis@", /not of the form algorithm:hex/],
        ["redis@sha256", /not of the form/],
        ["re dis:7", /white space/],
        ["redis//x:1", /path component ""/],
        ["-redis:1", /path component/],
        ["reg-.io/redis:1", /registry "reg-\.io"/],
        [":7", /repository name is empty/],
        // Valid at the start, invalid at the end: each pattern is anchored at both ends.
        ["redis_:1", /path component "redis_"/],
        ["team/redis-:1", /path component "redis-"/],
        [`redis@sha256:${"a".repeat(63)}g`, /lower-case hex/],
        [`redis@sha256:g${"a".repeat(63)}`, /lower-case hex/],
        ["reg.io:5000x/redis:1", /registry "reg\.io:5000x"/],
        ["reg.io:x5000/redis:1", /registry/],
        ["redis:7.2!", /does not match/],
        [`redis@sha256+:${"a".repeat(64)}`, /the digest algorithm "sha256\+" is malformed/],
        ["a".repeat(256), /longer than 255/],
    ];
    for (const [text, reason] of invalid) {
        it(`rejects ${JSON.stringify(text.slice(0, 40))}`, () => {
            assert.throws(
                () => parseImageReference(text),
                (e: unknown) => e instanceof ImageReferenceError && reason.test(e.message),
            );
        });
    }
});

describe("parseImageReference's errors", () => {
    it("are ImageReferenceErrors by name too, and say a missing reference is empty", () => {
        for (const text of [undefined, null, ""]) {
            assert.throws(
                () => parseImageReference(text as unknown as string),
                (e: unknown) =>
                    e instanceof ImageReferenceError &&
                    e.name === "ImageReferenceError" &&
                    /it is empty$/.test(e.message),
                String(text),
            );
        }
    });
});

describe("unpinnedReason", () => {
    it("is pinned with a tag other than latest, or with any valid digest", () => {
        assert.strictEqual(unpinnedReason(parseImageReference("redis:7.2-alpine")), undefined);
        assert.strictEqual(unpinnedReason(parseImageReference(`redis@sha256:${SHA}`)), undefined);
        assert.strictEqual(unpinnedReason(parseImageReference(`redis:latest@sha256:${SHA}`)), undefined);
    });
    it("is unpinned without a tag (registry ports are not tags) or with latest", () => {
        assert.match(unpinnedReason(parseImageReference("localhost:5000/redis")) ?? "", /no tag/);
        assert.match(unpinnedReason(parseImageReference("redis")) ?? "", /no tag/);
        assert.match(unpinnedReason(parseImageReference("redis:latest")) ?? "", /"latest"/);
    });
});
