export { RedisStreamGroups, RedisStreamGroupsArgs, ConnectionArgs } from "./resource";
export { streamGroupsProvider } from "./provider";
export {
    Connection,
    DirectConnection,
    PortForwardConnection,
    GroupSpec,
    StreamGroupsInputs,
    STREAM_GROUPS_DEFAULTS,
    PROVISIONER_CONNECTIONS,
    ProvisionerConnection,
    checkInputs,
} from "./inputs";
