/**
 * pod-security-restricted, one rule of the restricted Pod Security Standard at a time: each pod template breaks one
 * rule (or shows an edge of it), and the finding says exactly where, what was found, and what is accepted. The
 * conformance command checks the policy against the Pod Security Admission fixtures; these are the fast cases that a
 * mutation run can use.
 */
import * as assert from "assert";
import { checkPodSecurityRestricted } from "../../policy/pod-security-restricted";
import { deployment, goodContainer, goodPod } from "../helpers/policy";

/** A pod whose one container has this securityContext on top of the good one (and these other fields). */
const C = (sc: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    goodPod({
        containers: [
            goodContainer({
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, ...sc },
                ...extra,
            }),
        ],
    });

/** A finding as the message tells it, without the resource. */
const described = (findings: ReturnType<typeof checkPodSecurityRestricted>) =>
    findings.map((f) => [f.field, f.found, f.problem, f.expected]);

type Expected = Array<[string | undefined, string, string, string, string]>;

describe("pod-security-restricted, rule by rule", () => {
    const cases: Array<[string, Record<string, unknown>, Expected]> = [
        [
            "hostNetwork",
            goodPod({ hostNetwork: true }),
            [
                [
                    undefined,
                    "spec.template.spec.hostNetwork",
                    "true",
                    "the pod shares a host namespace",
                    "false or unset",
                ],
            ],
        ],
        [
            "hostPID",
            goodPod({ hostPID: true }),
            [[undefined, "spec.template.spec.hostPID", "true", "the pod shares a host namespace", "false or unset"]],
        ],
        [
            "hostIPC",
            goodPod({ hostIPC: true }),
            [[undefined, "spec.template.spec.hostIPC", "true", "the pod shares a host namespace", "false or unset"]],
        ],
        [
            "hostPath",
            goodPod({
                volumes: [
                    { name: "ok", configMap: { name: "c" } },
                    { name: "h", hostPath: { path: "/" } },
                ],
            }),
            [
                [
                    undefined,
                    "spec.template.spec.volumes[1].hostPath",
                    '{"path":"/"}',
                    "volume type hostPath is not allowed (it exposes the node's file system)",
                    "one of configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret",
                ],
            ],
        ],
        [
            "nfs",
            goodPod({
                volumes: [{ name: "n", nfs: { server: "s", path: "/" } }, null, { name: "u", gcePersistentDisk: null }],
            }),
            [
                [
                    undefined,
                    "spec.template.spec.volumes[0].nfs",
                    '{"server":"s","path":"/"}',
                    "volume type nfs is not allowed",
                    "one of configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret",
                ],
            ],
        ],
        [
            "sysctl",
            goodPod({
                securityContext: {
                    runAsNonRoot: true,
                    seccompProfile: { type: "RuntimeDefault" },
                    sysctls: [
                        { name: "net.ipv4.ip_local_port_range", value: "1" },
                        { name: "kernel.msgmax", value: "1" },
                    ],
                },
            }),
            [
                [
                    undefined,
                    "spec.template.spec.securityContext.sysctls[1].name",
                    '"kernel.msgmax"',
                    "the sysctl is not in the safe set",
                    "one of kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_rmem, net.ipv4.tcp_wmem, net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat",
                ],
            ],
        ],
        [
            "podRoot",
            goodPod({
                securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } },
            }),
            [
                [
                    undefined,
                    "spec.template.spec.securityContext.runAsUser",
                    "0",
                    "the pod runs as root (uid 0)",
                    "a non-zero uid, e.g. 999",
                ],
            ],
        ],
        [
            "seLinuxType",
            C({ seLinuxOptions: { type: "spc_t" } }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.seLinuxOptions.type",
                    '"spc_t"',
                    "the SELinux type is not allowed",
                    "unset or one of container_t, container_init_t, container_kvm_t, container_engine_t",
                ],
            ],
        ],
        [
            "seLinuxUser",
            C({ seLinuxOptions: { user: "root", role: "admin", type: "container_t" } }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.seLinuxOptions.user",
                    '"root"',
                    "a custom SELinux user is not allowed",
                    "unset",
                ],
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.seLinuxOptions.role",
                    '"admin"',
                    "a custom SELinux role is not allowed",
                    "unset",
                ],
            ],
        ],
        [
            "podSeLinux",
            goodPod({
                securityContext: {
                    runAsNonRoot: true,
                    seccompProfile: { type: "RuntimeDefault" },
                    seLinuxOptions: { type: "bad_t" },
                },
            }),
            [
                [
                    undefined,
                    "spec.template.spec.securityContext.seLinuxOptions.type",
                    '"bad_t"',
                    "the SELinux type is not allowed",
                    "unset or one of container_t, container_init_t, container_kvm_t, container_engine_t",
                ],
            ],
        ],
        [
            "seccompUnconfined",
            C({ seccompProfile: { type: "Unconfined" } }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.seccompProfile.type",
                    '"Unconfined"',
                    "seccomp is unconfined",
                    '"RuntimeDefault" or "Localhost"',
                ],
            ],
        ],
        [
            "appArmorUnconfined",
            C({ appArmorProfile: { type: "Unconfined" } }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.appArmorProfile.type",
                    '"Unconfined"',
                    "AppArmor is unconfined",
                    '"RuntimeDefault", "Localhost" or unset',
                ],
            ],
        ],
        [
            "hostProcess",
            C({ windowsOptions: { hostProcess: true } }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.windowsOptions.hostProcess",
                    "true",
                    "Windows HostProcess containers are privileged",
                    "false or unset",
                ],
            ],
        ],
        [
            "runAsNonRootFalse",
            C({ runAsNonRoot: false }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.runAsNonRoot",
                    "false",
                    "running as root is explicitly allowed",
                    "true (or unset on containers when the pod sets true)",
                ],
            ],
        ],
        [
            "privileged",
            C({ privileged: true }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.privileged",
                    "true",
                    "the container is privileged",
                    "false or unset",
                ],
            ],
        ],
        [
            "capAdd",
            C({ capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "NET_ADMIN"] } }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.capabilities.add[1]",
                    '"NET_ADMIN"',
                    "the capability may not be added",
                    "only NET_BIND_SERVICE",
                ],
            ],
        ],
        [
            "capNoDrop",
            C({ capabilities: { drop: ["NET_RAW"] } }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.capabilities.drop",
                    '["NET_RAW"]',
                    "the container keeps the runtime's default capabilities",
                    '["ALL"]',
                ],
            ],
        ],
        [
            "hostPort",
            goodPod({
                containers: [
                    goodContainer({
                        ports: [
                            { containerPort: 1, hostPort: 0 },
                            { containerPort: 6379, hostPort: 6379 },
                        ],
                    }),
                ],
            }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].ports[1].hostPort",
                    "6379",
                    "the container binds a host port",
                    "0 or unset",
                ],
            ],
        ],
        [
            "procMount",
            C({ procMount: "Unmasked" }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.procMount",
                    '"Unmasked"',
                    "the /proc mount is unmasked",
                    '"Default" or unset',
                ],
            ],
        ],
        [
            "probeHost",
            goodPod({
                containers: [
                    goodContainer({
                        readinessProbe: { httpGet: { host: "example.com", port: 80 } },
                        lifecycle: { preStop: { tcpSocket: { host: "10.0.0.1", port: 1 } } },
                    }),
                ],
            }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].readinessProbe.httpGet.host",
                    '"example.com"',
                    "a probe or lifecycle handler targets another host",
                    "unset (the pod's own IP)",
                ],
                [
                    "app",
                    "spec.template.spec.containers[0].lifecycle.preStop.tcpSocket.host",
                    '"10.0.0.1"',
                    "a probe or lifecycle handler targets another host",
                    "unset (the pod's own IP)",
                ],
            ],
        ],
        [
            "containerRoot",
            C({ runAsUser: 0 }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.runAsUser",
                    "0",
                    "the container runs as root (uid 0)",
                    "a non-zero uid, e.g. 999",
                ],
            ],
        ],
        [
            "noNonRoot",
            goodPod({ securityContext: { seccompProfile: { type: "RuntimeDefault" } } }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.runAsNonRoot",
                    "(unset)",
                    "neither the pod nor the container requires a non-root user",
                    "true, here or at spec.template.spec.securityContext.runAsNonRoot",
                ],
            ],
        ],
        [
            "noSeccomp",
            goodPod({ securityContext: { runAsNonRoot: true } }),
            [
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.seccompProfile.type",
                    "(unset)",
                    "neither the pod nor the container sets a seccomp profile",
                    '"RuntimeDefault" or "Localhost", here or at spec.template.spec.securityContext.seccompProfile.type',
                ],
            ],
        ],
        [
            "podSeccompUnconfined",
            goodPod({ securityContext: { runAsNonRoot: true, seccompProfile: { type: "Unconfined" } } }),
            [
                [
                    undefined,
                    "spec.template.spec.securityContext.seccompProfile.type",
                    '"Unconfined"',
                    "seccomp is unconfined",
                    '"RuntimeDefault" or "Localhost"',
                ],
                [
                    "app",
                    "spec.template.spec.containers[0].securityContext.seccompProfile.type",
                    "(unset)",
                    "neither the pod nor the container sets a seccomp profile",
                    '"RuntimeDefault" or "Localhost", here or at spec.template.spec.securityContext.seccompProfile.type',
                ],
            ],
        ],
    ];
    for (const [rule, pod, expected] of cases) {
        it(`${rule}: says where, what and what is accepted`, () => {
            const findings = checkPodSecurityRestricted("kubernetes:apps/v1:Deployment", deployment(pod), "app");
            assert.deepStrictEqual(
                findings.map((f) => [f.container, f.field, f.found, f.problem, f.expected]),
                expected,
            );
            for (const f of findings) assert.strictEqual(f.resource, "Deployment dsm/app");
        });
    }

    it("judges AppArmor annotations on the pod template, or on a Pod's own metadata", () => {
        const annotated = deployment(goodPod());
        const template = (annotated.spec as { template: { metadata: Record<string, unknown> } }).template;
        template.metadata.annotations = {
            "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
            "container.apparmor.security.beta.kubernetes.io/b": "localhost/x",
            "container.apparmor.security.beta.kubernetes.io/c": "runtime/default",
            "container.apparmor.security.beta.kubernetes.io/d": "",
            other: "unconfined",
        };
        const finding = (path: string) => [
            `${path}.annotations["container.apparmor.security.beta.kubernetes.io/app"]`,
            '"unconfined"',
            "the AppArmor profile is not confined",
            '"runtime/default" or "localhost/<profile>"',
        ];
        assert.deepStrictEqual(
            described(checkPodSecurityRestricted("kubernetes:apps/v1:Deployment", annotated, "app")),
            [finding("spec.template.metadata")],
        );
        const pod = {
            metadata: {
                name: "p",
                namespace: "dsm",
                annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" },
            },
            spec: goodPod(),
        };
        assert.deepStrictEqual(described(checkPodSecurityRestricted("kubernetes:core/v1:Pod", pod, "p")), [
            finding("metadata"),
        ]);
        assert.deepStrictEqual(
            checkPodSecurityRestricted("kubernetes:core/v1:Pod", pod, "p", { exemptNamespaces: ["dsm"] }),
            [],
            "an exempt namespace",
        );
        assert.strictEqual(
            checkPodSecurityRestricted("kubernetes:core/v1:Pod", pod, "p", { exemptNamespaces: ["other"] }).length,
            1,
        );
    });
});
