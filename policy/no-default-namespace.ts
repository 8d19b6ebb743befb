/**
 * no-default-namespace: namespaced Kubernetes objects name a namespace other than `default`, either themselves or
 * through their provider's `namespace`. Objects left in `default` share it with everything nobody placed, and escape
 * the per-namespace Pod Security and NetworkPolicy settings. Mandatory.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Finding, reportFindings } from "./finding";
import { isUnknown, rawProps } from "./unknown";
import { Json, displayName, objectAt, shown } from "./workloads";

/** Kinds that live outside namespaces (as of Kubernetes 1.34). */
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

/** Typed Kubernetes objects: `kubernetes:<group>/<version>:<Kind>`; not yaml/helm/kustomize components or providers. */
const OBJECT_TYPE = /^kubernetes:(?!yaml|helm|kustomize)[^:]+:([A-Za-z]+?)(Patch)?$/;

export interface NoDefaultNamespaceConfig {
    /** Namespaces that workloads may not use; `default` catches objects placed nowhere in particular. */
    readonly disallowedNamespaces: readonly string[];
}

export const NO_DEFAULT_NAMESPACE_DEFAULTS: NoDefaultNamespaceConfig = { disallowedNamespaces: ["default"] };

export function checkNoDefaultNamespace(
    type: string,
    props: Json,
    name: string,
    providerNamespace?: unknown,
    config: NoDefaultNamespaceConfig = NO_DEFAULT_NAMESPACE_DEFAULTS,
): Finding[] {
    const match = OBJECT_TYPE.exec(type);
    if (match === null || CLUSTER_SCOPED_KINDS.has(match[1]) || match[1].endsWith("List")) return [];
    const namespace = objectAt(props.metadata)?.namespace;
    if (isUnknown(namespace) || isUnknown(providerNamespace)) return [];
    const effective = namespace ?? providerNamespace;
    const disallowed = new Set(["default", ...config.disallowedNamespaces]);
    if (typeof effective === "string" && effective !== "" && !disallowed.has(effective)) return [];
    return [
        {
            resource: `${match[1]}${match[2] ?? ""} ${displayName(props, name)}`,
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
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            disallowedNamespaces: {
                type: "array",
                items: { type: "string" },
                default: [...NO_DEFAULT_NAMESPACE_DEFAULTS.disallowedNamespaces],
                description: "Namespaces objects may not be placed in (default is always among them).",
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
