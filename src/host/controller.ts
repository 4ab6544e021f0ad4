// Wires the host together for one window: runs → watcher → scheduler → worker → history → RunStore →
// views. Owns the objects with a lifetime (worker, watchers, scheduler) and the actions commands call.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { stepOf } from '../core/glob';
import type { CheckpointRecord, RunConfig, RunId } from '../core/runs';
import type { AnalyzeParams, EvalResult } from '../core/types';
import { base64ToBytes } from '../protocol/encoding';
import type { Log } from './log';
import { MultiHistory } from './multiHistory';
import { loadRuns } from './runsLoader';
import { RunStore } from './runStore';
import { Scheduler } from './scheduler';
import type { QueuedJob } from './scheduler';
import { StatusBar } from './statusBar';
import { CheckpointWatcher } from './watcher';
import { WorkerClient } from './workerClient';

function settings() {
  const c = vscode.workspace.getConfiguration('kdlens');
  return {
    probeSize: c.get<number>('probeSize', 64),
    seed: c.get<number>('seed', 0),
    unicamBatch: c.get<number>('unicamBatch', 64),
    watch: c.get<boolean>('watch', true),
    discover: c.get<boolean>('discoverRuns', true),
    backend: c.get<'auto' | 'wasm' | 'cpu'>('backend', 'auto'),
  };
}

export class Controller implements vscode.Disposable {
  readonly history: MultiHistory;
  readonly store: RunStore;
  private worker: WorkerClient | undefined;
  private watcher: CheckpointWatcher | undefined;
  private scheduler: Scheduler | undefined;
  private readonly status: StatusBar;
  private readonly subs: vscode.Disposable[] = [];
  /** Runs added for this session by "Compare Teacher and Student…" (not in any config file). */
  private readonly adHoc: RunConfig[] = [];
  /** Per run probe overrides from "Select Probe Set…". */
  private readonly probeOverride = new Map<RunId, string>();
  private readonly progressUi = new Map<string, { resolve(): void; report(f: number, m: string): void }>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    readonly log: Log,
  ) {
    this.history = new MultiHistory((m) => log.warn(m));
    this.store = new RunStore(this.history);
    this.status = new StatusBar();
    this.subs.push(this.store, this.status);
    this.subs.push(this.store.onDidChange(() => this.updateStatus()));
    this.history.onDidChange((e) => void this.store.reload(e.runId));
  }

  get runs(): readonly RunConfig[] {
    return this.store.runs;
  }

  /** Start: load runs (history is shown even when untrusted), then worker + watchers if trusted. */
  async start(): Promise<void> {
    await this.reloadRuns();
    if (vscode.workspace.isTrusted) this.startCompute();
    else {
      this.store.setTrusted(false);
      this.store.setWorker({ state: 'restricted', message: 'Restricted mode: stored history only; models are not loaded or evaluated.' });
      this.subs.push(vscode.workspace.onDidGrantWorkspaceTrust(() => this.startCompute()));
    }
  }

  async reloadRuns(): Promise<void> {
    const runs = [...(await loadRuns(this.log, settings().discover)), ...this.adHoc].map((r) => (this.probeOverride.has(r.id) ? { ...r, probe: this.probeOverride.get(r.id) as string } : r));
    this.history.setRuns(runs);
    await this.store.setRuns(runs);
    this.log.info(`runs: ${runs.length ? runs.map((r) => `${r.name} (${r.student})`).join(', ') : 'none found'}`);
    if (this.watcher && settings().watch) await this.watcher.setRuns(runs);
  }

  private startCompute(): void {
    if (this.worker) return;
    this.store.setTrusted(true);
    const s = settings();
    this.worker = new WorkerClient({
      workerPath: vscode.Uri.joinPath(this.extensionUri, 'dist', 'worker.js').fsPath,
      log: this.log,
      ...(s.backend !== 'auto' ? { prefer: s.backend } : {}),
    });
    this.subs.push(this.worker);
    this.subs.push(
      this.worker.onDidChangeState((state) => {
        const w = this.worker;
        this.store.setWorker({ state, ...(w?.info ? { backend: w.info.backend } : {}), ...(w?.stoppedReason ? { message: w.stoppedReason } : {}) });
        if (state === 'ready') this.scheduler?.resume();
      }),
    );
    this.scheduler = new Scheduler({
      isCurrent: (runId, p, mtimeMs, size) => this.store.records(runId).some((r) => r.path === p && r.mtimeMs === mtimeMs && r.size === size),
      evaluate: (job, ctx) => this.evaluate(job, ctx),
      onResult: async (record, result) => {
        await this.history.append(record, result);
        await this.saveProbe(record.runId, result);
        await this.store.reload(record.runId);
      },
      onError: async (record) => {
        this.log.warn(`${record.path}: ${record.error ?? 'failed'}`);
        await this.history.append(record);
        await this.store.reload(record.runId);
      },
      onProgress: (job, p) => {
        // A progress message that arrives after its job ended must not open a notification nobody closes.
        if (this.scheduler?.running()?.job.path !== job.path) return;
        this.store.setJob({ runId: job.runId, checkpoint: job.path, fraction: p.fraction, message: p.message });
        this.progressFor(job).report(p.fraction, p.message);
      },
      onDidChange: () => this.onSchedulerChange(),
      log: this.log,
    });
    this.subs.push(this.scheduler);
    this.watcher = new CheckpointWatcher({
      onCheckpoint: (e) => {
        this.store.markPending(e.runId, e.path, true);
        this.scheduler?.enqueue(e);
      },
      onRemoved: (runId, p) => this.store.markPending(runId, p, false),
      log: this.log,
    });
    this.subs.push(this.watcher);
    void this.worker.start().catch((e: unknown) => this.log.error(`worker did not start: ${e instanceof Error ? e.message : String(e)}`));
    if (s.watch) void this.watcher.setRuns(this.store.runs);
  }

  private paramsFor(run: RunConfig, student: string): AnalyzeParams {
    const s = settings();
    return {
      probeSize: s.probeSize,
      seed: s.seed,
      unicamBatch: s.unicamBatch,
      ...run.options,
      teacher: run.teacher,
      student,
      ...(run.base ? { base: run.base } : {}),
      probe: run.probe,
      temperature: run.temperature,
    };
  }

  private async evaluate(job: QueuedJob, ctx: Parameters<ConstructorParameters<typeof Scheduler>[0]['evaluate']>[1]): Promise<EvalResult> {
    const run = this.store.runs.find((r) => r.id === job.runId);
    if (!run) throw new Error(`run ${job.runId} is gone`);
    if (!this.worker) throw new Error('the worker is not running (restricted mode)');
    const needProbe = !(await this.history.probe(run.id));
    return this.worker.analyze({ ...this.paramsFor(run, job.path), ...(needProbe ? { includeProbeImages: true } : {}) }, { token: ctx.token, onProgress: ctx.onProgress });
  }

  /** probe.json once per run: the gallery's images (the worker sends them with the first result). */
  private async saveProbe(runId: RunId, r: EvalResult): Promise<void> {
    if (!r.probe.images) return;
    const bytes = base64ToBytes(r.probe.images);
    const images = new Float32Array(bytes.length);
    for (let k = 0; k < bytes.length; k++) images[k] = bytes[k] / 255;
    await this.history.writeProbe(runId, { path: r.probe.path, name: r.probe.name, ids: r.probe.ids, labels: r.probe.labels, classes: r.probe.classes, height: r.probe.height, width: r.probe.width, images });
  }

  private onSchedulerChange(): void {
    const running = this.scheduler?.running();
    if (!running) {
      this.store.setJob(undefined);
      for (const [, ui] of this.progressUi) ui.resolve();
      this.progressUi.clear();
    } else {
      const p = running.progress;
      this.store.setJob({ runId: running.job.runId, checkpoint: running.job.path, fraction: p?.fraction ?? 0, message: p?.message ?? 'queued' });
      for (const [key, ui] of this.progressUi) {
        if (key !== running.job.path) {
          ui.resolve();
          this.progressUi.delete(key);
        }
      }
    }
    for (const run of this.store.runs) for (const q of this.scheduler?.queued(run.id) ?? []) this.store.markPending(run.id, q.path, true);
    this.updateStatus();
  }

  /** VS Code progress with a Cancel button for the running evaluation (one notification per job). */
  private progressFor(job: QueuedJob): { report(f: number, m: string): void } {
    const existing = this.progressUi.get(job.path);
    if (existing) return existing;
    let last = 0;
    let reporter: vscode.Progress<{ message?: string; increment?: number }> | undefined;
    let resolve: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolve = r));
    const run = this.store.runs.find((r) => r.id === job.runId);
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `KD Lens: ${run?.name ?? ''} ${job.relPath}`, cancellable: true },
      (progress, token) => {
        reporter = progress;
        token.onCancellationRequested(() => this.scheduler?.cancelRunning(job.runId));
        return done;
      },
    );
    const ui = {
      resolve,
      report: (f: number, m: string) => {
        const inc = Math.max(0, 100 * f - last);
        last = Math.max(last, 100 * f);
        reporter?.report({ message: m, increment: inc });
      },
    };
    this.progressUi.set(job.path, ui);
    return ui;
  }

  private updateStatus(): void {
    const run = this.store.activeRun;
    const latest = run ? this.store.latest(run.id) : undefined;
    const running = this.scheduler?.running();
    const runName = running ? (this.store.runs.find((r) => r.id === running.job.runId)?.name ?? '') : '';
    this.status.update({
      worker: this.worker?.state ?? 'stopped',
      stoppedReason: this.worker?.stoppedReason,
      info: this.worker?.info,
      restricted: !this.store.isTrusted,
      job: running ? { runName, step: running.job.step, file: running.job.relPath, fraction: running.progress?.fraction ?? 0 } : undefined,
      queued: this.scheduler?.queued().length ?? 0,
      run: run ? { name: run.name, agreement: latest?.summary?.fidelity.agreement, step: latest?.step } : undefined,
    });
  }

  // ---- actions used by commands and the panel

  /** Queue checkpoints of a run for evaluation (force = evaluate even if the history has them). */
  async analyzeFiles(run: RunConfig, files: readonly string[], force: boolean): Promise<void> {
    if (!this.scheduler) {
      void vscode.window.showWarningMessage('KD Lens computes nothing in Restricted Mode: trust the workspace to evaluate checkpoints.');
      return;
    }
    for (const f of files) {
      const st = fs.statSync(f);
      const relPath = path.relative(run.root, f).split(path.sep).join('/');
      this.store.markPending(run.id, f, true);
      this.scheduler.enqueue({ runId: run.id, path: f, relPath, step: stepOf(relPath), mtimeMs: st.mtimeMs, size: st.size, force });
      this.scheduler.flush(run.id);
    }
  }

  rerun(runId: RunId, checkpoint: string): void {
    const run = this.store.runs.find((r) => r.id === runId);
    if (run) void this.analyzeFiles(run, [checkpoint], true);
  }

  cancelJob(): void {
    this.scheduler?.cancelRunning();
  }

  async addAdHocRun(teacher: string, student: string, probe: string, base?: string): Promise<RunConfig> {
    const root = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(student))?.uri.fsPath ?? path.dirname(student);
    const rel = path.relative(root, student).split(path.sep).join('/');
    const run: RunConfig = {
      id: `compare:${rel}`,
      name: `${path.basename(teacher)} vs ${path.basename(student)}`,
      root,
      source: { kind: 'discovered', layout: 'compare' },
      teacher,
      student: rel,
      ...(base ? { base } : {}),
      probe,
      temperature: vscode.workspace.getConfiguration('kdlens').get<number>('temperature', 4),
      options: {},
      configFiles: [],
    };
    const i = this.adHoc.findIndex((r) => r.id === run.id);
    if (i >= 0) this.adHoc.splice(i, 1);
    this.adHoc.push(run);
    await this.reloadRuns();
    this.store.setActive(run.id);
    return run;
  }

  async setProbe(runId: RunId, probe: string): Promise<void> {
    this.probeOverride.set(runId, probe);
    await this.reloadRuns();
  }

  restartWorker(): Promise<unknown> {
    if (!this.worker) return Promise.resolve(undefined);
    return this.worker.restart();
  }

  inspect(modelPath: string) {
    return this.worker?.inspect(modelPath);
  }

  /** Latest record of the active run (or a given one) for Re-run / Export. */
  latestRecord(runId?: RunId): CheckpointRecord | undefined {
    const id = runId ?? this.store.activeRun?.id;
    return id ? this.store.latest(id) : undefined;
  }

  dispose(): void {
    for (const [, ui] of this.progressUi) ui.resolve();
    this.subs.forEach((d) => d.dispose());
  }
}
