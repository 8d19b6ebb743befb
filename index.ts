/**
 * The stack program: the stack config, read and validated, builds the bus; its outputs are the stack's. A function,
 * so that the CLI runs it (Pulumi.yaml's main) and the scripts run the same program inline, in their own process.
 */
import "./config/require-node";
import { DsmRedis } from "./components";
import { readConfig, stackConfigSource } from "./config/read-config";

export = async () => {
    const { args, options } = readConfig(stackConfigSource());
    const bus = new DsmRedis("dsm-redis", args, options);
    return {
        namespace: bus.namespace,
        serviceName: bus.serviceName,
        host: bus.host,
        port: bus.port,
        stream: bus.stream,
        groups: bus.groups,
        credentialSecrets: bus.credentialSecrets,
    };
};
