// The output channel's record of evaluation (src/host/pipeline/scheduler.ts): one line per finished
// evaluation with checkpoint, duration and outcome (ok / error text / cancelled), the outcome also as an
// event for requests; the queue's coalescing only at debug level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KdInputError } from '../../../src/core/errors';
import type { EvalResult } from '../../../src/core/types';
import { MemoryLog } from '../../../src/host/pipeline/logSink';
import { Scheduler } from '../../../src/host/pipeline/scheduler';
import type { JobOutcome, QueuedJob } from '../../../src/host/pipeline/scheduler';
import { WorkerError } from '../../../src/host/pipeline/workerClient';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
const ck = (step: number): QueuedJob => ({ runId: 'r', path: '/ws/runs/epoch_' + String(step) + '.onnx', relPath: 'runs/epoch_' + String(step) + '.onnx', step, mtimeMs: step, size: 1 });

test('one log line per evaluation: ok with its duration, the error text, cancelled; coalescing at debug', async () => {
  let t = 0;
  const log = new MemoryLog();
  const outcomes: string[] = [];
  const answers: Record<number, () => Promise<EvalResult>> = {
    3: async () => {
      t += 3200;
      return { version: 1 } as unknown as EvalResult;
    },
    2: async () => {
      t += 100;
      throw new KdInputError('unsupported', 'epoch_2.onnx: unsupported ONNX op Einsum');
    },
    1: async () => {
      throw new WorkerError('cancelled', 'Cancelled.');
    },
  };
  const s = new Scheduler({
    isCurrent: () => false,
    timers: { set: () => 0, clear: () => undefined, now: () => t },
    evaluate: (job) => answers[job.step as number](),
    onResult: () => undefined,
    onError: () => undefined,
    onFinished: (job: QueuedJob, o: JobOutcome) => void outcomes.push(String(job.step) + ':' + o.kind),
    log,
  });
  for (const step of [1, 2, 3]) s.enqueue(ck(step));
  s.flush('r');
  await s.whenIdle();
  await settle();
  const lines = log.lines.filter((l) => l.includes('evaluated '));
  assert.deepEqual(lines, [
    '[info] evaluated runs/epoch_3.onnx in 3.2 s: ok',
    '[error] evaluated runs/epoch_2.onnx in 0.1 s: error: epoch_2.onnx: unsupported ONNX op Einsum',
    '[info] evaluated runs/epoch_1.onnx in 0.0 s: cancelled',
  ]);
  assert.deepEqual(outcomes, ['3:ok', '2:error', '1:cancelled']);
  assert.ok(log.lines.some((l) => l === '[debug] queue: burst of r settled, 3 checkpoint(s) released, 3 waiting'), log.lines.join('\n'));
  s.dispose();
});
