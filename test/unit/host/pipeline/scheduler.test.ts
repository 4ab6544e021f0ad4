// Checkpoint scheduling with fake timers and hand-resolved evaluations: burst coalescing, newest first then
// backfill, skip of evaluated identities, preemption by a newer checkpoint, error routing, pause/resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KdInputError } from '../../../../src/core/errors';
import type { CheckpointRecord } from '../../../../src/core/runs';
import type { EvalResult, Progress } from '../../../../src/core/types';
import { CheckpointQueue, Scheduler, isNewer } from '../../../../src/host/pipeline/scheduler';
import type { QueuedJob, TimerApi } from '../../../../src/host/pipeline/scheduler';
import { WorkerError } from '../../../../src/host/pipeline/workerClient';
import type { CancellationLike } from '../../../../src/host/pipeline/workerClient';

class FakeTimers implements TimerApi {
  t = 0;
  private seq = 0;
  private due: { at: number; fn: () => void; id: number }[] = [];
  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.due.push({ at: this.t + ms, fn, id });
    return id;
  }
  clear(h: unknown): void {
    this.due = this.due.filter((d) => d.id !== h);
  }
  now(): number {
    return this.t;
  }
  /** Moves the clock, firing due timers in time order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.due.sort((a, b) => a.at - b.at || a.id - b.id);
      const d = this.due[0];
      if (!d || d.at > end) break;
      this.due.shift();
      this.t = d.at;
      d.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

const ck = (runId: string, step: number | null, extra: Partial<QueuedJob> = {}): QueuedJob => {
  const relPath = step === null ? 'student_latest.onnx' : `epoch_${step}/model.json`;
  return { runId, path: `/ws/${runId}/${relPath}`, relPath, step, mtimeMs: 1000 + (step ?? 99), size: 100, ...extra };
};

interface Call {
  readonly job: QueuedJob;
  readonly token: CancellationLike;
  readonly progress: (p: Progress) => void;
  resolve(r: EvalResult): void;
  reject(e: unknown): void;
}

function harness(isCurrent: (runId: string, path: string, mtimeMs: number, size: number) => boolean = () => false) {
  const timers = new FakeTimers();
  const calls: Call[] = [];
  const results: CheckpointRecord[] = [];
  const errors: CheckpointRecord[] = [];
  const progress: string[] = [];
  const s = new Scheduler({
    isCurrent,
    timers,
    now: () => new Date(Date.UTC(2026, 0, 1)),
    evaluate: (job, ctx) =>
      new Promise<EvalResult>((resolve, reject) => {
        calls.push({ job, token: ctx.token, progress: ctx.onProgress, resolve, reject });
        // A real worker answers a cancel with the Cancelled error.
        ctx.token.onCancellationRequested(() => reject(new WorkerError('cancelled', 'Cancelled.')));
      }),
    onResult: (r) => void results.push(r),
    onError: (r) => void errors.push(r),
    onProgress: (j, p) => void progress.push(`${j.relPath}:${p.fraction}`),
  });
  const fakeResult = { version: 1 } as unknown as EvalResult;
  /** Resolves the running (last) call and lets the scheduler start the next. */
  const finishLast = async (): Promise<void> => {
    calls[calls.length - 1].resolve(fakeResult);
    await settle();
  };
  const started = (): string[] => calls.map((c) => `${c.job.runId}:${c.job.step}`);
  return { s, timers, calls, results, errors, progress, finishLast, started };
}

test('isNewer: by step when both names have one, else by mtime', () => {
  assert.equal(isNewer(ck('a', 3), ck('a', 2, { mtimeMs: 9e9 })), true);
  assert.equal(isNewer(ck('a', null, { mtimeMs: 5 }), ck('a', 7, { mtimeMs: 4 })), true);
  assert.equal(isNewer(ck('a', 2, { mtimeMs: 6 }), ck('a', 2, { mtimeMs: 5 })), true, 'same step, rewritten later');
});

test('a burst is coalesced: nothing starts until 500 ms after the last event, then newest first and older ones backfilled', async () => {
  const h = harness();
  h.s.enqueue(ck('a', 1));
  await h.timers.advance(100);
  h.s.enqueue(ck('a', 3));
  await h.timers.advance(100);
  h.s.enqueue(ck('a', 2));
  await h.timers.advance(499);
  assert.deepEqual(h.started(), [], 'still inside the burst');
  await h.timers.advance(1);
  assert.deepEqual(h.started(), ['a:3']);
  h.calls[0].progress({ stage: 'forward', fraction: 0.4, message: '' });
  assert.equal(h.s.running()?.progress?.fraction, 0.4);
  await h.finishLast();
  await h.finishLast();
  await h.finishLast();
  assert.deepEqual(h.started(), ['a:3', 'a:2', 'a:1']);
  assert.deepEqual(h.results.map((r) => [r.step, r.status, r.evaluatedAt]), [
    [3, 'done', '2026-01-01T00:00:00.000Z'],
    [2, 'done', '2026-01-01T00:00:00.000Z'],
    [1, 'done', '2026-01-01T00:00:00.000Z'],
  ]);
  assert.deepEqual(h.progress, ['epoch_3/model.json:0.4']);
  await h.s.whenIdle();
});

test('a steady stream of events is still released after 5× the debounce', async () => {
  const h = harness();
  for (let i = 1; i <= 10; i++) {
    h.s.enqueue(ck('a', i));
    await h.timers.advance(400);
    if (h.calls.length) break;
  }
  // Events at 0, 400, …, 2400: the cap releases the burst at 2500 ms.
  assert.equal(h.timers.t, 2800);
  assert.deepEqual(h.started(), ['a:7']);
});

test('already evaluated identities are skipped (store or this session); a new identity or force re-evaluates', async () => {
  const stored = new Set(['/ws/a/epoch_2/model.json@1002:100']);
  const h = harness((_r, p, m, s) => stored.has(`${p}@${m}:${s}`));
  [1, 2, 3].forEach((i) => h.s.enqueue(ck('a', i)));
  await h.timers.advance(500);
  await h.finishLast();
  await h.finishLast();
  assert.deepEqual(h.started(), ['a:3', 'a:1'], 'epoch 2 is in the store');
  // The same events again (a touch, a second watcher event): nothing to do.
  [1, 2, 3].forEach((i) => h.s.enqueue(ck('a', i)));
  await h.timers.advance(500);
  assert.equal(h.calls.length, 2);
  // epoch 1 rewritten (new mtime) and a forced re-run of epoch 3.
  h.s.enqueue(ck('a', 1, { mtimeMs: 5000 }));
  h.s.enqueue(ck('a', 3, { force: true }));
  await h.timers.advance(500);
  await h.finishLast();
  await h.finishLast();
  assert.deepEqual(h.started(), ['a:3', 'a:1', 'a:3', 'a:1']);
  assert.deepEqual(h.results.map((r) => `${r.step}@${r.mtimeMs}`), ['3@1003', '1@1001', '3@1003', '1@5000']);
});

test('a newer checkpoint of the same run cancels the running one, which is evaluated afterwards (once)', async () => {
  const h = harness();
  h.s.enqueue(ck('a', 1));
  await h.timers.advance(500);
  assert.deepEqual(h.started(), ['a:1']);
  h.s.enqueue(ck('a', 2));
  await h.timers.advance(500);
  assert.equal(h.calls[0].token.isCancellationRequested, true);
  assert.deepEqual(h.started(), ['a:1', 'a:2']);
  await h.finishLast();
  assert.deepEqual(h.started(), ['a:1', 'a:2', 'a:1'], 'epoch 1 backfilled');
  await h.finishLast();
  assert.deepEqual(h.results.map((r) => r.step), [2, 1]);
  assert.deepEqual(h.errors, []);
});

test('an older checkpoint or another run does not preempt; a rewrite of the running file does, and the stale version is dropped', async () => {
  const h = harness();
  h.s.enqueue(ck('a', 5));
  await h.timers.advance(500);
  h.s.enqueue(ck('a', 4));
  h.s.enqueue(ck('b', 9));
  await h.timers.advance(500);
  assert.equal(h.calls[0].token.isCancellationRequested, false);
  h.s.enqueue(ck('a', 5, { mtimeMs: 7777 }));
  await h.timers.advance(500);
  assert.equal(h.calls[0].token.isCancellationRequested, true);
  assert.deepEqual(h.started(), ['a:5', 'a:5']);
  assert.equal(h.calls[1].job.mtimeMs, 7777);
  await h.finishLast();
  // Fresh work of run b (newer than anything b started) goes before run a's backfill.
  assert.deepEqual(h.started(), ['a:5', 'a:5', 'b:9']);
  await h.finishLast();
  await h.finishLast();
  assert.deepEqual(h.started(), ['a:5', 'a:5', 'b:9', 'a:4']);
  assert.deepEqual(h.results.map((r) => `${r.runId}:${r.step}@${r.mtimeMs}`), ['a:5@7777', 'b:9@1009', 'a:4@1004']);
});

test('an input error is recorded once as an error record with the one-line message, and not retried', async () => {
  const h = harness();
  h.s.enqueue(ck('a', 1));
  await h.timers.advance(500);
  h.calls[0].reject(new KdInputError('unsupported', 'student.onnx: unsupported ONNX op Einsum in node /attn/Einsum'));
  await settle();
  assert.equal(h.errors.length, 1);
  assert.deepEqual({ ...h.errors[0] }, {
    runId: 'a',
    path: '/ws/a/epoch_1/model.json',
    step: 1,
    mtimeMs: 1001,
    size: 100,
    evaluatedAt: '2026-01-01T00:00:00.000Z',
    status: 'error',
    error: 'student.onnx: unsupported ONNX op Einsum in node /attn/Einsum',
  });
  h.s.enqueue(ck('a', 1));
  await h.timers.advance(500);
  assert.equal(h.calls.length, 1);
});

test('a stopped worker pauses the queue without recording errors; resume() picks the job up again', async () => {
  const h = harness();
  h.s.enqueue(ck('a', 1));
  h.s.enqueue(ck('a', 2));
  await h.timers.advance(500);
  h.calls[0].reject(new WorkerError('stopped', 'The KD Lens worker crashed 5 times in 3 minutes'));
  await settle();
  assert.equal(h.s.isPaused, true);
  assert.deepEqual(h.errors, []);
  assert.deepEqual(h.s.queued('a').map((j) => j.step), [2, 1]);
  h.s.resume();
  await settle();
  await h.finishLast();
  await h.finishLast();
  assert.deepEqual(h.started(), ['a:2', 'a:2', 'a:1']);
  assert.deepEqual(h.results.map((r) => r.step), [2, 1]);
});

test('a crash-twice failure is recorded as an error; a user cancel drops the job without a record', async () => {
  const h = harness();
  h.s.enqueue(ck('a', 1));
  h.s.enqueue(ck('a', 2));
  await h.timers.advance(500);
  h.calls[0].reject(new WorkerError('crashed', 'The KD Lens worker crashed twice while analysing x (last: killed by SIGKILL).'));
  await settle();
  assert.equal(h.errors[0].status, 'error');
  assert.match(h.errors[0].error ?? '', /crashed twice/);
  h.s.cancelRunning('a');
  await settle();
  assert.equal(h.calls[1].token.isCancellationRequested, true);
  assert.deepEqual(h.started(), ['a:2', 'a:1']);
  assert.equal(h.s.running(), undefined);
  assert.deepEqual(h.s.queued(), []);
  assert.deepEqual(h.results, []);
  assert.equal(h.errors.length, 1);
});

test('a job interrupted by Restart Worker or past the time limit gets an error row and is not sent again', async () => {
  // Before, a restart re-queued the job: a checkpoint that blocks the worker blocked the new one too.
  const h = harness();
  h.s.enqueue(ck('a', 1));
  h.s.enqueue(ck('a', 2));
  await h.timers.advance(500);
  h.calls[0].reject(new WorkerError('restarted', 'The KD Lens worker was restarted while analysing x.'));
  await settle();
  h.calls[1].reject(new WorkerError('timeout', 'Stopped after 30 min (the job time limit, setting kdlens.jobTimeoutMinutes); the worker was ended and started again'));
  await settle();
  assert.deepEqual(h.started(), ['a:2', 'a:1']);
  assert.deepEqual(h.errors.map((e) => [e.step, e.error]), [
    [2, 'Interrupted by Restart Worker; use Re-run to evaluate it again.'],
    [1, 'Stopped after 30 min (the job time limit, setting kdlens.jobTimeoutMinutes); the worker was ended and started again'],
  ]);
  assert.deepEqual(h.s.queued(), []);
});

test('a step-less checkpoint gets its position by mtime among the known checkpoints of its run', async () => {
  const h = harness();
  h.s.enqueue(ck('a', 1, { mtimeMs: 10 }));
  h.s.enqueue(ck('a', 2, { mtimeMs: 20 }));
  h.s.enqueue(ck('a', null, { mtimeMs: 30 }));
  await h.timers.advance(500);
  for (let i = 0; i < 3; i++) await h.finishLast();
  assert.deepEqual(h.results.map((r) => `${r.path.split('/').pop()}:${r.step}`), ['student_latest.onnx:2', 'model.json:2', 'model.json:1']);
});

test('CheckpointQueue alone: release reports preemption only for its own run', () => {
  const q = new CheckpointQueue(() => false);
  q.offer(ck('a', 1));
  assert.equal(q.release('a'), false);
  assert.equal(q.next()?.step, 1);
  q.offer(ck('b', 5));
  assert.equal(q.release('b'), false);
  q.offer(ck('a', 2));
  assert.equal(q.release('a'), true);
  assert.equal(q.next(), undefined, 'one job at a time');
});
