/**
 * The entry point of the multi-language package: the language host finds the components it exports and serves them
 * (with a schema inferred from their TypeScript types) to programs in any Pulumi language.
 */
export { Bus } from "./bus";
export { BusArgs } from "./bus-args";
export { Appendfsync, GroupArgs, ProvisionerConnection, Role, UserArgs } from "./types";
