// The history of evaluated checkpoints in <workspace>/.kdlens/ (append-only history.jsonl per run, full
// results in details/, probe images for the gallery). Node fs only, no vscode, so it is tested directly;
// reached through MultiHistory by the run pipeline, hovers and diagnostics. Writes nowhere outside
// <root>/.kdlens/.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { CheckpointRecord, CheckpointSummary, LiteratureSummary, RunId } from '../../core/runs';
import type { EvalResult, LiteratureFigures, ProbeShape } from '../../core/types';
import { isCheckpointRecord, parseHistory } from './historyLines';
import type { ParsedHistory } from './historyLines';

/** probe.json: the probe images as the panel's gallery shows them (the on-disk format since version 1). */
export interface StoredProbe extends ProbeShape {
  readonly version: 1;
  readonly path?: string;
  readonly name?: string;
  /** n×height×width×3 uint8 RGB, row-major, base64: the bytes the worker sent (EvalResult.probe.images). */
  readonly rgb: string;
}

/** What writeProbe takes: probe.json without its version tag. */
export type ProbeImages = Omit<StoredProbe, 'version'>;

export interface StoreChange {
  readonly runId: RunId;
  readonly kind: 'record' | 'probe';
  readonly record?: CheckpointRecord;
}

export interface HistoryStoreOptions {
  /** Recoverable oddities (a corrupt middle line, an unreadable detail file); the host logs them. */
  readonly onWarning?: (message: string) => void;
}

/**
 * The literature figures a history row keeps: all but the per-class error rows, which only the detail view
 * lists (a trend needs the scalars; the rows grow with the number of classes).
 */
export function summariseLiterature(lit: LiteratureFigures): LiteratureSummary {
  const { error_transfer, ...rest } = lit;
  if (!error_transfer) return rest;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { per_class, ...transfer } = error_transfer;
  return { ...rest, error_transfer: transfer };
}

/** The figures trends and hovers need: an EvalResult without maps and per-sample predictions. */
export function summarise(result: EvalResult): CheckpointSummary {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { teacher_pred, student_pred, base_pred, ...fidelity } = result.fidelity;
  const { teacher, student, base } = result.models;
  return structuredClone({
    models: { teacher, student, ...(base ? { base } : {}) },
    fidelity,
    stages: result.stages,
    // Results from before the literature figures have none; their rows stay as they were.
    ...(result.literature ? { literature: summariseLiterature(result.literature) } : {}),
    warnings: result.warnings,
    backend: result.backend,
    elapsed_ms: result.elapsed_ms,
  });
}

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

/** A run id as a folder name: readable prefix + hash, so distinct ids never share a folder. */
export function safeRunId(runId: RunId): string {
  const readable = runId.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 60);
  return `${readable || 'run'}-${sha1(runId).slice(0, 8)}`;
}

interface Loaded {
  /** All valid rows in file order. */
  rows: CheckpointRecord[];
  /** history.jsonl identity when read, to notice another window's appends. */
  size: number;
  mtimeMs: number;
}

/** Bytes a base64 string decodes to (NaN when it is not whole 4-character groups). */
function base64ByteLength(b64: string): number {
  if (b64.length % 4 !== 0) return NaN;
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - pad;
}

/** The file exists and its last byte is not a newline (a torn last line). */
async function endsTorn(file: string): Promise<boolean> {
  let h: Awaited<ReturnType<typeof fsp.open>>;
  try {
    h = await fsp.open(file, 'r');
  } catch {
    return false;
  }
  try {
    const { size } = await h.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await h.read(last, 0, 1, size - 1);
    return last[0] !== 10;
  } finally {
    await h.close();
  }
}

let tmpCounter = 0;

/** Writes `text` to `file` via a temp file in the same folder + fsync + rename: readers see old or new, never half. */
async function writeAtomic(file: string, text: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${++tmpCounter}.tmp`;
  const h = await fsp.open(tmp, 'w');
  try {
    await h.writeFile(text);
    await h.sync();
  } finally {
    await h.close();
  }
  await fsp.rename(tmp, file);
}

export class HistoryStore {
  /** <root>/.kdlens */
  readonly dir: string;
  private readonly cache = new Map<RunId, Loaded>();
  /** Per-run write queue: appends to one history file never interleave. */
  private readonly queues = new Map<RunId, Promise<unknown>>();
  private listeners: ((e: StoreChange) => void)[] = [];
  private readonly warn: (m: string) => void;

  constructor(
    readonly root: string,
    options: HistoryStoreOptions = {},
  ) {
    this.dir = path.join(root, '.kdlens');
    this.warn = options.onWarning ?? (() => undefined);
  }

  /** The run's history folder (.kdlens/runs/<safe run id>). */
  runDir(runId: RunId): string {
    return path.join(this.dir, 'runs', safeRunId(runId));
  }

  private historyFile(runId: RunId): string {
    return path.join(this.runDir(runId), 'history.jsonl');
  }

  private serial<T>(runId: RunId, job: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(runId) ?? Promise.resolve();
    const next = prev.then(job, job);
    this.queues.set(
      runId,
      next.catch(() => undefined),
    );
    return next;
  }

  /**
   * Rows of history.jsonl, byte-exact (historyLines.ts). Lines that are not valid rows are never dropped:
   * they stay in history.jsonl (nothing rewrites it) and are copied to history.rejected.jsonl, so a user
   * sees what was set aside; the copy is rewritten only when the set changes.
   */
  private async parse(runId: RunId, bytes: Uint8Array): Promise<CheckpointRecord[]> {
    const { rows, rejected } = parseHistory(bytes);
    if (rejected.length) await this.setAside(runId, rejected);
    return rows;
  }

  private async setAside(runId: RunId, lines: ParsedHistory['rejected']): Promise<void> {
    const file = path.join(this.runDir(runId), 'history.rejected.jsonl');
    const text = Buffer.concat(lines.flatMap((l) => [l.bytes, Buffer.from('\n')]));
    const old = await fsp.readFile(file).catch(() => undefined);
    if (old && old.equals(text)) return;
    await writeAtomic(file, text);
    const which = lines.map((l) => l.line).join(', ');
    this.warn(`${this.historyFile(runId)}: line(s) ${which} are not valid checkpoint records; set aside in ${path.basename(file)} (the history keeps them)`);
  }

  private async load(runId: RunId): Promise<Loaded> {
    const file = this.historyFile(runId);
    let st: { size: number; mtimeMs: number } | undefined;
    try {
      st = await fsp.stat(file);
    } catch {
      st = undefined;
    }
    const cached = this.cache.get(runId);
    if (!st) {
      const empty = { rows: [], size: 0, mtimeMs: 0 };
      this.cache.set(runId, empty);
      return empty;
    }
    if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return cached;
    const bytes = await fsp.readFile(file);
    const loaded = { rows: await this.parse(runId, bytes), size: st.size, mtimeMs: st.mtimeMs };
    this.cache.set(runId, loaded);
    return loaded;
  }

  /**
   * The run's checkpoints, sorted by step (then evaluation time). A checkpoint evaluated again (same path
   * and step, e.g. after its file changed or a Re-run) keeps only its newest row. Copies.
   */
  async records(runId: RunId): Promise<CheckpointRecord[]> {
    const { rows } = await this.load(runId);
    const byKey = new Map<string, CheckpointRecord>();
    for (const r of rows) {
      const key = `${r.path}\0${r.step}`;
      byKey.delete(key);
      byKey.set(key, r);
    }
    return structuredClone([...byKey.values()].sort((a, b) => a.step - b.step || a.evaluatedAt.localeCompare(b.evaluatedAt)));
  }

  /** The highest-step checkpoint evaluated successfully, if any. */
  async latest(runId: RunId): Promise<CheckpointRecord | undefined> {
    const done = (await this.records(runId)).filter((r) => r.status === 'done');
    return done[done.length - 1];
  }

  /** True when this file identity (path, mtime, size) was already evaluated, successfully or not: skip it. */
  async isCurrent(runId: RunId, file: string, mtimeMs: number, size: number): Promise<boolean> {
    const { rows } = await this.load(runId);
    return rows.some((r) => r.path === file && r.mtimeMs === mtimeMs && r.size === size);
  }

  /**
   * Appends one row (fsync'd). With `detail`, the full EvalResult goes to details/<step>-<hash>.json first
   * (atomically), so a row never points at a missing file; the row gets `detail` and, if absent, `summary`.
   */
  append(record: CheckpointRecord, detail?: EvalResult): Promise<CheckpointRecord> {
    if (!isCheckpointRecord(record)) return Promise.reject(new Error(`not a checkpoint record: ${JSON.stringify(record)?.slice(0, 200)}`));
    return this.serial(record.runId, async () => {
      const dir = this.runDir(record.runId);
      await fsp.mkdir(dir, { recursive: true });
      await this.writeRunMeta(record.runId);
      let row: CheckpointRecord = structuredClone(record);
      if (detail) {
        const name = `details/${record.step}-${sha1(`${record.path}\0${record.mtimeMs}\0${record.size}`).slice(0, 10)}.json`;
        await fsp.mkdir(path.join(dir, 'details'), { recursive: true });
        await writeAtomic(path.join(dir, name), JSON.stringify(detail));
        row = { ...row, detail: name, summary: row.summary ?? summarise(detail) };
      }
      const file = this.historyFile(record.runId);
      // One write per row, in append mode, never a truncation: two windows appending to the same history
      // cannot destroy each other's rows. After a torn last line (a crash mid-append) the row starts on a
      // new line; the fragment stays as a line of its own and is set aside when read.
      const line = ((await endsTorn(file)) ? '\n' : '') + JSON.stringify(row) + '\n';
      const before = this.cache.get(record.runId);
      const h = await fsp.open(file, 'a');
      let st: { size: number; mtimeMs: number };
      try {
        await h.write(line);
        await h.sync();
        st = await h.stat();
      } finally {
        await h.close();
      }
      // Our row is the only growth since the cached read: extend the cache; otherwise (another window
      // appended too) the next read reloads the whole file.
      if (before && before.size + Buffer.byteLength(line) === st.size) this.cache.set(record.runId, { rows: [...before.rows, row], size: st.size, mtimeMs: st.mtimeMs });
      else this.cache.delete(record.runId);
      this.fire({ runId: record.runId, kind: 'record', record: structuredClone(row) });
      return structuredClone(row);
    });
  }

  private async writeRunMeta(runId: RunId): Promise<void> {
    const meta = path.join(this.runDir(runId), 'run.json');
    try {
      await fsp.access(meta);
    } catch {
      await writeAtomic(meta, `${JSON.stringify({ runId })}\n`);
    }
  }

  /** Run ids with a history folder (restricted mode lists history without reading any config). */
  async runIds(): Promise<RunId[]> {
    let names: string[];
    try {
      names = await fsp.readdir(path.join(this.dir, 'runs'));
    } catch {
      return [];
    }
    const ids: RunId[] = [];
    for (const n of names.sort()) {
      try {
        const meta = JSON.parse(await fsp.readFile(path.join(this.dir, 'runs', n, 'run.json'), 'utf8')) as { runId?: unknown };
        if (typeof meta.runId === 'string') ids.push(meta.runId);
      } catch {
        // A folder without run.json is not ours (or half-created): nothing to list.
      }
    }
    return ids;
  }

  /** The full EvalResult of a row, or undefined (no detail, file gone or unreadable: warned). */
  async detail(record: CheckpointRecord): Promise<EvalResult | undefined> {
    if (!record.detail) return undefined;
    const dir = this.runDir(record.runId);
    const file = path.resolve(dir, record.detail);
    // A hand-edited history must not make us read outside the run's folder.
    if (!file.startsWith(dir + path.sep)) {
      this.warn(`${this.historyFile(record.runId)}: detail '${record.detail}' is outside the run folder; ignored`);
      return undefined;
    }
    try {
      // Ours are plain files written by writeAtomic: a symlink (planted or checked in) is not followed.
      if ((await fsp.lstat(file)).isSymbolicLink()) throw new Error('it is a symbolic link; only files KD Lens wrote are read');
      return JSON.parse(await fsp.readFile(file, 'utf8')) as EvalResult;
    } catch (e) {
      this.warn(`${file}: cannot read the stored result (${(e as Error).message.split('\n')[0]})`);
      return undefined;
    }
  }

  /**
   * Stores the probe images for the gallery once per run and probe: a probe.json with the same path, ids
   * and size is kept. Returns whether it wrote.
   */
  writeProbe(runId: RunId, probe: ProbeImages): Promise<boolean> {
    return this.serial(runId, async () => {
      const { n, height: h, width: w } = probe;
      const bytes = base64ByteLength(probe.rgb);
      if (bytes !== n * h * w * 3 || probe.labels.length !== n || probe.ids.length !== n) {
        throw new Error(`probe for ${runId}: ${bytes} bytes for ${n}×${h}×${w}×3 images, ${probe.ids.length} ids and ${probe.labels.length} labels`);
      }
      const old = await this.probe(runId);
      if (old && old.path === probe.path && old.height === h && old.width === w && old.n === n && old.ids.every((id, i) => id === probe.ids[i])) return false;
      const stored: StoredProbe = {
        version: 1,
        ...(probe.path !== undefined ? { path: probe.path } : {}),
        ...(probe.name !== undefined ? { name: probe.name } : {}),
        n,
        height: h,
        width: w,
        ids: [...probe.ids],
        labels: [...probe.labels],
        classes: [...probe.classes],
        rgb: probe.rgb,
      };
      await fsp.mkdir(this.runDir(runId), { recursive: true });
      await this.writeRunMeta(runId);
      await writeAtomic(path.join(this.runDir(runId), 'probe.json'), JSON.stringify(stored));
      this.fire({ runId, kind: 'probe' });
      return true;
    });
  }

  /** The stored probe images, if written. */
  async probe(runId: RunId): Promise<StoredProbe | undefined> {
    try {
      return JSON.parse(await fsp.readFile(path.join(this.runDir(runId), 'probe.json'), 'utf8')) as StoredProbe;
    } catch {
      return undefined;
    }
  }

  /** Plain callback registry; the host adapts it to a vscode.EventEmitter where it needs one. */
  onDidChange(listener: (e: StoreChange) => void): { dispose(): void } {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }

  private fire(e: StoreChange): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.warn(`history listener failed: ${(err as Error).message}`);
      }
    }
  }

  summarise(result: EvalResult): CheckpointSummary {
    return summarise(result);
  }
}
