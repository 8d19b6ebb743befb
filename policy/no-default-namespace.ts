/**
 * no-default-namespace: namespaced Kubernetes objects name a namespace other than `default`, either themselves or
 * through their provider's `namespace`. Objects left in `default` share it with everything nobody placed, and escape
 * the per-namespace Pod Security and NetworkPolicy settings. Mandatory.
 *
 * Whether a kind is namespaced is known for Kubernetes' own API groups; a custom resource's scope is only in its
 * CustomResourceDefinition, which a policy cannot see, so custom kinds are checked only when `namespacedKinds` names
 * them, and never flagged otherwise (`cert-manager.io` ClusterIssuer is cluster-scoped, Certificate is not).
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Finding, reportFindings } from "./finding";
import { isUnknown, rawProps } from "./unknown";
import { Json, displayName, objectAt, shown } from "./workloads";
import { DNS1123_LABEL } from "../k8s-grammar/dns-names";

/** Kinds of Kubernetes' own API groups that live outside namespaces (as of Kubernetes 1.37). */
const CLUSTER_SCOPED_KINDS = new Set([
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "IngressClass",
    "IPAddress",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "ResourceSlice",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectReview",
    "SelfSubjectRulesReview",
    "ServiceCIDR",
    "StorageClass",
    "StorageVersionMigration",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
]);

/** Kubernetes' own API groups (`core` for the legacy group), whose kinds' scopes are the lists above. */
const BUILT_IN_GROUPS = new Set([
    "core",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
]);

/**
 * Typed Kubernetes objects: `kubernetes:<group>/<version>:<Kind>`, capturing group and kind; not yaml, helm or
 * kustomize components, and not providers.
 */
const OBJECT_TYPE = /^kubernetes:(?!yaml\/|helm\.sh\/|kustomize\/)([^:/]+)\/[^:/]+:([A-Za-z]+?)(Patch)?$/;

export interface NoDefaultNamespaceConfig {
    /** Namespaces that workloads may not use; `default` catches objects placed nowhere in particular. */
    readonly disallowedNamespaces: readonly string[];
    /** Custom kinds known to be namespaced, as `group/Kind` (e.g. `monitoring.coreos.com/ServiceMonitor`). */
    readonly namespacedKinds: readonly string[];
}

export const NO_DEFAULT_NAMESPACE_DEFAULTS: NoDefaultNamespaceConfig = {
    disallowedNamespaces: ["default"],
    namespacedKinds: [],
};

/** `group/Kind`, as namespacedKinds names a custom kind. */
const GROUP_KIND = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Z][A-Za-z0-9]*$/;

/** Whether objects of this group and kind live in a namespace, as far as can be known without the cluster. */
function isNamespaced(group: string, kind: string, config: NoDefaultNamespaceConfig): boolean {
    if (BUILT_IN_GROUPS.has(group)) return !CLUSTER_SCOPED_KINDS.has(kind) && !kind.endsWith("List");
    return config.namespacedKinds.includes(`${group}/${kind}`);
}

export function checkNoDefaultNamespace(
    type: string,
    props: Json,
    name: string,
    providerNamespace?: unknown,
    config: NoDefaultNamespaceConfig = NO_DEFAULT_NAMESPACE_DEFAULTS,
): Finding[] {
    const match = OBJECT_TYPE.exec(type);
    if (match === null || !isNamespaced(match[1], match[2], config)) return [];
    const namespace = objectAt(props.metadata)?.namespace;
    if (isUnknown(namespace) || isUnknown(providerNamespace)) return [];
    const effective = namespace ?? providerNamespace;
    const disallowed = new Set(["default", ...config.disallowedNamespaces]);
    if (typeof effective === "string" && effective !== "" && !disallowed.has(effective)) return [];
    return [
        {
            resource: `${match[2]}${match[3] ?? ""} ${displayName(props, name)}`,
            field: "metadata.namespace",
            found: shown(namespace),
            problem:
                effective === "default"
                    ? "the object is in the default namespace"
                    : typeof effective === "string" && effective !== ""
                      ? `the object is in the ${effective} namespace, which disallowedNamespaces names`
                      : "no namespace is set here or on the provider, so the kubeconfig's (usually default) applies",
            expected: `a namespace other than ${[...disallowed].map((n) => `"${n}"`).join(", ")}, e.g. "dsm"`,
        },
    ];
}

export const noDefaultNamespace: ResourceValidationPolicy = {
    name: "no-default-namespace",
    description:
        "Namespaced Kubernetes objects are placed in a namespace other than default, explicitly or by their provider.",
    remediationSteps:
        'Set metadata.namespace (or the provider\'s namespace) to a namespace other than "default", e.g. "dsm", and other than any of disallowedNamespaces.',
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            disallowedNamespaces: {
                type: "array",
                items: { type: "string", pattern: DNS1123_LABEL.source, maxLength: 63 },
                default: [...NO_DEFAULT_NAMESPACE_DEFAULTS.disallowedNamespaces],
                description: "Namespaces objects may not be placed in (default is always among them).",
            },
            namespacedKinds: {
                type: "array",
                items: { type: "string", pattern: GROUP_KIND.source },
                default: [...NO_DEFAULT_NAMESPACE_DEFAULTS.namespacedKinds],
                description:
                    "Custom kinds to check as namespaced, as group/Kind, e.g. monitoring.coreos.com/ServiceMonitor; other custom kinds are not checked.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const config = { ...NO_DEFAULT_NAMESPACE_DEFAULTS, ...args.getConfig<Partial<NoDefaultNamespaceConfig>>() };
        const providerProps = args.provider === undefined ? undefined : rawProps(args.provider.props);
        reportFindings(
            checkNoDefaultNamespace(args.type, rawProps(args.props), args.name, providerProps?.namespace, config),
            reportViolation,
        );
    },
};
