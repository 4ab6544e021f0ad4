// Per-process caches for what does not change between the checkpoints of a run, so a watched series
// re-evaluates only the student: loaded models (keyed by path + mtime + size, and the same of a PyTorch
// checkpoint's architecture template, so an overwritten checkpoint or template is reloaded), decoded probe sets, and the teacher's and base's forward results. All three
// are small LRUs; failed loads are never kept. The teacher book keeps forward results on disk as well.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../../core/errors';
import type { ForwardPlan, ForwardResult } from '../forward';
import type { LoadedModel, OpenOptions } from '../models/model';
import { openModel } from '../models/registry';
import { loadProbe } from '../probe/probeSet';
import type { LoadProbeOptions, ProbeSet } from '../probe/probeSet';

/** The teacher and base rarely change, the student file does: room for both plus a few students. */
export const MODEL_CACHE_SIZE = 4;
export const PROBE_CACHE_SIZE = 2;
export const FORWARD_CACHE_SIZE = 4;

/** A file's identity for caching: changes when the file is rewritten. Throws when the file is missing. */
export function fileStamp(file: string): string {
  const st = fs.statSync(file);
  return `${st.mtimeMs}:${st.size}`;
}

/** fileStamp, or a 'bad-file' error naming what is missing. */
function stampOf(file: string, what: string): string {
  try {
    return fileStamp(file);
  } catch {
    throw new KdInputError('bad-file', `${what} not found: ${file}`);
  }
}

/** Puts `key` last (most recent) and drops the oldest entries beyond `capacity`, handing each to `evicted`. */
function remember<V>(entries: Map<string, V>, key: string, value: V, capacity: number, evicted?: (v: V) => void): V {
  entries.delete(key);
  entries.set(key, value);
  while (entries.size > capacity) {
    const [oldest, old] = entries.entries().next().value as [string, V];
    entries.delete(oldest);
    evicted?.(old);
  }
  return value;
}

function disposeWhenLoaded(model: Promise<LoadedModel>): Promise<void> {
  return model.then(
    (m) => m.dispose(),
    () => undefined,
  );
}

/**
 * Loaded models by path (and architecture template, for a PyTorch checkpoint); a changed mtime or size of
 * either reloads, and a replaced or evicted model is disposed.
 */
export class ModelCache {
  private readonly entries = new Map<string, { readonly stamp: string; readonly model: Promise<LoadedModel> }>();

  constructor(
    private readonly load: (file: string, options?: OpenOptions) => Promise<LoadedModel>,
    private readonly capacity = MODEL_CACHE_SIZE,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  async open(file: string, options?: OpenOptions): Promise<LoadedModel> {
    const template = options?.template;
    const stamp = `${stampOf(file, 'model file')}|${template ? stampOf(template, 'architecture template') : ''}`;
    const key = template ? JSON.stringify([file, template]) : file;
    const hit = this.entries.get(key);
    if (hit && hit.stamp === stamp) return remember(this.entries, key, hit, this.capacity).model;
    if (hit) void disposeWhenLoaded(hit.model);
    const entry = { stamp, model: this.load(file, options) };
    entry.model.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    remember(this.entries, key, entry, this.capacity, (old) => void disposeWhenLoaded(old.model));
    return entry.model;
  }

  /** Forgets every model at once, then waits for each to be disposed. */
  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) await disposeWhenLoaded(e.model);
  }
}

type ProbeLoader = (file: string, opts: LoadProbeOptions, signal?: AbortSignal) => Promise<ProbeSet>;

/** Decoded probe sets keyed by resolved path, mtime, size and the sampling options. */
export class ProbeCache {
  private readonly entries = new Map<string, Promise<ProbeSet>>();

  constructor(
    private readonly load: ProbeLoader = loadProbe,
    private readonly capacity = PROBE_CACHE_SIZE,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(file: string, opts: { size: number; seed: number; numClasses?: number }, signal?: AbortSignal): Promise<ProbeSet> {
    let stamp: string;
    try {
      stamp = fileStamp(file);
    } catch {
      return this.load(file, opts, signal); // the loader says what is wrong with the path
    }
    const key = JSON.stringify([path.resolve(file), stamp, opts.size, opts.seed, opts.numClasses ?? null]);
    const hit = this.entries.get(key);
    if (hit) return remember(this.entries, key, hit, this.capacity);
    const probe = this.load(file, opts, signal);
    probe.catch(() => {
      if (this.entries.get(key) === probe) this.entries.delete(key);
    });
    return remember(this.entries, key, probe, this.capacity);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** What one forward pass depends on: the plan (model, input size, normalisation, tensors) and the probe. */
export interface ForwardRequest {
  readonly plan: ForwardPlan;
  readonly probe: ProbeSet;
  /** The architecture template a checkpoint is bound into: part of what the teacher book keys on. */
  readonly template?: string;
}

/**
 * Forward results of the models that stay the same between checkpoints (teacher, base; never the student,
 * which the caller does not offer). The persistent implementation is the teacher book, keyed by content
 * (src/worker/book/, docs/architecture.md "Teacher book").
 */
export interface ForwardCache {
  /** The remembered result for `request`, else `run()`'s result, remembered for next time. */
  reuse(request: ForwardRequest, run: () => Promise<ForwardResult>): Promise<ForwardResult>;
  clear(): void;
}

/** Small integer ids for objects, by identity (a reloaded model or probe is a new object, so a new id). */
class ObjectIds {
  private readonly ids = new WeakMap<object, number>();
  private next = 1;

  of(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) this.ids.set(o, (id = this.next++));
    return id;
  }
}

/**
 * In-memory forward results keyed by the identity of the model and probe objects (the model and probe
 * caches return a new object when a file changes) plus the rest of the plan.
 */
export class MemoryForwardCache implements ForwardCache {
  private readonly entries = new Map<string, ForwardResult>();
  private readonly ids = new ObjectIds();

  constructor(private readonly capacity = FORWARD_CACHE_SIZE) {}

  get size(): number {
    return this.entries.size;
  }

  async reuse(request: ForwardRequest, run: () => Promise<ForwardResult>): Promise<ForwardResult> {
    const { model, ...planRest } = request.plan;
    const key = JSON.stringify([this.ids.of(model), this.ids.of(request.probe), planRest]);
    const result = this.entries.get(key) ?? (await run());
    return remember(this.entries, key, result, this.capacity);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The process's caches (the worker keeps them for its lifetime). */
export const engineCaches = {
  models: new ModelCache(openModel),
  probes: new ProbeCache(),
  forwards: new MemoryForwardCache(),
  /** The teacher books in use, by folder (src/worker/book/bookCache.ts fills it). */
  books: new Map<string, ForwardCache>(),
};

/** openModel with the process's model cache. */
export function openModelCached(file: string, options?: OpenOptions): Promise<LoadedModel> {
  return engineCaches.models.open(file, options);
}

/** Releases every cached model, forward result and probe set (worker shutdown, tests). */
export async function clearModelCache(): Promise<void> {
  const disposed = engineCaches.models.clear();
  engineCaches.forwards.clear();
  for (const book of engineCaches.books.values()) book.clear();
  engineCaches.probes.clear();
  await disposed;
}
