/**
 * The real API server judges what the program sends: every object, for the default config and for one that sets
 * every key, is accepted by server-side apply with strict field validation; a broken object is refused with the API
 * server's own message; and the namespace's restricted Pod Security admits the Redis pod and refuses pods that break it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { kubectl } from "../../testbed/cluster/local-cluster";
import { localCluster } from "./hooks";
import { CONFIG_KEYS } from "../../config/keys";
import { EVERY_KEY, OPTION_KEYS, apply, installMonitoringCrds, refusal } from "./kube";
import { Manifest, programManifests } from "./manifests";

describe("the real API server accepts what the program sends", () => {
    it("applies every object of the default config, in dependency order, with strict field validation", async () => {
        const manifests = await programManifests();
        const kinds = manifests.map((m) => m.kind);
        assert.deepStrictEqual([...kinds].sort(), [
            "ConfigMap",
            "ConfigMap",
            "CronJob",
            "Deployment",
            "Namespace",
            "NetworkPolicy",
            "PersistentVolumeClaim",
            "Secret",
            "Secret",
            "Secret",
            "Secret",
            "Secret",
            "Secret",
            "Secret",
            "Secret",
            "Service",
        ]);
        // The order the dependencies give: the namespace first, the Deployment after everything it mounts.
        const at = (kind: string, name: string) =>
            manifests.findIndex((m) => m.kind === kind && m.metadata.name === name);
        assert.strictEqual(kinds[0], "Namespace");
        for (const [kind, name] of [
            ["ConfigMap", "redis-config"],
            ["Secret", "redis-acl"],
            ["Secret", "redis-dsm-metrics"],
            ["PersistentVolumeClaim", "redis-data"],
        ]) {
            assert.ok(at(kind, name) < at("Deployment", "redis"), `${kind} ${name} before the Deployment`);
        }
        for (const [kind, name] of [
            ["ConfigMap", "redis-retention"],
            ["Secret", "redis-dsm-retention"],
        ]) {
            assert.ok(at(kind, name) < at("CronJob", "redis-retention"), `${kind} ${name} before the CronJob`);
        }
        const output = apply(manifests);
        for (const m of manifests) {
            assert.match(output, new RegExp(`${m.kind.toLowerCase()}[^ ]*/${m.metadata.name} serverside-applied`, "i"));
        }
    });

    it("applies every object of a config that sets every key, the Prometheus Operator's objects too", async () => {
        const keys = CONFIG_KEYS.map((k) => k.key).filter((k) => !OPTION_KEYS.includes(k));
        assert.deepStrictEqual(Object.keys(EVERY_KEY).sort(), keys.sort(), "EVERY_KEY misses a key");
        installMonitoringCrds();
        const manifests = await programManifests(EVERY_KEY);
        assert.ok(manifests.some((m) => m.kind === "NetworkPolicy"));
        const output = apply(manifests);
        assert.match(output, /podmonitor\.monitoring\.coreos\.com\/redis serverside-applied/);
        assert.match(output, /prometheusrule\.monitoring\.coreos\.com\/redis serverside-applied/);
        const policy = JSON.parse(
            kubectl(localCluster(), ["get", "networkpolicy", "redis", "-n", "events", "-o", "json"]),
        );
        assert.deepStrictEqual(policy.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values, [
            "events",
            "workers",
        ]);
    });

    it("can fail: an `In` expression with no values is refused with the API server's message", async () => {
        const policy = (await programManifests()).find((m) => m.kind === "NetworkPolicy") as Manifest & {
            spec: {
                ingress: Array<{
                    from: Array<{ namespaceSelector: { matchExpressions: Array<{ values: string[] }> } }>;
                }>;
            };
        };
        policy.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values = [];
        assert.match(refusal([policy]), /values: Required value: must be specified when `operator` is 'In' or 'NotIn'/);
    });

    it("can fail: an unknown field is refused by strict validation", async () => {
        const service = (await programManifests()).find((m) => m.kind === "Service") as Manifest & {
            spec: Record<string, unknown>;
        };
        assert.match(
            refusal([{ ...service, spec: { ...service.spec, clusterIp: "None" } }]),
            /\.spec\.clusterIp: field not declared in schema/,
        );
    });
});

describe("the namespace's restricted Pod Security", () => {
    const pod = (name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): Manifest => ({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "dsm" },
        spec: { containers: [{ name: "c", image: "redis:7.2-alpine", ...container }], ...spec },
    });
    const restricted = {
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    };
    const podSpecRestricted = { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } };

    it("admits the Redis pod: the Deployment's ReplicaSet creates it", () => {
        const names = kubectl(localCluster(), [
            "get",
            "pods",
            "-n",
            "dsm",
            "-l",
            "app=redis",
            "-o",
            "name",
            "--request-timeout=5s",
        ]);
        const events = kubectl(localCluster(), ["get", "events", "-n", "dsm", "-o", "jsonpath={.items[*].message}"]);
        assert.doesNotMatch(events, /violates PodSecurity/);
        // The ReplicaSet may still be creating it; the rollout suite waits for it to be Available.
        assert.ok(names.trim() !== "" || events.includes("Created pod"), events);
    });

    const refusals: Array<[string, Manifest, RegExp]> = [
        [
            "a privileged container",
            pod(
                "privileged",
                // allowPrivilegeEscalation: false with privileged is invalid before admission; leave it out.
                { securityContext: { capabilities: { drop: ["ALL"] }, privileged: true } },
                podSpecRestricted,
            ),
            /privileged \(container "c" must not set securityContext\.privileged=true\)/,
        ],
        [
            "a container that may run as root",
            pod("root", restricted, { securityContext: { seccompProfile: { type: "RuntimeDefault" } } }),
            /runAsNonRoot != true/,
        ],
        [
            "a container that adds a capability",
            pod(
                "caps",
                {
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] },
                    },
                },
                podSpecRestricted,
            ),
            /unrestricted capabilities \(container "c" must not include "NET_ADMIN"/,
        ],
    ];
    for (const [what, manifest, message] of refusals) {
        it(`refuses ${what}, with the admission's message`, () => {
            const error = refusal([manifest]);
            assert.match(error, /violates PodSecurity "restricted:latest"/);
            assert.match(error, message);
        });
    }

    it("admits a pod that meets the standard (the control for the refusals above)", () => {
        apply([pod("conforming", restricted, podSpecRestricted)]);
        kubectl(localCluster(), ["delete", "pod", "conforming", "-n", "dsm", "--wait=false"]);
    });
});

describe("the design's runbook, step 4, on this bus", () => {
    /** The `--overrides` JSON of README's documented `kubectl run`, so that README stays true. */
    function readmeOverrides(): string {
        const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
        const block = readme.split("<!-- kubectl-run: start")[1]?.split("<!-- kubectl-run: end")[0] ?? "";
        const json = /--overrides='([^']+)'/.exec(block)?.[1];
        assert.ok(json !== undefined, "README has the documented kubectl run between its markers");
        return json;
    }

    it("refuses the design's plain `kubectl run … redis-cli -h redis`, with the PodSecurity message README quotes", () => {
        let refusal = "";
        try {
            kubectl(localCluster(), [
                "run",
                "redis-cli-plain",
                "-n",
                "dsm",
                "--restart=Never",
                "--image=redis:7.2-alpine",
                "--",
                "redis-cli",
                "-h",
                "redis",
            ]);
        } catch (error) {
            refusal = String((error as { stderr?: string }).stderr);
        }
        assert.match(refusal, /violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
        assert.ok(
            fs
                .readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8")
                .includes('violates PodSecurity "restricted:latest"'),
        );
    });

    it("admits README's documented form: restricted, labelled as a client, the password from the admin's Secret", () => {
        const overrides = readmeOverrides();
        const pod = JSON.parse(overrides) as {
            spec: { containers: Array<{ env: Array<{ valueFrom: { secretKeyRef: { name: string } } }> }> };
        };
        assert.strictEqual(pod.spec.containers[0].env[0].valueFrom.secretKeyRef.name, "redis-dsm-admin");
        kubectl(localCluster(), [
            "run",
            "redis-cli-documented",
            "-n",
            "dsm",
            "--restart=Never",
            "--image=redis:7.2-alpine",
            "--labels=redis.dsm.io/client=true",
            `--overrides=${overrides}`,
        ]);
        const created = JSON.parse(
            kubectl(localCluster(), ["get", "pod", "redis-cli-documented", "-n", "dsm", "-o", "json"]),
        );
        assert.strictEqual(created.metadata.labels["redis.dsm.io/client"], "true");
        kubectl(localCluster(), ["delete", "pod", "redis-cli-documented", "-n", "dsm", "--wait=false"]);
    });
});
