/** The stack program: the stack config, read and validated, builds the bus. Nothing else. */
import "./config/require-node";
import { readConfig, stackConfigSource } from "./config/read-config";
import { DsmRedis } from "./components";

const bus = new DsmRedis("dsm-redis", readConfig(stackConfigSource()));

export const namespace = bus.namespace;
export const serviceName = bus.serviceName;
export const host = bus.host;
export const port = bus.port;
export const stream = bus.stream;
export const groups = bus.groups;
export const credentialSecrets = bus.credentialSecrets;
