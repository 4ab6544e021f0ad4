// Finds complete student checkpoints of each run: chokidar (awaitWriteFinish) over the run's student glob,
// plus the TF.js rule that a model.json counts only once it parses and every weights file it lists is
// fully written, the same for an .onnx with external data and the side files its tensors name, and for a
// PyTorch checkpoint its format's own structure (torchCheckpoint.ts). A run whose state_dict checkpoints
// have no architecture template is not watched (said once in the log). Emits CheckpointEvents for
// src/host/scheduler.ts; host-only (extension wiring, tests).
import fs from 'node:fs';
import path from 'node:path';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import { compileGlob, globBase, stepOf } from '../../core/glob';
import type { Glob } from '../../core/glob';
import type { RunConfig, RunId } from '../../core/runs';
import { isTorchCheckpointPath } from '../../core/config/templates';
import { groupByteLength } from '../../core/tfjsManifest';
import { ONNX_SCAN_CAP_BYTES, readOnnxCheckpoint } from './onnxCheckpoint';
import { readTorchCheckpoint } from './torchCheckpoint';
import type { LogSink } from './logSink';
import type { Disposable } from './emitter';

/** A checkpoint that is complete on disk, with the file identity it had when found complete. */
export interface CheckpointEvent {
  readonly runId: RunId;
  /** Absolute path (for TF.js: the model.json). */
  readonly path: string;
  /** Relative to the run root, '/' separators. */
  readonly relPath: string;
  /** Epoch/step from the name (core/glob.ts stepOf), null when the name has none. */
  readonly step: number | null;
  /** Identity: for a TF.js model, the newest mtime and the total size of model.json + weights files. */
  readonly mtimeMs: number;
  readonly size: number;
}

export type WatchedRun = Pick<RunConfig, 'id' | 'root' | 'student' | 'needsTemplate'>;

export interface CheckpointWatcherOptions {
  readonly onCheckpoint: (e: CheckpointEvent) => void;
  readonly onRemoved?: (runId: RunId, path: string) => void;
  /** A checkpoint that must not be read (an external-data path escaping its folder); also logged as an error. */
  readonly onRefused?: (e: CheckpointEvent, reason: string) => void;
  readonly log?: LogSink;
  /** chokidar awaitWriteFinish; defaults 300 / 50 ms (docs/platform.md "File watching"). */
  readonly stabilityThreshold?: number;
  readonly pollInterval?: number;
}

/** Folders never worth watching inside a checkpoint tree. */
const SKIP_DIRS = new Set(['.git', 'node_modules', '.kdlens', '__pycache__', '.venv', 'venv', 'wandb']);

export class CheckpointWatcher implements Disposable {
  private readonly runs = new Map<RunId, RunWatch>();

  constructor(private readonly opts: CheckpointWatcherOptions) {}

  /** Starts watching a run (replacing an earlier watch of the same id); resolves after the initial scan. */
  async watchRun(run: WatchedRun): Promise<void> {
    await this.unwatchRun(run.id);
    const w = new RunWatch(run, this.opts);
    this.runs.set(run.id, w);
    await w.ready;
  }

  async unwatchRun(id: RunId): Promise<void> {
    const w = this.runs.get(id);
    this.runs.delete(id);
    await w?.close();
  }

  /** Makes the watched set equal `runs`: new or changed (root/glob) runs are (re)watched, others dropped. */
  async setRuns(runs: readonly WatchedRun[]): Promise<void> {
    const want = new Map(runs.map((r) => [r.id, r]));
    const jobs: Promise<void>[] = [];
    for (const [id, w] of this.runs) {
      const r = want.get(id);
      if (!r || r.root !== w.run.root || r.student !== w.run.student || r.needsTemplate !== w.run.needsTemplate) jobs.push(this.unwatchRun(id));
    }
    await Promise.all(jobs);
    await Promise.all(runs.filter((r) => !this.runs.has(r.id)).map((r) => this.watchRun(r)));
  }

  watchedRuns(): RunId[] {
    return [...this.runs.keys()];
  }

  dispose(): void {
    for (const w of this.runs.values()) void w.close();
    this.runs.clear();
  }
}

class RunWatch {
  readonly ready: Promise<void>;
  /** Absent for a run that is listed but not watched (state_dicts without a template). */
  private readonly fsw?: FSWatcher;
  private readonly re: Glob;
  private readonly base: string;
  /** Size of each non-checkpoint file when chokidar last reported it written (add/change after awaitWriteFinish). */
  private readonly settled = new Map<string, number>();
  /** Side files (absolute) of each parsed checkpoint: a model.json's weights, an .onnx's external data. */
  private readonly weightsOf = new Map<string, readonly string[]>();
  /** Identity last emitted per checkpoint ("mtime:size"), so a touch without change is not re-emitted. */
  private readonly emitted = new Map<string, string>();
  /** Per multi-file checkpoint, a chain so overlapping checks run one after the other. */
  private readonly checks = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    readonly run: WatchedRun,
    private readonly opts: CheckpointWatcherOptions,
  ) {
    const pattern = run.student.replace(/\\/g, '/');
    this.re = compileGlob(pattern);
    this.base = path.resolve(run.root, globBase(pattern));
    if (run.needsTemplate) {
      opts.log?.warn(`Run ${run.id} (${run.student}) is not watched: ${run.needsTemplate}`);
      this.ready = Promise.resolve();
      return;
    }
    // chokidar does not notice a missing folder appearing later: watch the nearest existing ancestor
    // (not above the run root) and ignore everything off the path down to the base.
    let start = this.base;
    while (!fs.existsSync(start) && start !== path.resolve(run.root) && path.dirname(start) !== start) start = path.dirname(start);
    const base = this.base;
    const fsw = watch(start, {
      ignoreInitial: false,
      awaitWriteFinish: { stabilityThreshold: opts.stabilityThreshold ?? 300, pollInterval: opts.pollInterval ?? 50 },
      ignored: (p: string) => {
        if (p === base || p.startsWith(base + path.sep)) return SKIP_DIRS.has(path.basename(p));
        return !(p === start || base.startsWith(p + path.sep));
      },
    });
    fsw.on('add', (p, st) => this.onWritten(p, st));
    fsw.on('change', (p, st) => this.onWritten(p, st));
    fsw.on('unlink', (p) => this.onUnlink(p));
    fsw.on('error', (e) => opts.log?.warn(`Watching ${base} for run ${run.id}: ${e instanceof Error ? e.message : String(e)}`));
    this.fsw = fsw;
    this.ready = new Promise((resolve) => fsw.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.fsw?.close();
  }

  private rel(p: string): string {
    return path.relative(this.run.root, p).split(path.sep).join('/');
  }

  private onWritten(p: string, st: fs.Stats | undefined): void {
    if (this.closed) return;
    const rel = this.rel(p);
    if (this.re.test(rel)) {
      const lower = p.toLowerCase();
      if (lower.endsWith('.json') || lower.endsWith('.onnx') || isTorchCheckpointPath(p)) this.check(p);
      else if (st) this.emit(p, st.mtimeMs, st.size);
      else fs.promises.stat(p).then((s) => this.emit(p, s.mtimeMs, s.size), () => undefined);
      return;
    }
    this.settled.set(p, st?.size ?? -1);
    for (const [json, ws] of this.weightsOf) if (ws.includes(p)) this.check(json);
  }

  private onUnlink(p: string): void {
    this.settled.delete(p);
    if (this.re.test(this.rel(p))) {
      this.weightsOf.delete(p);
      if (this.emitted.delete(p)) this.opts.onRemoved?.(this.run.id, p);
    }
  }

  private check(json: string): void {
    const prev = this.checks.get(json) ?? Promise.resolve();
    const lower = json.toLowerCase();
    const next = prev.then(() => (lower.endsWith('.onnx') ? this.checkOnnx(json) : lower.endsWith('.json') ? this.checkJson(json) : this.checkTorch(json))).catch((e: unknown) => this.opts.log?.warn(`Checking ${json}: ${e instanceof Error ? e.message : String(e)}`));
    this.checks.set(json, next);
    void next.finally(() => {
      if (this.checks.get(json) === next) this.checks.delete(json);
    });
  }

  private async checkJson(json: string): Promise<void> {
    if (this.closed) return;
    const c = await readTfjsCheckpoint(json);
    if (c.state === 'unreadable') return; // half-written or gone: a later change event re-checks
    if (c.state === 'not-tfjs') {
      this.emit(json, c.mtimeMs, c.size);
      return;
    }
    this.weightsOf.set(json, c.weights);
    // Complete = sizes add up to what the manifest's shapes and dtypes need (when computable), and
    // chokidar has seen each weights file settle at its current size.
    const ok = c.complete && c.weights.every((w, i) => this.settled.get(w) === c.weightSizes[i]);
    if (ok) this.emit(json, c.mtimeMs, c.size);
  }

  private async checkOnnx(file: string): Promise<void> {
    if (this.closed) return;
    const c = await readOnnxCheckpoint(file);
    if (c.state === 'unreadable') return; // gone
    if (c.state === 'refused') return this.refuse(file, c.mtimeMs, c.size, c.reason);
    if (c.unscanned === 'too-large') this.opts.log?.info(`${file}: larger than ${ONNX_SCAN_CAP_BYTES / 2 ** 20} MB, so it holds its weights inside: not checked for external data files`);
    this.weightsOf.set(file, c.sideFiles);
    // As for TF.js: each side file big enough for every range referenced in it, and settled (chokidar
    // saw it stop changing at its current size), so a .data file still being appended to is not used.
    const ok = c.complete && c.sideFiles.every((f, i) => this.settled.get(f) === c.sideSizes[i]);
    if (ok) this.emit(file, c.mtimeMs, c.size);
  }

  /** A torch.save zip or .safetensors counts once its structure is all there; a later change event re-checks. */
  private async checkTorch(file: string): Promise<void> {
    if (this.closed) return;
    const c = await readTorchCheckpoint(file);
    if (c.state === 'unreadable') return;
    if (c.complete) this.emit(file, c.mtimeMs, c.size);
    else this.opts.log?.info(`${file}: waiting, not completely written (${c.reason ?? 'incomplete'})`);
  }

  private refuse(p: string, mtimeMs: number, size: number, reason: string): void {
    if (this.closed) return;
    const id = `refused:${mtimeMs}:${size}`;
    if (this.emitted.get(p) === id) return;
    this.emitted.set(p, id);
    this.opts.log?.error(`${p}: not read: ${reason}`);
    const relPath = this.rel(p);
    this.opts.onRefused?.({ runId: this.run.id, path: p, relPath, step: stepOf(relPath), mtimeMs, size }, reason);
  }

  private emit(p: string, mtimeMs: number, size: number): void {
    if (this.closed) return;
    const id = `${mtimeMs}:${size}`;
    if (this.emitted.get(p) === id) return;
    this.emitted.set(p, id);
    const relPath = this.rel(p);
    this.opts.onCheckpoint({ runId: this.run.id, path: p, relPath, step: stepOf(relPath), mtimeMs, size });
  }
}

// ---- TF.js model.json + weights -------------------------------------------------------------------

export interface WeightsGroup {
  /** Shard paths as listed (relative to the model.json folder). */
  readonly paths: readonly string[];
  /** Bytes the listed weights need in total, or undefined when not computable (string weights). */
  readonly expectedBytes: number | undefined;
}

/** The weights groups of a TF.js model.json text; null if it does not parse; undefined if it is not TF.js. */
export function parseWeightsManifest(text: string): WeightsGroup[] | null | undefined {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return null;
  }
  const manifest = (j as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) return undefined;
  return manifest.map((g: { paths?: unknown; weights?: unknown }) => {
    const paths = Array.isArray(g.paths) ? g.paths.filter((x): x is string => typeof x === 'string') : [];
    return { paths, expectedBytes: groupByteLength(Array.isArray(g.weights) ? g.weights : []) };
  });
}

export type TfjsCheckpoint =
  | { readonly state: 'unreadable' }
  | { readonly state: 'not-tfjs'; readonly mtimeMs: number; readonly size: number }
  | {
      readonly state: 'tfjs';
      /** Absolute weights files, in manifest order. */
      readonly weights: readonly string[];
      /** Current sizes (-1 = missing). */
      readonly weightSizes: readonly number[];
      /** Every weights file exists and each group's shards hold the bytes its manifest needs. */
      readonly complete: boolean;
      /** Identity of the pair: newest mtime, total size. */
      readonly mtimeMs: number;
      readonly size: number;
    };

/**
 * Reads a model.json and stats its weights. Also the way to compute a TF.js checkpoint's identity
 * outside the watcher (history lookups), so both agree on what "the same checkpoint" means.
 */
export async function readTfjsCheckpoint(json: string): Promise<TfjsCheckpoint> {
  let text: string;
  let st: fs.Stats;
  try {
    [text, st] = await Promise.all([fs.promises.readFile(json, 'utf8'), fs.promises.stat(json)]);
  } catch {
    return { state: 'unreadable' };
  }
  const groups = parseWeightsManifest(text);
  if (groups === null) return { state: 'unreadable' };
  if (groups === undefined) return { state: 'not-tfjs', mtimeMs: st.mtimeMs, size: st.size };
  const dir = path.dirname(json);
  const weights: string[] = [];
  const weightSizes: number[] = [];
  let complete = true;
  let mtimeMs = st.mtimeMs;
  let size = st.size;
  for (const g of groups) {
    let bytes = 0;
    for (const rel of g.paths) {
      const w = path.resolve(dir, rel);
      const ws = await fs.promises.stat(w).catch(() => undefined);
      weights.push(w);
      weightSizes.push(ws ? ws.size : -1);
      if (!ws) {
        complete = false;
        continue;
      }
      bytes += ws.size;
      size += ws.size;
      mtimeMs = Math.max(mtimeMs, ws.mtimeMs);
    }
    if (g.expectedBytes !== undefined && bytes !== g.expectedBytes) complete = false;
  }
  return { state: 'tfjs', weights, weightSizes, complete, mtimeMs, size };
}
