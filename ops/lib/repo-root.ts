/** The repository's root folder, for the scripts and tests that read or run its files. */
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
