/**
 * The Pod Security Admission fixtures for restricted (policy v1.37): every pass/ pod is admitted by
 * pod-security-restricted, every fail/ pod is rejected, and for the fail ones the check named by the file's prefix
 * is among the reasons.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkPodSecurityRestricted } from "../../policy/pod-security-restricted";
import { CONFORMANCE, loadDocuments, pulumiType } from "./corpus";

const ROOT = path.join("psa", "test", "testdata", "restricted", "v1.37");

/** Words a finding of each PSA check contains, to show the right rule fired and not another one by chance. */
const CHECK_SIGNATURES: Record<string, RegExp> = {
    allowprivilegeescalation: /allowPrivilegeEscalation/,
    apparmorprofile: /AppArmor/,
    capabilities_baseline: /capabilities\.add/,
    capabilities_restricted: /capabilities\.(add|drop)/,
    hostnamespaces: /host(Network|PID|IPC)/,
    hostpathvolumes: /hostPath/,
    hostports: /hostPort/,
    hostprobesandhostlifecycle: /\.host is/,
    privileged: /privileged/,
    procmount: /procMount/,
    procmount_restricted: /procMount/,
    restrictedvolumes: /volumes\[\d+\]/,
    runasnonroot: /runAsNonRoot/,
    runasuser: /runAsUser/,
    seccompprofile_baseline: /seccompProfile/,
    seccompprofile_restricted: /seccompProfile/,
    selinuxoptions: /seLinuxOptions/,
    sysctls: /sysctls/,
    windowshostprocess: /hostProcess|hostNetwork/,
};

function findingsOf(file: string): string[] {
    const [pod] = loadDocuments(file);
    return checkPodSecurityRestricted(pulumiType(pod), pod, pod.metadata?.name ?? "").map(
        (f) => `${f.field} is ${f.found}: ${f.problem}`,
    );
}

describe("conformance: Pod Security Admission, restricted v1.37", () => {
    const list = (verdict: string) =>
        fs
            .readdirSync(path.join(CONFORMANCE, ROOT, verdict))
            .filter((f) => f.endsWith(".yaml"))
            .sort();

    it("has the fixtures", () => {
        assert.strictEqual(list("pass").length, 23);
        assert.strictEqual(list("fail").length, 76);
    });

    for (const file of list("pass")) {
        it(`admits pass/${file}`, () => {
            assert.deepStrictEqual(findingsOf(path.join(ROOT, "pass", file)), []);
        });
    }

    for (const file of list("fail")) {
        const check = file.replace(/\d+\.yaml$/, "");
        it(`rejects fail/${file} for ${check}`, () => {
            const findings = findingsOf(path.join(ROOT, "fail", file));
            assert.ok(findings.length > 0, "admitted a pod the admission controller rejects");
            const signature = CHECK_SIGNATURES[check];
            assert.ok(signature !== undefined, `no signature for check ${check}`);
            assert.ok(
                findings.some((f) => signature.test(f)),
                `none of the findings is about ${check}:\n${findings.join("\n")}`,
            );
        });
    }
});
