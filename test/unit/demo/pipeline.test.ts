// demo/pipeline.ts end to end at toy size (20 images, 1 epoch, widths of 2-4 channels): the workspace
// layout, kdlens.json and train_config.yaml, atomic checkpoints (no temp folders left), and every model
// written is readable by the project's own reader with the stage names the report pairs up.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/worker/backend';
import { openModel } from '../../../src/worker/models/registry';
import { runDemoTraining } from '../../../demo/pipeline';
import type { DemoConfig } from '../../../demo/pipeline';
import { summaryLines } from '../../../demo/summary';
import type { ReportJson } from '../../../src/report/types';

const TINY: DemoConfig = {
  trainSize: 20,
  probeSize: 10,
  dataSeed: 3,
  numClasses: 5,
  hyper: {
    temperature: 4,
    alpha: 0.9,
    teacherEpochs: 1,
    studentEpochs: 2,
    batchSize: 8,
    lrTeacher: 0.01,
    lrStudent: 0.01,
    seed: 1,
    teacherWidths: [4, 4, 8],
    studentWidths: [2, 2, 4],
    imageSize: 16,
  },
};

describe('runDemoTraining (toy size)', () => {
  let ws: string;
  const lines: string[] = [];
  before(async () => {
    await initBackend('wasm');
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-demo-ws-'));
    // A stale checkpoint from an earlier, longer run must not survive into the new series.
    fs.mkdirSync(path.join(ws, 'runs/kd/epoch_009'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'runs/kd/epoch_009/model.json'), '{}');
  });
  after(() => fs.rmSync(ws, { recursive: true, force: true }));

  test('writes the workspace layout, configs and per-epoch checkpoints, all readable by openModel', async () => {
    const tensors0 = tf.memory().numTensors;
    const r = await runDemoTraining(ws, TINY, { log: (l) => lines.push(l), backend: 'wasm' });
    assert.equal(tf.memory().numTensors, tensors0, 'tensors leaked by the pipeline');
    for (const f of ['data/train.npz', 'data/probe.npz', 'models/teacher/model.json', 'models/teacher/weights.bin', 'models/base/model.json', 'kdlens.json', 'train_config.yaml']) {
      assert.ok(fs.existsSync(path.join(ws, f)), `${f} missing`);
    }
    assert.deepEqual(fs.readdirSync(path.join(ws, 'runs/kd')).sort(), ['epoch_001', 'epoch_002']);
    assert.deepEqual(fs.readdirSync(path.join(ws, 'runs/base')).sort(), ['epoch_001', 'epoch_002']);
    assert.deepEqual(fs.readdirSync(path.join(ws, 'runs/kd/epoch_002')).sort(), ['model.json', 'weights.bin']);

    const cfg = JSON.parse(fs.readFileSync(path.join(ws, 'kdlens.json'), 'utf8'));
    assert.deepEqual(cfg, {
      runs: [{ name: 'demo-kd', teacher: 'models/teacher/model.json', base: 'models/base/model.json', student: 'runs/kd/epoch_*/model.json', probe: 'data/probe.npz', temperature: 4, alpha: 0.9 }],
    });
    const yaml = fs.readFileSync(path.join(ws, 'train_config.yaml'), 'utf8');
    for (const want of ['temperature: 4', 'alpha: 0.9', 'path: models/teacher/model.json', 'path: runs/kd/epoch_*/model.json', 'lr: 0.01', 'epochs: 2']) assert.ok(yaml.includes(want), `train_config.yaml lacks '${want}'`);

    assert.equal(r.base.history.length, 2);
    assert.equal(r.kd.history.length, 2);
    for (const h of [...r.base.history, ...r.kd.history]) assert.ok(Number.isFinite(h.loss) && h.loss > 0);
    assert.ok(r.teacherAccuracy >= 0 && r.teacherAccuracy <= 1);
    assert.ok(lines.some((l) => l.startsWith('kd      epoch 2/2')), lines.join('\n'));

    for (const rel of ['models/teacher/model.json', 'models/base/model.json', 'runs/kd/epoch_001/model.json', 'runs/kd/epoch_002/model.json']) {
      const m = await openModel(path.join(ws, rel));
      const names = m.listTensors([1, 16, 16, 3]).map((t) => t.name);
      for (const s of ['stage1', 'stage2', 'stage3', 'logits']) assert.ok(names.includes(s), `${rel}: no '${s}' in ${names.join(',')}`);
      const shapes = Object.fromEntries(m.listTensors([1, 16, 16, 3]).map((t) => [t.name, t.shape]));
      assert.deepEqual([shapes.stage1[1], shapes.stage2[1], shapes.stage3[1]], [16, 8, 4], `${rel}: stage resolutions`);
      const x = tf.zeros([2, 16, 16, 3]);
      const out = m.run(x, ['logits']);
      assert.deepEqual(out.logits.shape, [2, 5]);
      tf.dispose([x, out.logits]);
      m.dispose();
    }
    // KD and base start from the same initial weights (same seed), so their first steps differ only by the loss.
    const w1 = fs.readFileSync(path.join(ws, 'runs/kd/epoch_001/weights.bin'));
    const b1 = fs.readFileSync(path.join(ws, 'runs/base/epoch_001/weights.bin'));
    assert.equal(w1.length, b1.length);
    assert.ok(!w1.equals(b1), 'KD and base checkpoints are identical: the KD term had no effect');
  });

  test('summaryLines prints accuracies, stages and localisation relative to the mask share', () => {
    const json = {
      probe: { n: 10, classes: ['a', 'b'] },
      backend: 'wasm',
      models: { teacher: { accuracy: 0.9 }, student: { accuracy: 0.7 }, base: { accuracy: 0.6 } },
      fidelity: { agreement: 0.8, kl: 0.1234, temperature: 4, copied_errors: 1 },
      stages: [{ name: 'stage1', teacher: 'stage1', student: 'stage1', fss_u: 0.5, fss_v: 0.4, fss_v_null: 0.1, rs_teacher: 0.2, rs_student: 0.3, rs_base: 0.35 }],
      localisation: { mask_share: 0.2, by_map: { gradcam_teacher: 0.5, unicam_student_given_base: 0.4, unicam_base_given_student: 0.1 } },
      checkpoints: [{ step: 1, accuracy_student: 0.5, fidelity: { agreement: 0.6, kl: 0.2 } }],
      warnings: [],
    } as unknown as ReportJson;
    const text = summaryLines(json).join('\n');
    assert.match(text, /teacher  90\.0%   base  60\.0%   KD student  70\.0%/);
    assert.match(text, /agreement  80\.0%   KL\(T=4\) 0\.1234/);
    assert.match(text, /stage1 +stage1→stage1 +0\.500   0\.400 \(0\.100\)/);
    assert.match(text, /mask covers  20\.0% of the image/);
    assert.match(text, /distilled \(UniCAM student\|base\) +40\.0%   ×2\.00 the mask share/);
    assert.match(text, /residual \(UniCAM base\|student\) +10\.0%   ×0\.50 the mask share/);
  });
});
