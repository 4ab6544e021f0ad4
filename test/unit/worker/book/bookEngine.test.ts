// The teacher book in the engine (docs/architecture.md "Teacher book"), on the PyTorch-exported report
// fixtures: a second checkpoint and a cold process memory read the teacher and base from the book (no
// forward pass: EvalResult.book and the book's own count say so) with figures bit-identical to computed
// ones; new teacher content, another probe sample or option, and a corrupt entry are computed again; a
// touched but unchanged teacher is not. No tensor is leaked either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { analyze } from '../../../../src/worker/engine';
import { clearModelCache, engineCaches } from '../../../../src/worker/engine/caches';
import { initBackend } from '../../../../src/worker/backend';
import type { BookForwardCache } from '../../../../src/worker/book/bookCache';
import type { AnalyzeParams, EvalResult } from '../../../../src/core/types';
import { loadProbe } from '../../../../src/worker/probe/probeSet';
import { writeNpz } from '../npzFixture';

const root = path.resolve(__dirname, '../../../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-book-engine-'));
const book = path.join(dir, '.kdlens', 'book');
for (const f of ['teacher.onnx', 'student.onnx', 'base.onnx', 'probe.npz']) fs.copyFileSync(path.join(root, 'test/fixtures/report', f), path.join(dir, f));
fs.copyFileSync(path.join(dir, 'base.onnx'), path.join(dir, 'student2.onnx'));
const at = (f: string): string => path.join(dir, f);
const params: AnalyzeParams = { teacher: at('teacher.onnx'), student: at('student.onnx'), base: at('base.onnx'), probe: at('probe.npz'), temperature: 2, permutations: 10, unicamBatch: 8 };
const withBook: AnalyzeParams = { ...params, book };

/** Everything a result reports but its timing and the book's outcome. */
function figures(r: EvalResult): unknown {
  const { elapsed_ms: _t, book: _b, ...rest } = r;
  return rest;
}

const entries = (): string[] => fs.readdirSync(book).filter((f) => f.endsWith('.bin')).sort();
const computedCount = (): number => (engineCaches.books.get(book) as BookForwardCache).computed;

test('the book: computed once, then read by a second checkpoint and after the memory is gone, bit-identical', async () => {
  await initBackend('cpu');
  const reference = await analyze(params);
  assert.equal(reference.book, undefined, 'no book asked for, none reported');
  await clearModelCache();

  const first = await analyze(withBook);
  assert.deepEqual(first.book, { teacher: 'computed', base: 'computed' });
  assert.equal(entries().length, 2, 'one entry per model');
  assert.deepEqual(figures(first), figures(reference));

  const second = await analyze({ ...withBook, student: at('student2.onnx') });
  assert.deepEqual(second.book, { teacher: 'read', base: 'read' }, 'the next checkpoint runs the student only');
  assert.equal(computedCount(), 2);

  await clearModelCache(); // models and every memory layer gone: only the files remain
  const log: string[] = [];
  const before = tf.memory().numTensors;
  const fromDisk = await analyze(withBook, { log: (l) => log.push(l) });
  assert.deepEqual(fromDisk.book, { teacher: 'read', base: 'read' });
  assert.deepEqual(figures(fromDisk), figures(reference), 'figures from the book equal computed ones');
  assert.equal(computedCount(), 2, 'no forward pass of the teacher or base');
  assert.deepEqual(log.filter((l) => /book/.test(l)), []);
  const loaded = tf.memory().numTensors;
  await analyze(withBook);
  assert.equal(tf.memory().numTensors, loaded, 'no tensor leaked by a checkpoint read from the book');
  assert.ok(loaded >= before);
});

test('the book: a touched teacher is still read; new teacher content, another probe sample or file are computed', async () => {
  await initBackend('cpu');
  await analyze(withBook);
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(at('teacher.onnx'), later, later);
  assert.deepEqual((await analyze(withBook)).book, { teacher: 'read', base: 'read' }, 'same content, new mtime');

  fs.copyFileSync(at('teacher.onnx'), at('teacher-copy.onnx'));
  assert.deepEqual((await analyze({ ...withBook, teacher: at('teacher-copy.onnx') })).book, { teacher: 'read', base: 'read' }, 'the same content elsewhere');

  fs.copyFileSync(at('student.onnx'), at('teacher.onnx')); // rewritten: other weights, same class count
  assert.deepEqual((await analyze(withBook)).book, { teacher: 'computed', base: 'read' });

  assert.deepEqual((await analyze({ ...withBook, probeSize: 8 })).book, { teacher: 'computed', base: 'computed' }, 'another probe size');
  assert.deepEqual((await analyze({ ...withBook, probeSize: 8, seed: 3 })).book, { teacher: 'computed', base: 'computed' }, 'another sample');
  assert.deepEqual((await analyze({ ...withBook, mean: [0.4, 0.4, 0.4], std: [0.2, 0.2, 0.2] })).book, { teacher: 'computed', base: 'computed' }, 'another normalisation');
  const bytes = fs.readFileSync(at('probe.npz'));
  fs.writeFileSync(at('probe2.npz'), bytes);
  assert.deepEqual((await analyze({ ...withBook, probe: at('probe2.npz') })).book, { teacher: 'read', base: 'read' }, 'the same probe content elsewhere');
  const probe = await loadProbe(at('probe.npz'), { size: 16 });
  const images = Float32Array.from(probe.images, (v, i) => (i === 0 ? 1 - v : v)); // one pixel differs
  writeNpz(at('probe3.npz'), { x: { dtype: 'float32', shape: [probe.n, probe.height, probe.width, 3], data: images }, y: { dtype: 'int32', shape: [probe.n], data: probe.labels } });
  assert.deepEqual((await analyze({ ...withBook, probe: at('probe3.npz') })).book, { teacher: 'computed', base: 'computed' }, 'a probe file with other content');
  assert.deepEqual((await analyze({ ...withBook, skipMaps: true })).book, { teacher: 'computed', base: 'computed' }, 'without Grad-CAM: another plan');
});

test('the book: a corrupt entry is recomputed with one log line, and the checkpoint succeeds', async () => {
  await initBackend('cpu');
  const fresh = { ...withBook, book: path.join(dir, 'book2') };
  const reference = await analyze(fresh);
  const files = fs.readdirSync(fresh.book).map((f) => path.join(fresh.book, f));
  for (const f of files) fs.truncateSync(f, fs.statSync(f).size - 7);
  await clearModelCache();
  const log: string[] = [];
  const r = await analyze(fresh, { log: (l) => log.push(l) });
  assert.deepEqual(r.book, { teacher: 'computed', base: 'computed' });
  assert.deepEqual(figures(r), figures(reference));
  assert.equal(log.filter((l) => l.startsWith('teacher book: ')).length, 2, log.join('\n'));
  await clearModelCache();
  assert.deepEqual((await analyze(fresh)).book, { teacher: 'read', base: 'read' }, 'rewritten whole');
  await clearModelCache();
});
