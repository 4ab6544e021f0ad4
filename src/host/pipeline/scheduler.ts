// Which checkpoint to evaluate next: per-run queues fed by the watcher, bursts coalesced, already-evaluated
// identities skipped, newest first with older ones backfilled when idle, a stale running job cancelled by
// a newer checkpoint of its run. CheckpointQueue is the pure part; Scheduler adds timers and the job loop.
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { isKdInputError } from '../../core/errors';
import type { CheckpointRecord, RunId } from '../../core/runs';
import type { EvalResult, Progress } from '../../core/types';
import type { LogSink } from './logSink';
import type { Disposable } from './emitter';
import type { CheckpointEvent } from './watcher';
import { isWorkerError } from './workerClient';
import type { CancellationLike } from './workerClient';

/** A checkpoint waiting for evaluation; `force` (Re-run Analysis) skips the already-evaluated check. */
export interface QueuedJob extends CheckpointEvent {
  readonly force?: boolean;
}

/** True when a is a later checkpoint than b: by step when both names have one, else by mtime. */
export function isNewer(a: CheckpointEvent, b: CheckpointEvent): boolean {
  if (a.step !== null && b.step !== null && a.step !== b.step) return a.step > b.step;
  if (a.mtimeMs !== b.mtimeMs) return a.mtimeMs > b.mtimeMs;
  return a.path > b.path;
}

const sameIdentity = (a: CheckpointEvent, b: CheckpointEvent): boolean => a.path === b.path && a.mtimeMs === b.mtimeMs && a.size === b.size;

interface Entry {
  readonly job: QueuedJob;
  /** Release order, FIFO between runs. */
  readonly seq: number;
}

/**
 * The queue logic without timers or I/O. Jobs are `offer`ed (pending), `release`d per run when a burst
 * settles (ready), taken by `next()` and reported back with `finish`/`requeue`. One job runs at a time
 * (there is one worker).
 */
export class CheckpointQueue {
  private readonly pending = new Map<RunId, Map<string, QueuedJob>>();
  private readonly ready = new Map<RunId, Map<string, Entry>>();
  /** Latest identity evaluated per run and path, in this session (the store answers for earlier ones). */
  private readonly finished = new Map<RunId, Map<string, CheckpointEvent>>();
  /** Newest checkpoint started per run: a ready job newer than it is "fresh", older ones are backfill. */
  private readonly high = new Map<RunId, CheckpointEvent>();
  private seq = 0;
  private _running: QueuedJob | undefined;

  constructor(private readonly isCurrent: (runId: RunId, path: string, mtimeMs: number, size: number) => boolean) {}

  get running(): QueuedJob | undefined {
    return this._running;
  }

  /** A checkpoint event arrives (replaces a pending one of the same path). */
  offer(job: QueuedJob): void {
    let m = this.pending.get(job.runId);
    if (!m) this.pending.set(job.runId, (m = new Map()));
    const prev = m.get(job.path);
    m.set(job.path, prev?.force && !job.force ? { ...job, force: true } : job);
  }

  /**
   * The burst of `runId` has settled: pending jobs that still need work become ready. Returns true when
   * the running job should be cancelled: same run, and a released job is newer or is its own file with
   * a new identity.
   */
  release(runId: RunId): boolean {
    const m = this.pending.get(runId);
    this.pending.delete(runId);
    if (!m) return false;
    const seq = ++this.seq;
    let preempt = false;
    for (const job of m.values()) {
      if (!this.needsWork(job)) continue;
      const r = this._running;
      if (r && sameIdentity(r, job) && !job.force) continue;
      let rm = this.ready.get(runId);
      if (!rm) this.ready.set(runId, (rm = new Map()));
      rm.set(job.path, { job, seq });
      if (r && r.runId === runId && (r.path === job.path || isNewer(job, r))) preempt = true;
    }
    // Jobs that displace the running one take its turn: they start next, ahead of other runs' work.
    if (preempt) for (const [p, e] of this.ready.get(runId) ?? []) if (e.seq === seq) this.ready.get(runId)?.set(p, { job: e.job, seq: -seq });
    return preempt;
  }

  /** The next job to start (and marks it running): fresh jobs before backfill, newest first per run, FIFO between runs. */
  next(): QueuedJob | undefined {
    if (this._running) return undefined;
    let best: { e: Entry; fresh: boolean } | undefined;
    for (const [runId, rm] of this.ready) {
      // Re-check: the store may have the result by now (another window, an earlier release).
      for (const [p, e] of rm) if (!this.needsWork(e.job)) rm.delete(p);
      let head: Entry | undefined;
      for (const e of rm.values()) if (!head || isNewer(e.job, head.job)) head = e;
      if (!head) continue;
      const h = this.high.get(runId);
      const fresh = !h || isNewer(head.job, h) || head.job.path === h.path;
      if (!best || (fresh && !best.fresh) || (fresh === best.fresh && head.seq < best.e.seq)) best = { e: head, fresh };
    }
    if (!best) return undefined;
    const job = best.e.job;
    this.ready.get(job.runId)?.delete(job.path);
    const h = this.high.get(job.runId);
    if (!h || isNewer(job, h)) this.high.set(job.runId, job);
    this._running = job;
    return job;
  }

  /** The running job ended with a result or a recorded error: never evaluate this identity again. */
  finish(job: QueuedJob): void {
    if (this._running === job) this._running = undefined;
    let f = this.finished.get(job.runId);
    if (!f) this.finished.set(job.runId, (f = new Map()));
    f.set(job.path, job);
  }

  /** The running job was interrupted (preempted, worker restarting): back to ready unless superseded. */
  requeue(job: QueuedJob): void {
    if (this._running === job) this._running = undefined;
    const rm = this.ready.get(job.runId) ?? new Map<string, Entry>();
    this.ready.set(job.runId, rm);
    if (!rm.has(job.path) && this.needsWork(job)) rm.set(job.path, { job, seq: ++this.seq });
  }

  /** The running job was cancelled by the user: drop it (a file change or Re-run brings it back). */
  drop(job: QueuedJob): void {
    if (this._running === job) this._running = undefined;
  }

  /** Forget one waiting checkpoint (its request was cancelled). */
  remove(runId: RunId, path: string): void {
    this.pending.get(runId)?.delete(path);
    this.ready.get(runId)?.delete(path);
  }

  /** Forget everything queued for a run (run removed or its glob changed). */
  clearRun(runId: RunId): void {
    this.pending.delete(runId);
    this.ready.delete(runId);
    this.high.delete(runId);
  }

  /** Ready jobs of a run (or all), in the order they would start within their run. */
  queued(runId?: RunId): QueuedJob[] {
    const out: QueuedJob[] = [];
    for (const [id, rm] of this.ready) if (runId === undefined || id === runId) out.push(...[...rm.values()].map((e) => e.job));
    return out.sort((a, b) => (isNewer(a, b) ? -1 : isNewer(b, a) ? 1 : 0));
  }

  hasPending(runId: RunId): boolean {
    return (this.pending.get(runId)?.size ?? 0) > 0;
  }

  /** Position of a step-less checkpoint among the run's known checkpoints by mtime (CheckpointRecord.step). */
  positionByMtime(job: CheckpointEvent): number {
    const known = new Map<string, number>();
    for (const m of [this.finished.get(job.runId), this.ready.get(job.runId)]) for (const [p, v] of m ?? []) known.set(p, 'job' in v ? v.job.mtimeMs : v.mtimeMs);
    known.set(job.path, job.mtimeMs);
    return [...known.entries()].filter(([p, t]) => p !== job.path && t < job.mtimeMs).length;
  }

  private needsWork(job: QueuedJob): boolean {
    if (job.force) return true;
    const f = this.finished.get(job.runId)?.get(job.path);
    if (f && sameIdentity(f, job)) return false;
    return !this.isCurrent(job.runId, job.path, job.mtimeMs, job.size);
  }
}

/** Timers and clock, injected by tests. */
export interface TimerApi {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

const realTimers: TimerApi = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

/** What evaluate gets besides the job: the job's cancellation and where its progress goes. */
/** How an evaluation ended (a preempted or postponed job is not finished: it runs again). */
export type JobOutcome =
  | { readonly kind: 'ok'; readonly ms: number }
  | { readonly kind: 'error'; readonly ms: number; readonly error: string }
  | { readonly kind: 'cancelled'; readonly ms: number };

/** The one log line of a finished evaluation: checkpoint, duration, outcome. */
export function outcomeLine(job: QueuedJob, o: JobOutcome): string {
  const what = o.kind === 'ok' ? 'ok' : o.kind === 'cancelled' ? 'cancelled' : 'error: ' + o.error;
  return 'evaluated ' + job.relPath + ' in ' + (o.ms / 1000).toFixed(1) + ' s: ' + what;
}

export interface EvaluateContext {
  readonly token: CancellationLike;
  readonly onProgress: (p: Progress) => void;
}

export interface SchedulerOptions {
  /** Whether the history already holds this run's checkpoint with this identity. */
  readonly isCurrent: (runId: RunId, path: string, mtimeMs: number, size: number) => boolean;
  /** Evaluate one checkpoint (the pipeline builds AnalyzeParams from the run and calls WorkerClient.analyze). */
  readonly evaluate: (job: QueuedJob, ctx: EvaluateContext) => Promise<EvalResult>;
  /** A result to store (awaited before the next job starts, so isCurrent sees it). */
  readonly onResult: (record: CheckpointRecord, result: EvalResult) => void | Promise<void>;
  /** A checkpoint that cannot be evaluated (input error, or it crashed the worker twice). */
  readonly onError: (record: CheckpointRecord) => void | Promise<void>;
  readonly onProgress?: (job: QueuedJob, p: Progress) => void;
  /** An evaluation ended with a result, an error or a cancel (requests the user made wait for this). */
  readonly onFinished?: (job: QueuedJob, outcome: JobOutcome) => void;
  /** Something changed: a job started or ended, the queue changed (status bar, tree marks). */
  readonly onDidChange?: () => void;
  readonly log?: LogSink;
  /** Quiet time that ends a burst (default 500 ms); a burst is released after at most 5× that anyway. */
  readonly debounceMs?: number;
  readonly timers?: TimerApi;
  /** evaluatedAt clock. */
  readonly now?: () => Date;
}

/** Runs the queue: debounce timers per run, one evaluation at a time, cancellation, outcome routing. */
export class Scheduler implements Disposable {
  private readonly q: CheckpointQueue;
  private readonly timers: TimerApi;
  private readonly debounceMs: number;
  private readonly bursts = new Map<RunId, { timer: unknown; first: number }>();
  private current: { job: QueuedJob; cts: CancellationTokenSource; why?: 'preempted' | 'user'; progress?: Progress } | undefined;
  private paused = false;
  private disposed = false;
  /** Resolves when the scheduler next has nothing running, queued or pending (tests, shutdown). */
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: SchedulerOptions) {
    this.q = new CheckpointQueue(opts.isCurrent);
    this.timers = opts.timers ?? realTimers;
    this.debounceMs = opts.debounceMs ?? 500;
  }

  /** A checkpoint from the watcher (or Re-run Analysis with force). */
  enqueue(job: QueuedJob): void {
    if (this.disposed) return;
    this.q.offer(job);
    const b = this.bursts.get(job.runId);
    const now = this.timers.now();
    if (b) this.timers.clear(b.timer);
    const first = b?.first ?? now;
    // Trailing debounce, capped so a steady stream of writes still gets evaluated.
    const wait = Math.max(0, Math.min(this.debounceMs, first + 5 * this.debounceMs - now));
    const timer = this.timers.set(() => this.flush(job.runId), wait);
    this.bursts.set(job.runId, { timer, first });
  }

  /** Ends the burst of a run now (also what the debounce timer calls). */
  flush(runId: RunId): void {
    const b = this.bursts.get(runId);
    if (b) this.timers.clear(b.timer);
    this.bursts.delete(runId);
    const before = this.q.queued(runId).length;
    const preempt = this.q.release(runId);
    this.opts.log?.debug?.(`queue: burst of ${runId} settled, ${this.q.queued(runId).length - before} checkpoint(s) released, ${this.q.queued().length} waiting`);
    if (preempt && this.current && !this.current.why) {
      this.opts.log?.info(`A newer checkpoint of ${runId} arrived: cancelling the evaluation of ${this.current.job.relPath}.`);
      this.current.why = 'preempted';
      this.current.cts.cancel();
    }
    this.opts.onDidChange?.();
    this.pump();
  }

  /** The user cancelled (progress UI): the running job of `runId` (or any) stops and is not re-queued. */
  cancelRunning(runId?: RunId): void {
    const c = this.current;
    if (!c || (runId !== undefined && c.job.runId !== runId)) return;
    c.why = 'user';
    c.cts.cancel();
  }

  /** The user cancelled a request: its waiting checkpoints are dropped, its running one cancelled. */
  cancelPaths(runId: RunId, paths: readonly string[]): void {
    for (const p of paths) this.q.remove(runId, p);
    if (this.current && this.current.job.runId === runId && paths.includes(this.current.job.path)) this.cancelRunning(runId);
    this.opts.onDidChange?.();
  }

  /** Drops a run's queued jobs and cancels its running one (run removed or reconfigured). */
  clearRun(runId: RunId): void {
    const b = this.bursts.get(runId);
    if (b) this.timers.clear(b.timer);
    this.bursts.delete(runId);
    this.q.clearRun(runId);
    this.cancelRunning(runId);
    this.opts.onDidChange?.();
  }

  /** After the worker stopped (jobs kept), call when it is running again. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pump();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** The running job and its last progress, for the status bar and progress UI. */
  running(): { readonly job: QueuedJob; readonly progress?: Progress } | undefined {
    return this.current ? { job: this.current.job, progress: this.current.progress } : undefined;
  }

  queued(runId?: RunId): QueuedJob[] {
    return this.q.queued(runId);
  }

  /** Resolves once nothing is running, ready or pending. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  dispose(): void {
    this.disposed = true;
    for (const b of this.bursts.values()) this.timers.clear(b.timer);
    this.bursts.clear();
    this.cancelRunning();
  }

  private isIdle(): boolean {
    return !this.current && this.bursts.size === 0 && this.q.queued().length === 0;
  }

  private pump(): void {
    if (this.disposed || this.paused || this.current) return this.checkIdle();
    const job = this.q.next();
    if (!job) return this.checkIdle();
    const cts = new CancellationTokenSource();
    const cur: NonNullable<Scheduler['current']> = { job, cts };
    this.current = cur;
    this.opts.onDidChange?.();
    void this.runJob(cur).finally(() => {
      cts.dispose();
      if (this.current === cur) this.current = undefined;
      this.opts.onDidChange?.();
      this.pump();
    });
  }

  private async runJob(cur: NonNullable<Scheduler['current']>): Promise<void> {
    const { job, cts } = cur;
    const base = { runId: job.runId, path: job.path, step: job.step ?? this.q.positionByMtime(job), mtimeMs: job.mtimeMs, size: job.size };
    const started = this.timers.now();
    const finished = (o: { kind: 'ok' | 'cancelled' } | { kind: 'error'; error: string }): void => {
      const outcome = { ...o, ms: this.timers.now() - started } as JobOutcome;
      const line = outcomeLine(job, outcome);
      if (outcome.kind === 'error') this.opts.log?.error(line);
      else this.opts.log?.info(line);
      this.opts.onFinished?.(job, outcome);
    };
    let result: EvalResult;
    try {
      result = await this.opts.evaluate(job, {
        token: cts.token,
        onProgress: (p) => {
          cur.progress = p;
          this.opts.onProgress?.(job, p);
        },
      });
    } catch (e) {
      if (cur.why === 'preempted') {
        this.q.requeue(job);
      } else if (isWorkerError(e, 'restarted')) {
        // The user restarts a worker that looks stuck: sending the same job again would get stuck again.
        this.q.finish(job);
        const error = 'Interrupted by Restart Worker; use Re-run to evaluate it again.';
        await this.safely(() => this.opts.onError({ ...base, evaluatedAt: this.now(), status: 'error', error }));
        finished({ kind: 'error', error });
      } else if (cur.why === 'user' || isWorkerError(e, 'cancelled')) {
        // A cancel that did not come from here (e.g. a token the pipeline linked) counts as the user's.
        this.q.drop(job);
        finished({ kind: 'cancelled' });
      } else if (isWorkerError(e, 'stopped', 'disposed')) {
        // Not the checkpoint's fault: keep it for when the worker runs again.
        this.q.requeue(job);
        this.paused = true;
        this.opts.log?.warn(`Evaluation of ${job.relPath} postponed: ${e.message}`);
      } else {
        const msg = isKdInputError(e) || isWorkerError(e) ? e.message : e instanceof Error ? e.message : String(e);
        this.q.finish(job);
        await this.safely(() => this.opts.onError({ ...base, evaluatedAt: this.now(), status: 'error', error: msg.split('\n')[0] }));
        finished({ kind: 'error', error: msg });
      }
      return;
    }
    // A result that arrives after a cancel request is still a valid result for its identity: keep it.
    this.q.finish(job);
    await this.safely(() => this.opts.onResult({ ...base, evaluatedAt: this.now(), status: 'done' }, result));
    finished({ kind: 'ok' });
  }

  private async safely(fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.opts.log?.error(`Storing a result failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private now(): string {
    return (this.opts.now?.() ?? new Date()).toISOString();
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }
}
