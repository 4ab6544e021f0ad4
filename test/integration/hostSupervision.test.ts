// The host pipeline with the REAL worker process (dist/worker.js) and a real temp folder: watcher → scheduler
// → WorkerClient → results, with TF.js checkpoints written slowly in chunks; kill -9 mid-job; a crash loop
// that stops the worker with its reason, shown in the status bar, and a manual restart that resumes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckpointRecord } from '../../src/core/runs';
import type { EvalResult } from '../../src/core/types';
import { rng } from '../../src/core/random';
import { MemoryLog } from '../../src/host/log';
import { Scheduler } from '../../src/host/scheduler';
import type { QueuedJob } from '../../src/host/scheduler';
import { StatusBar } from '../../src/host/statusBar';
import { CheckpointWatcher } from '../../src/host/watcher';
import { WorkerClient } from '../../src/host/workerClient';
import { StatusBarItem } from '../mocks/vscode';
import { writeNpz } from '../unit/worker/npzFixture';

const root = path.resolve(__dirname, '../../..');
const workerPath = path.join(root, 'dist/worker.js');
const teacher = path.join(root, 'test/fixtures/layers/model.json');
const modelJson = fs.readFileSync(teacher);
const weights = fs.readFileSync(path.join(root, 'test/fixtures/layers/weights.bin'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-host-'));
const probe = path.join(tmp, 'probe.npz');
const N = 32;
const rand = rng(11);
writeNpz(probe, {
  x: { dtype: 'float32', shape: [N, 12, 12, 3], data: Float32Array.from({ length: N * 12 * 12 * 3 }, () => rand()) },
  y: { dtype: 'int32', shape: [N], data: Int32Array.from({ length: N }, (_, i) => i % 5) },
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const disposables: { dispose(): void }[] = [];
after(() => disposables.reverse().forEach((d) => d.dispose()));

async function writeSlowly(file: string, data: Buffer, chunks: number, pauseMs: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  const step = Math.ceil(data.length / chunks);
  for (let i = 0; i < chunks; i++) {
    fs.writeSync(fd, data.subarray(i * step, Math.min(data.length, (i + 1) * step)));
    if (i < chunks - 1) await sleep(pauseMs);
  }
  fs.closeSync(fd);
}

/** The coordinator's wiring in miniature: a history map as the store, analyze with the run's settings. */
function pipeline(client: WorkerClient, opts: { onJobProgress?: (job: QueuedJob) => void } = {}) {
  const store = new Map<string, CheckpointRecord>();
  const results: { record: CheckpointRecord; result: EvalResult }[] = [];
  const errors: CheckpointRecord[] = [];
  const calls: { path: string; at: number }[] = [];
  const log = new MemoryLog();
  const scheduler = new Scheduler({
    isCurrent: (_run, p, m, s) => store.get(p)?.mtimeMs === m && store.get(p)?.size === s,
    evaluate: (job, ctx) => {
      calls.push({ path: job.path, at: Date.now() });
      return client.analyze(
        { teacher, student: job.path, probe, unicamBatch: 16, permutations: 3 },
        {
          token: ctx.token,
          onProgress: (p) => {
            ctx.onProgress(p);
            opts.onJobProgress?.(job);
          },
        },
      );
    },
    onResult: (record, result) => {
      store.set(record.path, record);
      results.push({ record, result });
    },
    onError: (record) => void errors.push(record),
    log,
  });
  disposables.push(scheduler);
  return { scheduler, store, results, errors, calls, log };
}

test('checkpoints written slowly in chunks are each evaluated exactly once, after they are complete', async () => {
  const dir = path.join(tmp, 'ws1');
  const log = new MemoryLog();
  const client = new WorkerClient({ workerPath, log });
  disposables.push(client);
  const p = pipeline(client);
  const watcher = new CheckpointWatcher({ onCheckpoint: (e) => p.scheduler.enqueue(e), log });
  disposables.push(watcher);
  // epoch_001 exists before the watch starts.
  fs.mkdirSync(path.join(dir, 'runs/kd/epoch_001'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'runs/kd/epoch_001/model.json'), modelJson);
  fs.writeFileSync(path.join(dir, 'runs/kd/epoch_001/weights.bin'), weights);
  await watcher.watchRun({ id: 'kd', root: dir, student: 'runs/kd/epoch_*/model.json' });

  const completeAt: Record<string, number> = { [path.join(dir, 'runs/kd/epoch_001/model.json')]: 0 };
  // epoch_002: model.json first, then weights in 5 chunks 120 ms apart.
  const e2 = path.join(dir, 'runs/kd/epoch_002');
  await writeSlowly(path.join(e2, 'model.json'), modelJson, 1, 0);
  await writeSlowly(path.join(e2, 'weights.bin'), weights, 5, 120);
  completeAt[path.join(e2, 'model.json')] = Date.now();
  // epoch_003: weights in 4 chunks, model.json last in 3 chunks.
  const e3 = path.join(dir, 'runs/kd/epoch_003');
  await writeSlowly(path.join(e3, 'weights.bin'), weights, 4, 100);
  await writeSlowly(path.join(e3, 'model.json'), modelJson, 3, 100);
  completeAt[path.join(e3, 'model.json')] = Date.now();

  await sleep(1000);
  await p.scheduler.whenIdle();
  assert.deepEqual(p.errors, []);
  const evaluated = p.results.map((r) => r.record.path).sort();
  assert.deepEqual(evaluated, Object.keys(completeAt).sort(), 'each checkpoint once');
  for (const { record, result } of p.results) {
    assert.equal(result.models.student.path, record.path);
    assert.equal(result.fidelity.agreement, 1, 'a copy of the teacher agrees with it');
    assert.ok(Math.abs(result.fidelity.kl) < 1e-6);
    assert.equal(record.size, modelJson.length + weights.length);
    assert.equal(record.status, 'done');
  }
  for (const c of p.calls) assert.ok(c.at >= completeAt[c.path], `${c.path} started ${completeAt[c.path] - c.at} ms before it was complete`);
  assert.deepEqual(p.results.map((r) => r.record.step).sort(), [1, 2, 3]);
  // Touching nothing and re-offering the same events evaluates nothing new.
  for (const r of p.results) p.scheduler.enqueue({ runId: 'kd', path: r.record.path, relPath: '', step: r.record.step, mtimeMs: r.record.mtimeMs, size: r.record.size });
  await sleep(700);
  await p.scheduler.whenIdle();
  assert.equal(p.results.length, 3);
});

test('kill -9 of the worker mid-job: the worker restarts and the job completes', async () => {
  const log = new MemoryLog();
  const client = new WorkerClient({ workerPath, log });
  disposables.push(client);
  const first = await client.start();
  let killed = 0;
  const p = pipeline(client, {
    onJobProgress: () => {
      if (killed++ === 0) process.kill(first.pid, 'SIGKILL');
    },
  });
  const student = path.join(tmp, 'kill/epoch_004/model.json');
  fs.mkdirSync(path.dirname(student), { recursive: true });
  fs.copyFileSync(teacher, student);
  fs.writeFileSync(path.join(path.dirname(student), 'weights.bin'), weights);
  const st = fs.statSync(student);
  p.scheduler.enqueue({ runId: 'kill', path: student, relPath: 'epoch_004/model.json', step: 4, mtimeMs: st.mtimeMs, size: st.size });
  p.scheduler.flush('kill');
  await p.scheduler.whenIdle();
  assert.ok(killed > 1, 'progress arrived from the restarted worker too');
  assert.deepEqual(p.errors, []);
  assert.equal(p.results.length, 1);
  assert.equal(p.results[0].result.fidelity.agreement, 1);
  assert.notEqual(client.pid, first.pid);
  assert.equal(client.info?.pid, client.pid);
  assert.equal(client.state, 'ready');
  assert.ok(log.lines.some((l) => l.includes(`(pid ${first.pid}) exited unexpectedly: killed by SIGKILL`)), log.lines.join('\n'));
  assert.ok(log.lines.some((l) => l.includes('retrying once after the restart')));
});

test('5 crashes within the window stop the worker with the reason; the status bar says so; Restart resumes the queue', async () => {
  const log = new MemoryLog();
  const client = new WorkerClient({ workerPath, log, restartDelayMs: 50 });
  disposables.push(client);
  const item = new StatusBarItem('kdlens.status');
  const bar = new StatusBar(item as never);
  disposables.push(bar);
  bar.bindWorker(client);
  // Kill every worker as soon as it is ready, five times.
  let kills = 0;
  const sub = client.onDidChangeState((s) => {
    if (s === 'ready' && kills < 5) {
      kills++;
      process.kill(client.pid as number, 'SIGKILL');
    }
  });
  const stopped = new Promise<void>((resolve) => client.onDidChangeState((s) => s === 'stopped' && resolve()));
  await client.start().catch(() => undefined);
  await stopped;
  sub.dispose();
  assert.equal(kills, 5);
  assert.match(client.stoppedReason ?? '', /^The KD Lens worker crashed 5 times in 3 minutes \(last: killed by SIGKILL\)/);
  assert.equal(item.text, '$(error) KD Lens worker stopped');
  assert.equal(item.command, 'kdlens.restartWorker');
  assert.match(String(item.tooltip), /crashed 5 times/);

  // A checkpoint arriving now waits (no error record) until the user restarts the worker.
  const p = pipeline(client);
  const student = path.join(tmp, 'stop/epoch_009/model.json');
  fs.mkdirSync(path.dirname(student), { recursive: true });
  fs.copyFileSync(teacher, student);
  fs.writeFileSync(path.join(path.dirname(student), 'weights.bin'), weights);
  const st = fs.statSync(student);
  p.scheduler.enqueue({ runId: 'stop', path: student, relPath: 'epoch_009/model.json', step: 9, mtimeMs: st.mtimeMs, size: st.size });
  p.scheduler.flush('stop');
  await sleep(50);
  assert.equal(p.scheduler.isPaused, true);
  assert.deepEqual(p.errors, []);
  assert.equal(p.scheduler.queued('stop').length, 1);

  await client.restart();
  assert.equal(item.text, '$(pulse) KD Lens');
  p.scheduler.resume();
  await p.scheduler.whenIdle();
  assert.equal(p.results.length, 1);
  assert.equal(p.results[0].record.step, 9);
});
