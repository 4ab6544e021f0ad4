// RunStore: the host's single source of truth (design.md §3 rule 7) — the runs, which one is active, their
// evaluated checkpoints (from the history), the running job and the worker's health. Views (panel, runs
// tree, status bar, hovers) read it and listen to onDidChange; nothing else holds results.
import path from 'node:path';
import * as vscode from 'vscode';
import { globToRegExp, stepOf } from '../core/glob';
import type { CheckpointRecord, RunConfig, RunId } from '../core/runs';
import type { EvalResult } from '../core/types';
import type { CheckpointView, PanelState, ProbeView, RunView, WorkerView } from '../protocol/webview';

/** What RunStore needs from the history (src/host/store.ts). */
export interface HistoryLike {
  records(runId: RunId): Promise<CheckpointRecord[]>;
  detail(record: CheckpointRecord): Promise<EvalResult | undefined>;
  probe(runId: RunId): Promise<ProbeView | undefined>;
}

export interface JobView {
  readonly runId: RunId;
  readonly checkpoint: string;
  readonly fraction: number;
  readonly message: string;
}

function rel(root: string, p: string): string {
  const r = path.relative(root, p);
  return r.startsWith('..') ? p : r.split(path.sep).join('/');
}

/** Does `file` belong to `run` (its config, a config it annotates, a model, the probe or a checkpoint)? */
export function runOwnsFile(run: RunConfig, file: string): boolean {
  const f = path.resolve(file);
  if (run.source.kind === 'config' && path.resolve(run.source.file) === f) return true;
  if (run.configFiles.some((c) => path.resolve(c) === f)) return true;
  if ([run.teacher, run.base, run.probe].some((p) => p && (f === path.resolve(p) || f.startsWith(path.resolve(p) + path.sep)))) return true;
  const r = rel(run.root, f);
  if (r === f) return false;
  // A checkpoint, or a file inside a checkpoint folder (model.json's weights).
  const re = globToRegExp(run.student);
  return re.test(r) || re.test(`${path.posix.dirname(r)}/model.json`);
}

export class RunStore implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires after any change; listeners re-read what they show. */
  readonly onDidChange = this.emitter.event;
  private runList: RunConfig[] = [];
  private active: RunId | undefined;
  private readonly recordsByRun = new Map<RunId, CheckpointRecord[]>();
  private readonly selectedByRun = new Map<RunId, number>();
  private readonly pendingByRun = new Map<RunId, Set<string>>();
  private jobView: JobView | undefined;
  private workerView: WorkerView = { state: 'starting' };
  private trusted = true;

  constructor(private readonly history: HistoryLike) {}

  get runs(): readonly RunConfig[] {
    return this.runList;
  }

  get activeRun(): RunConfig | undefined {
    return this.runList.find((r) => r.id === this.active) ?? this.runList[0];
  }

  get job(): JobView | undefined {
    return this.jobView;
  }

  get worker(): WorkerView {
    return this.workerView;
  }

  get isTrusted(): boolean {
    return this.trusted;
  }

  records(runId: RunId): readonly CheckpointRecord[] {
    return this.recordsByRun.get(runId) ?? [];
  }

  /** Latest evaluated record of a run (highest step), if any. */
  latest(runId: RunId): CheckpointRecord | undefined {
    const done = this.records(runId).filter((r) => r.status === 'done');
    return done[done.length - 1];
  }

  runFor(file: string): RunConfig | undefined {
    return this.runList.find((r) => runOwnsFile(r, file));
  }

  async setRuns(runs: RunConfig[]): Promise<void> {
    this.runList = runs;
    if (this.active && !runs.some((r) => r.id === this.active)) this.active = undefined;
    await Promise.all(runs.map((r) => this.reload(r.id, false)));
    this.emitter.fire();
  }

  setActive(runId: RunId | undefined): void {
    if (runId === this.active || (runId && !this.runList.some((r) => r.id === runId))) return;
    this.active = runId;
    this.emitter.fire();
  }

  /** The active run follows the file being edited, when that file belongs to a run. */
  followFile(file: string | undefined): void {
    if (!file) return;
    const run = this.runFor(file);
    if (run) this.setActive(run.id);
  }

  /** Re-reads a run's history (after the store appended to it). */
  async reload(runId: RunId, fire = true): Promise<void> {
    const recs = [...(await this.history.records(runId))];
    // One row per checkpoint path (the newest evaluation wins), ordered by step.
    const byPath = new Map<string, CheckpointRecord>();
    for (const r of recs) byPath.set(r.path, r);
    const rows = [...byPath.values()].sort((a, b) => a.step - b.step || a.path.localeCompare(b.path));
    this.recordsByRun.set(runId, rows);
    const pend = this.pendingByRun.get(runId);
    if (pend) for (const r of rows) pend.delete(r.path);
    if (fire) this.emitter.fire();
  }

  markPending(runId: RunId, checkpoint: string, pending: boolean): void {
    let set = this.pendingByRun.get(runId);
    if (!set) this.pendingByRun.set(runId, (set = new Set()));
    if (pending) set.add(checkpoint);
    else set.delete(checkpoint);
    this.emitter.fire();
  }

  setJob(job: JobView | undefined): void {
    this.jobView = job;
    this.emitter.fire();
  }

  setWorker(w: WorkerView): void {
    this.workerView = w;
    this.emitter.fire();
  }

  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
    this.emitter.fire();
  }

  select(runId: RunId, index: number): void {
    this.selectedByRun.set(runId, index);
    this.emitter.fire();
  }

  /** Checkpoint rows of a run for display: evaluated ones plus those pending or running. */
  checkpointViews(run: RunConfig): CheckpointView[] {
    const views: CheckpointView[] = this.records(run.id).map((r) => ({
      path: r.path,
      name: rel(run.root, r.path),
      step: r.step,
      status: this.jobView?.runId === run.id && this.jobView.checkpoint === r.path ? 'running' : r.status,
      ...(r.error ? { error: r.error } : {}),
      ...(r.summary ? { summary: r.summary } : {}),
    }));
    const known = new Set(views.map((v) => v.path));
    for (const p of this.pendingByRun.get(run.id) ?? []) {
      if (known.has(p)) continue;
      const name = rel(run.root, p);
      views.push({ path: p, name, step: stepOf(name) ?? 0, status: this.jobView?.checkpoint === p ? 'running' : 'pending' });
    }
    return views.sort((a, b) => a.step - b.step || a.name.localeCompare(b.name));
  }

  /** The full panel snapshot for the active run (loads the selected checkpoint's detail from the history). */
  async panelState(): Promise<PanelState> {
    const run = this.activeRun;
    const base = {
      runs: this.runList.map((r) => ({ id: r.id, name: r.name })),
      worker: this.workerView,
      trusted: this.trusted,
    };
    if (!run) return { ...base, run: null, checkpoints: [], selected: -1, detail: null, probe: null, job: null, watching: null };
    const checkpoints = this.checkpointViews(run);
    const lastDone = checkpoints.map((c) => c.status).lastIndexOf('done');
    let selected = this.selectedByRun.get(run.id) ?? lastDone;
    if (selected >= checkpoints.length) selected = checkpoints.length - 1;
    const rec = selected >= 0 ? this.records(run.id).find((r) => r.path === checkpoints[selected].path) : undefined;
    const detail = rec && rec.status === 'done' ? ((await this.history.detail(rec)) ?? null) : null;
    const view: RunView = {
      id: run.id,
      name: run.name,
      teacher: rel(run.root, run.teacher),
      student: run.student,
      ...(run.base ? { base: rel(run.root, run.base) } : {}),
      probe: rel(run.root, run.probe),
      temperature: run.temperature,
      ...(run.alpha !== undefined ? { alpha: run.alpha } : {}),
    };
    const job = this.jobView && this.jobView.runId === run.id ? { checkpoint: rel(run.root, this.jobView.checkpoint), fraction: this.jobView.fraction, message: this.jobView.message } : null;
    return { ...base, run: view, checkpoints, selected, detail, probe: (await this.history.probe(run.id)) ?? null, job, watching: run.student };
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
