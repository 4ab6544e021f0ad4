// The one progress view of the queue (src/host/pipeline/progressModel.ts): the checkpoint named, a running
// job never at 100%, "done" only with an empty queue, whatever order the scheduler reports things in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RUNNING_FRACTION, checkpointName, progressView } from '../../../src/host/pipeline/progressModel';
import type { QueueSnapshot } from '../../../src/host/pipeline/progressModel';

const job = (step: number | null, fraction?: number, message?: string): QueueSnapshot['running'] => ({ runName: 'kd', step, relPath: 'runs/kd/epoch_' + String(step) + '/model.json', fraction, message });

test('progressView names the checkpoint, its stage and what waits', () => {
  const v = progressView({ running: job(3, 0.7, 'Grad-CAM maps'), waiting: 2 });
  assert.deepEqual(v, { done: false, checkpoint: 'epoch 3', label: 'epoch 3: Grad-CAM maps · 2 waiting', fraction: 0.7, waiting: 2 });
  assert.equal(progressView({ running: job(null, 0.1, 'forward passes'), waiting: 0 }).label, 'runs/kd/epoch_null/model.json: forward passes');
  assert.equal(checkpointName(null, 'student_latest.onnx'), 'student_latest.onnx');
  assert.equal(progressView({ running: job(1), waiting: 0 }).label, 'epoch 1: starting');
});

test('a sequence of three queued epochs: never 100% and never done until the queue is empty', () => {
  // The scheduler's snapshots as epochs 3, 2, 1 run (newest first), including the worker's final 'done' message.
  const seq: QueueSnapshot[] = [
    { waiting: 3 },
    { running: job(3), waiting: 2 },
    { running: job(3, 0.7, 'Grad-CAM maps'), waiting: 2 },
    { running: job(3, 1, 'done'), waiting: 2 },
    { waiting: 2 },
    { running: job(2, 1, 'done'), waiting: 1 },
    { running: job(1, 0.5, 'UniCAM maps'), waiting: 0 },
    { running: job(1, 1, 'done'), waiting: 0 },
    { waiting: 0 },
  ];
  const views = seq.map(progressView);
  for (const [i, v] of views.entries()) {
    if (i < views.length - 1) {
      assert.equal(v.done, false, 'snapshot ' + String(i));
      assert.ok(v.fraction <= MAX_RUNNING_FRACTION && v.fraction < 1, 'snapshot ' + String(i) + ': ' + String(v.fraction));
      assert.doesNotMatch(v.label, /\bdone\b/, 'snapshot ' + String(i));
    }
  }
  assert.equal(views[3].label, 'epoch 3: finishing · 2 waiting');
  assert.equal(views[4].label, '2 checkpoints waiting');
  assert.deepEqual(views.at(-1), { done: true, checkpoint: '', label: '', fraction: 0, waiting: 0 });
});

test('progressView clamps odd fractions', () => {
  assert.equal(progressView({ running: job(1, -0.5), waiting: 0 }).fraction, 0);
  assert.equal(progressView({ running: job(1, Number.NaN), waiting: 0 }).fraction, 0);
  assert.equal(progressView({ running: job(1, 7), waiting: 0 }).fraction, MAX_RUNNING_FRACTION);
});
