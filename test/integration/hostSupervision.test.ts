// The host's run pipeline (src/host/pipeline/runPipeline.ts) as the extension wires it, with the REAL worker
// process (dist/worker.js), the real watcher, scheduler, history and run store, in a temp workspace: TF.js
// checkpoints written slowly in chunks; kill -9 mid-job; a crash loop that stops the worker with its reason,
// shown in the status bar, and a manual restart that resumes the queue.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckpointRecord, RunConfig } from '../../src/core/runs';
import { rng } from '../../src/core/random';
import type { Event } from '../../src/host/pipeline/emitter';
import { MemoryLog } from '../../src/host/pipeline/logSink';
import { RunPipeline } from '../../src/host/pipeline/runPipeline';
import type { RunPipelineOptions } from '../../src/host/pipeline/runPipeline';
import { DEFAULT_SETTINGS } from '../../src/host/pipeline/settings';
import { StatusBar } from '../../src/host/statusBar';
import { WorkerClient } from '../../src/host/pipeline/workerClient';
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

/** A TF.js checkpoint (a copy of the teacher) written at once. */
function writeCheckpoint(modelFile: string): void {
  fs.mkdirSync(path.dirname(modelFile), { recursive: true });
  fs.writeFileSync(modelFile, modelJson);
  fs.writeFileSync(path.join(path.dirname(modelFile), 'weights.bin'), weights);
}

/** Resolves at the first event after which `done()` holds. */
function until<T>(event: Event<T>, done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const sub = event(() => {
      if (!done()) return;
      sub.dispose();
      resolve();
    });
  });
}

function runAt(id: string, dir: string, student: string): RunConfig {
  return {
    id,
    name: id,
    root: dir,
    source: { kind: 'config', file: path.join(dir, 'kdlens.json'), index: 0 },
    teacher,
    student,
    probe,
    temperature: 4,
    options: { unicamBatch: 16, permutations: 3 },
    configFiles: [],
  };
}

/** The pipeline as the controller builds it (the real worker is forked), for one run; appended rows collected. */
function pipelineFor(run: RunConfig, opts: { watch: boolean; log?: MemoryLog } & Partial<Pick<RunPipelineOptions, 'createWorker' | 'workerOptions'>>) {
  const log = opts.log ?? new MemoryLog();
  const pipeline = new RunPipeline({
    workerPath,
    log,
    settings: () => ({ ...DEFAULT_SETTINGS, watch: opts.watch }),
    loadRuns: async () => [run],
    ...(opts.createWorker ? { createWorker: opts.createWorker } : {}),
    ...(opts.workerOptions ? { workerOptions: opts.workerOptions } : {}),
  });
  disposables.push(pipeline);
  const appended: CheckpointRecord[] = [];
  pipeline.history.onDidChange((e) => e.record && appended.push(e.record));
  return { pipeline, log, appended };
}

test('checkpoints written slowly in chunks are each evaluated exactly once, after they are complete', async () => {
  const dir = path.join(tmp, 'ws1');
  const run = runAt('kd', dir, 'runs/kd/epoch_*/model.json');
  const { pipeline, appended } = pipelineFor(run, { watch: true });
  // Evaluation start times, from the pipeline's job changes.
  const started = new Map<string, number>();
  pipeline.onDidChangeJobs(() => {
    const r = pipeline.running();
    if (r && !started.has(r.job.path)) started.set(r.job.path, Date.now());
  });
  // epoch_001 exists before the watch starts.
  writeCheckpoint(path.join(dir, 'runs/kd/epoch_001/model.json'));
  await pipeline.reloadRuns();
  await pipeline.startCompute();

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

  const store = pipeline.store;
  if (store.records('kd').length < 3) await until(store.onDidChange, () => store.records('kd').length >= 3);
  await pipeline.whenIdle();
  assert.deepEqual(appended.filter((r) => r.status === 'error'), []);
  assert.deepEqual(appended.map((r) => r.path).sort(), Object.keys(completeAt).sort(), 'each checkpoint once');
  for (const record of appended) {
    const result = await pipeline.history.detail(record);
    assert.equal(result?.models.student.path, record.path);
    assert.equal(result?.fidelity.agreement, 1, 'a copy of the teacher agrees with it');
    assert.ok(Math.abs(result?.fidelity.kl ?? NaN) < 1e-6);
    assert.equal(record.size, modelJson.length + weights.length);
    assert.equal(record.status, 'done');
  }
  for (const [p, at] of started) assert.ok(at >= completeAt[p], `${p} started ${completeAt[p] - at} ms before it was complete`);
  assert.deepEqual([...started.keys()].sort(), Object.keys(completeAt).sort());
  assert.deepEqual(store.records('kd').map((r) => [r.step, r.status]), [[1, 'done'], [2, 'done'], [3, 'done']], 'the run store holds what the history holds');
  const state = await store.panelState();
  assert.equal(state.detail?.models.student.path, path.join(e3, 'model.json'), 'the panel shows the latest checkpoint');
  assert.equal(state.probe?.n, N, 'the probe images came with the first result');
  // The same files offered again (same identities) evaluate nothing new.
  await pipeline.enqueueFiles(run, Object.keys(completeAt), false);
  await pipeline.whenIdle();
  assert.equal(appended.length, 3);
});

test('kill -9 of the worker mid-job: the worker restarts and the job completes', async () => {
  const dir = path.join(tmp, 'kill');
  const run = runAt('kill', dir, 'epoch_*/model.json');
  let client: WorkerClient | undefined;
  const { pipeline, log, appended } = pipelineFor(run, { watch: false, createWorker: (o) => (client = new WorkerClient(o)) });
  await pipeline.reloadRuns();
  await pipeline.startCompute();
  const first = await (client as WorkerClient).start();
  let killed = 0;
  pipeline.onProgress(() => {
    if (killed++ === 0) process.kill(first.pid, 'SIGKILL');
  });
  const student = path.join(dir, 'epoch_004/model.json');
  writeCheckpoint(student);
  await pipeline.enqueueFiles(run, [student], false);
  await pipeline.whenIdle();
  assert.ok(killed > 1, 'progress arrived from the restarted worker too');
  assert.deepEqual(appended.filter((r) => r.status === 'error'), []);
  assert.equal(appended.length, 1);
  assert.equal((await pipeline.history.detail(appended[0]))?.fidelity.agreement, 1);
  assert.equal(pipeline.store.latest('kill')?.step, 4);
  const c = client as WorkerClient;
  assert.notEqual(c.pid, first.pid);
  assert.equal(c.info?.pid, c.pid);
  assert.equal(c.state, 'ready');
  assert.equal(pipeline.store.worker.state, 'ready', 'the run store follows the worker');
  assert.ok(log.lines.some((l) => l.includes(`(pid ${first.pid}) exited unexpectedly: killed by SIGKILL`)), log.lines.join('\n'));
  assert.ok(log.lines.some((l) => l.includes('retrying once after the restart')));
});

test('5 crashes within the window stop the worker with the reason; the status bar says so; Restart resumes the queue', async () => {
  const dir = path.join(tmp, 'stop');
  const run = runAt('stop', dir, 'epoch_*/model.json');
  const item = new StatusBarItem('kdlens.status');
  const bar = new StatusBar(item as never);
  disposables.push(bar);
  // Kill every worker as soon as it is ready, five times.
  let kills = 0;
  let stopped: Promise<void> | undefined;
  let client: WorkerClient | undefined;
  const { pipeline, appended } = pipelineFor(run, {
    watch: false,
    workerOptions: { restartDelayMs: 50 },
    createWorker: (o) => {
      const c = (client = new WorkerClient(o));
      bar.bindWorker(c);
      const sub = c.onDidChangeState((s) => {
        if (s === 'ready' && kills < 5) {
          kills++;
          process.kill(c.pid as number, 'SIGKILL');
        }
      });
      stopped = new Promise<void>((resolve) =>
        c.onDidChangeState((s) => {
          if (s !== 'stopped') return;
          sub.dispose();
          resolve();
        }),
      );
      return c;
    },
  });
  await pipeline.reloadRuns();
  await pipeline.startCompute();
  await stopped;
  const c = client as WorkerClient;
  assert.equal(kills, 5);
  assert.match(c.stoppedReason ?? '', /^The KD Lens worker crashed 5 times in 3 minutes \(last: killed by SIGKILL\)/);
  assert.equal(item.text, '$(error) KD Lens worker stopped');
  assert.equal(item.command, 'kdlens.restartWorker');
  assert.match(String(item.tooltip), /crashed 5 times/);
  assert.deepEqual(pipeline.store.worker, { state: 'stopped', message: c.stoppedReason }, 'the panel sees the reason');

  // A checkpoint arriving now waits (no error record) until the user restarts the worker.
  const student = path.join(dir, 'epoch_009/model.json');
  writeCheckpoint(student);
  let tried = false;
  const postponed = until(pipeline.onDidChangeJobs, () => {
    tried ||= pipeline.running() !== undefined;
    return tried && !pipeline.running() && pipeline.queuedCount() === 1;
  });
  await pipeline.enqueueFiles(run, [student], false);
  await postponed;
  assert.equal(appended.length, 0);
  assert.deepEqual(pipeline.store.checkpointViews(run).map((v) => [v.step, v.status]), [[9, 'pending']]);

  await pipeline.restartWorker();
  assert.equal(item.text, '$(pulse) KD Lens');
  // The worker being ready again resumes the queue (the pipeline's doing, not the test's).
  await pipeline.whenIdle();
  assert.equal(appended.length, 1);
  assert.equal(appended[0].step, 9);
  assert.equal(pipeline.store.latest('stop')?.step, 9);
});

test('kill -9 at seeded random points of 20 jobs: every checkpoint ends exactly once in the history, nothing lost', async () => {
  // Each job's progress ticks are counted; the worker is killed at a seeded tick of some jobs (sometimes
  // twice in one job, which then ends as its error row). Afterwards every checkpoint has one row, the
  // history file holds exactly those rows, and no crash used up the restart budget.
  const dir = path.join(tmp, 'chaos');
  const run = runAt('chaos', dir, 'epoch_*/model.json');
  let client: WorkerClient | undefined;
  const { pipeline, appended } = pipelineFor(run, { watch: false, workerOptions: { restartDelayMs: 0 }, createWorker: (o) => (client = new WorkerClient(o)) });
  await pipeline.reloadRuns();
  await pipeline.startCompute();
  await (client as WorkerClient).start();
  const pick = rng(2026);
  const students = Array.from({ length: 20 }, (_, i) => path.join(dir, `epoch_${String(i + 1).padStart(3, '0')}/model.json`));
  for (const s of students) writeCheckpoint(s);
  // Per job: the tick at which to kill (or none), and at most two kills per job.
  const plan = new Map(students.map((s) => [s, pick() < 0.5 ? 1 + Math.floor(pick() * 4) : 0]));
  const ticks = new Map<string, number>();
  let kills = 0;
  pipeline.onProgress(() => {
    const r = pipeline.running();
    const pid = (client as WorkerClient).pid;
    if (!r || pid === undefined) return;
    const t = (ticks.get(r.job.path) ?? 0) + 1;
    ticks.set(r.job.path, t);
    const at = plan.get(r.job.path) ?? 0;
    if (at > 0 && t % 6 === at) {
      kills++;
      process.kill(pid, 'SIGKILL');
    }
  });
  await pipeline.enqueueFiles(run, students, false);
  await pipeline.whenIdle();
  assert.ok(kills >= 5, 'the worker was killed ' + kills + ' times');
  assert.deepEqual(appended.map((r) => r.path).sort(), [...students].sort(), 'one row per checkpoint');
  for (const r of appended) assert.ok(r.status === 'done' || /crashed twice/.test(r.error ?? ''), r.path + ': ' + (r.error ?? r.status));
  const lines = fs.readFileSync(path.join(dir, '.kdlens/runs', fs.readdirSync(path.join(dir, '.kdlens/runs'))[0], 'history.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 20, 'the history file holds the 20 rows, no more');
  assert.notEqual((client as WorkerClient).state, 'stopped', 'job crashes did not stop the worker');
});
