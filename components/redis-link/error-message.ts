/** The message of anything thrown: ioredis and the Kubernetes client reject with Errors, scripts may not. */
export function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
