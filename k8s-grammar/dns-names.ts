/** Kubernetes names and ports, by the rules of k8s.io/apimachinery's validation. */

/** A DNS-1123 label: namespaces, Services and most object names; at most 63 characters. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX_LENGTH = 63;

/** A DNS-1123 subdomain: dot-separated labels, such as StorageClass names; at most 253 characters. */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

export function isDns1123Label(value: unknown, maxLength = DNS1123_LABEL_MAX_LENGTH): value is string {
    return typeof value === "string" && value.length <= maxLength && DNS1123_LABEL.test(value);
}

export function isDns1123Subdomain(value: unknown): value is string {
    return typeof value === "string" && value.length <= DNS1123_SUBDOMAIN_MAX_LENGTH && DNS1123_SUBDOMAIN.test(value);
}

/** A TCP or UDP port number: a whole number from 1 to 65535. */
export function isPortNumber(value: unknown): value is number {
    // Number.isInteger is false for anything but a number, so it is the type check too.
    return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}
