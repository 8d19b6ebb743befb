/**
 * Container image references, parsed by the grammar of distribution/reference (what Docker and the kubelet use):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path
 *   domain     := host [ ":" port ]
 *   path       := component ( "/" component )*      component := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [\w][\w.-]{0,127}
 *   digest     := algorithm ":" hex                  (sha256: exactly 64 lowercase hex characters)
 *
 * The first path component is a registry only when it contains "." or ":", is "localhost", or has upper case.
 */

export interface ImageReference {
    /** The text as given. */
    readonly text: string;
    /** The registry host (and port), normalised: no registry means `docker.io`. */
    readonly domain: string;
    /** The repository path, normalised: an official Docker Hub image gets `library/`. */
    readonly path: string;
    /** `domain/path`, the form to match allow-lists against. */
    readonly repository: string;
    /** The tag as written, or undefined when there is none. */
    readonly tag?: string;
    /** The digest as written (`sha256:…`), or undefined when there is none. */
    readonly digest?: string;
}

export class ImageReferenceError extends Error {
    constructor(
        readonly text: string,
        readonly reason: string,
    ) {
        super(`"${text}" is not a valid image reference: ${reason}`);
        this.name = "ImageReferenceError";
    }
}

export const IMAGE_FORM =
    '[registry[:port]/]repository:tag or …@sha256:<64 lowercase hex>, with a tag other than "latest", e.g. "redis:7.2-alpine"';

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN_PATTERN = new RegExp(`^${HOST}(?::[0-9]+)?$`);
const PATH_COMPONENT_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;
const DIGEST_ALGORITHM_PATTERN = /^[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*$/;
const DIGEST_HEX_LENGTHS: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const MAX_NAME_LENGTH = 255;
const DEFAULT_DOMAIN = "docker.io";

/** Parses and normalises an image reference. Throws ImageReferenceError naming what is wrong. */
export function parseImageReference(text: string): ImageReference {
    if (typeof text !== "string" || text === "") {
        throw new ImageReferenceError(String(text), "it is empty");
    }
    if (/\s/.test(text)) {
        throw new ImageReferenceError(text, "it contains white space");
    }

    let rest = text;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at !== -1) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        checkDigest(text, digest);
    }

    let tag: string | undefined;
    const lastColon = rest.lastIndexOf(":");
    if (lastColon > rest.lastIndexOf("/")) {
        tag = rest.slice(lastColon + 1);
        rest = rest.slice(0, lastColon);
        if (tag === "") {
            throw new ImageReferenceError(text, 'the tag after ":" is empty');
        }
        if (!TAG_PATTERN.test(tag)) {
            throw new ImageReferenceError(text, `the tag "${tag}" does not match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
        }
    }

    if (rest === "") {
        throw new ImageReferenceError(text, "the repository name is empty");
    }
    if (rest.length > MAX_NAME_LENGTH) {
        throw new ImageReferenceError(text, `the repository name is longer than ${MAX_NAME_LENGTH} characters`);
    }

    const { domain, path } = splitDomain(text, rest);
    for (const component of path.split("/")) {
        if (!PATH_COMPONENT_PATTERN.test(component)) {
            const reason =
                component.toLowerCase() !== component
                    ? `the repository name must be lower case ("${component}")`
                    : `the path component "${component}" must be lower-case letters and digits, separated by ".", "_", "__" or "-"`;
            throw new ImageReferenceError(text, reason);
        }
    }
    return { text, domain, path, repository: `${domain}/${path}`, tag, digest };
}

function splitDomain(text: string, name: string): { domain: string; path: string } {
    const { domain, path, registry } = splitRepository(name);
    // Stryker disable next-line ConditionalExpression: without a registry the pattern is tested on "undefined", which it accepts
    if (registry !== undefined && !DOMAIN_PATTERN.test(registry)) {
        throw new ImageReferenceError(text, `the registry "${registry}" is not a host name with an optional :port`);
    }
    return { domain, path };
}

/**
 * Splits a repository name into registry and path, and normalises Docker Hub's names as Docker does: no registry, or
 * `index.docker.io`, is `docker.io`, and an official image gets `library/` (`redis` is `docker.io/library/redis`).
 * The first component is a registry only when it contains "." or ":", is "localhost", or has upper case.
 * `registry` is the registry as written, when there is one. Patterns (`registry.example.com/team/*`) split the same way.
 */
export function splitRepository(name: string): { domain: string; path: string; registry?: string } {
    const slash = name.indexOf("/");
    // Without a slash there is no first component: "" is no registry by any of the rules.
    const first = name.slice(0, Math.max(slash, 0));
    const hasRegistry =
        first.includes(".") || first.includes(":") || first === "localhost" || first.toLowerCase() !== first;
    const registry = hasRegistry ? first : undefined;
    const path = hasRegistry ? name.slice(slash + 1) : name;
    const domain = registry === undefined || registry === "index.docker.io" ? DEFAULT_DOMAIN : registry;
    const official = domain === DEFAULT_DOMAIN && !path.includes("/");
    return { domain, path: official ? `library/${path}` : path, registry };
}

function checkDigest(text: string, digest: string): void {
    const colon = digest.indexOf(":");
    if (colon === -1) {
        throw new ImageReferenceError(text, `the digest "${digest}" is not of the form algorithm:hex`);
    }
    const algorithm = digest.slice(0, colon);
    const hex = digest.slice(colon + 1);
    if (!DIGEST_ALGORITHM_PATTERN.test(algorithm)) {
        throw new ImageReferenceError(text, `the digest algorithm "${algorithm}" is malformed`);
    }
    const length = DIGEST_HEX_LENGTHS[algorithm];
    if (length === undefined) {
        throw new ImageReferenceError(text, `the digest algorithm "${algorithm}" is not one of sha256, sha384, sha512`);
    }
    if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
        throw new ImageReferenceError(
            text,
            `a ${algorithm} digest must be exactly ${length} lower-case hex characters (got ${hex.length} characters)`,
        );
    }
}

/** Why a parsed reference is not pinned, or undefined when it is (an explicit tag other than latest, or a digest). */
export function unpinnedReason(reference: ImageReference): string | undefined {
    if (reference.digest !== undefined) {
        return undefined; // What is pulled is the digest, whatever the tag says.
    }
    if (reference.tag === undefined) {
        return 'it has no tag, so it means ":latest"';
    }
    if (reference.tag === "latest") {
        return 'its tag is "latest"';
    }
    return undefined;
}
