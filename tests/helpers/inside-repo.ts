/**
 * Loaded by `npm test` (.mocharc.json) before any suite: fails any read of a path beside the repository, such as
 * ../shared, which a user's clone does not have. Temporary folders, system paths and everything inside the
 * repository stay allowed. The conformance command, which may read ../shared, does not load this.
 */
// The module object itself (not an ES namespace of getters), so that its functions can be wrapped.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import fs = require("fs");
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../../ops/lib/repo-root";

export const REPOSITORY = REPO_ROOT;
const BESIDE = path.dirname(REPOSITORY);
const TEMPORARY = fs.realpathSync(os.tmpdir());

const within = (file: string, dir: string) => file === dir || file.startsWith(dir + path.sep);

/** Whether reading `target` would go beside the repository: under its parent folder but outside it. */
export function isBesideRepository(target: fs.PathLike | number): boolean {
    if (typeof target === "number") return false;
    const file = path.resolve(target instanceof URL ? target.pathname : target.toString());
    if (!within(file, BESIDE) || within(file, REPOSITORY)) return false;
    // A clone directly in the temp folder has the tests' own temp folders beside it; ../shared is never one of those.
    return !(within(file, TEMPORARY) && !within(file, path.join(BESIDE, "shared")));
}

export class ReadBesideRepositoryError extends Error {
    constructor(target: string) {
        super(
            `npm test read ${target}, beside the repository: a user's clone has nothing there. Keep such reads to their own command (e.g. npm run test:conformance).`,
        );
        this.name = "ReadBesideRepositoryError";
    }
}

type Guarded = "readFileSync" | "readdirSync" | "statSync" | "lstatSync" | "existsSync" | "openSync" | "accessSync";
const GUARDED: Guarded[] = [
    "readFileSync",
    "readdirSync",
    "statSync",
    "lstatSync",
    "existsSync",
    "openSync",
    "accessSync",
];

for (const name of GUARDED) {
    const original = fs[name] as (...args: unknown[]) => unknown;
    (fs as unknown as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
        const target = args[0] as fs.PathLike;
        if (isBesideRepository(target)) throw new ReadBesideRepositoryError(String(target));
        return original.apply(this, args);
    };
}
for (const name of ["readFile", "readdir", "stat", "open"] as const) {
    const original = fs.promises[name] as (...args: unknown[]) => Promise<unknown>;
    (fs.promises as unknown as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
        const target = args[0] as fs.PathLike;
        if (isBesideRepository(target)) return Promise.reject(new ReadBesideRepositoryError(String(target)));
        return original.apply(this, args);
    };
}
