/**
 * image-pinned: every container image is a valid reference that names one image for good: an explicit tag other
 * than `latest`, or a digest; optionally only from allowed repositories and only by digest.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Finding, validateWith } from "./finding";
import {
    IMAGE_FORM,
    ImageReference,
    ImageReferenceError,
    parseImageReference,
    splitRepository,
    unpinnedReason,
} from "../k8s-grammar/image-reference";
import { isUnknown } from "./unknown";
import { Json, containersOf, shown, workloadOf } from "./workloads";

export interface ImagePinnedConfig {
    /**
     * Repositories, optionally with a tag pattern, that images may come from: `redis` (any tag), `redis:7.2*-alpine`
     * (`*` matches any run of characters), `registry.example.com/team/*` (anything under a path), or `*` (anything).
     * Repositories are normalised before matching, so `redis` is `docker.io/library/redis`.
     */
    readonly allowedImages: readonly string[];
    /** Require a digest (`@sha256:…`) on every image. */
    readonly requireDigest: boolean;
}

/**
 * By default any pinned image is allowed, as the program allows it, so that the pack fits an organisation's other
 * workloads and a move to Redis 7.4 or Valkey needs no pack change. An organisation narrows it in its pack config.
 */
export const IMAGE_PINNED_DEFAULTS: ImagePinnedConfig = {
    allowedImages: ["*"],
    requireDigest: false,
};

interface AllowPattern {
    readonly text: string;
    readonly repository: RegExp;
    readonly tag?: RegExp;
}

function globToRegExp(glob: string): RegExp {
    return new RegExp(
        `^${glob
            .split("*")
            .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
    );
}

/** Splits `repo[:tag]` and normalises the repository as image references are (domain, `library/`). */
export function parseAllowPattern(text: string): AllowPattern {
    if (text === "*") return { text, repository: /^/ };
    const slash = text.lastIndexOf("/");
    const colon = text.lastIndexOf(":");
    const hasTag = colon > slash;
    const { domain, path } = splitRepository(hasTag ? text.slice(0, colon) : text);
    const tag = hasTag ? text.slice(colon + 1) : undefined;
    return {
        text,
        repository: globToRegExp(`${domain}/${path}`),
        tag: tag === undefined ? undefined : globToRegExp(tag),
    };
}

function isAllowed(reference: ImageReference, patterns: readonly AllowPattern[]): boolean {
    return patterns.some(
        (p) =>
            p.repository.test(reference.repository) &&
            (p.tag === undefined || (reference.tag !== undefined && p.tag.test(reference.tag))),
    );
}

/** The findings of image-pinned for one resource (none for kinds without containers). */
export function checkImagesPinned(type: string, props: Json, name: string, config: ImagePinnedConfig): Finding[] {
    const workload = workloadOf(type, props, name);
    if (workload === undefined) return [];
    const patterns = config.allowedImages.map(parseAllowPattern);
    const findings: Finding[] = [];
    for (const ref of containersOf(workload)) {
        const image = ref.container.image;
        const field = `${ref.path}.image`;
        const at = { resource: workload.displayName, container: ref.name, field, found: shown(image) };
        if (isUnknown(image) || (image === undefined && workload.isPatch)) continue;
        if (typeof image !== "string" || image === "") {
            findings.push({ ...at, problem: "a container needs an image", expected: IMAGE_FORM });
            continue;
        }
        let reference: ImageReference;
        try {
            reference = parseImageReference(image);
        } catch (error) {
            if (!(error instanceof ImageReferenceError)) throw error;
            findings.push({ ...at, problem: `not a valid image reference: ${error.reason}`, expected: IMAGE_FORM });
            continue;
        }
        const unpinned = unpinnedReason(reference);
        if (unpinned !== undefined) {
            findings.push({ ...at, problem: `the image is not pinned: ${unpinned}`, expected: IMAGE_FORM });
        }
        if (config.requireDigest && reference.digest === undefined) {
            findings.push({
                ...at,
                problem: "requireDigest is set and the image has no digest",
                expected: "a reference ending in @sha256:<64 lower-case hex characters>",
            });
        }
        if (!isAllowed(reference, patterns)) {
            findings.push({
                ...at,
                problem: `${reference.repository}${reference.tag === undefined ? "" : `:${reference.tag}`} is not in allowedImages`,
                expected: `an image matching one of ${config.allowedImages.map((p) => JSON.stringify(p)).join(", ")}`,
            });
        }
    }
    return findings;
}

export const imagePinned: ResourceValidationPolicy = {
    name: "image-pinned",
    description:
        "Every container image (containers, init and ephemeral, of every workload kind and its Patch) is a valid reference pinned by a tag other than latest or by a digest, from allowedImages.",
    remediationSteps: `Set the image the message names to a pinned reference: ${IMAGE_FORM}. Where requireDigest is on, pin it by digest: a reference ending in @sha256:<64 lower-case hex characters>. An image outside allowedImages needs an image matching one of its patterns, or its pattern added to allowedImages.`,
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedImages: {
                type: "array",
                items: { type: "string", minLength: 1 },
                default: [...IMAGE_PINNED_DEFAULTS.allowedImages],
                description: "Repositories (normalised), optionally with a tag pattern using *; * alone admits all.",
            },
            requireDigest: { type: "boolean", default: IMAGE_PINNED_DEFAULTS.requireDigest },
        },
    },
    validateResource: validateWith(IMAGE_PINNED_DEFAULTS, checkImagesPinned),
};
