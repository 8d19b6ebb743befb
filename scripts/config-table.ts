/**
 * `npm run docs:config`: rewrites every file derived from the settings table (components/settings.ts) outside the
 * running code: the component's argument type (components/dsm-redis-args.ts), README's config table between its
 * markers, Pulumi.yaml's `config:` block, and the multi-language component's arguments. tests/settings.test.ts and
 * tests/readme.test.ts fail when any of them differs, so a new setting is typed, documented and declared by running
 * this.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { CONFIG_KEYS } from "../config/keys";
import { renderBusArgs } from "../config/component-args";
import { PROJECT_CONFIG_MARKER, projectConfig } from "../config/project-config";
import { REPO_ROOT } from "../ops/lib/repo-root";
import { renderArgsType } from "./derive/args-type";

const README = path.join(REPO_ROOT, "README.md");
const PROJECT = path.join(REPO_ROOT, "Pulumi.yaml");
const START = "<!-- config-table: start (tests/readme.test.ts checks this table against CONFIG_KEYS) -->";
const END = "<!-- config-table: end -->";

const text = fs.readFileSync(README, "utf8");
const before = text.split(START)[0];
const after = text.split(END)[1];
if (before === text || after === undefined) throw new Error(`README.md lacks the markers ${START} and ${END}`);
const rows = CONFIG_KEYS.map((k) => `| \`${k.key}\` | \`${k.default}\` | ${k.description} |`);
const table = ["| key | default | meaning |", "| --- | --- | --- |", ...rows].join("\n");
fs.writeFileSync(README, `${before}${START}\n\n${table}\n\n${END}${after}`);

const project = fs.readFileSync(PROJECT, "utf8").split(PROJECT_CONFIG_MARKER)[0].trimEnd();
const block = yaml.dump({ config: projectConfig() }, { indent: 4, lineWidth: 120, quotingType: '"' });
fs.writeFileSync(PROJECT, `${project}\n${PROJECT_CONFIG_MARKER}\n${block}`);

fs.writeFileSync(path.join(REPO_ROOT, "multi-language", "bus-args.ts"), renderBusArgs());

fs.writeFileSync(path.join(REPO_ROOT, "components", "dsm-redis-args.ts"), renderArgsType());
