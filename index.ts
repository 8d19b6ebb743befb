import { DsmRedis, readSettings, stackConfigSource, stackKubernetesAccess } from "./components";

const settings = readSettings(stackConfigSource());
const kubernetes = stackKubernetesAccess();

const bus = new DsmRedis("dsm-redis", {
    ...settings,
    kubeconfig: kubernetes.kubeconfig,
    kubeContext: kubernetes.context,
});

export const namespace = bus.namespace;
export const serviceName = bus.serviceName;
export const host = bus.host;
export const port = bus.port;
export const stream = bus.stream;
export const groups = bus.groups;
export const credentialSecrets = bus.credentialSecrets;
