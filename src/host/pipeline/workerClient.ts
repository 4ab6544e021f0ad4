// The extension host’s handle on the worker process (dist/worker.js): fork + vscode-jsonrpc over IPC,
// state with a change event, cancellable analyze/inspect, crash restarts per RestartPolicy with one retry
// of the interrupted job, worker logs into a LogSink. Host-only; talks to the worker via src/protocol.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc';
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import type { RequestType } from 'vscode-jsonrpc';
import { KdInputError } from '../../core/errors';
import type { KdErrorCode } from '../../core/errors';
import type { AnalyzeParams, EvalResult, ModelInspection, Progress } from '../../core/types';
import { AnalyzeRequest, DidProgressNotification, InitializeRequest, InspectRequest, LogNotification, ReportRequest, WorkerErrorCode } from '../../protocol/worker';
import type { ReportRequestParams, ReportRequestResult, WorkerInfo } from '../../protocol/worker';
import type { LogSink } from './logSink';
import { Emitter } from './emitter';
import type { Disposable } from './emitter';
import { RestartPolicy } from './restartPolicy';

export type WorkerState = 'starting' | 'ready' | 'busy' | 'crashed' | 'stopped';

/**
 * Why a request failed without an answer from the engine. 'crashed': the process died under it (after
 * the one retry); 'restarted': a manual restart interrupted it; 'stopped': the restart policy gave up;
 * 'timeout': it ran past the job time limit and the worker was ended (a fresh one is started).
 */
export type WorkerFailure = 'cancelled' | 'crashed' | 'restarted' | 'stopped' | 'disposed' | 'internal' | 'timeout';

/** Default job time limit: far above a 224-px report of 512 images on 2 cores, far below "forever". */
export const DEFAULT_JOB_TIMEOUT_MS = 30 * 60_000;
/** How long a cancelled job may take to stop before its process is ended (a blocked job never reads the cancel). */
export const DEFAULT_CANCEL_GRACE_MS = 5000;

export class WorkerError extends Error {
  constructor(
    readonly reason: WorkerFailure,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

export function isWorkerError(e: unknown, ...reasons: WorkerFailure[]): e is WorkerError {
  return e instanceof WorkerError && (reasons.length === 0 || reasons.includes(e.reason));
}

/** Structural subset of vscode.CancellationToken / vscode-jsonrpc CancellationToken. */
export interface CancellationLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => unknown): { dispose(): unknown };
}

export interface JobOptions {
  readonly onProgress?: (p: Progress) => void;
  readonly token?: CancellationLike;
}

export interface WorkerClientOptions {
  /** Absolute path of dist/worker.js. */
  readonly workerPath: string;
  readonly log: LogSink;
  /** Backend preference passed to kdlens/initialize. */
  readonly prefer?: 'tensorflow' | 'wasm' | 'cpu';
  readonly policy?: RestartPolicy;
  /** Delay before restart n (1-based) is (n-1)·restartDelayMs, so a crash loop does not spin (default 250). */
  readonly restartDelayMs?: number;
  /** Node flags for the worker; default none (the extension host’s own --inspect flags must not leak). */
  readonly execArgv?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Time limit of one request (analyze, report, inspect); past it the process is ended (default 30 min). */
  readonly jobTimeoutMs?: number;
  /** After a cancel, how long a request may take to stop before its process is ended (default 5 s). */
  readonly cancelGraceMs?: number;
}

interface Session {
  readonly child: ChildProcess;
  readonly conn: MessageConnection;
  /** Set before we end the process ourselves (restart, dispose): its exit is not a crash. */
  intentional: boolean;
  /** Set (synchronously) when the process has exited: pending replies then mean "died", not "failed". */
  exitCause?: string;
  /** Resolves with a one-line cause ("killed by SIGKILL", "exit code 1") when the process is gone. */
  readonly exited: Promise<string>;
  info?: WorkerInfo;
  /**
   * Requests sent on this session and not answered yet. A death with one pending is the job’s doing: it is
   * retried once and then recorded against that checkpoint, and not counted by the restart policy, which
   * is for a worker that dies on its own (docs/architecture.md "Host ⇄ worker protocol").
   */
  pending: number;
}

interface Waiter {
  resolve(s: Session): void;
  reject(e: unknown): void;
}

const STDERR_PREFIX = /^\[kdlens worker \d+\] (?:debug|info|warn|error): /;

export class WorkerClient implements Disposable {
  private readonly opts: WorkerClientOptions;
  private readonly policy: RestartPolicy;
  private readonly stateEmitter = new Emitter<WorkerState>();
  /** Fires on every state change (not on repeats). */
  readonly onDidChangeState = this.stateEmitter.event;
  private _state: WorkerState = 'stopped';
  private _stoppedReason: string | undefined;
  private session: Session | undefined;
  private waiters: Waiter[] = [];
  private inFlight = 0;
  private jobSeq = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly progress = new Map<string, (p: Progress) => void>();
  /** Last raw stderr lines, quoted when the process dies. */
  private stderrTail: string[] = [];

  constructor(opts: WorkerClientOptions) {
    this.opts = opts;
    this.policy = opts.policy ?? new RestartPolicy();
  }

  get state(): WorkerState {
    return this._state;
  }

  /** Set when the state is 'stopped' because the policy gave up or initialisation failed. */
  get stoppedReason(): string | undefined {
    return this._stoppedReason;
  }

  /** What the running worker reported on initialize (backend, SIMD, patches, pid). */
  get info(): WorkerInfo | undefined {
    return this.session?.info;
  }

  /** OS pid of the current worker process, if one is running. */
  get pid(): number | undefined {
    return this.session?.child.pid;
  }

  /** Starts the worker if it is not running; resolves when it answered kdlens/initialize. */
  async start(): Promise<WorkerInfo> {
    const s = await this.ready();
    return s.info as WorkerInfo;
  }

  /**
   * Evaluates one checkpoint. Progress arrives through `onProgress`; cancelling `token` rejects with
   * WorkerError('cancelled'). If the worker dies mid-job it is restarted (per the policy) and the job is
   * sent once more; a second death rejects with WorkerError('crashed'). Input problems reject with
   * KdInputError (code from the worker), other engine failures with WorkerError('internal').
   */
  analyze(params: AnalyzeParams, opts: JobOptions = {}): Promise<EvalResult> {
    return this.call(`analysing ${params.student}`, opts.token, (s, token) => this.job(s, AnalyzeRequest, (jobId) => ({ jobId, params }), opts, token));
  }

  /**
   * Export Report: the worker writes the report of `req.params.student` into `req.out`, with the very
   * params the panel’s evaluation used (docs/architecture.md "One route through the engine").
   */
  report(req: Omit<ReportRequestParams, 'jobId'>, opts: JobOptions = {}): Promise<ReportRequestResult> {
    return this.call(`writing the report of ${req.params.student}`, opts.token, (s, token) => this.job(s, ReportRequest, (jobId) => ({ ...req, jobId }), opts, token));
  }

  /** A request that reports progress under a fresh job id. */
  private job<P, R>(s: Session, type: RequestType<P, R, void>, params: (jobId: string) => P, opts: JobOptions, token: CancellationLike | undefined): Promise<R> {
    const jobId = `job-${++this.jobSeq}`;
    if (opts.onProgress) this.progress.set(jobId, opts.onProgress);
    return this.request(s, type, params(jobId), token, true).finally(() => this.progress.delete(jobId));
  }

  /** Describes a model file (format, input, stages); same failure rules as analyze. */
  inspect(path: string, opts: { readonly token?: CancellationLike } = {}): Promise<ModelInspection> {
    return this.call(`inspecting ${path}`, opts.token, (s, token) => this.request(s, InspectRequest, { path }, token, true));
  }

  /**
   * The Restart Worker command: forgives earlier crashes, ends the current process (jobs on it reject
   * with WorkerError('restarted')) and starts a fresh one.
   */
  restart(): Promise<WorkerInfo> {
    if (this.disposed) return Promise.reject(new WorkerError('disposed', 'The KD Lens worker client was disposed.'));
    this.policy.reset();
    this._stoppedReason = undefined;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const old = this.session;
    this.session = undefined;
    if (old) this.end(old);
    this.opts.log.info('Restarting the KD Lens worker.');
    this.spawn();
    return this.start();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.restartTimer);
    const s = this.session;
    this.session = undefined;
    // At once: the host may be exiting, and a worker blocked in a job would never read the disconnect.
    if (s) this.end(s, true);
    this.rejectWaiters(new WorkerError('disposed', 'The KD Lens worker client was disposed.'));
    this.setState('stopped');
    this.stateEmitter.dispose();
  }

  // ---- requests -------------------------------------------------------------------------------

  /** Runs `send` on a ready session; retries once on a fresh session if the process died under it. */
  private async call<R>(what: string, token: CancellationLike | undefined, send: (s: Session, token: CancellationLike | undefined) => Promise<R>): Promise<R> {
    // Counted from the first wait to the last reply, so a job waiting out a restart keeps the state 'busy'.
    this.inFlight++;
    try {
      return await this.attempt(what, token, send);
    } finally {
      this.inFlight--;
      this.updateBusy();
    }
  }

  private async attempt<R>(what: string, token: CancellationLike | undefined, send: (s: Session, token: CancellationLike | undefined) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const s = await this.ready(token);
      this.updateBusy();
      try {
        return await send(s, token);
      } catch (e) {
        if (this.disposed) throw new WorkerError('disposed', 'The KD Lens worker client was disposed.');
        if (isWorkerError(e, 'crashed')) {
          if (attempt === 1 && !this.disposed) {
            this.opts.log.warn(`The worker died while ${what} (${e.message}); retrying once after the restart.`);
            continue;
          }
          throw new WorkerError('crashed', `The KD Lens worker crashed twice while ${what} (last: ${e.message}).`);
        }
        if (isWorkerError(e, 'restarted')) throw new WorkerError('restarted', `The KD Lens worker was restarted while ${what}.`);
        throw e;
      }
    }
  }

  /**
   * One JSON-RPC request on one session, rejected (never left pending) if that process exits. A `guarded`
   * request (a job) also ends when it passes the time limit or ignores a cancel: its process is ended.
   */
  private request<P, R>(s: Session, type: RequestType<P, R, void>, params: P, token: CancellationLike | undefined, guarded = false): Promise<R> {
    if (token?.isCancellationRequested) return Promise.reject(new WorkerError('cancelled', 'Cancelled.'));
    const cts = new CancellationTokenSource();
    const sub = token?.onCancellationRequested(() => cts.cancel());
    // `as never`: jsonrpc’s RequestParam<P> is a conditional type that cannot resolve for a generic P;
    // the signature of this method already ties params to the request type.
    const reply = s.conn.sendRequest(type, params as never, cts.token).catch((e: unknown) => {
      // Disposing the connection (exit, restart) rejects pending replies with a generic jsonrpc error.
      if (s.intentional || s.exitCause !== undefined) throw new WorkerError(s.intentional ? 'restarted' : 'crashed', s.exitCause ?? 'the worker was ended');
      throw toClientError(e);
    });
    const died = s.exited.then((cause) => {
      throw new WorkerError(s.intentional ? 'restarted' : 'crashed', cause);
    });
    reply.catch(() => undefined);
    died.catch(() => undefined);
    const guard = guarded ? this.guard(s, token) : undefined;
    if (guarded) s.pending++;
    return Promise.race([reply, died, ...(guard ? [guard.ended] : [])]).finally(() => {
      if (guarded) s.pending--;
      guard?.dispose();
      sub?.dispose();
      cts.dispose();
    });
  }

  /**
   * The job time limit and the cancel grace period of one request on `s`: either ends the process (a job
   * blocked in a loop never answers, and never reads a cancel) and rejects `ended` with why.
   */
  private guard(s: Session, token: CancellationLike | undefined): { ended: Promise<never>; dispose(): void } {
    let fail: (e: WorkerError) => void = () => undefined;
    const ended = new Promise<never>((_, reject) => (fail = reject));
    ended.catch(() => undefined);
    const limit = this.opts.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
    const grace = this.opts.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    let graceTimer: NodeJS.Timeout | undefined;
    const endWith = (reason: 'timeout' | 'cancelled', message: string): void => {
      fail(new WorkerError(reason, message));
      this.replace(s, message);
    };
    const limitTimer = setTimeout(() => endWith('timeout', 'Stopped after ' + formatMs(limit) + ' (the job time limit, setting kdlens.jobTimeoutMinutes); the worker was ended and started again'), limit);
    const sub = token?.onCancellationRequested(() => {
      graceTimer ??= setTimeout(() => endWith('cancelled', 'Cancelled (the job did not stop within ' + formatMs(grace) + '; the worker was ended and started again).'), grace);
    });
    return {
      ended,
      dispose: () => {
        clearTimeout(limitTimer);
        clearTimeout(graceTimer);
        sub?.dispose();
      },
    };
  }

  /** Ends a session that is stuck in a job and starts a fresh worker in its place (not a crash: no policy). */
  private replace(s: Session, why: string): void {
    if (this.session !== s || this.disposed) return;
    this.opts.log.warn('Ending the KD Lens worker (pid ' + (s.child.pid ?? '?') + '): ' + why + '.');
    this.session = undefined;
    this.end(s, true);
    this.spawn();
  }

  /** A session that answered initialize; starts one when none ran yet; waits across a restart. */
  private ready(token?: CancellationLike): Promise<Session> {
    if (this.disposed) return Promise.reject(new WorkerError('disposed', 'The KD Lens worker client was disposed.'));
    if (this.session?.info && (this._state === 'ready' || this._state === 'busy')) return Promise.resolve(this.session);
    if (this._state === 'stopped') {
      if (!this._stoppedReason) this.spawn();
      if (this._stoppedReason) return Promise.reject(new WorkerError('stopped', this._stoppedReason));
    }
    return new Promise<Session>((resolve, reject) => {
      if (token?.isCancellationRequested) return reject(new WorkerError('cancelled', 'Cancelled.'));
      const sub = token?.onCancellationRequested(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new WorkerError('cancelled', 'Cancelled.'));
      });
      const waiter: Waiter = {
        resolve: (s) => {
          sub?.dispose();
          resolve(s);
        },
        reject: (e) => {
          sub?.dispose();
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  // ---- process lifecycle ----------------------------------------------------------------------

  /** Starts a worker process and its session: fork, connect, watch its exit, then initialize. */
  private spawn(): void {
    this._stoppedReason = undefined;
    if (!fs.existsSync(this.opts.workerPath)) {
      this.stop(`The KD Lens worker is missing: ${this.opts.workerPath} does not exist (was the extension built?).`);
      return;
    }
    const child = this.forkWorker();
    const conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    let onExit: (cause: string) => void = () => undefined;
    const exited = new Promise<string>((resolve) => (onExit = resolve));
    const s: Session = { child, conn, intentional: false, exited, pending: 0 };
    this.session = s;
    this.stderrTail = [];
    this.setState('starting');
    this.listen(conn);
    this.pipeOutput(child);
    this.watchExit(s, onExit);
    this.initialize(s);
  }

  private forkWorker(): ChildProcess {
    return fork(this.opts.workerPath, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [...(this.opts.execArgv ?? [])],
      // Inside VS Code process.execPath is Electron: run it as plain Node (as vscode-languageclient does).
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...this.opts.env },
    });
  }

  /** The worker’s log lines and job progress; connection errors surface as the process exit. */
  private listen(conn: MessageConnection): void {
    conn.onNotification(LogNotification, (p) => {
      const line = `[worker] ${p.message}`;
      if (p.level === 'debug') this.opts.log.debug?.(line);
      else this.opts.log[p.level](line);
    });
    conn.onNotification(DidProgressNotification, ({ jobId, ...p }) => this.progress.get(jobId)?.(p));
    // jsonrpc would otherwise log connection errors to the console.
    conn.onError(() => undefined);
    conn.listen();
  }

  /** Ends the session once, on the process’s exit or on a spawn failure (which never produces 'exit'). */
  private watchExit(s: Session, onExit: (cause: string) => void): void {
    let gone = false;
    const finish = (cause: string): void => {
      if (gone) return;
      gone = true;
      s.exitCause = cause;
      onExit(cause);
      s.conn.dispose();
      this.onSessionEnd(s, cause);
    };
    s.child.on('exit', (code, signal) => finish(signal ? `killed by ${signal}` : `exit code ${code}`));
    s.child.on('error', (err) => {
      // IPC errors after a kill are followed by 'exit'; only a failed spawn has no pid.
      this.opts.log.error(`Worker process error: ${err.message}`);
      if (s.child.pid === undefined) finish(`could not start: ${err.message}`);
    });
  }

  /** The initialize handshake: ready (and hand the session to the waiters), or stopped with the reason. */
  private initialize(s: Session): void {
    this.request(s, InitializeRequest, { prefer: this.opts.prefer }, undefined).then(
      (info) => {
        if (this.session !== s) return;
        s.info = info;
        const simd = info.simd ? ' (SIMD)' : '';
        this.opts.log.info(`Worker ready: pid ${info.pid}, backend ${info.backend}${simd}, version ${info.version}.`);
        this.setState(this.inFlight > 0 ? 'busy' : 'ready');
        const ws = this.waiters;
        this.waiters = [];
        for (const w of ws) w.resolve(s);
      },
      (e: unknown) => {
        // A death during initialize is handled by the exit path; anything else will not fix itself.
        if (isWorkerError(e, 'crashed', 'restarted') || this.session !== s) return;
        const msg = e instanceof Error ? e.message : String(e);
        this.session = undefined;
        this.end(s);
        this.stop(`The KD Lens worker could not initialise: ${msg}`);
      },
    );
  }

  private onSessionEnd(s: Session, cause: string): void {
    if (s.intentional || this.session !== s || this.disposed) return;
    this.session = undefined;
    const tail = this.stderrTail.slice(-5).join(' | ');
    const pid = s.child.pid ?? '?';
    const lastStderr = tail ? '; last stderr: ' + tail : '';
    this.opts.log.error(`The KD Lens worker (pid ${pid}) exited unexpectedly: ${cause}${lastStderr}.`);
    // A death under a job is that checkpoint’s (retried once, then its error row), not the worker’s.
    const d = s.pending > 0 ? { action: 'restart' as const, attempt: 1 } : this.policy.onCrash(cause);
    if (d.action === 'stop') {
      this.stop(d.reason);
      return;
    }
    this.setState('crashed');
    const delay = (d.attempt - 1) * (this.opts.restartDelayMs ?? 250);
    const windowS = Math.round(this.policy.windowMs / 1000);
    const after = delay ? ' in ' + delay + ' ms' : '';
    this.opts.log.info(`Restarting the worker (restart ${d.attempt} of ${this.policy.maxRestarts} allowed in ${windowS} s)${after}.`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.disposed && this._state === 'crashed') this.spawn();
    }, delay);
  }

  private stop(reason: string): void {
    this._stoppedReason = reason;
    this.opts.log.error(reason);
    this.setState('stopped');
    this.rejectWaiters(new WorkerError('stopped', reason));
  }

  /**
   * Ends a process on purpose: close IPC (the worker exits on disconnect), SIGKILL if it lingers 2 s — or
   * at once (`now`: the host is going away, or the worker is stuck in a job and would never read the
   * disconnect). The worker also ends itself if the host dies (src/worker/watchdog.ts).
   */
  private end(s: Session, now = false): void {
    s.intentional = true;
    s.conn.dispose();
    if (s.child.exitCode !== null || s.child.signalCode !== null) return;
    try {
      s.child.disconnect();
    } catch {
      // already disconnected
    }
    if (now) {
      s.child.kill('SIGKILL');
      return;
    }
    const t = setTimeout(() => s.child.kill('SIGKILL'), 2000);
    s.child.once('exit', () => clearTimeout(t));
  }

  private pipeOutput(child: ChildProcess): void {
    // Prefixed stderr lines (and their indented continuations) repeat LogNotifications: keep them only
    // for the crash tail. Anything else (uncaught errors, V8 fatal messages) goes to the log as is.
    let owned = false;
    let partial = '';
    const onData = (d: Buffer | string): void => {
      const text = partial + String(d);
      const lines = text.split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
        if (STDERR_PREFIX.test(line)) owned = true;
        else if (!/^\s/.test(line)) owned = false;
        if (!owned) this.opts.log.warn(`[worker stderr] ${line}`);
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', (d: Buffer) => this.opts.log.info(`[worker stdout] ${String(d).trimEnd()}`));
  }

  private rejectWaiters(e: WorkerError): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(e);
  }

  private updateBusy(): void {
    if (this._state !== 'ready' && this._state !== 'busy') return;
    this.setState(this.inFlight > 0 ? 'busy' : 'ready');
  }

  private setState(s: WorkerState): void {
    if (s === this._state) return;
    this._state = s;
    this.stateEmitter.fire(s);
  }
}

/** Worker ResponseErrors → the errors host code branches on. */
function toClientError(e: unknown): Error {
  if (e instanceof ResponseError) {
    if (e.code === WorkerErrorCode.Cancelled) return new WorkerError('cancelled', 'Cancelled.');
    if (e.code === WorkerErrorCode.InputError) {
      const kind = (e.data as { kind?: KdErrorCode } | undefined)?.kind ?? 'bad-argument';
      return new KdInputError(kind, e.message);
    }
    return new WorkerError('internal', e.message);
  }
  return e instanceof Error ? e : new Error(String(e));
}

function formatMs(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? ms / 60_000 + ' min' : ms >= 1000 ? +(ms / 1000).toFixed(1) + ' s' : ms + ' ms';
}
