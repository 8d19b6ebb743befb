/**
 * pod-security-restricted: the Pod Security Standards "restricted" profile (which includes "baseline"), with the
 * semantics of the admission controller (kubernetes/pod-security-admission, policy version v1.37), applied to the pod
 * template of every workload kind so that a violation is caught at preview rather than when the ReplicaSet fails to
 * create pods.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Finding, validateWith } from "./finding";
import { isUnknown } from "./unknown";
import { ContainerRef, Json, Workload, containersOf, objectAt, shown, workloadOf } from "./workloads";
import { DNS1123_LABEL } from "../k8s-grammar/dns-names";

/** Capabilities baseline lets containers add (check_capabilities_baseline). */
const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
]);

/** Sysctls allowed at baseline as of policy v1.37 (check_sysctls). */
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
]);

const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

/** Volume sources restricted allows (check_restrictedVolumes); a volume with only a name defaults to emptyDir. */
const RESTRICTED_VOLUME_SOURCES = new Set([
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
]);

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
const LIFECYCLE_HANDLERS = ["postStart", "preStop"] as const;

/** A known value (not unknown during preview); absent counts as known. */
function known(value: unknown): boolean {
    return !isUnknown(value);
}

class PodSecurityChecker {
    readonly findings: Finding[] = [];
    private readonly spec: Json;
    private readonly podContext: Json;
    private readonly windows: boolean;
    /** hostUsers: false (user namespaces) relaxes the non-root rules since policy v1.35. */
    private readonly userNamespaced: boolean;

    constructor(private readonly workload: Workload) {
        this.spec = workload.podSpec ?? {};
        this.podContext = objectAt(this.spec.securityContext) ?? {};
        this.windows = objectAt(this.spec.os)?.name === "windows";
        this.userNamespaced = this.spec.hostUsers === false;
    }

    private report(field: string, value: unknown, problem: string, expected: string, container?: ContainerRef): void {
        this.findings.push({
            resource: this.workload.displayName,
            container: container?.name,
            field,
            found: shown(value),
            problem,
            expected,
        });
    }

    private podField(path: string): string {
        return `${this.workload.podSpecPath}.${path}`;
    }

    run(): Finding[] {
        this.checkPod();
        for (const ref of containersOf(this.workload)) {
            this.checkContainer(ref);
        }
        this.checkRequiredAcrossContainers();
        return this.findings;
    }

    private checkPod(): void {
        for (const key of ["hostNetwork", "hostPID", "hostIPC"]) {
            const value = this.spec[key];
            if (value === true) {
                this.report(this.podField(key), value, "the pod shares a host namespace", "false or unset");
            }
        }
        const volumes = this.spec.volumes;
        if (Array.isArray(volumes)) {
            volumes.forEach((item, index) => {
                const volume = objectAt(item);
                if (volume === undefined) return;
                for (const source of Object.keys(volume)) {
                    if (source === "name" || !known(volume[source]) || volume[source] === null) continue;
                    if (!RESTRICTED_VOLUME_SOURCES.has(source)) {
                        this.report(
                            this.podField(`volumes[${index}].${source}`),
                            volume[source],
                            `volume type ${source} is not allowed${source === "hostPath" ? " (it exposes the node's file system)" : ""}`,
                            `one of ${[...RESTRICTED_VOLUME_SOURCES].join(", ")}`,
                        );
                    }
                }
            });
        }
        const sysctls = this.podContext.sysctls;
        if (Array.isArray(sysctls)) {
            sysctls.forEach((item, index) => {
                const name = objectAt(item)?.name;
                if (typeof name === "string" && known(name) && !SAFE_SYSCTLS.has(name)) {
                    this.report(
                        this.podField(`securityContext.sysctls[${index}].name`),
                        name,
                        "the sysctl is not in the safe set",
                        `one of ${[...SAFE_SYSCTLS].join(", ")}`,
                    );
                }
            });
        }
        this.checkCommonContext(this.podContext, "securityContext");
        const annotations = objectAt(this.workload.podMetadata?.annotations) ?? {};
        for (const [key, value] of Object.entries(annotations)) {
            if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX) || !known(value) || typeof value !== "string") continue;
            if (value !== "" && value !== "runtime/default" && !value.startsWith("localhost/")) {
                const metadataPath =
                    this.workload.kind === "Pod"
                        ? "metadata"
                        : `${this.workload.podSpecPath.replace(/\.spec$/, "")}.metadata`;
                this.report(
                    `${metadataPath}.annotations["${key}"]`,
                    value,
                    "the AppArmor profile is not confined",
                    '"runtime/default" or "localhost/<profile>"',
                );
            }
        }
        if (!this.userNamespaced) {
            if (this.podContext.runAsUser === 0) {
                this.report(
                    this.podField("securityContext.runAsUser"),
                    0,
                    "the pod runs as root (uid 0)",
                    "a non-zero uid, e.g. 999",
                );
            }
        }
    }

    /** Rules that read the same at pod and at container level (securityContext fields). */
    private checkCommonContext(context: Json, path: string, container?: ContainerRef): void {
        const field = (name: string) =>
            container === undefined ? this.podField(`${path}.${name}`) : `${container.path}.${path}.${name}`;
        const seLinux = objectAt(context.seLinuxOptions);
        if (seLinux !== undefined) {
            const type = seLinux.type;
            if (typeof type === "string" && known(type) && !SELINUX_TYPES.has(type)) {
                this.report(
                    field("seLinuxOptions.type"),
                    type,
                    "the SELinux type is not allowed",
                    `unset or one of ${[...SELINUX_TYPES].filter((t) => t).join(", ")}`,
                    container,
                );
            }
            for (const key of ["user", "role"]) {
                const value = seLinux[key];
                if (typeof value === "string" && known(value) && value !== "") {
                    this.report(
                        field(`seLinuxOptions.${key}`),
                        value,
                        `a custom SELinux ${key} is not allowed`,
                        "unset",
                        container,
                    );
                }
            }
        }
        const seccompType = objectAt(context.seccompProfile)?.type;
        if (seccompType === "Unconfined") {
            this.report(
                field("seccompProfile.type"),
                seccompType,
                "seccomp is unconfined",
                '"RuntimeDefault" or "Localhost"',
                container,
            );
        }
        const appArmorType = objectAt(context.appArmorProfile)?.type;
        if (appArmorType === "Unconfined") {
            this.report(
                field("appArmorProfile.type"),
                appArmorType,
                "AppArmor is unconfined",
                '"RuntimeDefault", "Localhost" or unset',
                container,
            );
        }
        if (objectAt(context.windowsOptions)?.hostProcess === true) {
            this.report(
                field("windowsOptions.hostProcess"),
                true,
                "Windows HostProcess containers are privileged",
                "false or unset",
                container,
            );
        }
        if (context.runAsNonRoot === false && !this.userNamespaced) {
            this.report(
                field("runAsNonRoot"),
                false,
                "running as root is explicitly allowed",
                "true (or unset on containers when the pod sets true)",
                container,
            );
        }
    }

    private checkContainer(ref: ContainerRef): void {
        const context = objectAt(ref.container.securityContext) ?? {};
        const at = (name: string) => `${ref.path}.securityContext.${name}`;
        if (context.privileged === true) {
            this.report(at("privileged"), true, "the container is privileged", "false or unset", ref);
        }
        const capabilities = objectAt(context.capabilities) ?? {};
        const allowedAdds = this.windows ? BASELINE_CAPABILITIES : new Set(["NET_BIND_SERVICE"]);
        if (Array.isArray(capabilities.add)) {
            capabilities.add.forEach((cap, index) => {
                if (typeof cap === "string" && known(cap) && !allowedAdds.has(cap)) {
                    this.report(
                        at(`capabilities.add[${index}]`),
                        cap,
                        "the capability may not be added",
                        this.windows ? `one of ${[...BASELINE_CAPABILITIES].join(", ")}` : "only NET_BIND_SERVICE",
                        ref,
                    );
                }
            });
        }
        if (!this.windows && !this.workload.isPatch && known(capabilities.drop)) {
            const drop = Array.isArray(capabilities.drop) ? capabilities.drop : [];
            if (!drop.some((d) => isUnknown(d)) && !drop.includes("ALL")) {
                this.report(
                    at("capabilities.drop"),
                    capabilities.drop,
                    "the container keeps the runtime's default capabilities",
                    '["ALL"]',
                    ref,
                );
            }
        }
        const ports = ref.container.ports;
        if (Array.isArray(ports)) {
            ports.forEach((item, index) => {
                const hostPort = objectAt(item)?.hostPort;
                if (typeof hostPort === "number" && hostPort !== 0) {
                    this.report(
                        `${ref.path}.ports[${index}].hostPort`,
                        hostPort,
                        "the container binds a host port",
                        "0 or unset",
                        ref,
                    );
                }
            });
        }
        const procMount = context.procMount;
        if (procMount !== undefined && known(procMount) && procMount !== "Default") {
            this.report(at("procMount"), procMount, "the /proc mount is unmasked", '"Default" or unset', ref);
        }
        for (const probe of PROBES) {
            this.checkHandlerHost(objectAt(ref.container[probe]), `${ref.path}.${probe}`, ref);
        }
        const lifecycle = objectAt(ref.container.lifecycle);
        for (const handler of LIFECYCLE_HANDLERS) {
            this.checkHandlerHost(objectAt(lifecycle?.[handler]), `${ref.path}.lifecycle.${handler}`, ref);
        }
        this.checkCommonContext(context, "securityContext", ref);
        const escalation = context.allowPrivilegeEscalation;
        if (
            !this.windows &&
            escalation !== false &&
            known(escalation) &&
            !(this.workload.isPatch && escalation === undefined)
        ) {
            this.report(
                at("allowPrivilegeEscalation"),
                escalation,
                "privilege escalation is not explicitly disabled",
                "false",
                ref,
            );
        }
        if (!this.userNamespaced && context.runAsUser === 0) {
            this.report(at("runAsUser"), 0, "the container runs as root (uid 0)", "a non-zero uid, e.g. 999", ref);
        }
    }

    private checkHandlerHost(handler: Json | undefined, path: string, ref: ContainerRef): void {
        for (const kind of ["httpGet", "tcpSocket"]) {
            const host = objectAt(handler?.[kind])?.host;
            if (typeof host === "string" && known(host) && host !== "") {
                this.report(
                    `${path}.${kind}.host`,
                    host,
                    "a probe or lifecycle handler targets another host",
                    "unset (the pod's own IP)",
                    ref,
                );
            }
        }
    }

    /** runAsNonRoot and seccomp: set at pod level, or else on every container. */
    private checkRequiredAcrossContainers(): void {
        if (this.workload.isPatch) return; // A patch that leaves these unset leaves them as they are.
        const containers = containersOf(this.workload);
        const contextOf = (ref: ContainerRef) => objectAt(ref.container.securityContext) ?? {};
        if (!this.userNamespaced && this.podContext.runAsNonRoot !== true && known(this.podContext.runAsNonRoot)) {
            for (const ref of containers) {
                const value = contextOf(ref).runAsNonRoot;
                if (value === undefined) {
                    this.report(
                        `${ref.path}.securityContext.runAsNonRoot`,
                        value,
                        "neither the pod nor the container requires a non-root user",
                        `true, here or at ${this.podField("securityContext.runAsNonRoot")}`,
                        ref,
                    );
                }
            }
        }
        const podSeccomp = objectAt(this.podContext.seccompProfile)?.type;
        if (!this.windows && podSeccomp !== "RuntimeDefault" && podSeccomp !== "Localhost" && known(podSeccomp)) {
            for (const ref of containers) {
                const value = objectAt(contextOf(ref).seccompProfile)?.type;
                if (value === undefined) {
                    this.report(
                        `${ref.path}.securityContext.seccompProfile.type`,
                        value,
                        "neither the pod nor the container sets a seccomp profile",
                        `"RuntimeDefault" or "Localhost", here or at ${this.podField("securityContext.seccompProfile.type")}`,
                        ref,
                    );
                }
            }
        }
    }
}

/** The findings of pod-security-restricted for one resource. */
export interface PodSecurityRestrictedConfig {
    /**
     * Namespaces exempt from the profile, as the admission controller's own exemptions (e.g. a node agent's
     * namespace that must run privileged). An object with no namespace is never exempt.
     */
    readonly exemptNamespaces: readonly string[];
}

export const POD_SECURITY_RESTRICTED_DEFAULTS: PodSecurityRestrictedConfig = { exemptNamespaces: [] };

export function checkPodSecurityRestricted(
    type: string,
    props: Json,
    name: string,
    config: PodSecurityRestrictedConfig = POD_SECURITY_RESTRICTED_DEFAULTS,
): Finding[] {
    const workload = workloadOf(type, props, name);
    // A patch that does not carry the pod spec changes nothing this policy judges.
    if (workload === undefined || workload.podSpec === undefined) return [];
    const namespace = objectAt(props.metadata)?.namespace;
    if (typeof namespace === "string" && config.exemptNamespaces.includes(namespace)) return [];
    return new PodSecurityChecker(workload).run();
}

/**
 * What to change, control by control, in the words of the messages (each message's "expected …" is one of these), so
 * that the remediation shown beside a violation says the same thing as the violation.
 */
const POD_SECURITY_REMEDIATION = [
    "Change the field the message names to what it expects. The restricted profile wants:",
    'the pod\'s securityContext.runAsNonRoot true (or unset on containers when the pod sets true), and seccompProfile.type "RuntimeDefault" or "Localhost";',
    'on every container, securityContext.allowPrivilegeEscalation false, capabilities.drop ["ALL"] with capabilities.add only NET_BIND_SERVICE, privileged false or unset, runAsUser a non-zero uid, e.g. 999, procMount "Default" or unset;',
    "hostNetwork, hostPID, hostIPC and Windows hostProcess false or unset; every hostPort 0 or unset; a probe's or lifecycle handler's host unset (the pod's own IP);",
    `volumes of one of ${[...RESTRICTED_VOLUME_SOURCES].join(", ")}; sysctls one of ${[...SAFE_SYSCTLS].join(", ")};`,
    `seLinuxOptions.type unset or one of ${[...SELINUX_TYPES].filter((t) => t).join(", ")}, its user and role unset;`,
    'AppArmor "RuntimeDefault", "Localhost" or unset (as an annotation, "runtime/default" or "localhost/<profile>").',
].join(" ");

export const podSecurityRestricted: ResourceValidationPolicy = {
    name: "pod-security-restricted",
    description:
        "Pod templates of every workload kind meet the Pod Security Standards restricted profile, as the admission controller (policy v1.37) judges it.",
    remediationSteps: POD_SECURITY_REMEDIATION,
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            exemptNamespaces: {
                type: "array",
                items: { type: "string", pattern: DNS1123_LABEL.source, maxLength: 63 },
                default: [...POD_SECURITY_RESTRICTED_DEFAULTS.exemptNamespaces],
                description: "Namespaces exempt from the profile.",
            },
        },
    },
    validateResource: validateWith(POD_SECURITY_RESTRICTED_DEFAULTS, checkPodSecurityRestricted),
};
