// The engine's caches (src/worker/engine/caches.ts): the model cache reloads a rewritten file and disposes
// what it drops, failed loads are never kept, the probe cache keys on the file and the sampling options,
// and forward results are reused for the teacher and base but never asked for the student.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryForwardCache, ModelCache, ProbeCache } from '../../../src/worker/engine/caches';
import type { ForwardCache, ForwardRequest } from '../../../src/worker/engine/caches';
import { analyze } from '../../../src/worker/engine';
import { initBackend } from '../../../src/worker/backend';
import type { ForwardPlan, ForwardResult } from '../../../src/worker/forward';
import type { LoadedModel } from '../../../src/worker/models/model';
import type { ProbeSet } from '../../../src/worker/probe/probeSet';
import { isKdInputError } from '../../../src/core/errors';
import { rng } from '../../../src/core/random';
import { tinyModel } from './tinyModel';
import { writeNpz } from './npzFixture';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-caches-'));
const FIXED_TIME = new Date('2024-01-02T03:04:05Z');

/** A file with a known mtime, so a test can change its size alone or its mtime alone. */
function file(name: string, bytes = 'x'): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  fs.utimesSync(p, FIXED_TIME, FIXED_TIME);
  return p;
}

interface FakeModels {
  readonly loads: string[];
  readonly disposed: string[];
  readonly load: (file: string) => Promise<LoadedModel>;
}

/** A model loader that records loads and disposals; `failFirst` makes each file's first load fail. */
function fakeModels(failFirst = false): FakeModels {
  const loads: string[] = [];
  const disposed: string[] = [];
  const load = async (f: string): Promise<LoadedModel> => {
    const name = `${path.basename(f)}#${loads.filter((l) => l === path.basename(f)).length + 1}`;
    loads.push(path.basename(f));
    if (failFirst && name.endsWith('#1')) throw new Error(`cannot parse ${name}`);
    return { path: name, dispose: () => void disposed.push(name) } as unknown as LoadedModel;
  };
  return { loads, disposed, load };
}

test('model cache: a hit returns the same model without loading again', async () => {
  const fake = fakeModels();
  const cache = new ModelCache(fake.load);
  const a = file('hit.onnx');
  const first = await cache.open(a);
  assert.equal(await cache.open(a), first);
  assert.deepEqual(fake.loads, ['hit.onnx']);
  assert.deepEqual(fake.disposed, []);
});

test('model cache: a changed mtime or size reloads the file and disposes the stale model', async () => {
  const fake = fakeModels();
  const cache = new ModelCache(fake.load);
  const a = file('changing.onnx');
  assert.equal((await cache.open(a)).path, 'changing.onnx#1');
  fs.utimesSync(a, FIXED_TIME, new Date(FIXED_TIME.getTime() + 5000));
  assert.equal((await cache.open(a)).path, 'changing.onnx#2', 'new mtime → reloaded');
  fs.appendFileSync(a, 'more');
  fs.utimesSync(a, FIXED_TIME, new Date(FIXED_TIME.getTime() + 5000));
  assert.equal((await cache.open(a)).path, 'changing.onnx#3', 'same mtime, new size → reloaded');
  assert.deepEqual(fake.disposed, ['changing.onnx#1', 'changing.onnx#2']);
  assert.equal(cache.size, 1);
});

test('model cache: the least recently used model is evicted and disposed', async () => {
  const fake = fakeModels();
  const cache = new ModelCache(fake.load, 2);
  const [a, b, c] = ['a.onnx', 'b.onnx', 'c.onnx'].map((n) => file(n));
  const modelA = await cache.open(a);
  const modelB = await cache.open(b);
  await cache.open(a); // a is now the most recent
  await cache.open(c);
  assert.deepEqual(fake.disposed, [modelB.path], 'b was least recently used');
  assert.equal(await cache.open(a), modelA, 'a is still cached');
  assert.deepEqual(fake.loads, ['a.onnx', 'b.onnx', 'c.onnx']);
  assert.equal(cache.size, 2);
});

test('model cache: a failed load is not kept, and a missing file is a bad-file input error', async () => {
  const fake = fakeModels(true);
  const cache = new ModelCache(fake.load);
  const a = file('broken.onnx');
  await assert.rejects(cache.open(a), /cannot parse broken.onnx#1/);
  assert.equal(cache.size, 0);
  assert.equal((await cache.open(a)).path, 'broken.onnx#2', 'the next open tries again');
  await assert.rejects(cache.open(path.join(dir, 'missing.onnx')), (e) => isKdInputError(e) && e.code === 'bad-file' && /model file not found/.test(e.message));
  assert.deepEqual(fake.loads, ['broken.onnx', 'broken.onnx'], 'a missing file is never handed to the loader');
});

test('model cache: clear disposes every model and forgets them', async () => {
  const fake = fakeModels();
  const cache = new ModelCache(fake.load);
  const files = ['x.onnx', 'y.onnx', 'z.onnx'].map((n) => file(n));
  for (const f of files) await cache.open(f);
  await cache.clear();
  assert.deepEqual([...fake.disposed].sort(), ['x.onnx#1', 'y.onnx#1', 'z.onnx#1']);
  assert.equal(cache.size, 0);
  assert.equal((await cache.open(files[0])).path, 'x.onnx#2', 'loaded afresh after clear');
});

function fakeProbes(failFirst = false) {
  const loads: string[] = [];
  const load = async (f: string, opts: { size?: number }): Promise<ProbeSet> => {
    loads.push(`${path.basename(f)}@${opts.size}`);
    if (failFirst && loads.length === 1) throw new Error('unreadable probe');
    return { path: f, n: opts.size } as unknown as ProbeSet;
  };
  return { loads, load };
}

test('probe cache: keyed by file stamp and sampling options; failed loads are not kept', async () => {
  const fake = fakeProbes(true);
  const cache = new ProbeCache(fake.load, 2);
  const p = file('probe.npz');
  const opts = { size: 8, seed: 0 };
  await assert.rejects(cache.get(p, opts), /unreadable probe/);
  const first = await cache.get(p, opts);
  assert.equal(await cache.get(p, { ...opts }), first, 'same file and options → the same probe object');
  assert.notEqual(await cache.get(p, { size: 8, seed: 1 }), first, 'another seed → another sample');
  fs.utimesSync(p, FIXED_TIME, new Date(FIXED_TIME.getTime() + 1000));
  assert.notEqual(await cache.get(p, opts), first, 'a rewritten probe file is loaded again');
  assert.deepEqual(fake.loads, ['probe.npz@8', 'probe.npz@8', 'probe.npz@8', 'probe.npz@8']);
  assert.equal(cache.size, 2);
  cache.clear();
  assert.equal(cache.size, 0);
});

const plan = (model: LoadedModel, rest: Partial<ForwardPlan> = {}): ForwardPlan => ({
  model,
  height: 8,
  width: 8,
  stages: ['stage1'],
  target: 'stage2',
  targetLayout: 'NHWC',
  feature: 'stage2',
  featureLayout: 'NHWC',
  gradcam: true,
  chunk: 16,
  ...rest,
});

test('forward cache: reused for the same model object, probe object and plan; otherwise run', async () => {
  const cache = new MemoryForwardCache(2);
  const runs: string[] = [];
  const result = (name: string) => async (): Promise<ForwardResult> => {
    runs.push(name);
    return { numClasses: runs.length } as unknown as ForwardResult;
  };
  const teacher = { path: 't' } as LoadedModel;
  const reloaded = { path: 't' } as LoadedModel;
  const probe = { n: 4 } as ProbeSet;
  const first = await cache.reuse({ plan: plan(teacher), probe }, result('teacher'));
  assert.equal(await cache.reuse({ plan: plan(teacher), probe }, result('again')), first);
  await cache.reuse({ plan: plan(reloaded), probe }, result('reloaded model'));
  await cache.reuse({ plan: plan(teacher), probe: { n: 4 } as ProbeSet }, result('reloaded probe'));
  await cache.reuse({ plan: plan(teacher, { mean: [0.5, 0.5, 0.5] }), probe }, result('other normalisation'));
  assert.deepEqual(runs, ['teacher', 'reloaded model', 'reloaded probe', 'other normalisation']);
  assert.equal(cache.size, 2, 'an LRU of two');
  assert.notEqual(await cache.reuse({ plan: plan(teacher), probe }, result('evicted')), first);
  cache.clear();
  assert.equal(cache.size, 0);
});

test('analyze: the forward cache is offered the teacher and base passes, never the student; a cache that keeps nothing gives the same figures', async () => {
  await initBackend('cpu');
  const rand = rng(9);
  const probePath = path.join(dir, 'engine-probe.npz');
  const n = 8;
  writeNpz(probePath, {
    x: { dtype: 'float32', shape: [n, 8, 8, 3], data: Float32Array.from({ length: n * 8 * 8 * 3 }, () => rand()) },
    y: { dtype: 'int32', shape: [n], data: Int32Array.from({ length: n }, (_, i) => i % 2) },
  });
  const models: Record<string, LoadedModel> = { T: tinyModel(1, { width: 6 }), S: tinyModel(2), B: tinyModel(3) };
  const offered: string[] = [];
  const keepsNothing: ForwardCache = {
    reuse: (request: ForwardRequest, run) => {
      offered.push(request.plan.model.path);
      return run();
    },
    clear: () => undefined,
  };
  const params = { teacher: 'T', student: 'S', base: 'B', probe: probePath, unicamBatch: 4, permutations: 5 };
  const openModel = async (p: string) => models[p];
  const uncached = await analyze(params, {}, { openModel, forwardCache: keepsNothing });
  const again = await analyze(params, {}, { openModel, forwardCache: keepsNothing });
  assert.deepEqual(offered, ['tiny-1', 'tiny-3', 'tiny-1', 'tiny-3'], 'teacher and base, every time; the student never');
  const cached = await analyze(params, {}, { openModel });
  const reused = await analyze(params, {}, { openModel }); // teacher and base from the in-memory cache
  for (const r of [again, cached, reused]) {
    assert.deepEqual(r.fidelity, uncached.fidelity);
    assert.deepEqual(r.stages, uncached.stages);
    assert.deepEqual(r.unicam?.maps, uncached.unicam?.maps);
    assert.deepEqual(r.gradcam?.maps, uncached.gradcam?.maps);
  }
  Object.values(models).forEach((m) => m.dispose());
});
