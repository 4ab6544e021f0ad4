// PyTorch checkpoints with zero instrumentation (issue 13), end to end on the fixtures of
// test/fixtures/make_torch_ckpts.py: every checkpoint the fixture run saved (plain, RepDistiller, mdistiller,
// Lightning, Hugging Face safetensors/bin, legacy, float16, bfloat16, torch.compile) opens through the
// registry with its architecture template and gives torch's own logits (1e-5 relative, on TF.js and through
// onnxBytes on onnxruntime), and `kdlens report --template` gives, for every checkpoint, the student accuracy,
// agreement and KL that torch's logits give, on both forward engines.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { unzipSync, zipSync } from 'fflate';
import { logSoftmax } from '../../src/core/fidelity';
import { parseNpy, writeNpy } from '../../src/core/npy';
import type { ReportJson } from '../../src/report/types';
import { initBackend } from '../../src/worker/backend';
import { openModel } from '../../src/worker/models/registry';
import { loadOrt } from '../../src/worker/ort/nativeForward';
import { relErr } from '../unit/worker/models/torchFixtureCases';

const root = path.resolve(__dirname, '../../..');
const TORCH = path.join(root, 'test/fixtures/torch');
const TEMPLATE = path.join(TORCH, 'student.onnx');
const manifest = JSON.parse(fs.readFileSync(path.join(TORCH, 'manifest.json'), 'utf8')) as { checkpoints: Record<string, { container: string; logits: string }>; teacher: string };
const CHECKPOINTS = Object.keys(manifest.checkpoints);
/**
 * float16/bfloat16 checkpoints: torch's reference loaded the same low-precision values into a float32 model
 * (load_state_dict widens them), so the reference holds them too and the tolerance is the float32 one.
 */
const LOGITS_TOL = 1e-5;

function npy(rel: string): { data: Float32Array; shape: number[] } {
  const a = parseNpy(new Uint8Array(fs.readFileSync(path.join(TORCH, rel))));
  return { data: Float32Array.from(a.data as ArrayLike<number>), shape: [...a.shape] };
}

const probe = (() => {
  const members = unzipSync(new Uint8Array(fs.readFileSync(path.join(TORCH, 'probe.npz'))));
  const x = parseNpy(members['x.npy']);
  const y = parseNpy(members['y.npy']);
  return { x: { data: x.data as Float32Array, shape: [...x.shape] }, labels: Array.from(y.data as BigInt64Array, Number) };
})();


/** Accuracy, agreement with the teacher and mean KL(teacher ‖ student) at T, from torch's logits (float64). */
function torchFigures(student: Float32Array, teacher: Float32Array, T: number): { accuracy: number; agreement: number; kl: number } {
  const n = probe.labels.length;
  const k = student.length / n;
  const argmax = (m: Float32Array, i: number) => {
    let b = 0;
    for (let j = 1; j < k; j++) if (m[i * k + j] > m[i * k + b]) b = j;
    return b;
  };
  let right = 0;
  let agree = 0;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    right += Number(argmax(student, i) === probe.labels[i]);
    agree += Number(argmax(student, i) === argmax(teacher, i));
    const lp = logSoftmax(teacher.subarray(i * k, (i + 1) * k), T);
    const lq = logSoftmax(student.subarray(i * k, (i + 1) * k), T);
    for (let j = 0; j < k; j++) kl += Math.exp(lp[j]) * (lp[j] - lq[j]);
  }
  return { accuracy: right / n, agreement: agree / n, kl: kl / n };
}

let work = '';
let series = '';
let probeFile = '';
/** Copied name in the series folder → the manifest's checkpoint (one folder, so one --checkpoints glob). */
const copies = new Map<string, string>();

before(async () => {
  await initBackend();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-torch-'));
  // KD Lens reads probe images NHWC; the fixture's x is torch's NCHW.
  const [n, c, h, w] = probe.x.shape;
  const nhwc = new Float32Array(probe.x.data.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) nhwc[(i * h * w + p) * c + ch] = probe.x.data[(i * c + ch) * h * w + p];
  probeFile = path.join(work, 'probe.npz');
  fs.writeFileSync(probeFile, zipSync({ 'x.npy': writeNpy({ dtype: 'float32', shape: [n, h, w, c], data: nhwc }), 'y.npy': writeNpy({ dtype: 'int64', shape: [n], data: BigInt64Array.from(probe.labels, BigInt) }) }));
  series = path.join(work, 'series');
  fs.mkdirSync(series);
  for (const rel of CHECKPOINTS) {
    const name = rel.replace(/\//g, '__');
    fs.copyFileSync(path.join(TORCH, rel), path.join(series, name));
    copies.set(name, rel);
  }
});

describe('PyTorch checkpoints through their template: torch logits', () => {
  for (const rel of CHECKPOINTS) {
    test(`${rel}: logits equal torch's (${LOGITS_TOL} relative) on TF.js and onnxruntime`, async () => {
      const before = tf.memory().numTensors;
      const model = await openModel(path.join(TORCH, rel), { template: TEMPLATE });
      assert.equal(model.format, 'pytorch');
      const expected = npy(manifest.checkpoints[rel].logits).data;
      const x = tf.tensor(probe.x.data, probe.x.shape, 'float32');
      const out = model.run(x, [model.output]);
      const tfjsErr = relErr(out[model.output].dataSync() as Float32Array, expected);
      tf.dispose([x, ...Object.values(out)]);
      const ort = loadOrt();
      if (ort) {
        const session = await ort.InferenceSession.create(model.onnxBytes!());
        const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', probe.x.data, probe.x.shape) });
        await session.release();
        const ortErr = relErr(r[session.outputNames[0]].data as Float32Array, expected);
        assert.ok(ortErr < LOGITS_TOL, `onnxruntime: relative error ${ortErr}`);
      }
      model.dispose();
      assert.ok(tfjsErr < LOGITS_TOL, `TF.js: relative error ${tfjsErr}`);
      assert.equal(tf.memory().numTensors, before, 'no tensor left');
    });
  }
});

function kdlens(engine: string, ...args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'bin/kdlens.js'), ...args], { encoding: 'utf8', cwd: root, timeout: 240_000, env: { ...process.env, KDLENS_FORWARD_ENGINE: engine } });
}

describe('kdlens report --template: every checkpoint\'s figures equal torch\'s', () => {
  const engines = loadOrt() && process.env.KDLENS_FORWARD_ENGINE !== 'tfjs' ? ['onnxruntime', 'tfjs'] : ['tfjs'];
  for (const engine of engines) {
    test(`forward engine ${engine}: accuracy, agreement and KL of all ${CHECKPOINTS.length} checkpoints`, () => {
      const out = path.join(work, `report-${engine}`);
      const main = path.join(series, 'plain__epoch_3.pt');
      const r = kdlens(engine, 'report', '--teacher', path.join(TORCH, 'teacher.onnx'), '--student', main, '--template', TEMPLATE, '--checkpoints', path.join(series, '*'), '--data', probeFile, '--temperature', '4', '--permutations', '5', '--out', out, '--json', '--quiet');
      assert.equal(r.status, 0, r.stderr);
      const json = JSON.parse(r.stdout) as ReportJson;
      assert.match(json.backend, engine === 'onnxruntime' ? /onnxruntime/ : /^(?!.*onnxruntime)/);
      assert.equal(json.models.student.format, 'pytorch');
      const teacher = npy(manifest.teacher).data;
      const rows = json.checkpoints ?? [];
      assert.equal(rows.length, CHECKPOINTS.length);
      for (const row of rows) {
        const rel = copies.get(path.basename(row.path))!;
        const want = torchFigures(npy(manifest.checkpoints[rel].logits).data, teacher, 4);
        assert.equal(row.accuracy_student, want.accuracy, `${rel} accuracy`);
        assert.equal(row.fidelity.agreement, want.agreement, `${rel} agreement`);
        assert.ok(Math.abs(row.fidelity.kl - want.kl) <= 1e-5 * Math.max(1, want.kl), `${rel} KL ${row.fidelity.kl} vs torch ${want.kl}`);
      }
    });
  }

  test('a checkpoint without its template: exit 2, one line naming the export and the key / flag', () => {
    const r = kdlens('tfjs', 'report', '--teacher', path.join(TORCH, 'teacher.onnx'), '--student', path.join(TORCH, 'plain/epoch_1.pt'), '--data', probeFile, '--out', path.join(work, 'none'), '--quiet');
    assert.equal(r.status, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /epoch_1\.pt: a PyTorch checkpoint holds weights only .*dynamo=True, optimize=False, dynamic_shapes.*"template".*--template/);
  });

  test('kdlens inspect --template: a checkpoint is a pytorch model with the template\'s stages', () => {
    const r = kdlens('tfjs', 'inspect', path.join(TORCH, 'mdistiller/student_latest'), '--template', TEMPLATE, '--json');
    assert.equal(r.status, 0, r.stderr);
    const insp = JSON.parse(r.stdout) as { format: string; params: number; stages: Array<{ name: string }> };
    assert.equal(insp.format, 'pytorch');
    assert.ok(insp.stages.some((s) => s.name.startsWith('layer3')), insp.stages.map((s) => s.name).join(','));
  });

  test('the folded template is refused with the re-export named', () => {
    const r = kdlens('tfjs', 'inspect', path.join(TORCH, 'plain/epoch_1.pt'), '--template', path.join(TORCH, 'student_folded.onnx'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /BatchNorm was folded .*re-export the template with torch\.onnx\.export/);
  });
});
