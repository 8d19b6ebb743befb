/**
 * The bus as a multi-language component: `dsm-redis:index:Bus`, for Pulumi YAML, Python, Go and .NET programs. Its
 * arguments are the stack config keys (bus-args.ts, generated), mapped onto DsmRedis's arguments by the same table
 * that maps the stack config, so the two take the same settings and refuse the same values.
 */
import * as pulumi from "@pulumi/pulumi";
import { DsmRedis, DsmRedisArgs } from "../components";
import { COMPONENT_KEYS } from "../config/component-args";
import { setAt } from "../components/settings";
import { BusArgs } from "./bus-args";

/** DsmRedis's arguments from the component's: each key's value at its argument's path, as the config reader sets it. */
export function dsmRedisArgs(args: BusArgs): DsmRedisArgs {
    const result: Record<string, unknown> = {};
    const given = args as Readonly<Record<string, unknown>>;
    for (const key of COMPONENT_KEYS) if (given[key.key] !== undefined) setAt(result, key.argument, given[key.key]);
    return result as DsmRedisArgs;
}

/**
 * The DSM event bus: namespace `dsm`, Deployment and ClusterIP Service `redis`, the stream `dsm:events` and its
 * consumer groups, ACL users with a Secret each. Services reach it at `redis.<namespace>.svc.cluster.local`.
 */
export class Bus extends pulumi.ComponentResource {
    /** The in-cluster DNS name of the Service, e.g. `redis.dsm.svc.cluster.local`. */
    public readonly host: pulumi.Output<string>;
    /** The namespace the bus runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** The Service's name, `redis`. */
    public readonly serviceName: pulumi.Output<string>;
    /** The Service's port. */
    public readonly port: pulumi.Output<number>;
    /** The event stream's key. */
    public readonly stream: pulumi.Output<string>;
    /** The names of its consumer groups. */
    public readonly groups: pulumi.Output<string[]>;
    /** Each service user's Secret name, by user. */
    public readonly credentialSecrets: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: BusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsm-redis:index:Bus", name, {}, opts);
        const bus = new DsmRedis(name, dsmRedisArgs(args ?? {}), { parent: this });
        this.host = bus.host;
        this.namespace = bus.namespace;
        this.serviceName = bus.serviceName;
        this.port = bus.port;
        this.stream = bus.stream;
        this.groups = bus.groups;
        this.credentialSecrets = bus.credentialSecrets;
        this.registerOutputs({
            host: this.host,
            namespace: this.namespace,
            serviceName: this.serviceName,
            port: this.port,
            stream: this.stream,
            groups: this.groups,
            credentialSecrets: this.credentialSecrets,
        });
    }
}
