// The VS Code adapter of the run pipeline (src/host/pipeline/runPipeline.ts) for one window: reads the
// settings, gates computing on workspace trust, shows progress notifications and the status bar, and
// turns restricted-mode actions into warnings. Everything else is the pipeline's.
import path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointRecord, RunConfig, RunId } from '../core/runs';
import type { Log } from './log';
import type { MultiHistory } from './pipeline/multiHistory';
import { RunPipeline } from './pipeline/runPipeline';
import type { QueuedJob } from './pipeline/scheduler';
import type { RunStore } from './pipeline/runStore';
import { loadRuns } from './runsLoader';
import { readSettings } from './settings';
import { StatusBar } from './statusBar';

interface ProgressUi {
  resolve(): void;
  report(fraction: number, message: string): void;
}

export class Controller implements vscode.Disposable {
  readonly pipeline: RunPipeline;
  private readonly status: StatusBar;
  private readonly subs: vscode.Disposable[] = [];
  /** One progress notification per running job, by checkpoint path. */
  private readonly progressUi = new Map<string, ProgressUi>();

  constructor(
    extensionUri: vscode.Uri,
    readonly log: Log,
  ) {
    this.pipeline = new RunPipeline({
      workerPath: vscode.Uri.joinPath(extensionUri, 'dist', 'worker.js').fsPath,
      log,
      settings: readSettings,
      loadRuns: (discover) => loadRuns(log, discover),
    });
    this.status = new StatusBar();
    this.subs.push(this.pipeline, this.status);
    this.subs.push(this.store.onDidChange(() => this.updateStatus()));
    this.subs.push(this.pipeline.onDidChangeJobs(() => this.onJobsChange()));
    this.subs.push(this.pipeline.onProgress((p) => this.progressFor(p.job).report(p.progress.fraction, p.progress.message)));
  }

  get store(): RunStore {
    return this.pipeline.store;
  }

  get history(): MultiHistory {
    return this.pipeline.history;
  }

  get runs(): readonly RunConfig[] {
    return this.store.runs;
  }

  /** Start: load runs (history is shown even when untrusted), then worker + watchers if trusted. */
  async start(): Promise<void> {
    await this.reloadRuns();
    if (vscode.workspace.isTrusted) void this.pipeline.startCompute();
    else {
      this.store.setTrusted(false);
      this.store.setWorker({ state: 'restricted', message: 'Restricted mode: stored history only; models are not loaded or evaluated.' });
      this.subs.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.pipeline.startCompute()));
    }
  }

  reloadRuns(): Promise<void> {
    return this.pipeline.reloadRuns();
  }

  /** Closes the notifications of jobs that are no longer running; the status bar follows the queue. */
  private onJobsChange(): void {
    const running = this.pipeline.running();
    for (const [key, ui] of this.progressUi) {
      if (key !== running?.job.path) {
        ui.resolve();
        this.progressUi.delete(key);
      }
    }
    this.updateStatus();
  }

  /** VS Code progress with a Cancel button for the running evaluation (one notification per job). */
  private progressFor(job: QueuedJob): ProgressUi {
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
        token.onCancellationRequested(() => this.pipeline.cancelRunning(job.runId));
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
    const running = this.pipeline.running();
    const worker = this.pipeline.worker;
    const runName = running ? (this.store.runs.find((r) => r.id === running.job.runId)?.name ?? '') : '';
    this.status.update({
      worker: worker?.state ?? 'stopped',
      stoppedReason: worker?.stoppedReason,
      info: worker?.info,
      restricted: !this.store.isTrusted,
      job: running ? { runName, step: running.job.step, file: running.job.relPath, fraction: running.progress?.fraction ?? 0 } : undefined,
      queued: this.pipeline.queuedCount(),
      run: run ? { name: run.name, agreement: latest?.summary?.fidelity.agreement, step: latest?.step } : undefined,
    });
  }

  // ---- actions used by commands and the panel

  /** Queue checkpoints of a run for evaluation (force = evaluate even if the history has them). */
  async analyzeFiles(run: RunConfig, files: readonly string[], force: boolean): Promise<void> {
    if (!(await this.pipeline.enqueueFiles(run, files, force))) {
      void vscode.window.showWarningMessage('KD Lens computes nothing in Restricted Mode: trust the workspace to evaluate checkpoints.');
    }
  }

  rerun(runId: RunId, checkpoint: string): void {
    const run = this.store.runs.find((r) => r.id === runId);
    if (run) void this.analyzeFiles(run, [checkpoint], true);
  }

  cancelJob(): void {
    this.pipeline.cancelRunning();
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
      temperature: readSettings().temperature,
      options: {},
      configFiles: [],
    };
    await this.pipeline.addAdHocRun(run);
    return run;
  }

  setProbe(runId: RunId, probe: string): Promise<void> {
    return this.pipeline.setProbe(runId, probe);
  }

  restartWorker(): Promise<unknown> {
    return this.pipeline.restartWorker();
  }

  inspect(modelPath: string) {
    return this.pipeline.inspect(modelPath);
  }

  /** Latest record of the active run (or a given one) for Re-run / Export. */
  latestRecord(runId?: RunId): CheckpointRecord | undefined {
    return this.pipeline.latestRecord(runId);
  }

  dispose(): void {
    for (const [, ui] of this.progressUi) ui.resolve();
    this.subs.forEach((d) => d.dispose());
  }
}
