/**
 * The nested and enumerated types of the multi-language component's arguments, in the forms Pulumi's schema inference
 * takes: interfaces, and `as const` objects for literal values (a union of literals is not expressible in a schema).
 */

/** AOF fsync policy. */
export const Appendfsync = {
    /** fsync once a second: at most a second of acknowledged writes at risk on a crash of the node. */
    Everysec: "everysec",
    /** fsync before every acknowledgement. */
    Always: "always",
} as const;
export type Appendfsync = (typeof Appendfsync)[keyof typeof Appendfsync];

/** How `pulumi up` reaches Redis to create the stream and apply user changes. */
export const ProvisionerConnection = {
    /** Through the Kubernetes API, from wherever `pulumi up` runs. */
    PortForward: "port-forward",
    /** The Service's address: only from inside the cluster. */
    Direct: "direct",
} as const;
export type ProvisionerConnection = (typeof ProvisionerConnection)[keyof typeof ProvisionerConnection];

/** What a service does on the bus. */
export const Role = {
    /** XADD to the stream. */
    Publish: "publish",
    /** Read through its consumer group, acknowledge, claim. */
    Consume: "consume",
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** A consumer group of the stream. */
export interface GroupArgs {
    /** The group's name. */
    readonly name: string;
    /** Where a new group starts: `0` (the whole history, the default) or `$` (only what is written afterwards). */
    readonly startId?: string;
}

/** An ACL user, one per service, with a Secret of its own. */
export interface UserArgs {
    /** The user's name, also its Secret's (`redis-<name>`). */
    readonly name: string;
    /** What the service does on the bus. */
    readonly roles: Role[];
    /** The namespaces the service runs in, besides the bus's: its Secret is copied there. */
    readonly namespaces?: string[];
}
