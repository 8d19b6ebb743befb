/** The Kubernetes objects the program registers, as manifests, in the order its dependencies give. */
import { ProgramRun, runProgram } from "../../ops/lib/mock-program";

export interface Manifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
    readonly [key: string]: unknown;
}

/** The Kubernetes objects of a run, each after every object it depends on. */
export function manifestsOf(run: ProgramRun): Manifest[] {
    const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    const byUrn = new Map(objects.map((o) => [o.urn, o]));
    const ordered: typeof objects = [];
    const visit = (urn: string, seen: Set<string>) => {
        const object = byUrn.get(urn);
        if (object === undefined || ordered.includes(object)) return;
        if (seen.has(urn)) throw new Error(`dependency cycle at ${urn}`);
        seen.add(urn);
        for (const dependency of object.dependencies) visit(dependency, seen);
        ordered.push(object);
    };
    for (const object of objects) visit(object.urn, new Set());
    return ordered.map((o) => o.inputs as unknown as Manifest);
}

/** The program's manifests for a stack config. */
export async function programManifests(config: Record<string, string> = {}): Promise<Manifest[]> {
    return manifestsOf(await runProgram(config));
}
