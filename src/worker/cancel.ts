// Cooperative cancellation for engine jobs: long loops call checkAborted between chunks; adapters map
// JobCancelled to JSON-RPC's RequestCancelled (worker) or exit code 130 (CLI).
export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new JobCancelled();
}

/** Yields to the event loop so a cancellation message can be read between chunks. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Our JobCancelled or a DOM-style AbortError (thrown by code that honours an AbortSignal directly). */
export function isCancellation(e: unknown): boolean {
  return e instanceof JobCancelled || (e instanceof Error && e.name === 'AbortError');
}
