/**
 * During `pulumi preview`, inputs that depend on other resources' outputs are unknown. The policy SDK hands props
 * through a proxy that throws on reading one; the policies here read the raw values instead and skip what is unknown,
 * so that a preview never crashes a policy and the known parts are still checked. At `pulumi up` every value is
 * known and the policies run again on it.
 */
/** The SDK's proxy key is internal (absent from its typings), so it is typed here; the placeholders are shared. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy") as Record<"getSpecialProxyTarget", string>;

export { isUnknown } from "../k8s-grammar/unknown-values";

/** The raw props behind the SDK's unknown-checking proxy (or the props themselves when there is none). */
export function rawProps(props: Record<string, unknown>): Record<string, unknown> {
    const target = (props as Record<string, unknown>)[proxy.getSpecialProxyTarget];
    return target !== undefined && target !== null && typeof target === "object"
        ? (target as Record<string, unknown>)
        : props;
}
