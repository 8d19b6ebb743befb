import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The bus's namespace, enforcing the restricted Pod Security Standard: admission refuses any pod that is not. Kept on
 * destroy unless `deleteDataOnDestroy`: deleting it would delete the data volume in it.
 */
export function buildNamespace(
    name: string,
    namespace: pulumi.Output<string>,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        `${name}-namespace`,
        {
            metadata: {
                name: namespace,
                labels: {
                    "app.kubernetes.io/part-of": "dsm",
                    "app.kubernetes.io/managed-by": "pulumi",
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            },
        },
        opts,
    );
}
