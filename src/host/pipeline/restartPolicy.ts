// When a crashed worker may be restarted: at most `maxRestarts` restarts inside a sliding window, then
// stop and say why (vscode-languageclient's DefaultErrorHandler, with a sliding window instead of a
// counter that resets on time). Pure, clock injected; imported by src/host/workerClient.ts and tests.

export interface RestartPolicyOptions {
  /** Restarts allowed inside the window (default 4). */
  readonly maxRestarts?: number;
  /** Sliding window length in ms (default 3 minutes). */
  readonly windowMs?: number;
  /** Clock in ms; injected by tests. */
  readonly now?: () => number;
}

export type RestartDecision = { readonly action: 'restart'; readonly attempt: number } | { readonly action: 'stop'; readonly reason: string };

export class RestartPolicy {
  readonly maxRestarts: number;
  readonly windowMs: number;
  private readonly now: () => number;
  /** Times (ms) of the restarts granted, oldest first. */
  private restarts: number[] = [];

  constructor(opts: RestartPolicyOptions = {}) {
    this.maxRestarts = opts.maxRestarts ?? 4;
    this.windowMs = opts.windowMs ?? 3 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Called once per unexpected exit. Grants a restart while fewer than `maxRestarts` were granted in the
   * last `windowMs`; otherwise 'stop' with a one-line reason naming the count, the window and `cause`
   * (e.g. "killed by SIGKILL"). A granted restart is recorded, a refused one is not.
   */
  onCrash(cause: string): RestartDecision {
    const t = this.now();
    this.restarts = this.restarts.filter((r) => t - r < this.windowMs);
    if (this.restarts.length < this.maxRestarts) {
      this.restarts.push(t);
      return { action: 'restart', attempt: this.restarts.length };
    }
    const minutes = this.windowMs / 60_000;
    const span = Number.isInteger(minutes) ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(this.windowMs / 1000)} s`;
    return {
      action: 'stop',
      reason: `The KD Lens worker crashed ${this.maxRestarts + 1} times in ${span} (last: ${cause}); it was not restarted again. Run "KD Lens: Restart Worker" to start it.`,
    };
  }

  /** Restarts granted inside the current window (for the status tooltip). */
  recentRestarts(): number {
    const t = this.now();
    return this.restarts.filter((r) => t - r < this.windowMs).length;
  }

  /** A manual restart (the Restart Worker command) forgives all earlier crashes. */
  reset(): void {
    this.restarts = [];
  }
}
