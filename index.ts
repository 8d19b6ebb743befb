import { DsmRedis, readSettings, stackConfigSource } from "./components";

const settings = readSettings(stackConfigSource());

const bus = new DsmRedis("dsm-redis", settings);

export const namespace = bus.namespace;
export const serviceName = bus.serviceName;
export const host = bus.host;
export const port = bus.port;
