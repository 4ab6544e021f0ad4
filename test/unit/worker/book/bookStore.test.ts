// The teacher book's file format and folder (src/worker/book/bookFormat.ts, bookStore.ts): a result read
// back is bit-identical to the one written; a truncated, bit-flipped or lying file is a miss and is
// deleted; the folder keeps the most recently used entries within its bounds; nothing is written
// outside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ForwardResult } from '../../../../src/worker/forward';
import { entryPath, evict, readEntry, writeEntry } from '../../../../src/worker/book/bookStore';
import { PREAMBLE_BYTES } from '../../../../src/worker/book/bookFormat';
import { rng } from '../../../../src/core/random';

const V = 1;
const LIMITS = { maxEntries: 32, maxBytes: 1 << 30 };
const key = (c: string): string => c.repeat(64);

/** A result with every field set, values random (including -0, subnormals and the largest float64). */
function sample(n = 6, k = 3, gradcam = true): ForwardResult {
  const rand = rng(5);
  const f32 = (len: number) => Float32Array.from({ length: len }, () => rand() * 10 - 5);
  const f64 = (len: number) => Float64Array.from({ length: len }, () => rand() * 1e6 - 5e5);
  const raw = f64(n * n);
  raw[0] = -0;
  raw[1] = Number.MAX_VALUE;
  raw[2] = 5e-324;
  return {
    engine: 'tfjs',
    logits: f32(n * k),
    numClasses: k,
    features: new Map([
      ['layer1', { grams: { n, raw, normalised: f64(n * n) }, shape: [n, 2, 3, 3] }],
      ['layer2', { grams: { n, raw: f64(n * n), normalised: null }, shape: [n, 4, 1, 1] }],
    ]),
    target: { data: f32(n * 4 * 2 * 1), n, k: 4, h: 2, w: 1 },
    pooled: { rows: n, cols: 4, data: f64(n * 4) },
    ...(gradcam ? { gradcam: { pred: f32(n * 4), true: f32(n * 4) } } : {}),
  };
}

/** The bytes of every array of a result, in a fixed order: equal bytes = bit-identical results. */
function bits(r: ForwardResult): unknown {
  const b = (a: Float32Array | Float64Array | null) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex') : null);
  return {
    engine: r.engine,
    numClasses: r.numClasses,
    logits: b(r.logits),
    features: [...r.features].map(([s, f]) => [s, f.shape, f.grams.n, b(f.grams.raw), b(f.grams.normalised)]),
    target: [r.target.n, r.target.k, r.target.h, r.target.w, b(r.target.data)],
    pooled: [r.pooled.rows, r.pooled.cols, b(r.pooled.data)],
    gradcam: r.gradcam ? [b(r.gradcam.pred), b(r.gradcam.true)] : null,
  };
}

const folder = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-book-'));

test('book entry: written atomically, read back bit-identical, with and without Grad-CAM', () => {
  const dir = folder();
  for (const [k, r] of [
    [key('a'), sample()],
    [key('b'), sample(5, 7, false)],
  ] as const) {
    writeEntry(dir, k, r, V, LIMITS);
    const read = readEntry(dir, k, V);
    assert.ok('result' in read, JSON.stringify(read));
    assert.deepEqual(bits(read.result), bits(r));
  }
  assert.deepEqual(fs.readdirSync(dir).sort(), [key('a') + '.bin', key('b') + '.bin'], 'no temporary file left, nothing else written');
  assert.deepEqual(readEntry(dir, key('c'), V), { miss: 'absent' });
});

test('book entry: truncated, bit-flipped, lying about its size, another key or version: a miss, and deleted', () => {
  const dir = folder();
  const k = key('d');
  const damage: Array<[string, (bytes: Buffer) => Buffer]> = [
    ['truncated', (b) => b.subarray(0, b.length - 3)],
    ['preamble only', (b) => b.subarray(0, PREAMBLE_BYTES - 1)],
    ['bit flip in the data', (b) => Buffer.from(b.map((x, i) => (i === b.length - 20 ? x ^ 1 : x)))],
    ['header length beyond the file', (b) => Buffer.from(b.map((x, i) => (i === 11 ? 0x7f : x)))],
    ['not a book', () => Buffer.from('hello')],
  ];
  for (const [what, corrupt] of damage) {
    writeEntry(dir, k, sample(), V, LIMITS);
    fs.writeFileSync(entryPath(dir, k), corrupt(fs.readFileSync(entryPath(dir, k))));
    const read = readEntry(dir, k, V);
    assert.ok('miss' in read && read.miss === 'corrupt', what + ': ' + JSON.stringify(read));
    assert.equal(fs.existsSync(entryPath(dir, k)), false, what + ': deleted');
  }
  writeEntry(dir, k, sample(), V, LIMITS);
  fs.renameSync(entryPath(dir, k), entryPath(dir, key('e')));
  assert.ok('miss' in readEntry(dir, key('e'), V), 'a file under another name is not that key');
  writeEntry(dir, k, sample(), V, LIMITS);
  assert.ok('miss' in readEntry(dir, k, V + 1), 'an older version is a miss');
});

test('book entry: a header declaring a huge array is refused before anything is allocated', () => {
  const dir = folder();
  const k = key('f');
  writeEntry(dir, k, sample(), V, LIMITS);
  const bytes = fs.readFileSync(entryPath(dir, k));
  const len = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.toString('utf8', PREAMBLE_BYTES, PREAMBLE_BYTES + len)) as { n: number; arrays: { dtype: string; length: number }[] };
  // Consistent shapes for 2^36 images: terabytes, which the file's size gives the lie to.
  const n = 2 ** 36;
  const lying = Buffer.from(JSON.stringify({ ...header, n, arrays: header.arrays.map((a) => ({ ...a, length: (a.length / header.n) * n })) }));
  const pre = Buffer.from(bytes.subarray(0, PREAMBLE_BYTES));
  pre.writeUInt32LE(lying.length, 8);
  fs.writeFileSync(entryPath(dir, k), Buffer.concat([pre, lying, Buffer.alloc(8), bytes.subarray(PREAMBLE_BYTES + len)]));
  const read = readEntry(dir, k, V);
  assert.ok('miss' in read && read.miss === 'corrupt', JSON.stringify(read));
});

test('book folder: least recently used entries beyond the count or byte bound are evicted; the newest always stays', () => {
  const dir = folder();
  const t0 = Date.now() / 1000 - 1000;
  const keys = ['1', '2', '3', '4'].map(key);
  keys.forEach((k, i) => {
    writeEntry(dir, k, sample(), V, LIMITS);
    fs.utimesSync(entryPath(dir, k), t0 + i, t0 + i);
  });
  assert.ok('result' in readEntry(dir, keys[0], V), 'reading the oldest makes it the most recent');
  evict(dir, { maxEntries: 3, maxBytes: 1 << 30 });
  assert.deepEqual(fs.readdirSync(dir).sort(), [keys[0], keys[2], keys[3]].map((k) => k + '.bin').sort());
  const size = fs.statSync(entryPath(dir, keys[0])).size;
  evict(dir, { maxEntries: 10, maxBytes: 2 * size });
  assert.deepEqual(fs.readdirSync(dir).sort(), [keys[0], keys[3]].map((k) => k + '.bin').sort());
  writeEntry(dir, key('5'), sample(), V, { maxEntries: 10, maxBytes: 1 });
  assert.deepEqual(fs.readdirSync(dir), [key('5') + '.bin'], 'an entry larger than the bound is still kept, alone');
});
