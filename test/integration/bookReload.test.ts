// The teacher book across processes (docs/architecture.md "Teacher book"): the host's AnalyzeParams name
// `<workspace>/.kdlens/book`; the real worker (dist/worker.js, forked as the extension does) computes the
// teacher and base once, a second checkpoint and a NEW worker process (a window reload) read them
// (EvalResult.book, no forward pass) with the same figures; `kdlens report` run in the workspace uses the
// same book by default (shown by a doctored entry whose logits the report then reports) and writes nothing
// outside .kdlens/ and --out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { AnalyzeRequest, InitializeRequest } from '../../src/protocol/worker';
import type { AnalyzeParams, EvalResult } from '../../src/core/types';
import type { RunConfig } from '../../src/core/runs';
import { analyzeParamsFor } from '../../src/host/pipeline/analyzeParams';
import { DEFAULT_SETTINGS } from '../../src/host/pipeline/settings';
import { readEntry, writeEntry } from '../../src/worker/book/bookStore';
import { BOOK_VERSION } from '../../src/worker/book/bookKey';
import type { ReportJson } from '../../src/report/types';

const root = path.resolve(__dirname, '../../..');
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-book-ws-'));
for (const f of ['teacher.onnx', 'student.onnx', 'base.onnx', 'probe.npz']) fs.copyFileSync(path.join(root, 'test/fixtures/report', f), path.join(ws, f));
fs.copyFileSync(path.join(ws, 'base.onnx'), path.join(ws, 'student2.onnx'));
const at = (f: string): string => path.join(ws, f);
const run = { root: ws, teacher: at('teacher.onnx'), base: at('base.onnx'), probe: at('probe.npz'), temperature: 2, options: { permutations: 10 } } as unknown as RunConfig;
const settings = { ...DEFAULT_SETTINGS, probeSize: 16, unicamBatch: 8 };
const book = path.join(ws, '.kdlens', 'book');

/** One forked worker: analyze jobs, then gone. */
async function inWorker<T>(body: (analyze: (params: AnalyzeParams) => Promise<EvalResult>) => Promise<T>): Promise<T> {
  const child = fork(path.join(root, 'dist/worker.js'), [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  conn.listen();
  try {
    await conn.sendRequest(InitializeRequest, {});
    let job = 0;
    return await body((params) => conn.sendRequest(AnalyzeRequest, { jobId: 'book-' + String(++job), params }));
  } finally {
    conn.dispose();
    child.kill();
  }
}

function figures(r: EvalResult): unknown {
  const { elapsed_ms: _t, book: _b, ...rest } = r;
  return rest;
}

let first: EvalResult;

test('the host names <workspace>/.kdlens/book unless kdlens.teacherBook is off', () => {
  assert.equal(analyzeParamsFor(run, at('student.onnx'), settings).book, book);
  assert.equal('book' in analyzeParamsFor(run, at('student.onnx'), { ...settings, teacherBook: false }), false);
});

test('worker: the first checkpoint computes the teacher and base, the second reads them', async () => {
  await inWorker(async (analyze) => {
    first = await analyze(analyzeParamsFor(run, at('student.onnx'), settings));
    assert.deepEqual(first.book, { teacher: 'computed', base: 'computed' });
    const second = await analyze(analyzeParamsFor(run, at('student2.onnx'), settings));
    assert.deepEqual(second.book, { teacher: 'read', base: 'read' });
  });
  assert.equal(fs.readdirSync(book).filter((f) => f.endsWith('.bin')).length, 2);
});

test('window reload: a new worker process reads both from the book, with the same figures', async () => {
  await inWorker(async (analyze) => {
    const again = await analyze(analyzeParamsFor(run, at('student.onnx'), settings));
    assert.deepEqual(again.book, { teacher: 'read', base: 'read' }, 'no teacher or base forward pass');
    assert.deepEqual(figures(again), figures(first));
  });
});

/** Rewrites every book entry with logits whose argmax is the true label: a report built from them says accuracy 1. */
function doctorEntries(labels: readonly number[]): void {
  for (const file of fs.readdirSync(book).filter((f) => f.endsWith('.bin'))) {
    const key = file.slice(0, -4);
    const read = readEntry(book, key, BOOK_VERSION);
    assert.ok('result' in read);
    const k = read.result.numClasses;
    const logits = Float32Array.from({ length: labels.length * k }, (_, j) => (j % k === labels[Math.floor(j / k)] ? 9 : 0));
    writeEntry(book, key, { ...read.result, logits }, BOOK_VERSION, { maxEntries: 32, maxBytes: 1 << 30 });
  }
}

test('kdlens report in the workspace reads the same book by default and writes only .kdlens/ and --out', () => {
  assert.notEqual(first.models.teacher.accuracy, 1, 'the real teacher is not perfect on this probe');
  doctorEntries(first.probe.labels);
  const before = fs.readdirSync(ws).sort();
  const args = ['report', '--teacher', 'teacher.onnx', '--student', 'student.onnx', '--base', 'base.onnx', '--data', 'probe.npz'];
  const common = [...args, '--probe-size', '16', '--temperature', '2', '--permutations', '10', '--unicam-batch', '8', '--json', '--quiet'];
  const cli = (...extra: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/kdlens.js'), ...common, ...extra], { encoding: 'utf8', cwd: ws, timeout: 240_000 });
  const r = cli('--out', 'out');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as ReportJson;
  assert.equal(json.models.teacher.accuracy, 1, 'the teacher came from the (doctored) book');
  assert.equal(json.models.base?.accuracy, 1, 'so did the base');
  assert.equal(json.models.student.accuracy, first.models.student.accuracy, 'the student was computed');
  assert.deepEqual(fs.readdirSync(ws).sort(), [...before, 'out'].sort(), 'nothing written beside .kdlens/ and --out');

  const off = cli('--out', 'out-nobook', '--no-book');
  assert.equal(off.status, 0, off.stderr);
  assert.equal((JSON.parse(off.stdout) as ReportJson).models.teacher.accuracy, first.models.teacher.accuracy, '--no-book computes');
});
