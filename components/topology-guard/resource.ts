import * as pulumi from "@pulumi/pulumi";
import { topologyGuardProvider } from "./provider";

/**
 * Holds the bus's topology (its number of nodes) in the state, and refuses a change of it at preview. The component
 * registers it first and builds its Kubernetes provider after it, so a refused change touches nothing.
 */
export class RedisTopologyGuard extends pulumi.dynamic.Resource {
    declare public readonly replicas: pulumi.Output<number>;

    constructor(name: string, args: { readonly replicas: number }, opts?: pulumi.CustomResourceOptions) {
        super(topologyGuardProvider, name, { replicas: args.replicas }, opts, "dsm", "RedisTopologyGuard");
    }
}
