// analyze() end to end on small real conv nets (tinyModel) and a real .npz probe: every figure is checked
// against an independent computation from one full-batch forward pass, the general UniCAM path against
// finite differences, plus cancellation, class-count mismatch and tensor leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { analyze } from '../../../src/worker/engine';
import { initBackend } from '../../../src/worker/backend';
import { JobCancelled } from '../../../src/worker/cancel';
import { rStar, prs, rs, uCentred, gtMatrix } from '../../../src/core/dcor';
import { residualLossGt } from '../../../src/core/unicam';
import { decodeFloat32 } from '../../../src/protocol/encoding';
import { rng } from '../../../src/core/random';
import { isKdInputError } from '../../../src/core/errors';
import type { LoadedModel } from '../../../src/worker/models/model';
import { tinyModel } from './tinyModel';
import { writeNpz } from './npzFixture';

const N = 12;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-engine-'));
const probePath = path.join(dir, 'probe.npz');
const rand = rng(4);
const images = Float32Array.from({ length: N * 8 * 8 * 3 }, () => rand());
const labels = Int32Array.from({ length: N }, (_, i) => i % 3);
writeNpz(probePath, { x: { dtype: 'float32', shape: [N, 8, 8, 3], data: images }, y: { dtype: 'int32', shape: [N], data: labels } });

function deps(models: Record<string, LoadedModel>) {
  return { openModel: async (p: string) => models[p] };
}

function fullRun(m: LoadedModel, names: string[]): Record<string, tf.Tensor> {
  const x = tf.tensor4d(images, [N, 8, 8, 3]);
  const out = m.run(x, names);
  x.dispose();
  return out;
}

function features(t: tf.Tensor) {
  return { rows: t.shape[0], cols: t.size / t.shape[0], data: Float64Array.from(t.dataSync()) };
}

test('analyze: fidelity, stages, Grad-CAM and UniCAM agree with an independent full-batch computation', async () => {
  await initBackend('cpu');
  const models = { T: tinyModel(1, { width: 6 }), S: tinyModel(2), B: tinyModel(3) };
  const before = tf.memory().numTensors;
  const r = await analyze({ teacher: 'T', student: 'S', base: 'B', probe: probePath, temperature: 2, unicamBatch: 6, permutations: 10 }, {}, deps(models));
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked by analyze');
  assert.equal(r.probe.n, N);
  assert.deepEqual(r.probe.labels, Array.from(labels));

  const T = fullRun(models.T, ['stage1', 'stage2', 'logits']);
  const S = fullRun(models.S, ['stage1', 'stage2', 'logits']);
  const B = fullRun(models.B, ['stage1', 'stage2', 'logits']);
  const tp = tf.argMax(T.logits, 1).arraySync() as number[];
  const sp = tf.argMax(S.logits, 1).arraySync() as number[];
  assert.deepEqual(r.fidelity.teacher_pred, tp);
  assert.deepEqual(r.fidelity.student_pred, sp);
  assert.equal(r.fidelity.agreement, tp.filter((p, i) => p === sp[i]).length / N);
  assert.equal(r.models.teacher.accuracy, tp.filter((p, i) => p === labels[i]).length / N);
  const cells = r.fidelity.both_right + r.fidelity.teacher_only + r.fidelity.student_only + r.fidelity.both_wrong;
  assert.equal(cells, N);

  assert.deepEqual(r.stages.map((s) => [s.teacher, s.student]), [['stage1', 'stage1'], ['stage2', 'stage2']]);
  for (const s of r.stages) {
    const ft = features(T[s.teacher]);
    const fs_ = features(S[s.student]);
    const fb = features(B[s.student]);
    const close = (a: number | undefined, e: number, what: string) => assert.ok(Math.abs((a as number) - e) < 1e-5, `${s.name} ${what}: ${a} vs ${e}`);
    close(s.fss_u, rStar(ft, fs_), 'fss_u');
    close(s.rs_teacher, rs(ft, labels), 'rs_teacher');
    close(s.rs_base, rs(fb, labels), 'rs_base');
    close(s.prs_teacher_given_student, prs(ft, fs_, labels), 'prs T|S');
    close(s.prs_student_given_base, prs(fs_, fb, labels), 'prs S|B');
  }

  const gc = r.gradcam?.maps.teacher?.pred;
  assert.ok(gc && gc.n === N && gc.h === 4 && gc.w === 4);
  const gcv = decodeFloat32(gc.data);
  assert.equal(gcv.length, N * 16);
  assert.ok(gcv.every((v) => v >= 0 && v <= 1));

  assert.deepEqual(Object.keys(r.unicam?.maps ?? {}).sort(), ['base_given_student', 'student_given_base', 'student_given_teacher', 'teacher_given_student']);
  assert.deepEqual(r.unicam?.batch_of, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  // Batch 1 of student|base, recomputed from the core directly on the full-batch pooled features.
  const pooled = (t: tf.Tensor) => features(tf.tidy(() => tf.mean(t, [1, 2])));
  const fx = pooled(S.stage2);
  const fy = pooled(B.stage2);
  const sub = (m: { cols: number; data: Float64Array }, s0: number, e0: number) => ({ rows: e0 - s0, cols: m.cols, data: m.data.slice(s0 * m.cols, e0 * m.cols) });
  const diag = r.unicam?.diagnostics.student_given_base?.batches.find((b) => b.id === 1);
  const L = residualLossGt(sub(fx, 6, 12), uCentred(sub(fy, 6, 12)), uCentred(gtMatrix(labels.slice(6, 12)))).L;
  assert.ok(diag && Math.abs(diag.loss - L) < 1e-5, `batch 1 loss ${diag?.loss} vs ${L}`);
  tf.dispose([...Object.values(T), ...Object.values(S), ...Object.values(B)]);
  Object.values(models).forEach((m) => m.dispose());
});

test('analyze: general UniCAM path (target before the feature layer) matches finite differences of L', async () => {
  await initBackend('cpu');
  const models = { T: tinyModel(1, { width: 6 }), S: tinyModel(2) };
  const r = await analyze(
    { teacher: 'T', student: 'S', probe: probePath, unicamBatch: 12, permutations: 5, target: { teacher: 'stage1', student: 'stage1' } },
    {},
    deps(models),
  );
  const set = r.unicam?.maps.teacher_given_student;
  assert.ok(set && set.h === 8 && set.w === 8, 'maps at the target (stage1) resolution');
  // Independent α for image i, channel k: d/dε L(GAP(tail(A + ε·1_{i,k}))) / (h·w), in float64 via the core.
  const x = tf.tensor4d(images, [N, 8, 8, 3]);
  const A = models.T.run(x, ['stage1']).stage1;
  const pooledS = tf.tidy(() => tf.mean(models.S.run(x, ['stage2']).stage2, [1, 2]));
  const Bm = uCentred(features(pooledS));
  pooledS.dispose();
  const C = uCentred(gtMatrix(labels));
  const Lof = (a: tf.Tensor): number => {
    const f = tf.tidy(() => tf.mean(models.T.run(x, ['stage2'], { stage1: a }).stage2, [1, 2]));
    const v = residualLossGt(features(f), Bm, C).L;
    f.dispose();
    return v;
  };
  const { tailAlpha } = await import('../../../src/worker/explain/unicamMaps');
  const alpha = tailAlpha(models.T, x, 'stage1', 'NHWC', 'stage2', 'NHWC', Bm, C, 'gt');
  const K = A.shape[3] as number;
  const eps = 1e-2;
  for (const [i, k] of [[0, 0], [5, 2], [11, 5]]) {
    const bump = tf.tidy(() => {
      const m = new Float32Array(A.size);
      for (let u = 0; u < 64; u++) m[(i * 64 + u) * K + k] = 1;
      return tf.tensor(m, A.shape);
    });
    const plus = tf.tidy(() => tf.add(A, tf.mul(bump, eps)));
    const minus = tf.tidy(() => tf.sub(A, tf.mul(bump, eps)));
    const fd = (Lof(plus) - Lof(minus)) / (2 * eps) / 64;
    tf.dispose([bump, plus, minus]);
    const got = alpha[i * K + k];
    assert.ok(Math.abs(fd - got) < 1e-4 + 1e-2 * Math.abs(fd), `α[${i}][${k}] = ${got}, FD ${fd}`);
  }
  tf.dispose([x, A]);
  Object.values(models).forEach((m) => m.dispose());
});

test('analyze: cancellation, mismatched class counts and a one-class probe are clear errors', async () => {
  await initBackend('cpu');
  const models = { T: tinyModel(1), S: tinyModel(2), W: tinyModel(3, { classes: 4 }) };
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(analyze({ teacher: 'T', student: 'S', probe: probePath }, { signal: ac.signal }, deps(models)), JobCancelled);
  await assert.rejects(analyze({ teacher: 'T', student: 'W', probe: probePath }, {}, deps(models)), (e) => isKdInputError(e) && /class counts differ/.test(e.message));
  const one = path.join(dir, 'one.npz');
  writeNpz(one, { x: { dtype: 'float32', shape: [N, 8, 8, 3], data: images }, y: { dtype: 'int32', shape: [N], data: new Int32Array(N) } });
  await assert.rejects(analyze({ teacher: 'T', student: 'S', probe: one }, {}, deps(models)), (e) => isKdInputError(e) && e.code === 'one-class');
  Object.values(models).forEach((m) => m.dispose());
});

test('analyze: the teacher and base forward passes and the probe are reused across checkpoints, with identical figures', async () => {
  await initBackend('cpu');
  const calls = { T: 0, B: 0 };
  const counted = (m: LoadedModel, key: 'T' | 'B'): LoadedModel => ({
    ...m,
    run: (x, names, overrides) => {
      calls[key]++;
      return m.run(x, names, overrides);
    },
    listTensors: (s) => m.listTensors(s),
  });
  const T = counted(tinyModel(1, { width: 6 }), 'T');
  const B = counted(tinyModel(3), 'B');
  const models = { T, B, S1: tinyModel(2), S2: tinyModel(4) };
  const params = { teacher: 'T', base: 'B', probe: probePath, unicamBatch: 6, permutations: 5 };
  const first = await analyze({ ...params, student: 'S1' }, {}, deps(models));
  const afterFirst = { ...calls };
  const second = await analyze({ ...params, student: 'S2' }, {}, deps(models));
  assert.deepEqual(calls, afterFirst, 'no teacher or base forward for the second checkpoint');
  const again = await analyze({ ...params, student: 'S1' }, {}, deps(models));
  assert.deepEqual(again.stages, first.stages, 'cached teacher/base give the same stage figures');
  assert.deepEqual(again.fidelity, first.fidelity);
  assert.deepEqual(again.unicam?.maps, first.unicam?.maps, 'and the same UniCAM maps');
  assert.deepEqual(second.fidelity.teacher_pred, first.fidelity.teacher_pred, 'the same teacher predictions for the next checkpoint');
  Object.values(models).forEach((m) => m.dispose());
});
