/**
 * During `pulumi preview`, inputs that depend on other resources' outputs are unknown. The policy SDK hands props
 * through a proxy that throws on reading one; the policies here read the raw values instead and skip what is unknown,
 * so that a preview never crashes a policy and the known parts are still checked. At `pulumi up` every value is
 * known and the policies run again on it.
 */
/** The SDK's sentinels and proxy key; they are internal (absent from its typings), so they are typed here. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy") as Record<
    | "unknownArchiveValue"
    | "unknownArrayValue"
    | "unknownAssetValue"
    | "unknownBooleanValue"
    | "unknownNumberValue"
    | "unknownObjectValue"
    | "unknownStringValue"
    | "getSpecialProxyTarget",
    string
>;

const UNKNOWN_SENTINELS: ReadonlySet<unknown> = new Set([
    proxy.unknownArchiveValue,
    proxy.unknownArrayValue,
    proxy.unknownAssetValue,
    proxy.unknownBooleanValue,
    proxy.unknownNumberValue,
    proxy.unknownObjectValue,
    proxy.unknownStringValue,
]);

/** True for a value that cannot be known until the update runs. */
export function isUnknown(value: unknown): boolean {
    return UNKNOWN_SENTINELS.has(value);
}

/** The raw props behind the SDK's unknown-checking proxy (or the props themselves when there is none). */
export function rawProps(props: Record<string, unknown>): Record<string, unknown> {
    const target = (props as Record<string, unknown>)[proxy.getSpecialProxyTarget];
    return target !== undefined && target !== null && typeof target === "object"
        ? (target as Record<string, unknown>)
        : props;
}
