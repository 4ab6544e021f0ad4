// analyze()'s literature block on small real conv nets (tinyModel) and a real .npz probe with object masks:
// present, consistent with the rest of the result (temperature.kl is fidelity.kl; the sweep at the run's T
// is the dark-knowledge figures), and re-derived independently in float64 from a full-batch forward pass
// (the teacher's soft-target figures, the KD gain's value, the localisation shares); parts without their
// inputs are absent; no tensors leak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ComputeLayer } from '../../../../src/core/literature/flops';
import { resizeBilinear } from '../../../../src/core/present/resize';
import { rng } from '../../../../src/core/random';
import type { EvalResult } from '../../../../src/core/types';
import { decodeFloat32 } from '../../../../src/protocol/encoding';
import { analyze } from '../../../../src/worker/engine';
import { initBackend } from '../../../../src/worker/backend';
import type { LoadedModel } from '../../../../src/worker/models/model';
import { writeNpz } from '../npzFixture';
import { tinyModel } from '../tinyModel';

const N = 12;
const K = 3;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-literature-'));
const probePath = path.join(dir, 'probe.npz');
const rand = rng(9);
const images = Float32Array.from({ length: N * 8 * 8 * 3 }, () => rand());
const labels = Int32Array.from({ length: N }, (_, i) => i % K);
// Object masks: a 4×4 square whose corner moves with the image.
const masks = Float32Array.from({ length: N * 64 }, (_, k) => {
  const i = Math.floor(k / 64);
  const y = Math.floor((k % 64) / 8);
  const x = k % 8;
  const o = i % 4;
  return y >= o && y < o + 4 && x >= o && x < o + 4 ? 1 : 0;
});
writeNpz(probePath, {
  x: { dtype: 'float32', shape: [N, 8, 8, 3], data: images },
  y: { dtype: 'int32', shape: [N], data: labels },
  mask: { dtype: 'float32', shape: [N, 8, 8], data: masks },
});

/** A tinyModel that also lists its layers, as the ONNX and Layers readers do (hand-counted MACs). */
function withLayers(m: LoadedModel, layers: ComputeLayer[]): LoadedModel {
  return Object.assign(Object.create(null) as object, m, { computeLayers: () => layers }) as LoadedModel;
}

function deps(models: Record<string, LoadedModel>) {
  return { openModel: async (p: string) => models[p] };
}

function logitsOf(m: LoadedModel): Float64Array {
  const x = tf.tensor4d(images, [N, 8, 8, 3]);
  const out = m.run(x, ['logits']);
  const v = Float64Array.from(out.logits.dataSync());
  tf.dispose([x, out.logits]);
  return v;
}

function close(a: number, e: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - e) <= tol, `${what}: ${a} vs ${e}`);
}

/** Teacher soft-target figures at T, straight from their definitions (docs/methods.md "KD literature figures"). */
function teacherFigures(t: Float64Array, T: number): { mass: number; entropy: number } {
  let mass = 0;
  let entropy = 0;
  for (let i = 0; i < N; i++) {
    const row = Array.from(t.subarray(i * K, (i + 1) * K), (v) => v / T);
    const z = row.reduce((s, v) => s + Math.exp(v), 0);
    const p = row.map((v) => Math.exp(v) / z);
    mass += 1 - p[labels[i]];
    entropy -= p.reduce((s, v) => s + v * Math.log(v), 0);
  }
  return { mass: mass / N, entropy: entropy / N };
}

/** Share of a map set's mass inside the masks per image, at probe size, recomputed with the shared resize. */
function shares(r: EvalResult, dirName: 'student_given_base' | 'base_given_student'): number[] {
  const set = r.unicam?.maps[dirName];
  assert.ok(set, dirName);
  const up = resizeBilinear(decodeFloat32(set.data), N, set.h, set.w, 8, 8);
  return Array.from({ length: N }, (_, i) => {
    let inside = 0;
    let total = 0;
    for (let u = 0; u < 64; u++) {
      const v = Math.min(1, Math.max(0, Math.fround(up[i * 64 + u])));
      total += v;
      inside += masks[i * 64 + u] > 0.5 ? v : 0;
    }
    return total > 0 ? inside / total : NaN;
  });
}

test('literature: present, consistent with fidelity, and re-derived in float64', async () => {
  await initBackend('cpu');
  const T0 = tinyModel(1, { width: 6 });
  const S0 = tinyModel(2);
  const models = { T: withLayers(T0, [{ op: 'Conv', inC: 3, outC: 6, kH: 3, kW: 3, outH: 8, outW: 8, group: 1 }]), S: withLayers(S0, [{ op: 'Gemm', m: 1, k: 6, n: 3 }]), B: tinyModel(3) };
  const before = tf.memory().numTensors;
  const r = await analyze({ teacher: 'T', student: 'S', base: 'B', probe: probePath, temperature: 2, unicamBatch: 6, permutations: 5, seed: 3 }, {}, deps(models));
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
  const lit = r.literature;
  assert.ok(lit, 'literature block present');

  // Consistency inside the result.
  const dk = lit.dark_knowledge;
  const tp = lit.temperature;
  assert.equal(dk.temperature, 2);
  assert.equal(tp.run_t, 2);
  close(tp.kl, r.fidelity.kl, 1e-9, 'temperature.kl vs fidelity.kl');
  const atRun = tp.sweep.find((p) => p.t === 2);
  assert.ok(atRun);
  close(atRun.kl, r.fidelity.kl, 1e-9, 'sweep KL at run T');
  assert.equal(atRun.teacher_entropy, dk.teacher_entropy);
  assert.equal(atRun.non_target_mass, dk.non_target_mass);
  assert.deepEqual(tp.sweep.map((p) => p.t), [1, 2, 3, 4, 6, 8, 12, 16, 20]);

  // Independent float64 recomputation from a full-batch forward pass.
  const t = logitsOf(T0);
  const f = teacherFigures(t, 2);
  close(dk.non_target_mass, f.mass, 1e-5, 'non-target mass');
  close(dk.teacher_entropy, f.entropy, 1e-5, 'entropy');

  // Error transfer against the base, per class only where the teacher errs.
  const et = lit.error_transfer;
  assert.ok(et);
  const teacherWrong = r.fidelity.teacher_pred.filter((p, i) => p !== labels[i]).length;
  assert.equal(et.errors.images, teacherWrong);
  assert.equal(et.per_class.reduce((s, c) => s + c.teacher_errors, 0), teacherWrong);
  assert.ok(et.per_class.every((c) => c.teacher_errors > 0 && /^\d+$/.test(c.name)));

  // Capacity: the models' own counts, MACs from their layer lists, the KD gain's value.
  const cap = lit.capacity;
  assert.equal(cap.teacher_params, T0.paramCount);
  assert.equal(cap.param_ratio, T0.paramCount / S0.paramCount);
  assert.equal(cap.teacher_macs, 64 * 6 * 27);
  assert.equal(cap.student_macs, 18);
  assert.equal(cap.macs_ratio, (64 * 6 * 27) / 18);
  const gain = cap.kd_gain_accuracy;
  assert.ok(gain && cap.kd_gain_agreement);
  close(gain.value, (r.models.student.accuracy ?? 0) - (r.models.base?.accuracy ?? 0), 1e-12, 'KD gain');
  assert.ok(gain.lo <= gain.value && gain.value <= gain.hi);

  // Localisation: shares recomputed from the result's maps; the verdict follows the interval.
  const loc = lit.localisation;
  assert.ok(loc);
  const d = shares(r, 'student_given_base');
  const b = shares(r, 'base_given_student');
  const mean = (v: number[]) => v.filter((x) => !Number.isNaN(x)).reduce((s, x) => s + x, 0) / v.filter((x) => !Number.isNaN(x)).length;
  close(loc.distilled, mean(d), 1e-12, 'distilled share');
  close(loc.residual, mean(b), 1e-12, 'residual share');
  const both = d.map((x, i) => x - b[i]).filter((x) => !Number.isNaN(x));
  assert.equal(loc.images, both.length);
  close(loc.difference.value, both.reduce((s, x) => s + x, 0) / both.length, 1e-12, 'difference');
  close(loc.mask_share, 16 / 64, 1e-12, 'mask share');
  const expected = loc.difference.lo > 0 ? 'supported' : loc.difference.hi < 0 ? 'reversed' : 'inconclusive';
  assert.equal(loc.verdict, expected);
  assert.ok(JSON.stringify(lit).indexOf('NaN') < 0 && JSON.parse(JSON.stringify(lit)).capacity.teacher_macs === cap.teacher_macs);
  [T0, S0, models.B].forEach((m) => m.dispose());
});

test('literature: without a base there is no error transfer, KD gain or localisation; without maps no localisation', async () => {
  await initBackend('cpu');
  const models = { T: tinyModel(1, { width: 6 }), S: tinyModel(2), B: tinyModel(3) };
  const noBase = await analyze({ teacher: 'T', student: 'S', probe: probePath, temperature: 4, unicamBatch: 6, permutations: 5 }, {}, deps(models));
  const lit = noBase.literature;
  assert.ok(lit);
  assert.equal(lit.error_transfer, undefined);
  assert.equal(lit.capacity.kd_gain_accuracy, undefined);
  assert.equal(lit.localisation, undefined);
  assert.equal(lit.capacity.teacher_macs, null, 'a model without a layer list has no MACs');
  assert.equal(lit.capacity.macs_ratio, null);
  assert.equal(lit.temperature.kl, noBase.fidelity.kl);
  const noMaps = await analyze({ teacher: 'T', student: 'S', base: 'B', probe: probePath, skipMaps: true, permutations: 5 }, {}, deps(models));
  assert.ok(noMaps.literature?.error_transfer);
  assert.equal(noMaps.literature?.localisation, undefined);
  Object.values(models).forEach((m) => m.dispose());
});

test('literature: two classes leave the rank correlation null and the checkpoint whole', async () => {
  await initBackend('cpu');
  const p2 = path.join(dir, 'probe2.npz');
  writeNpz(p2, { x: { dtype: 'float32', shape: [N, 8, 8, 3], data: images }, y: { dtype: 'int32', shape: [N], data: Int32Array.from(labels, (v) => v % 2) } });
  const models = { T: tinyModel(1, { classes: 2 }), S: tinyModel(2, { classes: 2 }) };
  const r = await analyze({ teacher: 'T', student: 'S', probe: p2, permutations: 5, skipMaps: true }, {}, deps(models));
  assert.equal(r.literature?.dark_knowledge.non_target_rank_corr, null);
  assert.equal(r.literature?.dark_knowledge.images_ranked, 0);
  close(r.literature?.dark_knowledge.kl_to_smoothing ?? 1, 0, 1e-15, 'one non-target class is its own even split');
  Object.values(models).forEach((m) => m.dispose());
});
