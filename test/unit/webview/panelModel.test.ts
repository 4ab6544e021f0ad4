// The panel's pure models: fidelity cards with changes since the previous checkpoint, trend series over
// checkpoints (gaps, stage choice, base-less runs), and UI state restored from untrusted storage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckpointSummary } from '../../../src/core/runs';
import type { StageFigures } from '../../../src/core/types';
import type { CheckpointView } from '../../../src/protocol/webview';
import { deltaTone, fidelityCards } from '../../../webview/panel/cardModel';
import { effectiveStage, stageNames, trends } from '../../../webview/panel/trendModel';
import { DEFAULT_UI, GALLERY_PAGE, restoreUiState } from '../../../webview/panel/uiState';

function stage(name: string, v: number): StageFigures {
  return { name, teacher: `t/${name}`, student: `s/${name}`, teacher_shape: [8, 4, 4], student_shape: [4, 4, 4], fss_u: v, fss_v: v + 0.1, fss_v_null: { mean: v - 0.2, p95: v - 0.1 }, rs_teacher: 0.9, rs_student: v, prs_teacher_given_student: 0.3, prs_student_given_teacher: 0.2 };
}

function summary(acc: number, agreement: number, kl: number, opts: { base?: number; stages?: StageFigures[] } = {}): CheckpointSummary {
  const model = (a: number) => ({ path: 'm.onnx', format: 'onnx', params: 10, numClasses: 3, accuracy: a, inputShape: [null, 3, 8, 8] });
  return {
    models: { teacher: model(0.9), student: model(acc), ...(opts.base !== undefined ? { base: model(opts.base) } : {}) },
    fidelity: { temperature: 4, agreement, kl, ece_teacher: 0.05, ece_student: 0.1, both_right: 1, teacher_only: 0, student_only: 0, both_wrong: 0, copied_errors: 0, per_class: [] },
    stages: opts.stages ?? [],
    warnings: [],
    backend: 'cpu',
    elapsed_ms: 1,
  };
}

const cp = (step: number, s?: CheckpointSummary, status: CheckpointView['status'] = 'done'): CheckpointView => ({ path: `/r/s${step}.onnx`, name: `s${step}.onnx`, step, status, summary: s });

test('cards: values, changes since the previous checkpoint and their tone', () => {
  const cards = fidelityCards(summary(0.7, 0.8, 0.25, { base: 0.6 }), summary(0.6, 0.85, 0.5, { base: 0.6 }));
  const by = Object.fromEntries(cards.map((c) => [c.key, c]));
  assert.deepEqual(cards.map((c) => c.key), ['acc_teacher', 'acc_student', 'acc_base', 'agreement', 'kl', 'ece_student', 'ece_teacher']);
  assert.equal(by.acc_student.value, 0.7);
  assert.ok(Math.abs((by.acc_student.delta as number) - 0.1) < 1e-12);
  assert.equal(deltaTone(by.acc_student), 'good');
  assert.ok(Math.abs((by.agreement.delta as number) + 0.05) < 1e-12);
  assert.equal(deltaTone(by.agreement), 'bad');
  assert.equal(by.kl.delta, -0.25);
  assert.equal(deltaTone(by.kl), 'good', 'KL going down is good');
  assert.equal(by.kl.label, 'KL(T‖S) at T=4');
  assert.equal(deltaTone(by.acc_teacher), 'flat');
});

test('cards: no base card without a base; no change for the first checkpoint', () => {
  const cards = fidelityCards(summary(0.7, 0.8, 0.25), undefined);
  assert.equal(cards.some((c) => c.key === 'acc_base'), false);
  assert.ok(cards.every((c) => c.delta === null && deltaTone(c) === 'flat'));
});

test('trends: one value per checkpoint, gaps where a checkpoint has no figures, picked stage', () => {
  const cps = [cp(1, summary(0.5, 0.6, 0.4, { stages: [stage('layer1', 0.3), stage('layer2', 0.5)] })), cp(2, undefined, 'error'), cp(3, summary(0.7, 0.8, 0.2, { stages: [stage('layer1', 0.4), stage('layer2', 0.6)] }))];
  assert.deepEqual(stageNames(cps), ['layer1', 'layer2']);
  assert.equal(effectiveStage(cps, null), 'layer2', 'default: the deepest stage');
  assert.equal(effectiveStage(cps, 'layer1'), 'layer1');
  assert.equal(effectiveStage(cps, 'gone'), 'layer2');
  const t = Object.fromEntries(trends(cps, 'layer1', ['c0', 'c1', 'c2', 'c3', 'c4', 'c5']).map((x) => [x.key, x]));
  assert.deepEqual(Object.keys(t), ['fss', 'rs', 'prs', 'accuracy', 'kl']);
  assert.deepEqual(t.fss.data.xLabels, ['1', '2', '3']);
  const fssU = t.fss.data.series.find((s) => s.label === 'FSS_U');
  assert.deepEqual(fssU?.values, [0.3, null, 0.4]);
  const band = t.fss.data.bands?.find((b) => b.label.startsWith('FSS_V null'));
  assert.deepEqual(band?.lo.map((v) => (v === null ? v : +v.toFixed(6))), [0.1, null, 0.2]);
  assert.deepEqual(band?.hi.map((v) => (v === null ? v : +v.toFixed(6))), [0.2, null, 0.3]);
  // No base in this run: no base series anywhere, no CI band (none given).
  assert.deepEqual(t.rs.data.series.map((s) => s.label), ['teacher', 'student']);
  assert.deepEqual(t.prs.data.series.map((s) => s.label), ['teacher|student', 'student|teacher']);
  assert.equal(t.fss.data.bands?.length, 1);
  assert.deepEqual(t.accuracy.data.series.map((s) => s.label), ['teacher acc', 'student acc', 'agreement']);
  assert.deepEqual(t.kl.data.series[0].values, [0.4, null, 0.2]);
  assert.equal(t.kl.title, 'KL(T‖S) at T=4');
});

test('UI state: defaults for junk, clamps numbers, drops unknown values', () => {
  assert.deepEqual(restoreUiState(undefined), DEFAULT_UI);
  assert.deepEqual(restoreUiState('x'), DEFAULT_UI);
  const r = restoreUiState({ checkpoint: '/r/s3.onnx', stage: 'layer1', filter: { cell: 'copied', cls: 2 }, zoom: 9, opacity: -1, hidden: ['teacher', 'bogus'], camClass: 'true', rows: 5, extra: 1 });
  assert.deepEqual(r, { version: 1, checkpoint: '/r/s3.onnx', stage: 'layer1', filter: { cell: 'copied', cls: 2 }, zoom: 3, opacity: 0, hidden: ['teacher'], camClass: 'true', rows: GALLERY_PAGE });
  assert.deepEqual(restoreUiState({ filter: { cell: 'nope', cls: -1 }, zoom: NaN }).filter, { cell: null, cls: null });
});
