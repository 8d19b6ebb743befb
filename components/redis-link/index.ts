/**
 * The Redis connection layer, shared by the providers and the operator commands: how a program reaches the bus (a
 * direct address, or a tunnel through the Kubernetes API), a session over it that waits for Redis to be ready, and
 * error messages that never show a secret.
 */
export {
    Connection,
    DirectConnection,
    PortForwardConnection,
    describeEndpoint,
    isPortForward,
    labelSelector,
} from "./connection";
export { KubeConfigError, Tunnel, loadKubeConfig, openTunnel } from "./tunnel";
export { Session, WaitOptions, openSession, withSession } from "./session";
