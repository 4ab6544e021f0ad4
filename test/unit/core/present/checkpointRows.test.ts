// The side view's checkpoint rows: one figure in the description (a narrow view cuts the rest), every
// figure in the tooltip, short stage labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckpointSummary } from '../../../../src/core/runs';
import { checkpointRowText, figureRows } from '../../../../src/core/present/checkpointRows';

const model = (accuracy: number) => ({ path: 'm.onnx', format: 'onnx', params: 1, numClasses: 2, accuracy, inputShape: [null, 3, 8, 8] });
const summary = {
  models: { teacher: model(0.93), student: model(0.41), base: model(0.4) },
  fidelity: { temperature: 4, agreement: 0.359, kl: 0.0123 },
  stages: [{ name: 'layer1', fss_u: 0.81234, rs_student: 0.5 }],
  warnings: [],
} as unknown as CheckpointSummary;

test('description: the agreement only, or the status', () => {
  assert.equal(checkpointRowText({ name: 'runs/e3.onnx', status: 'done', summary }).description, '35.9% agree');
  assert.equal(checkpointRowText({ name: 'runs/e4.onnx', status: 'running', summary }).description, 'analysing…');
  assert.equal(checkpointRowText({ name: 'runs/e5.onnx', status: 'pending' }).description, 'queued');
  const failed = checkpointRowText({ name: 'runs/e6.onnx', status: 'error', error: 'bad op' });
  assert.deepEqual(failed, { description: 'failed', tooltip: 'runs/e6.onnx: bad op' });
});

test('tooltip and figure rows: every figure, short labels', () => {
  const t = checkpointRowText({ name: 'runs/e3.onnx', status: 'done', summary }).tooltip;
  assert.equal(t, ['runs/e3.onnx', 'student accuracy: 41.0%', 'teacher accuracy: 93.0%', 'agreement: 35.9%', 'KL @ T=4: 0.012', 'base accuracy: 40.0%', 'layer1: FSS 0.812 · student RS 0.500'].join('\n'));
  assert.deepEqual(figureRows({ name: 'x', status: 'pending' }), []);
  assert.ok(figureRows({ name: 'x', status: 'done', summary }).every((r) => r.label.length <= 16), 'labels fit a narrow view');
});
