import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";

/**
 * The corpus folder, which `npm run test:conformance` (scripts/conformance.ts) checks and passes in; these suites run
 * only through that command, never in `npm test`.
 */
export const CONFORMANCE = process.env.DSM_CONFORMANCE_CORPUS ?? "";
if (CONFORMANCE === "") {
    throw new Error(
        "the conformance suites run through `npm run test:conformance -- --corpus DIR`, which names the corpus",
    );
}

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string };
    [key: string]: unknown;
}

/** The Pulumi type token of a Kubernetes object, e.g. `kubernetes:apps/v1:Deployment`. */
export function pulumiType(object: KubernetesObject): string {
    const apiVersion = object.apiVersion.includes("/") ? object.apiVersion : `core/${object.apiVersion}`;
    return `kubernetes:${apiVersion}:${object.kind}`;
}

/** The YAML documents of a file in the corpus, empty ones dropped. */
export function loadDocuments(relative: string): KubernetesObject[] {
    const text = fs.readFileSync(path.join(CONFORMANCE, relative), "utf8");
    return yaml.loadAll(text).filter((d): d is KubernetesObject => d !== null && typeof d === "object");
}

export interface KyvernoCase {
    readonly policyDir: string;
    readonly harness: string;
    readonly file: string;
    readonly docIndex: number;
    readonly kind: string;
    readonly name: string;
    readonly expected: "pass" | "fail";
}

/** The rows of kyverno/cases.tsv. */
export function kyvernoCases(): KyvernoCase[] {
    const [header, ...rows] = fs
        .readFileSync(path.join(CONFORMANCE, "kyverno", "cases.tsv"), "utf8")
        .trim()
        .split("\n");
    const columns = header.split("\t");
    return rows.map((row) => {
        const cells = Object.fromEntries(row.split("\t").map((cell, i) => [columns[i], cell]));
        return {
            policyDir: cells.policy_dir,
            harness: cells.harness,
            file: cells.file,
            docIndex: Number(cells.doc_index),
            kind: cells.kind,
            name: cells.name,
            expected: cells.expected as "pass" | "fail",
        };
    });
}
