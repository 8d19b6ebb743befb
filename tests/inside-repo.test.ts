/** `npm test` reads nothing beside the repository: the guard loaded before every suite refuses it. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPOSITORY, ReadBesideRepositoryError, isBesideRepository } from "./helpers/inside-repo";

describe("npm test stays inside the repository", () => {
    const shared = path.join(REPOSITORY, "..", "shared", "conformance", "kyverno", "cases.tsv");

    it("is guarded: a read of ../shared fails, however it is made", async () => {
        assert.throws(() => fs.readFileSync(shared), ReadBesideRepositoryError);
        assert.throws(() => fs.existsSync(path.join(REPOSITORY, "..", "shared")), ReadBesideRepositoryError);
        assert.throws(() => fs.readdirSync(path.dirname(shared)), ReadBesideRepositoryError);
        await assert.rejects(fs.promises.readFile(shared), ReadBesideRepositoryError);
    });

    it("allows the repository, the temp folder and system paths", () => {
        assert.strictEqual(isBesideRepository(path.join(REPOSITORY, "package.json")), false);
        assert.strictEqual(isBesideRepository(path.join(os.tmpdir(), "anything")), false);
        assert.strictEqual(isBesideRepository("/usr/bin/redis-server"), REPOSITORY.startsWith("/usr/bin/"));
        assert.ok(fs.readFileSync(path.join(REPOSITORY, "package.json")).length > 0);
    });

    it("has no suite in npm test that reads the conformance corpus", () => {
        const config = JSON.parse(fs.readFileSync(path.join(REPOSITORY, ".mocharc.json"), "utf8")) as {
            require: string[];
            ignore: string[];
        };
        assert.ok(config.require.includes("tests/helpers/inside-repo.cjs"), "the guard is loaded by npm test");
        assert.ok(config.ignore.includes("tests/conformance/**"));
    });
});
