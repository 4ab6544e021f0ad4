// The run pipeline without VS Code: runs → watcher → scheduler → worker client → history → run store
// (docs/architecture.md "The route of a checkpoint event"). It owns the objects with a lifetime (worker,
// watcher, scheduler) and every action on them; src/host/controller.ts adapts it to VS Code (settings,
// workspace trust, progress notifications, status bar).
import fs from 'node:fs';
import path from 'node:path';
import { stepOf } from '../../core/glob';
import type { CheckpointRecord, RunConfig, RunId } from '../../core/runs';
import type { AnalyzeParams, EvalResult, ModelInspection, Progress } from '../../core/types';
import type { LogSink } from './logSink';
import { MultiHistory } from './multiHistory';
import { RunStore } from './runStore';
import { Scheduler } from './scheduler';
import type { EvaluateContext, JobOutcome, QueuedJob } from './scheduler';
import { progressView } from './progressModel';
import type { ProgressView } from './progressModel';
import { CheckpointWatcher, readTfjsCheckpoint } from './watcher';
import { readOnnxCheckpoint } from './onnxCheckpoint';
import { WorkerClient } from './workerClient';
import type { JobOptions, WorkerClientOptions } from './workerClient';
import type { ReportRequestResult } from '../../protocol/worker';
import { analyzeParamsFor } from './analyzeParams';
import { Emitter } from './emitter';
import type { Disposable } from './emitter';
import { storeError, storeResult } from './outcomes';
import type { KdSettings } from './settings';

/** A checkpoint's identity as the watcher reports it: with a TF.js model's weights, an ONNX model's external data. */
async function checkpointIdentity(file: string): Promise<{ mtimeMs: number; size: number }> {
  const lower = file.toLowerCase();
  const multi = lower.endsWith('.json') ? await readTfjsCheckpoint(file) : lower.endsWith('.onnx') ? await readOnnxCheckpoint(file) : undefined;
  if (multi && multi.state !== 'unreadable') return { mtimeMs: multi.mtimeMs, size: multi.size };
  const st = await fs.promises.stat(file);
  return { mtimeMs: st.mtimeMs, size: st.size };
}

/** What the pipeline uses of the worker (WorkerClient; tests may pass a stand-in). */
export type WorkerPort = Pick<WorkerClient, 'state' | 'stoppedReason' | 'info' | 'onDidChangeState' | 'start' | 'restart' | 'analyze' | 'report' | 'inspect' | 'dispose'>;

export interface RunPipelineOptions {
  /** Absolute path of dist/worker.js. */
  readonly workerPath: string;
  readonly log: LogSink;
  /** The current `kdlens.*` settings; read at each use, so a change applies to the next job. */
  readonly settings: () => KdSettings;
  /** Finds the workspace's runs (src/host/runsLoader.ts inside VS Code). */
  readonly loadRuns: (discover: boolean) => Promise<RunConfig[]>;
  /** Worker process knobs (tests: a short restart delay). */
  readonly workerOptions?: Partial<Pick<WorkerClientOptions, 'restartDelayMs' | 'policy' | 'execArgv' | 'env'>>;
  /** Replaces the forked worker (unit tests). */
  readonly createWorker?: (opts: WorkerClientOptions) => WorkerPort;
  /** Scheduler burst debounce (default 500 ms) and watcher stability (default 300 ms). */
  readonly debounceMs?: number;
  readonly stabilityThreshold?: number;
}

/** An evaluation that ended (result stored, error recorded, or cancelled). */
export interface FinishedJob {
  readonly job: QueuedJob;
  readonly outcome: JobOutcome;
}

/** Progress of the running job (only the running one: late messages of an ended job are dropped). */
export interface JobProgress {
  readonly job: QueuedJob;
  readonly progress: Progress;
}

export class RunPipeline implements Disposable {
  readonly history: MultiHistory;
  readonly store: RunStore;
  private workerPort: WorkerPort | undefined;
  private watcher: CheckpointWatcher | undefined;
  private scheduler: Scheduler | undefined;
  private readonly subs: Disposable[] = [];
  /** Runs added for this session by "Compare Teacher and Student…" (not in any config file). */
  private readonly adHoc: RunConfig[] = [];
  /** Per run probe overrides from "Select Probe Set…". */
  private readonly probeOverride = new Map<RunId, string>();
  private readonly jobsEmitter = new Emitter<void>();
  private readonly progressEmitter = new Emitter<JobProgress>();
  private readonly finishedEmitter = new Emitter<FinishedJob>();
  /** An evaluation ended; its result or error is already in the store. */
  readonly onDidFinishJob = this.finishedEmitter.event;
  /** A job started or ended, or the queue changed (status bar, progress notifications). */
  readonly onDidChangeJobs = this.jobsEmitter.event;
  readonly onProgress = this.progressEmitter.event;

  constructor(private readonly opts: RunPipelineOptions) {
    this.history = new MultiHistory((m) => opts.log.warn(m));
    this.store = new RunStore(this.history);
    this.subs.push(this.store, this.jobsEmitter, this.progressEmitter, this.finishedEmitter);
  }

  get runs(): readonly RunConfig[] {
    return this.store.runs;
  }

  /** The worker, once computing started (never in restricted mode). */
  get worker(): WorkerPort | undefined {
    return this.workerPort;
  }

  get isComputing(): boolean {
    return this.scheduler !== undefined;
  }

  /** The running job and its last progress. */
  running(): { readonly job: QueuedJob; readonly progress?: Progress } | undefined {
    return this.scheduler?.running();
  }

  /** Checkpoints waiting behind the running one. */
  queuedCount(): number {
    return this.scheduler?.queued().length ?? 0;
  }

  /** The queue as every display shows it (src/host/pipeline/progressModel.ts). */
  progress(): ProgressView {
    const r = this.running();
    const runName = r ? (this.store.runs.find((x) => x.id === r.job.runId)?.name ?? '') : '';
    const running = r ? { runName, step: r.job.step, relPath: r.job.relPath, fraction: r.progress?.fraction, message: r.progress?.message } : undefined;
    return progressView({ running, waiting: this.queuedCount() });
  }

  /** The engine's parameters for a checkpoint of a run: the panel's evaluations and Export Report share them. */
  paramsFor(run: RunConfig, checkpoint: string): AnalyzeParams {
    return analyzeParamsFor(run, checkpoint, this.opts.settings());
  }

  /** (Re)loads the run list: config files and discovered runs, plus this session's ad-hoc runs and probe overrides. */
  async reloadRuns(): Promise<void> {
    const s = this.opts.settings();
    const runs = [...(await this.opts.loadRuns(s.discoverRuns)), ...this.adHoc].map((r) => (this.probeOverride.has(r.id) ? { ...r, probe: this.probeOverride.get(r.id) as string } : r));
    this.history.setRuns(runs);
    await this.store.setRuns(runs);
    this.opts.log.info(`runs: ${runs.length ? runs.map((r) => `${r.name} (${r.student})`).join(', ') : 'none found'}`);
    if (this.watcher && s.watch) await this.watcher.setRuns(runs);
  }

  /**
   * Starts the worker, scheduler and (if the setting allows) the watcher; call once the workspace is
   * trusted. Resolves when the watcher's first scan is done (the worker keeps starting in the background).
   */
  async startCompute(): Promise<void> {
    if (this.workerPort) return;
    this.store.setTrusted(true);
    const worker = this.startWorker();
    this.scheduler = this.startScheduler();
    this.watcher = this.startWatcher();
    this.subs.push(this.scheduler, this.watcher);
    void worker.start().catch((e: unknown) => this.opts.log.error(`worker did not start: ${e instanceof Error ? e.message : String(e)}`));
    if (this.opts.settings().watch) await this.watcher.setRuns(this.store.runs);
  }

  private startWorker(): WorkerPort {
    const s = this.opts.settings();
    const options: WorkerClientOptions = {
      workerPath: this.opts.workerPath,
      log: this.opts.log,
      ...(s.backend !== 'auto' ? { prefer: s.backend } : {}),
      jobTimeoutMs: Math.max(1, s.jobTimeoutMinutes) * 60_000,
      ...this.opts.workerOptions,
    };
    const worker = this.opts.createWorker ? this.opts.createWorker(options) : new WorkerClient(options);
    this.workerPort = worker;
    this.subs.push(worker);
    this.subs.push(
      worker.onDidChangeState((state) => {
        this.store.setWorker({ state, ...(worker.info ? { backend: worker.info.backend } : {}), ...(worker.stoppedReason ? { message: worker.stoppedReason } : {}) });
        if (state === 'ready') this.scheduler?.resume();
      }),
    );
    return worker;
  }

  private startScheduler(): Scheduler {
    return new Scheduler({
      isCurrent: (runId, p, mtimeMs, size) => this.store.records(runId).some((r) => r.path === p && r.mtimeMs === mtimeMs && r.size === size),
      evaluate: (job, ctx) => this.evaluate(job, ctx),
      onResult: (record, result) => storeResult(this.history, this.store, record, result),
      // The scheduler logs the outcome (one line per evaluation).
      onError: (record) => storeError(this.history, this.store, record),
      onProgress: (job, p) => this.onJobProgress(job, p),
      onFinished: (job, outcome) => this.finishedEmitter.fire({ job, outcome }),
      onDidChange: () => this.onSchedulerChange(),
      log: this.opts.log,
      ...(this.opts.debounceMs !== undefined ? { debounceMs: this.opts.debounceMs } : {}),
    });
  }

  private startWatcher(): CheckpointWatcher {
    return new CheckpointWatcher({
      onCheckpoint: (e) => {
        this.store.markPending(e.runId, e.path, true);
        this.scheduler?.enqueue(e);
      },
      onRemoved: (runId, p) => this.store.markPending(runId, p, false),
      // Never read (e.g. external data outside its folder): shown as a failed checkpoint with the reason.
      onRefused: (e, reason) => {
        const step = e.step ?? this.store.records(e.runId).length;
        void storeError(this.history, this.store, { runId: e.runId, path: e.path, step, mtimeMs: e.mtimeMs, size: e.size, evaluatedAt: new Date().toISOString(), status: 'error', error: reason });
      },
      log: this.opts.log,
      ...(this.opts.stabilityThreshold !== undefined ? { stabilityThreshold: this.opts.stabilityThreshold } : {}),
    });
  }

  private async evaluate(job: QueuedJob, ctx: EvaluateContext): Promise<EvalResult> {
    const run = this.store.runs.find((r) => r.id === job.runId);
    if (!run) throw new Error(`run ${job.runId} is gone`);
    if (!this.workerPort) throw new Error('the worker is not running (restricted mode)');
    // The gallery's images come with the first result of a run (the store knows whether it has them).
    const needProbe = !(await this.store.probe(run.id));
    return this.workerPort.analyze({ ...this.paramsFor(run, job.path), ...(needProbe ? { includeProbeImages: true } : {}) }, { token: ctx.token, onProgress: ctx.onProgress });
  }

  private onJobProgress(job: QueuedJob, p: Progress): void {
    // A progress message that arrives after its job ended must not reopen its progress display.
    if (this.scheduler?.running()?.job.path !== job.path) return;
    this.syncJobView();
    this.progressEmitter.fire({ job, progress: p });
  }

  /** The panel's job line is the one progress view (checkpoint named, never 100% while running, waiting count). */
  private syncJobView(): void {
    const running = this.scheduler?.running();
    if (!running) return this.store.setJob(undefined);
    const v = this.progress();
    this.store.setJob({ runId: running.job.runId, checkpoint: running.job.path, fraction: v.fraction, message: v.label });
  }

  private onSchedulerChange(): void {
    this.syncJobView();
    for (const run of this.store.runs) for (const q of this.scheduler?.queued(run.id) ?? []) this.store.markPending(run.id, q.path, true);
    this.jobsEmitter.fire();
  }

  // ---- actions (commands and the panel, through the controller)

  /** Queues checkpoints of a run now (force = evaluate even if the history has them). False in restricted mode. */
  async enqueueFiles(run: RunConfig, files: readonly string[], force: boolean): Promise<boolean> {
    if (!this.scheduler) return false;
    for (const f of files) {
      const { mtimeMs, size } = await checkpointIdentity(f);
      const scheduler = this.scheduler;
      const relPath = path.relative(run.root, f).split(path.sep).join('/');
      this.store.markPending(run.id, f, true);
      scheduler.enqueue({ runId: run.id, path: f, relPath, step: stepOf(relPath), mtimeMs, size, force });
      scheduler.flush(run.id);
    }
    return true;
  }

  cancelRunning(runId?: RunId): void {
    this.scheduler?.cancelRunning(runId);
  }

  /** Cancels a request: its waiting checkpoints are dropped and its running one stopped. */
  cancelPaths(runId: RunId, paths: readonly string[]): void {
    this.scheduler?.cancelPaths(runId, paths);
  }

  /** Resolves once nothing is running, queued or pending (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.scheduler?.whenIdle() ?? Promise.resolve();
  }

  /** Adds (or replaces) a run for this session only and makes it active. */
  async addAdHocRun(run: RunConfig): Promise<void> {
    const i = this.adHoc.findIndex((r) => r.id === run.id);
    if (i >= 0) this.adHoc.splice(i, 1);
    this.adHoc.push(run);
    await this.reloadRuns();
    this.store.setActive(run.id);
  }

  async setProbe(runId: RunId, probe: string): Promise<void> {
    this.probeOverride.set(runId, probe);
    await this.reloadRuns();
  }

  /**
   * Export Report: the report of `checkpoint` (with the run's series as trend rows) written by the same
   * worker with the same params as the panel's evaluation, so both show the same figures.
   */
  exportReport(run: RunConfig, checkpoint: string, out: string, opts: JobOptions = {}): Promise<ReportRequestResult> {
    if (!this.workerPort) return Promise.reject(new Error('KD Lens computes nothing in Restricted Mode: trust the workspace to export a report.'));
    return this.workerPort.report({ params: this.paramsFor(run, checkpoint), checkpoints: path.join(run.root, run.student), out }, opts);
  }

  restartWorker(): Promise<unknown> {
    return this.workerPort ? this.workerPort.restart() : Promise.resolve(undefined);
  }

  inspect(modelPath: string): Promise<ModelInspection> | undefined {
    return this.workerPort?.inspect(modelPath);
  }

  /** Latest evaluated record of the active run (or a given one). */
  latestRecord(runId?: RunId): CheckpointRecord | undefined {
    const id = runId ?? this.store.activeRun?.id;
    return id ? this.store.latest(id) : undefined;
  }

  dispose(): void {
    for (const d of this.subs.splice(0).reverse()) d.dispose();
  }
}
