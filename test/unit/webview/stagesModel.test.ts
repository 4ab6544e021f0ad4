// The panel's per-stage table as a pure model: FSS, RS and pRS per stage with the report's verdict and
// "how to read this" terms (src/core/present/stageText.ts), base columns only with a base student.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvalResult, StageFigures } from '../../../src/core/types';
import type { CheckpointView } from '../../../src/protocol/webview';
import { stageTerms } from '../../../src/core/present/stageText';
import { stagesModel } from '../../../webview/panel/stagesModel';

const stage = (name: string, extra: Partial<StageFigures> = {}): StageFigures => ({
  name,
  teacher: 't/' + name,
  student: 's/' + name,
  teacher_shape: [64, 8, 8],
  student_shape: [32, 8, 8],
  fss_u: 0.75,
  fss_u_ci: { lo: 0.68, hi: 0.83 },
  fss_v: 0.92,
  fss_v_null: { mean: 0.91, p95: 0.925 },
  rs_teacher: 0.4,
  rs_student: 0.3,
  prs_teacher_given_student: 0.05,
  prs_student_given_teacher: 0.02,
  ...extra,
});

function cp(stages: StageFigures[], base: boolean): CheckpointView {
  const m = { path: 'm.onnx', format: 'onnx', params: 1, numClasses: 2, accuracy: 0.5, inputShape: [null, 3, 8, 8] };
  return { path: '/r/s1.onnx', name: 's1.onnx', step: 1, status: 'done', summary: { models: { teacher: m, student: m, ...(base ? { base: m } : {}) }, stages, warnings: [], backend: 'cpu', elapsed_ms: 1 } } as unknown as CheckpointView;
}

test('one row per stage with FSS, RS and pRS, the pRS verdict and its tone', () => {
  const m = stagesModel(cp([stage('layer1'), stage('layer2', { prs_student_given_teacher: 0.3, fss_v: 0.95 })], false), null);
  assert.equal(m.absent, null);
  assert.deepEqual(m.head, ['stage', 'FSS_U [95% CI]', 'FSS_V (null p95)', 'teacher', 'student', 'T|S', 'S|T', 'S|T − T|S']);
  assert.deepEqual(m.rows[0].cells, ['layer1', '0.750 [0.680, 0.830]', '0.920 (0.925) within null', '0.400', '0.300', '0.050', '0.020', '−0.030 similarly relevant']);
  assert.deepEqual(m.rows[1].verdict, { text: '+0.250 student’s own features more relevant', tone: 'good' });
  assert.equal(m.rows[1].cells[2], '0.950 (0.925)');
  assert.equal(m.groups.reduce((a, g) => a + g[1], 0), m.head.length, 'the groups span the columns');
  assert.deepEqual(m.terms, stageTerms(false));
  assert.equal(m.note, '', 'no probe size before the detail is loaded');
});

test('with a base student: RS base and pRS S|base, base|S; the note names the probe size', () => {
  const detail = { probe: { n: 6, total: 40, seed: 3 }, gt: 'onehot' } as unknown as EvalResult;
  const m = stagesModel(cp([stage('layer3', { rs_base: 0.2, prs_student_given_base: 0.15, prs_base_given_student: 0.01 })], true), detail);
  assert.deepEqual(m.head.slice(-2), ['S|base', 'base|S']);
  assert.deepEqual(m.rows[0].cells.slice(-2), ['0.150', '0.010']);
  assert.equal(m.rows[0].cells[5], '0.200');
  assert.equal(m.groups.reduce((a, g) => a + g[1], 0), m.head.length);
  assert.match(m.note, /^N = 6 \(6 of 40 probe images, seed 3\); .*sd ≈ 1\.4\/N = 0\.233/);
  assert.ok(m.terms.some((t) => t.term === 'pRS base|S > 0'));
});

test('says why there is no table', () => {
  assert.equal(stagesModel(undefined, null).absent, 'Select a checkpoint.');
  assert.equal(stagesModel(cp([], false), null).absent, 'No stages were matched for s1.onnx.');
});
