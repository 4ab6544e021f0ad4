// The model cache keys a PyTorch checkpoint by its file AND its architecture template (src/worker/engine/caches.ts,
// docs/methods.md "Architecture templates"): the same checkpoint under another template is another model, a
// rewritten template reloads (and disposes the old model), an unchanged pair is reused, a missing template is
// one line; and the engine passes each role's template to the opener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isKdInputError } from '../../../../../src/core/errors';
import type { AnalyzeParams } from '../../../../../src/core/types';
import { ModelCache } from '../../../../../src/worker/engine/caches';
import { startJob } from '../../../../../src/worker/engine/job';
import { loadModels } from '../../../../../src/worker/engine/models';
import type { LoadedModel, OpenOptions } from '../../../../../src/worker/models/model';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-template-cache-'));
const T0 = new Date('2024-01-02T03:04:05Z');

function file(name: string, bytes = 'x'): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  fs.utimesSync(p, T0, T0);
  return p;
}

function recorder() {
  const loads: string[] = [];
  const disposed: string[] = [];
  const load = async (f: string, o?: OpenOptions): Promise<LoadedModel> => {
    const id = `${path.basename(f)}@${o?.template ? path.basename(o.template) : '-'}#${loads.length}`;
    loads.push(id);
    return { path: f, numClasses: 10, dispose: () => disposed.push(id) } as unknown as LoadedModel;
  };
  return { loads, disposed, load };
}

test('a checkpoint is cached per template; a rewritten template reloads and disposes the old model', async () => {
  const ckpt = file('epoch_1.pt');
  const a = file('a.onnx');
  const b = file('b.onnx');
  const r = recorder();
  const cache = new ModelCache(r.load);
  const m1 = await cache.open(ckpt, { template: a });
  assert.equal(await cache.open(ckpt, { template: a }), m1, 'same pair → same model');
  const m2 = await cache.open(ckpt, { template: b });
  assert.notEqual(m2, m1);
  fs.writeFileSync(a, 'xy'); // same mtime, new size
  fs.utimesSync(a, T0, T0);
  const m3 = await cache.open(ckpt, { template: a });
  assert.notEqual(m3, m1);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(r.loads, ['epoch_1.pt@a.onnx#0', 'epoch_1.pt@b.onnx#1', 'epoch_1.pt@a.onnx#2']);
  assert.deepEqual(r.disposed, ['epoch_1.pt@a.onnx#0']);
  await cache.clear();
});

test('a missing template is one bad-file line naming it', async () => {
  const cache = new ModelCache(recorder().load);
  await assert.rejects(cache.open(file('epoch_2.pt'), { template: path.join(dir, 'gone.onnx') }), (e: unknown) => isKdInputError(e) && e.code === 'bad-file' && /architecture template not found: .*gone\.onnx/.test(e.message));
});

test('the engine opens each role with its own template (student and base share kdlens.json\'s "template")', async () => {
  const seen: Array<[string, string | undefined]> = [];
  const openModel = async (f: string, o?: OpenOptions): Promise<LoadedModel> => {
    seen.push([path.basename(f), o?.template]);
    return { path: f, numClasses: 10, dispose: () => undefined } as unknown as LoadedModel;
  };
  const params: AnalyzeParams = { teacher: '/r/teacher.pth', student: '/r/epoch_3.pt', base: '/r/base.pt', probe: '/p', templates: { teacher: '/t/teacher.onnx', student: '/t/student.onnx', base: '/t/student.onnx' } };
  await loadModels(startJob(params, {}, { openModel }));
  assert.deepEqual(seen, [['teacher.pth', '/t/teacher.onnx'], ['epoch_3.pt', '/t/student.onnx'], ['base.pt', '/t/student.onnx']]);
  seen.length = 0;
  await loadModels(startJob({ teacher: '/r/t.onnx', student: '/r/s.onnx', probe: '/p' }, {}, { openModel }));
  assert.deepEqual(seen, [['t.onnx', undefined], ['s.onnx', undefined]]);
});
