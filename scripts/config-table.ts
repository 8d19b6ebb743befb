/**
 * `npm run docs:config-table`: rewrites README's config table from CONFIG_KEYS (config/keys.ts), between its markers.
 * tests/readme.test.ts fails when the two differ, so a new key is documented by running this.
 */
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../config/keys";

const README = path.join(__dirname, "..", "README.md");
const START = "<!-- config-table: start (tests/readme.test.ts checks this table against CONFIG_KEYS) -->";
const END = "<!-- config-table: end -->";

const text = fs.readFileSync(README, "utf8");
const before = text.split(START)[0];
const after = text.split(END)[1];
if (before === text || after === undefined) throw new Error(`README.md lacks the markers ${START} and ${END}`);
const rows = CONFIG_KEYS.map((k) => `| \`${k.key}\` | \`${k.default}\` | ${k.description} |`);
const table = ["| key | default | meaning |", "| --- | --- | --- |", ...rows].join("\n");
fs.writeFileSync(README, `${before}${START}\n\n${table}\n\n${END}${after}`);
