// A request the user made (src/host/pipeline/userRequest.ts): resolves once each asked checkpoint ended,
// ignores other jobs, reports progress only as "mine" while its own checkpoint runs, cancels only its own,
// and the closing message names the analysed checkpoint with its key figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunConfig } from '../../../src/core/runs';
import { Emitter } from '../../../src/host/pipeline/emitter';
import { progressView } from '../../../src/host/pipeline/progressModel';
import type { FinishedJob, JobProgress } from '../../../src/host/pipeline/runPipeline';
import type { QueuedJob } from '../../../src/host/pipeline/scheduler';
import { evaluateRequest, requestSummary } from '../../../src/host/pipeline/userRequest';
import type { RequestPipeline } from '../../../src/host/pipeline/userRequest';

const run = { id: 'r', name: 'kd', root: '/ws' } as RunConfig;
const jobOf = (p: string, step: number | null = null): QueuedJob => ({ runId: 'r', path: p, relPath: p.slice(4), step, mtimeMs: 1, size: 1 });

class FakePipeline implements RequestPipeline {
  readonly finished = new Emitter<FinishedJob>();
  readonly jobs = new Emitter<void>();
  readonly progressE = new Emitter<JobProgress>();
  readonly onDidFinishJob = this.finished.event;
  readonly onDidChangeJobs = this.jobs.event;
  readonly onProgress = this.progressE.event;
  current: QueuedJob | undefined;
  enqueued: string[] = [];
  cancelled: string[] = [];
  trusted = true;
  enqueueFiles = async (_run: RunConfig, files: readonly string[]): Promise<boolean> => {
    this.enqueued.push(...files);
    return this.trusted;
  };
  running = (): { job: QueuedJob } | undefined => (this.current ? { job: this.current } : undefined);
  progress = () => progressView({ running: this.current ? { runName: 'kd', step: this.current.step, relPath: this.current.relPath, fraction: 0.5, message: 'forward passes' } : undefined, waiting: 0 });
  cancelPaths = (_runId: string, paths: readonly string[]): void => {
    this.cancelled.push(...paths);
  };
}

test('evaluateRequest waits for every asked checkpoint, ignores background jobs, reports its own progress as mine', async () => {
  const p = new FakePipeline();
  const seen: boolean[] = [];
  const done = evaluateRequest(p, run, ['/ws/a.onnx', '/ws/b.onnx'], { onProgress: (_v, mine) => seen.push(mine) });
  await Promise.resolve();
  p.current = jobOf('/ws/bg.onnx');
  p.jobs.fire();
  p.finished.fire({ job: jobOf('/ws/bg.onnx'), outcome: { kind: 'ok', ms: 5 } });
  p.current = jobOf('/ws/b.onnx');
  p.jobs.fire();
  p.finished.fire({ job: jobOf('/ws/b.onnx'), outcome: { kind: 'error', ms: 5, error: 'bad op' } });
  p.current = jobOf('/ws/a.onnx');
  p.jobs.fire();
  p.finished.fire({ job: jobOf('/ws/a.onnx'), outcome: { kind: 'ok', ms: 7 } });
  const results = await done;
  assert.deepEqual(p.enqueued, ['/ws/a.onnx', '/ws/b.onnx']);
  assert.deepEqual(results?.map((r) => [r.job.path, r.outcome.kind]), [['/ws/a.onnx', 'ok'], ['/ws/b.onnx', 'error']]);
  assert.deepEqual(seen, [false, true, true]);
});

test('evaluateRequest: cancel drops only what has not ended; restricted mode resolves undefined', async () => {
  const p = new FakePipeline();
  let cancel: () => void = () => undefined;
  const token = { isCancellationRequested: false, onCancellationRequested: (l: () => unknown) => ((cancel = () => void l()), { dispose: () => undefined }) };
  const done = evaluateRequest(p, run, ['/ws/a.onnx', '/ws/b.onnx'], { token });
  await Promise.resolve();
  p.finished.fire({ job: jobOf('/ws/a.onnx'), outcome: { kind: 'ok', ms: 1 } });
  cancel();
  const results = await done;
  assert.deepEqual(p.cancelled, ['/ws/b.onnx']);
  assert.deepEqual(results?.map((r) => r.outcome.kind), ['ok', 'cancelled']);
  const q = new FakePipeline();
  q.trusted = false;
  assert.equal(await evaluateRequest(q, run, ['/ws/a.onnx']), undefined);
});

test('requestSummary names the analysed checkpoint with its key figures, or the error', () => {
  const figures = (p: string) => ({ name: p.includes('3') ? 'epoch 3' : 'epoch 2', agreement: 0.953, studentAccuracy: 0.9375 });
  const ok = requestSummary('kd', [{ job: jobOf('/ws/epoch_3.onnx', 3), outcome: { kind: 'ok', ms: 1 } }], figures);
  assert.deepEqual(ok, { show: '/ws/epoch_3.onnx', severity: 'info', text: 'KD Lens: kd epoch 3 analysed: agreement 95.3%, student accuracy 93.8%.' });
  const err = requestSummary('kd', [{ job: jobOf('/ws/epoch_2.onnx', 2), outcome: { kind: 'error', ms: 1, error: 'unsupported op Einsum\nstack' } }], figures);
  assert.deepEqual(err, { show: '/ws/epoch_2.onnx', severity: 'error', text: 'KD Lens: kd epoch 2 could not be analysed: unsupported op Einsum' });
  assert.equal(requestSummary('kd', [{ job: jobOf('/ws/x'), outcome: { kind: 'cancelled', ms: 1 } }], figures).severity, 'none');
});
