import type * as pulumi from "@pulumi/pulumi";
import type { BusSettings, StructuralSettings } from "../args";

/** What every builder is given: the component's name, its resolved settings, and how to parent what it creates. */
export interface BuildContext {
    /** The component's name, the prefix of every child's resource name. */
    readonly name: string;
    /** One setting, resolved and valid. (Output lifting would not do: `Output.resources` is the SDK's own method.) */
    readonly setting: <K extends keyof BusSettings>(key: K) => pulumi.Output<BusSettings[K]>;
    readonly structure: StructuralSettings;
    /** The namespace's name, as an Output of the Namespace when the component creates it, so children wait for it. */
    readonly namespace: pulumi.Output<string>;
    /** Options for every child: the component as parent, and its Kubernetes provider when it has its own. */
    readonly childOptions: pulumi.CustomResourceOptions;
}
