// WorkerClient against a small scripted worker (a real forked Node process speaking the real protocol):
// states, progress, cancellation, error mapping, crash → restart → one retry, policy stop, logs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { isKdInputError } from '../../../../src/core/errors';
import type { AnalyzeParams, Progress } from '../../../../src/core/types';
import { MemoryLog } from '../../../../src/host/log';
import { RestartPolicy } from '../../../../src/host/pipeline/restartPolicy';
import { WorkerClient, isWorkerError } from '../../../../src/host/pipeline/workerClient';
import type { WorkerState } from '../../../../src/host/pipeline/workerClient';

// Compiled to out/test/unit/host/: the repo root is four levels up.
const jsonrpcNode = path.join(path.resolve(__dirname, '../../../../..'), 'node_modules/vscode-jsonrpc/lib/node/main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-fakeworker-'));
const script = path.join(dir, 'fakeWorker.js');
// The student path picks the behaviour: ok | slow (until cancelled) | input | die (SIGKILL itself) |
// die-once:<marker> (die unless the marker file exists, creating it) | block (a synchronous endless loop:
// it never answers and never reads a cancel, as a reader looping on a corrupt file).
fs.writeFileSync(
  script,
  `
const fs = require('fs');
const rpc = require(${JSON.stringify(jsonrpcNode)});
const conn = rpc.createMessageConnection(new rpc.IPCMessageReader(process), new rpc.IPCMessageWriter(process));
process.stderr.write('[kdlens worker ' + process.pid + '] info: duplicate of a notification\\n    at continuation\\n');
process.stderr.write('raw stderr line\\n');
conn.onRequest('kdlens/initialize', async () => {
  if (process.env.FAKE_INIT_FAIL) throw new rpc.ResponseError(-32603, 'no backend');
  conn.sendNotification('kdlens/log', { level: 'warn', message: 'hello from the worker' });
  return { backend: 'fake', simd: false, patches: [], pid: process.pid, version: 'test' };
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
conn.onRequest('kdlens/analyze', async ({ jobId, params }, token) => {
  const s = params.student;
  if (s === 'input') throw new rpc.ResponseError(-32001, 'probe.npz: no x array', { kind: 'bad-file' });
  if (s === 'die') { conn.sendNotification('kdlens/didProgress', { jobId, stage: 'load', fraction: 0.1, message: 'x' }); await sleep(30); process.kill(process.pid, 'SIGKILL'); }
  if (s.startsWith('die-once:')) { const m = s.slice(9); if (!fs.existsSync(m)) { fs.writeFileSync(m, ''); process.kill(process.pid, 'SIGKILL'); } }
  if (s === 'slow') { while (!token.isCancellationRequested) await sleep(10); throw new rpc.ResponseError(-32800, 'cancelled'); }
  if (s === 'block') { for (;;); }
  for (const f of [0.25, 0.5, 1]) { conn.sendNotification('kdlens/didProgress', { jobId, stage: f === 1 ? 'done' : 'forward', fraction: f, message: '' }); await sleep(5); }
  return { pid: process.pid, student: s };
});
conn.onRequest('kdlens/inspect', async ({ path }) => ({ path, pid: process.pid }));
process.on('disconnect', () => process.exit(0));
conn.listen();
`,
);

const clients: WorkerClient[] = [];
after(() => clients.forEach((c) => c.dispose()));

function client(extra: Partial<ConstructorParameters<typeof WorkerClient>[0]> = {}): { c: WorkerClient; log: MemoryLog; states: WorkerState[] } {
  const log = new MemoryLog();
  const c = new WorkerClient({ workerPath: script, log, restartDelayMs: 0, ...extra });
  const states: WorkerState[] = [];
  c.onDidChangeState((s) => states.push(s));
  clients.push(c);
  return { c, log, states };
}

const job = (student: string): AnalyzeParams => ({ teacher: 't', student, probe: 'p' });
/** The fake answers with its pid and the student, not an EvalResult: read those fields. */
const pidOf = (r: unknown): number => (r as { pid: number }).pid;

test('start → ready with the worker info; analyze reports progress, is busy meanwhile, and returns the reply', async () => {
  const { c, states, log } = client();
  assert.equal(c.state, 'stopped');
  const info = await c.start();
  assert.equal(info.backend, 'fake');
  assert.equal(info.pid, c.pid);
  const progress: Progress[] = [];
  const seen: WorkerState[] = [];
  const r = await c.analyze(job('ok'), { onProgress: (p) => (progress.push(p), seen.push(c.state)) });
  assert.equal(pidOf(r), info.pid);
  assert.deepEqual(progress.map((p) => p.fraction), [0.25, 0.5, 1]);
  assert.ok(seen.every((s) => s === 'busy'));
  assert.deepEqual(states, ['starting', 'ready', 'busy', 'ready']);
  const insp = await c.inspect('/m.onnx');
  assert.equal((insp as unknown as { path: string }).path, '/m.onnx');
  // Logs: the notification at its level, the raw stderr line, and not the prefixed duplicate.
  assert.ok(log.lines.includes('[warn] [worker] hello from the worker'), log.lines.join('\n'));
  assert.ok(log.lines.includes('[warn] [worker stderr] raw stderr line'), log.lines.join('\n'));
  assert.ok(!log.lines.some((l) => l.includes('duplicate of a notification') || l.includes('continuation')), log.lines.join('\n'));
});

test('cancelling a job rejects it with WorkerError(cancelled); the same process keeps serving', async () => {
  const { c } = client();
  const info = await c.start();
  const cts = new CancellationTokenSource();
  setTimeout(() => cts.cancel(), 50);
  await assert.rejects(c.analyze(job('slow'), { token: cts.token }), (e) => isWorkerError(e, 'cancelled'));
  assert.equal(pidOf(await c.analyze(job('ok'))), info.pid);
  // An already-cancelled token never reaches the worker.
  await assert.rejects(c.analyze(job('ok'), { token: cts.token }), (e) => isWorkerError(e, 'cancelled'));
  assert.equal(c.state, 'ready');
});

test('an InputError reply becomes a KdInputError with the worker kind and message', async () => {
  const { c } = client();
  await assert.rejects(c.analyze(job('input')), (e) => isKdInputError(e) && e.code === 'bad-file' && e.message === 'probe.npz: no x array');
  assert.equal(c.state, 'ready');
});

test('a worker killed mid-job is restarted and the job is sent again once, finishing on the new process', async () => {
  const { c, states, log } = client();
  const first = await c.start();
  const marker = path.join(dir, 'died-once');
  const r = await c.analyze(job(`die-once:${marker}`));
  assert.notEqual(pidOf(r), first.pid, 'answered by the restarted process');
  assert.equal(pidOf(r), c.pid);
  assert.deepEqual(states, ['starting', 'ready', 'busy', 'crashed', 'starting', 'busy', 'ready']);
  assert.ok(log.lines.some((l) => /exited unexpectedly: killed by SIGKILL/.test(l)), log.lines.join('\n'));
  assert.ok(log.lines.some((l) => /retrying once/.test(l)));
});

test('a job that kills the worker twice fails with WorkerError(crashed); the worker is running again afterwards', async () => {
  const { c } = client();
  await assert.rejects(c.analyze(job('die')), (e) => isWorkerError(e, 'crashed') && /crashed twice while analysing die/.test(e.message) && /SIGKILL/.test(e.message));
  assert.equal(pidOf(await c.analyze(job('ok'))), c.pid);
});

test('after 4 restarts the 5th crash stops the worker with the reason; requests then fail fast; restart() revives it', async () => {
  const { c, log } = client({ policy: new RestartPolicy({ maxRestarts: 4, windowMs: 60_000 }) });
  for (let i = 0; i < 5; i++) {
    const pid = (await c.start()).pid;
    const stopped = new Promise<void>((resolve) => {
      const sub = c.onDidChangeState((s) => {
        if (s === 'crashed' || s === 'stopped') {
          sub.dispose();
          resolve();
        }
      });
    });
    process.kill(pid, 'SIGKILL');
    await stopped;
  }
  assert.equal(c.state, 'stopped');
  assert.match(c.stoppedReason ?? '', /crashed 5 times in 1 minute \(last: killed by SIGKILL\)/);
  assert.ok(log.lines.some((l) => l.startsWith('[error] The KD Lens worker crashed 5 times')));
  await assert.rejects(c.analyze(job('ok')), (e) => isWorkerError(e, 'stopped') && e.message === c.stoppedReason);
  const info = await c.restart();
  assert.equal(c.state, 'ready');
  assert.equal(c.stoppedReason, undefined);
  assert.equal(pidOf(await c.analyze(job('ok'))), info.pid);
});

test('a manual restart interrupts a running job with WorkerError(restarted), not a retry', async () => {
  const { c } = client();
  const first = await c.start();
  const running = assert.rejects(c.analyze(job('slow')), (e) => isWorkerError(e, 'restarted'));
  await new Promise((r) => setTimeout(r, 30));
  const info = await c.restart();
  await running;
  assert.notEqual(info.pid, first.pid);
});

test('a worker that cannot initialise, or is missing, is stopped with a reason instead of restarted', async () => {
  const { c } = client({ env: { FAKE_INIT_FAIL: '1' } });
  await assert.rejects(c.start(), (e) => isWorkerError(e, 'stopped') && /could not initialise: no backend/.test(e.message));
  assert.equal(c.state, 'stopped');
  const m = client({ workerPath: path.join(dir, 'nope.js') }).c;
  await assert.rejects(m.analyze(job('ok')), (e) => isWorkerError(e, 'stopped') && e.message.includes('nope.js does not exist'));
});

test('dispose rejects a waiting job and ends the process', async () => {
  const { c } = client();
  const pid = (await c.start()).pid;
  const running = assert.rejects(c.analyze(job('slow')), (e) => isWorkerError(e, 'disposed'));
  await new Promise((r) => setTimeout(r, 20));
  c.dispose();
  await running;
  assert.equal(c.state, 'stopped');
  // The process exits on IPC disconnect.
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`worker ${pid} still alive after dispose`);
});

/** Resolves when the process is gone (polling: it is not our child to wait on once the client let go). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

test('a job past the time limit ends with WorkerError(timeout); its blocked process is ended and a fresh one serves', async () => {
  const { c, log } = client({ jobTimeoutMs: 300 });
  const first = await c.start();
  await assert.rejects(c.analyze(job('block')), (e) => isWorkerError(e, 'timeout') && /^Stopped after 300 ms \(the job time limit/.test(e.message));
  assert.ok(await gone(first.pid), 'the blocked worker is gone');
  const r = await c.analyze(job('ok'));
  assert.notEqual(pidOf(r), first.pid);
  assert.ok(log.lines.some((l) => /Ending the KD Lens worker \(pid \d+\): Stopped after 300 ms/.test(l)), log.lines.join('\n'));
  assert.equal(c.state, 'ready');
});

test('cancelling a job that is blocked ends its process after the grace period; the next job runs on a fresh one', async () => {
  const { c } = client({ cancelGraceMs: 100 });
  const first = await c.start();
  const cts = new CancellationTokenSource();
  setTimeout(() => cts.cancel(), 50);
  await assert.rejects(c.analyze(job('block'), { token: cts.token }), (e) => isWorkerError(e, 'cancelled') && /did not stop within 100 ms/.test(e.message));
  assert.ok(await gone(first.pid));
  assert.notEqual(pidOf(await c.analyze(job('ok'))), first.pid);
});

test('checkpoints that crash the worker fail alone: they do not use up the restart budget of later jobs', async () => {
  // Budget 2: before, the second crashing checkpoint (4 deaths with its retry) stopped the worker for everyone.
  const { c } = client({ policy: new RestartPolicy({ maxRestarts: 2, windowMs: 60_000 }) });
  for (let i = 0; i < 3; i++) await assert.rejects(c.analyze(job('die')), (e) => isWorkerError(e, 'crashed'));
  assert.equal(pidOf(await c.analyze(job('ok'))), c.pid);
  assert.notEqual(c.state, 'stopped');
});

test('Restart and dispose end a blocked worker instead of waiting on it', async () => {
  const { c } = client();
  const first = await c.start();
  const running = assert.rejects(c.analyze(job('block')), (e) => isWorkerError(e, 'restarted'));
  await new Promise((r) => setTimeout(r, 50));
  const second = await c.restart();
  await running;
  assert.ok(await gone(first.pid), 'restart ended the blocked process');
  const blocked = assert.rejects(c.analyze(job('block')), (e) => isWorkerError(e, 'disposed'));
  await new Promise((r) => setTimeout(r, 50));
  c.dispose();
  await blocked;
  assert.ok(await gone(second.pid), 'dispose ended it at once');
});
