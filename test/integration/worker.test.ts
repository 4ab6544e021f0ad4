// The real worker process (dist/worker.js, forked as the extension host does) over vscode-jsonrpc IPC:
// initialize, a full analyze with progress notifications, cancellation mid-job, and a typed error reply.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc';
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { AnalyzeRequest, DidProgressNotification, InitializeRequest, InspectRequest, WorkerErrorCode } from '../../src/protocol/worker';
import type { Progress } from '../../src/core/types';
import { rng } from '../../src/core/random';
import { writeNpz } from '../unit/worker/npzFixture';

const root = path.resolve(__dirname, '../../..');
const model = path.join(root, 'test/fixtures/layers/model.json');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-worker-'));
const probe = path.join(dir, 'probe.npz');
const N = 64;
const rand = rng(9);
writeNpz(probe, {
  x: { dtype: 'float32', shape: [N, 12, 12, 3], data: Float32Array.from({ length: N * 12 * 12 * 3 }, () => rand()) },
  y: { dtype: 'int32', shape: [N], data: Int32Array.from({ length: N }, (_, i) => i % 5) },
});

const child = fork(path.join(root, 'dist/worker.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
let stderr = '';
child.stderr?.on('data', (d) => (stderr += String(d)));
const conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
const progress: (Progress & { readonly jobId: string })[] = [];
conn.onNotification(DidProgressNotification, (p) => {
  progress.push(p);
});
conn.listen();
after(() => {
  conn.dispose();
  child.kill();
});

test('initialize reports the backend actually in use (wasm here: tfjs-node is absent)', async () => {
  const info = await conn.sendRequest(InitializeRequest, {});
  assert.equal(info.backend, 'wasm');
  assert.equal(info.simd, true);
  assert.equal(info.pid, child.pid);
  assert.ok(info.patches.length > 0, `patches: ${info.patches.join(', ')}`);
});

test('inspect describes the model: format, stages with shapes', async () => {
  const r = await conn.sendRequest(InspectRequest, { path: model });
  assert.equal(r.format, 'layers');
  assert.equal(r.numClasses, 5);
  assert.ok(r.stages.length >= 2, JSON.stringify(r.stages));
});

test('analyze returns the full result and reports progress up to done', async () => {
  const r = await conn.sendRequest(AnalyzeRequest, { jobId: 'job-1', params: { teacher: model, student: model, probe, unicamBatch: 32, permutations: 5 } });
  assert.equal(r.probe.n, N);
  assert.equal(r.fidelity.agreement, 1, 'a model agrees with itself');
  assert.ok(Math.abs(r.fidelity.kl) < 1e-6);
  assert.ok(r.stages.every((s) => Math.abs(s.fss_u - 1) < 1e-6), 'FSS_U of a model with itself is 1');
  const mine = progress.filter((p) => p.jobId === 'job-1');
  assert.ok(mine.some((p) => p.stage === 'forward'));
  assert.equal(mine[mine.length - 1].stage, 'done');
});

test('a job cancelled mid-way ends with the Cancelled error code; the worker keeps serving', async () => {
  // A probe large enough that the job is still in its forward chunks when the cancel arrives.
  const big = path.join(dir, 'big.npz');
  const M = 1024;
  writeNpz(big, {
    x: { dtype: 'float32', shape: [M, 12, 12, 3], data: Float32Array.from({ length: M * 12 * 12 * 3 }, () => rand()) },
    y: { dtype: 'int32', shape: [M], data: Int32Array.from({ length: M }, (_, i) => i % 5) },
  });
  const cts = new CancellationTokenSource();
  const sub = conn.onNotification(DidProgressNotification, (p) => {
    if (p.jobId === 'job-2' && p.stage === 'forward') cts.cancel();
  });
  await assert.rejects(
    conn.sendRequest(AnalyzeRequest, { jobId: 'job-2', params: { teacher: model, student: model, probe: big, probeSize: M } }, cts.token),
    (e) => e instanceof ResponseError && e.code === WorkerErrorCode.Cancelled,
  );
  sub.dispose();
  const again = await conn.sendRequest(InspectRequest, { path: model });
  assert.equal(again.format, 'layers');
});

test('bad input comes back as InputError with the error kind, in one line', async () => {
  await assert.rejects(
    conn.sendRequest(AnalyzeRequest, { jobId: 'job-3', params: { teacher: model, student: model, probe: path.join(dir, 'missing.npz') } }),
    (e) => e instanceof ResponseError && e.code === WorkerErrorCode.InputError && !String(e.message).includes('\n') && typeof (e.data as { kind: string }).kind === 'string',
  );
  assert.ok(!/at .*\.js:\d+/.test(stderr.split('\n').filter((l) => l.includes('InputError')).join('')), 'no stack trace for input errors');
});
