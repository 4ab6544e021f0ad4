// The VS Code adapter of the run pipeline (src/host/pipeline/runPipeline.ts) for one window: reads the
// settings, gates computing on workspace trust, shows the queue's one progress view in the status bar (a
// notification only for what the user asked for: README "Progress"), and turns restricted-mode actions
// into warnings. Everything else is the pipeline's.
import path from 'node:path';
import * as vscode from 'vscode';
import { stepOf } from '../core/glob';
import type { CheckpointRecord, RunConfig, RunId } from '../core/runs';
import type { Log } from './log';
import type { MultiHistory } from './pipeline/multiHistory';
import { RunPipeline } from './pipeline/runPipeline';
import { checkpointName } from './pipeline/progressModel';
import { evaluateRequest, requestSummary } from './pipeline/userRequest';
import type { RequestSummary } from './pipeline/userRequest';
import type { RunStore } from './pipeline/runStore';
import { loadRuns } from './runsLoader';
import { readSettings } from './settings';
import { StatusBar } from './statusBar';

export class Controller implements vscode.Disposable {
  readonly pipeline: RunPipeline;
  private readonly status: StatusBar;
  private readonly subs: vscode.Disposable[] = [];

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
    this.subs.push(this.pipeline.onDidChangeJobs(() => this.updateStatus()));
    this.subs.push(this.pipeline.onProgress(() => this.updateStatus()));
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

  private updateStatus(): void {
    const run = this.store.activeRun;
    const latest = run ? this.store.latest(run.id) : undefined;
    const running = this.pipeline.running();
    const worker = this.pipeline.worker;
    const runName = running ? (this.store.runs.find((r) => r.id === running.job.runId)?.name ?? '') : '';
    const progress = this.pipeline.progress();
    this.status.update({
      worker: worker?.state ?? 'stopped',
      stoppedReason: worker?.stoppedReason,
      info: worker?.info,
      restricted: !this.store.isTrusted,
      progress: progress.done ? undefined : { ...progress, runName },
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

  /**
   * What the user asked for (Analyze Checkpoint…, Compare…): one cancellable notification for the whole
   * request, then the panel selects the analysed checkpoint and a message gives its key figures.
   */
  async analyzeRequest(run: RunConfig, files: readonly string[]): Promise<RequestSummary | undefined> {
    const names = files.map((f) => {
      const rel = path.relative(run.root, f).split(path.sep).join('/');
      return checkpointName(stepOf(rel), rel);
    });
    const title = 'KD Lens: analysing ' + (names.length === 1 ? names[0] : String(names.length) + ' checkpoints') + ' of ' + run.name;
    const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      let last = 0;
      return evaluateRequest(this.pipeline, run, files, {
        token,
        onProgress: (v, mine) => {
          const f = mine ? 100 * v.fraction : last;
          progress.report({ message: mine ? v.label : 'waiting: ' + v.label, increment: Math.max(0, f - last) });
          last = Math.max(last, f);
        },
      });
    });
    if (!results) {
      void vscode.window.showWarningMessage('KD Lens computes nothing in Restricted Mode: trust the workspace to evaluate checkpoints.');
      return undefined;
    }
    const summary = requestSummary(run.name, results, (p) => {
      const rec = this.store.records(run.id).find((r) => r.path === p);
      const rel = path.relative(run.root, p).split(path.sep).join('/');
      return { name: checkpointName(rec?.step ?? null, rel), agreement: rec?.summary?.fidelity.agreement, studentAccuracy: rec?.summary?.models.student.accuracy };
    });
    if (summary.show) this.selectCheckpoint(run, summary.show);
    return summary;
  }

  /** Makes `run` active and selects its checkpoint `file` (the panel's snapshot follows the store). */
  selectCheckpoint(run: RunConfig, file: string): void {
    this.store.setActive(run.id);
    const index = this.store.checkpointViews(run).findIndex((c) => c.path === file);
    if (index >= 0) this.store.select(run.id, index);
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
    this.subs.forEach((d) => d.dispose());
  }
}
