// Export Report takes the panel's route through the engine: on a run with input normalisation, explicit
// stage pairs and non-default kdlens.* settings, the host's run pipeline evaluates a checkpoint with the
// REAL worker (what the panel shows), then exports the report through the same worker; every figure of
// report.json equals the panel's, and the run's options visibly reached the report (probe size, seed,
// stage pairs, normalisation).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunConfig } from '../../src/core/runs';
import type { EvalResult } from '../../src/core/types';
import { MemoryLog } from '../../src/host/pipeline/logSink';
import { RunPipeline } from '../../src/host/pipeline/runPipeline';
import { DEFAULT_SETTINGS } from '../../src/host/pipeline/settings';
import type { KdSettings } from '../../src/host/pipeline/settings';
import type { ReportJson } from '../../src/report/types';

const root = path.resolve(__dirname, '../../..');
const fx = (f: string) => path.join(root, 'test/fixtures/report', f);
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-export-'));
const out = path.join(ws, 'chosen', 'kdlens-report');
const checkpoint = path.join(ws, 'runs/kd/epoch_001.onnx');
fs.mkdirSync(path.dirname(checkpoint), { recursive: true });
fs.copyFileSync(fx('student.onnx'), checkpoint);

const pipelines: RunPipeline[] = [];
after(() => {
  pipelines.forEach((p) => p.dispose());
  fs.rmSync(ws, { recursive: true, force: true });
});

const run: RunConfig = {
  id: 'normalised',
  name: 'normalised',
  root: ws,
  source: { kind: 'config', file: path.join(ws, 'kdlens.json'), index: 0 },
  teacher: fx('teacher.onnx'),
  base: fx('base.onnx'),
  student: 'runs/kd/epoch_*.onnx',
  probe: fx('probe.npz'),
  temperature: 2,
  options: {
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    stages: [
      { teacher: 'layer2', student: 'layer2' },
      { teacher: 'layer4', student: 'layer4' },
    ],
    permutations: 7,
  },
  configFiles: [],
};

/** Settings a user changed: a probe sample smaller than the set, another seed, a smaller UniCAM batch. */
const settings: KdSettings = { ...DEFAULT_SETTINGS, probeSize: 12, seed: 3, unicamBatch: 6, watch: false, discoverRuns: false };

test('Export Report gives the panel’s numbers for a run with normalisation and explicit stages', async () => {
  const pipeline = new RunPipeline({ workerPath: path.join(root, 'dist/worker.js'), log: new MemoryLog(), settings: () => settings, loadRuns: async () => [run] });
  pipelines.push(pipeline);
  await pipeline.reloadRuns();
  await pipeline.startCompute();

  // What the panel shows: the pipeline's evaluation, read back from the run store's panel state.
  assert.equal(await pipeline.enqueueFiles(run, [checkpoint], true), true);
  await pipeline.whenIdle();
  const record = pipeline.latestRecord(run.id);
  assert.equal(record?.status, 'done', record?.error);
  const panel = (await pipeline.store.panelState()).detail as EvalResult;
  assert.ok(panel, 'the panel has the checkpoint’s detail');

  await pipeline.exportReport(run, checkpoint, out);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as ReportJson;

  // The run's options and the settings reached both.
  assert.equal(panel.probe.n, 12);
  assert.equal(report.probe.n, 12);
  assert.equal(report.probe.seed, 3);
  assert.deepEqual(report.probe.ids, panel.probe.ids);
  assert.deepEqual(report.stages.map((s) => s.name), ['layer2', 'layer4']);
  assert.equal(report.unicam?.batch, 6);

  // Every figure equals the panel's.
  assert.equal(report.models.teacher.accuracy, panel.models.teacher.accuracy);
  assert.equal(report.models.student.accuracy, panel.models.student.accuracy);
  assert.equal(report.models.base?.accuracy, panel.models.base?.accuracy);
  const { teacher_pred: _t, student_pred: _s, base_pred: _b, ...panelFidelity } = panel.fidelity;
  assert.deepEqual(report.fidelity, panelFidelity);
  assert.deepEqual(report.predictions.teacher, panel.fidelity.teacher_pred);
  assert.deepEqual(report.predictions.student, panel.fidelity.student_pred);
  for (const [i, s] of panel.stages.entries()) {
    const r = report.stages[i];
    for (const key of ['fss_u', 'fss_v', 'rs_teacher', 'rs_student', 'rs_base', 'prs_teacher_given_student', 'prs_student_given_teacher', 'prs_student_given_base', 'prs_base_given_student'] as const) {
      assert.equal(r[key], s[key], `${s.name} ${key}`);
    }
    assert.equal(r.fss_v_null, s.fss_v_null.mean, `${s.name} fss_v_null`);
  }
  assert.deepEqual(report.checkpoints?.map((c) => c.path), [checkpoint], 'the run’s series gives the trend rows');
  assert.equal(report.checkpoints?.[0].fidelity.agreement, panel.fidelity.agreement);
  for (const f of ['report.html', 'report.json']) assert.ok(fs.existsSync(path.join(out, f)), f);
});

test('the normalisation matters here, so equal figures are not an accident of defaults', async () => {
  const plain: RunConfig = { ...run, id: 'plain', options: { ...run.options, mean: undefined, std: undefined } };
  const pipeline = new RunPipeline({ workerPath: path.join(root, 'dist/worker.js'), log: new MemoryLog(), settings: () => settings, loadRuns: async () => [plain] });
  pipelines.push(pipeline);
  await pipeline.reloadRuns();
  await pipeline.startCompute();
  const plainOut = path.join(ws, 'plain');
  await pipeline.exportReport(plain, checkpoint, plainOut);
  const a = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as ReportJson;
  const b = JSON.parse(fs.readFileSync(path.join(plainOut, 'report.json'), 'utf8')) as ReportJson;
  assert.notEqual(a.stages[0].fss_u, b.stages[0].fss_u, 'FSS_U at layer2 with and without mean/std');
});
