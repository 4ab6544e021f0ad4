// RunStore: the host's single source of truth (docs/architecture.md "The route of a checkpoint event") —
// the runs, which one is active, their evaluated checkpoints (from the history), the running job and the
// worker's health. Views (panel, runs tree, status bar, hovers) read it and listen to onDidChange; nothing
// else holds results. A new result is taken in memory (applyOutcome); the panel's snapshot is served from
// memory too (the selected checkpoint's detail and the probe view are cached), so progress ticks read no disk.
import path from 'node:path';
import { compileGlob, stepOf } from '../../core/glob';
import type { CheckpointRecord, RunConfig, RunId } from '../../core/runs';
import type { EvalResult } from '../../core/types';
import type { CheckpointView, PanelState, ProbeView, RunView, WorkerView } from '../../protocol/webview';
import { Emitter } from './emitter';
import type { Disposable } from './emitter';

/** What RunStore needs from the history (MultiHistory over src/host/historyStore.ts). */
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
  const re = compileGlob(run.student);
  return re.test(r) || re.test(`${path.posix.dirname(r)}/model.json`);
}

/** How many checkpoints' full results stay in memory (the selected one and a few the user scrubbed past). */
const DETAIL_CACHE_SIZE = 4;

/** A small LRU of full results by run and checkpoint path; an entry holds for one detail file name only. */
class DetailCache {
  private readonly entries = new Map<string, { readonly file: string; readonly result: EvalResult | null }>();

  constructor(private readonly capacity: number) {}

  private static key(r: CheckpointRecord): string {
    return `${r.runId}\0${r.path}`;
  }

  /** The cached result of this row (undefined = not cached; null = its file was unreadable). */
  get(r: CheckpointRecord): EvalResult | null | undefined {
    const k = DetailCache.key(r);
    const e = this.entries.get(k);
    if (!e || e.file !== r.detail) return undefined;
    this.entries.delete(k);
    this.entries.set(k, e);
    return e.result;
  }

  set(r: CheckpointRecord, result: EvalResult | null): void {
    const k = DetailCache.key(r);
    this.entries.delete(k);
    if (r.detail === undefined) return;
    this.entries.set(k, { file: r.detail, result });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  dropRun(runId: RunId): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(`${runId}\0`)) this.entries.delete(k);
  }
}

/** One evaluation outcome as stored: the history row, and for a result its full detail and new probe view. */
export interface StoredOutcome {
  readonly record: CheckpointRecord;
  readonly detail?: EvalResult;
  readonly probe?: ProbeView;
}

export class RunStore implements Disposable {
  private readonly emitter = new Emitter<void>();
  /** Fires after any change; listeners re-read what they show. */
  readonly onDidChange = this.emitter.event;
  private runList: RunConfig[] = [];
  private active: RunId | undefined;
  private readonly recordsByRun = new Map<RunId, CheckpointRecord[]>();
  private readonly selectedByRun = new Map<RunId, number>();
  private readonly pendingByRun = new Map<RunId, Set<string>>();
  private readonly details = new DetailCache(DETAIL_CACHE_SIZE);
  /** Probe view per run once read (null: the run has no stored probe images yet). */
  private readonly probes = new Map<RunId, ProbeView | null>();
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

  /** Replaces the run list and reads each run's history (the one time rows come from disk). */
  async setRuns(runs: RunConfig[]): Promise<void> {
    const before = new Map(this.runList.map((r) => [r.id, r]));
    this.runList = runs;
    for (const [id, old] of before) {
      const now = runs.find((r) => r.id === id);
      // A run gone or pointed at another probe set: its cached probe view and details no longer hold.
      if (!now || now.probe !== old.probe || now.root !== old.root) {
        this.probes.delete(id);
        this.details.dropRun(id);
      }
    }
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

  /** Re-reads a run's rows from the history (run list changes; results arrive through applyOutcome). */
  async reload(runId: RunId, fire = true): Promise<void> {
    this.setRows(runId, [...(await this.history.records(runId))]);
    if (fire) this.emitter.fire();
  }

  /**
   * Takes one evaluation outcome the pipeline has just appended to the history: the row replaces the
   * checkpoint's earlier one, its detail becomes the cached detail and a new probe view the cached one.
   * Nothing is read back from disk; one change event.
   */
  applyOutcome(o: StoredOutcome): void {
    const { record } = o;
    this.setRows(record.runId, [...this.records(record.runId).filter((r) => r.path !== record.path), record]);
    this.details.set(record, o.detail ?? null);
    if (o.probe) this.probes.set(record.runId, o.probe);
    this.emitter.fire();
  }

  /** One row per checkpoint path (the newest evaluation wins), ordered by step; evaluated ones stop pending. */
  private setRows(runId: RunId, recs: readonly CheckpointRecord[]): void {
    const byPath = new Map<string, CheckpointRecord>();
    for (const r of recs) byPath.set(r.path, r);
    const rows = [...byPath.values()].sort((a, b) => a.step - b.step || a.path.localeCompare(b.path));
    this.recordsByRun.set(runId, rows);
    const pend = this.pendingByRun.get(runId);
    if (pend) for (const r of rows) pend.delete(r.path);
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

  /** The run's probe images for the gallery: read from the history once, then from memory. */
  async probe(runId: RunId): Promise<ProbeView | undefined> {
    let p = this.probes.get(runId);
    if (p === undefined) {
      p = (await this.history.probe(runId)) ?? null;
      // A result may have brought newer images while we were reading: those win.
      if (!this.probes.has(runId)) this.probes.set(runId, p);
      else p = this.probes.get(runId) ?? null;
    }
    return p ?? undefined;
  }

  /** The full result of an evaluated row: from memory when cached, else read once from the history. */
  private async detail(rec: CheckpointRecord): Promise<EvalResult | null> {
    const cached = this.details.get(rec);
    if (cached !== undefined) return cached;
    const d = (await this.history.detail(rec)) ?? null;
    if (this.details.get(rec) === undefined) this.details.set(rec, d);
    return d;
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

  /** The full panel snapshot for the active run (the selected checkpoint's detail and the probe from memory once read). */
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
    const detail = rec && rec.status === 'done' ? await this.detail(rec) : null;
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
    return { ...base, run: view, checkpoints, selected, detail, probe: (await this.probe(run.id)) ?? null, job, watching: run.student };
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
