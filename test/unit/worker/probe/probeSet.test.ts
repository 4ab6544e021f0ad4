// src/worker/probe/probeSet.ts (+ imageFolder.ts, npzProbe.ts, npyText.ts): ImageFolder trees and
// .npz archives built here in temp dirs (pngjs, jpeg-js, fflate + writeNpy), the numpy-made .npz
// fixtures, torchvision ordering, resizing, balanced sampling, cancellation and every refusal.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { zipSync } from 'fflate';
import { loadProbe } from '../../../../src/worker/probe/probeSet';
import type { ProbeSet } from '../../../../src/worker/probe/probeSet';
import { comparePython } from '../../../../src/worker/probe/imageFolder';
import { writeNpy } from '../../../../src/core/npy';
import type { NdArray } from '../../../../src/core/npy';
import { isKdInputError } from '../../../../src/core/errors';
import type { KdErrorCode } from '../../../../src/core/errors';

const FIXTURES = path.resolve(__dirname, '../../../../../test/fixtures/probe');
const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as {
  npz: Record<string, Record<string, { dtype: string; shape: number[]; data: Array<number | boolean | string> }>>;
};

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-probe-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));
let dirCount = 0;
function tmpDir(name: string): string {
  const d = path.join(TMP, `${dirCount++}`, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** RGB bytes of a w×h test image, distinct per `seed`. */
function pattern(w: number, h: number, seed: number): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 29 + seed * 71 + 5) % 256;
  return px;
}

function writePng(file: string, w: number, h: number, rgb: Uint8Array): void {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) png.data.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png, { colorType: 2 }));
}

function writeJpeg(file: string, w: number, h: number, rgb: Uint8Array): void {
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, jpeg.encode({ width: w, height: h, data: rgba }, 100).data);
}

function writeNpz(file: string, members: Record<string, NdArray>, compressed = false): void {
  const files = Object.fromEntries(Object.entries(members).map(([k, v]) => [`${k}.npy`, writeNpy(v)]));
  fs.writeFileSync(file, zipSync(files, { level: compressed ? 6 : 0 }));
}

async function assertRejects(p: Promise<unknown>, code: KdErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isKdInputError(e), `expected KdInputError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

function image(p: ProbeSet, k: number): Float32Array {
  const size = p.height * p.width * 3;
  return p.images.subarray(k * size, (k + 1) * size);
}

const f255 = (v: number): number => Math.fround(v / 255);

describe('loadProbe: ImageFolder', () => {
  test('classes and files follow torchvision (sorted folders, sorted os.walk); PNG pixels exact, JPEG within 3/255', async () => {
    const root = tmpDir('folder');
    const px = (seed: number): Uint8Array => pattern(4, 3, seed);
    // Created out of order on purpose; nested folders are walked like sorted(os.walk(...)).
    writePng(path.join(root, 'dog', 'z.png'), 4, 3, px(1));
    writePng(path.join(root, 'dog', 'a.png'), 4, 3, px(2));
    writePng(path.join(root, 'cat', 'sub b', 'd.png'), 4, 3, px(3));
    writePng(path.join(root, 'cat', 'sub', 'deeper', 'e.png'), 4, 3, px(4));
    writePng(path.join(root, 'cat', 'sub', 'c.png'), 4, 3, px(5));
    writeJpeg(path.join(root, 'cat', 'b.JPG'), 4, 3, px(6));
    writePng(path.join(root, 'Bird', 'x.png'), 4, 3, px(7));
    fs.writeFileSync(path.join(root, 'cat', 'notes.txt'), 'not an image');
    fs.writeFileSync(path.join(root, 'Bird', 'old.bmp'), 'BM');
    fs.mkdirSync(path.join(root, 'empty'));
    fs.mkdirSync(path.join(root, '.ipynb_checkpoints'));
    fs.writeFileSync(path.join(root, 'README.md'), 'top-level files are not classes');

    const p = await loadProbe(root, { size: 64 });
    assert.deepEqual(p.classes, ['Bird', 'cat', 'dog', 'empty']); // code-point order: 'B' < 'c'
    assert.deepEqual(p.ids, ['Bird/x.png', 'cat/b.JPG', 'cat/sub/c.png', 'cat/sub b/d.png', 'cat/sub/deeper/e.png', 'dog/a.png', 'dog/z.png']);
    assert.deepEqual(Array.from(p.labels), [0, 1, 1, 1, 1, 2, 2]);
    assert.deepEqual([p.n, p.total, p.height, p.width, p.channels, p.source, p.name], [7, 7, 3, 4, 3, 'folder', 'folder']);
    assert.equal(p.images.length, 7 * 3 * 4 * 3);
    assert.equal(p.masks, undefined);
    const seeds = [7, 6, 5, 3, 4, 2, 1];
    for (let k = 0; k < 7; k++) {
      const want = px(seeds[k]);
      const got = image(p, k);
      if (k === 1) {
        let d = 0;
        for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i] * 255 - want[i]));
        assert.ok(d <= 3.0001, `JPEG max diff ${d} levels`);
      } else assert.deepEqual(Array.from(got), Array.from(want, f255), p.ids[k]);
    }
    assert.deepEqual(p.warnings, [
      'folder: hidden folder(s) .ipynb_checkpoints ignored',
      "folder: class folder 'empty' has no PNG/JPEG images; skipped",
      'folder: skipped 1 .bmp file(s); only PNG and JPEG are decoded',
    ]);
  });

  test('comparePython orders by code point like Python, not by UTF-16 unit', () => {
    const names = ['\uff5e', '\u{1f600}', 'a', 'B'];
    assert.deepEqual([...names].sort(comparePython), ['B', 'a', '\uff5e', '\u{1f600}']);
    assert.deepEqual([...names].sort(), ['B', 'a', '\u{1f600}', '\uff5e']); // what JS would do
  });

  test('images of other sizes are resized (bilinear, half-pixel centres) to the first image’s size, or to imageSize', async () => {
    const root = tmpDir('sizes');
    writePng(path.join(root, 'a', '1.png'), 4, 4, pattern(4, 4, 1));
    writePng(path.join(root, 'a', '2.png'), 4, 4, pattern(4, 4, 2));
    // 2×2 → 4×4: per axis the taps are a, ¾a+¼b, ¼a+¾b, b (src = (d+½)/2 − ½, clamped).
    const small = Uint8Array.from([0, 40, 80, 200, 120, 160, 100, 20, 60, 252, 0, 100]);
    writePng(path.join(root, 'b', '1.png'), 2, 2, small);
    writePng(path.join(root, 'b', '2.png'), 4, 4, pattern(4, 4, 3));
    const p = await loadProbe(root);
    assert.deepEqual([p.height, p.width], [4, 4]);
    const w1 = [0, 0.25, 0.75, 1];
    const got = image(p, 2);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        for (let c = 0; c < 3; c++) {
          const v = (yy: number, xx: number): number => small[(yy * 2 + xx) * 3 + c] / 255;
          const top = v(0, 0) * (1 - w1[x]) + v(0, 1) * w1[x];
          const bot = v(1, 0) * (1 - w1[x]) + v(1, 1) * w1[x];
          const want = top * (1 - w1[y]) + bot * w1[y];
          assert.ok(Math.abs(got[(y * 4 + x) * 3 + c] - want) < 1e-6, `(${y},${x},${c})`);
        }
      }
    }
    const q = await loadProbe(root, { imageSize: 2 });
    assert.deepEqual([q.height, q.width, q.images.length], [2, 2, 4 * 2 * 2 * 3]);
    assert.deepEqual(Array.from(image(q, 2)), Array.from(small, f255)); // already 2×2: untouched
  });

  test('more images than size: class-balanced, seeded, source order, only sampled files decoded', async () => {
    const root = tmpDir('big');
    const counts = { a: 9, b: 5, c: 2 };
    for (const [cls, k] of Object.entries(counts)) {
      for (let i = 0; i < k; i++) writePng(path.join(root, cls, `${String(i).padStart(2, '0')}.png`), 2, 2, pattern(2, 2, i));
    }
    const p = await loadProbe(root, { size: 8, seed: 3 });
    assert.equal(p.n, 8);
    assert.equal(p.total, 16);
    const perClass = [0, 0, 0];
    for (const l of p.labels) perClass[l]++;
    assert.deepEqual(perClass, [3, 3, 2]); // c (2 images) gives all it has; the 6 left split 3/3
    assert.deepEqual([...p.ids].sort(comparePython), p.ids, 'source order = class, then file name');
    for (let k = 0; k < p.n; k++) {
      const i = Number(p.ids[k].slice(2, 4));
      assert.deepEqual(Array.from(image(p, k)), Array.from(pattern(2, 2, i), f255), p.ids[k]);
    }
    const again = await loadProbe(root, { size: 8, seed: 3 });
    assert.deepEqual(again.ids, p.ids);
    const others = await Promise.all([0, 1, 2, 4].map((seed) => loadProbe(root, { size: 8, seed })));
    assert.ok(others.some((o) => o.ids.join() !== p.ids.join()), 'another seed draws another sample');
    for (const o of others) assert.equal(o.ids.filter((id) => id.startsWith('c/')).length, 2, 'class c always whole');
  });

  test('undecodable image → bad-file naming the image; no class folders → bad-file', async () => {
    const root = tmpDir('broken');
    for (let i = 0; i < 3; i++) writePng(path.join(root, 'ok', `${i}.png`), 2, 2, pattern(2, 2, i));
    writePng(path.join(root, 'zz', '0.png'), 2, 2, pattern(2, 2, 9));
    fs.writeFileSync(path.join(root, 'zz', '1.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    await assertRejects(loadProbe(root), 'bad-file', /^broken\/zz\/1\.png: cannot decode PNG/);
    const flat = tmpDir('flat');
    writePng(path.join(flat, '0.png'), 2, 2, pattern(2, 2, 0));
    await assertRejects(loadProbe(flat), 'bad-file', /^flat: no class sub-folders/);
  });

  test('refusals: < 4 images, one class, class index ≥ numClasses', async () => {
    const few = tmpDir('few');
    writePng(path.join(few, 'a', '0.png'), 2, 2, pattern(2, 2, 0));
    writePng(path.join(few, 'b', '0.png'), 2, 2, pattern(2, 2, 1));
    writePng(path.join(few, 'b', '1.png'), 2, 2, pattern(2, 2, 2));
    await assertRejects(loadProbe(few), 'too-few-samples', /^few: 3 image\(s\); a probe set needs at least 4$/);
    const one = tmpDir('one');
    for (let i = 0; i < 5; i++) writePng(path.join(one, 'only', `${i}.png`), 2, 2, pattern(2, 2, i));
    fs.mkdirSync(path.join(one, 'vide'));
    await assertRejects(loadProbe(one), 'one-class', /^one: all 5 images have the same class/);
    const three = tmpDir('three');
    for (const c of ['a', 'b', 'c']) for (let i = 0; i < 2; i++) writePng(path.join(three, c, `${i}.png`), 2, 2, pattern(2, 2, i));
    await assertRejects(loadProbe(three, { numClasses: 2 }), 'bad-labels', /^three: label 2 of c\/0\.png \(class folder 'c'\) is ≥ the model's 2 classes$/);
    assert.equal((await loadProbe(three, { numClasses: 3 })).n, 6);
  });
});

describe('loadProbe: .npz', () => {
  test('uint8 x ÷ 255, int64 y, bool mask, classes named by index when absent', async () => {
    const file = path.join(tmpDir('npz'), 'set.npz');
    const [n, h, w] = [5, 2, 3];
    const x = Uint8Array.from({ length: n * h * w * 3 }, (_, i) => (i * 13) % 256);
    const mask = Uint8Array.from({ length: n * h * w }, (_, i) => i % 2);
    writeNpz(file, {
      x: { dtype: 'uint8', shape: [n, h, w, 3], data: x },
      y: { dtype: 'int64', shape: [n], data: BigInt64Array.from([0n, 2n, 1n, 2n, 0n]) },
      mask: { dtype: 'bool', shape: [n, h, w], data: mask },
    });
    const p = await loadProbe(file);
    assert.deepEqual([p.n, p.height, p.width, p.source, p.name], [5, 2, 3, 'npz', 'set.npz']);
    assert.deepEqual(p.classes, ['0', '1', '2']);
    assert.deepEqual(p.ids, ['npz[0]', 'npz[1]', 'npz[2]', 'npz[3]', 'npz[4]']);
    assert.deepEqual(Array.from(p.labels), [0, 2, 1, 2, 0]);
    assert.deepEqual(Array.from(p.images), Array.from(x, f255));
    assert.deepEqual(Array.from(p.masks!), Array.from(mask));
    assert.deepEqual(p.warnings, []);
    const withK = await loadProbe(file, { numClasses: 10 });
    assert.equal(withK.classes.length, 10, 'names cover the model’s classes');
  });

  test('float32 gray x (C = 1) is repeated into RGB; deflate-compressed archives read too', async () => {
    const file = path.join(tmpDir('npzf'), 'gray.npz');
    const x = Float32Array.from({ length: 4 * 2 * 2 }, (_, i) => i / 15);
    writeNpz(file, { x: { dtype: 'float32', shape: [4, 2, 2, 1], data: x }, y: { dtype: 'int32', shape: [4], data: Int32Array.from([1, 0, 1, 0]) } }, true);
    const p = await loadProbe(file);
    assert.deepEqual(Array.from(p.images), Array.from(x).flatMap((v) => [v, v, v]));
  });

  test('numpy np.savez fixture: values, labels, mask and <U class names as numpy reads them', async () => {
    const m = manifest.npz['savez_u8.npz'];
    const p = await loadProbe(path.join(FIXTURES, 'savez_u8.npz'));
    assert.deepEqual(p.classes, m.classes.data);
    assert.deepEqual(Array.from(p.labels), m.y.data);
    assert.deepEqual([p.n, p.height, p.width], m.x.shape.slice(0, 3));
    assert.deepEqual(Array.from(p.images), (m.x.data as number[]).map(f255));
    assert.deepEqual(Array.from(p.masks!), (m.mask.data as boolean[]).map(Number));
  });

  test('numpy np.savez_compressed fixture: float32 gray and non-ASCII class names (UTF-32)', async () => {
    const m = manifest.npz['savez_compressed_f4.npz'];
    const p = await loadProbe(path.join(FIXTURES, 'savez_compressed_f4.npz'));
    assert.deepEqual(p.classes, ['café', '猫']);
    assert.deepEqual(p.classes, m.classes.data);
    assert.deepEqual(Array.from(p.labels), m.y.data);
    assert.deepEqual(Array.from(p.images), (m.x.data as number[]).flatMap((v) => [v, v, v].map(Math.fround)));
    const nc = await loadProbe(path.join(FIXTURES, 'savez_compressed_f4.npz'), { numClasses: 3 });
    assert.deepEqual(nc.warnings, ['savez_compressed_f4.npz: classes lists 2 names but the model has 3 classes']);
  });

  test('sampling rows: balanced, seeded, ascending npz[i], pixels of exactly those rows', async () => {
    const file = path.join(tmpDir('npzbig'), 'big.npz');
    const n = 40;
    const x = Uint8Array.from({ length: n * 1 * 1 * 3 }, (_, i) => i % 251);
    const y = Int32Array.from({ length: n }, (_, i) => (i < 30 ? 0 : i < 36 ? 1 : 2));
    writeNpz(file, { x: { dtype: 'uint8', shape: [n, 1, 1, 3], data: x }, y: { dtype: 'int32', shape: [n], data: y } });
    const p = await loadProbe(file, { size: 12, seed: 5 });
    const rows = p.ids.map((id) => Number(/^npz\[(\d+)\]$/.exec(id)![1]));
    assert.deepEqual(rows, [...rows].sort((a, b) => a - b));
    const per = [0, 0, 0];
    for (const l of p.labels) per[l]++;
    assert.deepEqual(per, [4, 4, 4]);
    rows.forEach((r, k) => {
      assert.equal(p.labels[k], y[r]);
      assert.deepEqual(Array.from(image(p, k)), Array.from(x.subarray(3 * r, 3 * r + 3), f255));
    });
    assert.deepEqual((await loadProbe(file, { size: 12, seed: 5 })).ids, p.ids);
    assert.notDeepEqual((await loadProbe(file, { size: 12, seed: 6 })).ids, p.ids);
  });

  test('refusals name the file: missing x/y, length mismatch, NCHW, range, labels, too few, one class', async () => {
    const dir = tmpDir('npzbad');
    const at = (name: string, members: Record<string, NdArray>): string => {
      const f = path.join(dir, name);
      writeNpz(f, members);
      return f;
    };
    const x = (n: number, shape = [n, 2, 2, 3]): NdArray => ({ dtype: 'uint8', shape, data: new Uint8Array(shape.reduce((a, b) => a * b, 1)) });
    const y = (v: number[]): NdArray => ({ dtype: 'int32', shape: [v.length], data: Int32Array.from(v) });
    await assertRejects(loadProbe(at('nox.npz', { y: y([0, 1, 0, 1]) })), 'bad-shape', /^nox\.npz: missing 'x' \(images\); save with np\.savez/);
    await assertRejects(loadProbe(at('noxy.npz', { z: y([0]) })), 'bad-shape', /^noxy\.npz: missing 'x' \(images\) and 'y' \(labels\)/);
    await assertRejects(loadProbe(at('len.npz', { x: x(5), y: y([0, 1, 0, 1]) })), 'bad-shape', /^len\.npz: x holds 5 images but y holds 4 labels$/);
    await assertRejects(loadProbe(at('nchw.npz', { x: x(4, [4, 3, 8, 8]), y: y([0, 1, 0, 1]) })), 'bad-shape', /^nchw\.npz: x must be N×H×W×C .* got shape \(4, 3, 8, 8\); it looks NCHW/);
    const hot: NdArray = { dtype: 'float32', shape: [4, 1, 1, 3], data: Float32Array.from({ length: 12 }, (_, i) => i * 20) };
    await assertRejects(loadProbe(at('f255.npz', { x: hot, y: y([0, 1, 0, 1]) })), 'bad-file', /^f255\.npz: float x holds values in \[0, 220\]; expected raw images in \[0, 1\]/);
    const nan: NdArray = { dtype: 'float32', shape: [4, 1, 1, 1], data: Float32Array.from([0, NaN, 0, 0]) };
    await assertRejects(loadProbe(at('nan.npz', { x: nan, y: y([0, 1, 0, 1]) })), 'not-finite', /^nan\.npz: x holds NaN at flat index 1$/);
    await assertRejects(loadProbe(at('neg.npz', { x: x(4), y: y([0, -1, 0, 1]) })), 'bad-labels', /^neg\.npz: label -1 of npz\[1\] is negative$/);
    await assertRejects(loadProbe(at('big.npz', { x: x(4), y: y([0, 1, 0, 7]) }), { numClasses: 5 }), 'bad-labels', /^big\.npz: label 7 of npz\[3\] is ≥ the model's 5 classes$/);
    await assertRejects(loadProbe(at('onehot.npz', { x: x(4), y: { dtype: 'float32', shape: [4, 2], data: new Float32Array(8) } })), 'bad-labels', /^onehot\.npz: y: .*one-hot/);
    await assertRejects(loadProbe(at('three.npz', { x: x(3), y: y([0, 1, 1]) })), 'too-few-samples', /^three\.npz: 3 image\(s\)/);
    await assertRejects(loadProbe(at('same.npz', { x: x(4), y: y([1, 1, 1, 1]) })), 'one-class', /^same\.npz: all 4 images have the same class/);
    const m: NdArray = { dtype: 'uint8', shape: [4, 2, 3], data: new Uint8Array(24) };
    await assertRejects(loadProbe(at('mask.npz', { x: x(4), y: y([0, 1, 0, 1]), mask: m })), 'bad-shape', /^mask\.npz: mask must be N×H×W = \(4, 2, 2\)/);
    await assertRejects(loadProbe(at('i16.npz', { x: { dtype: 'int16', shape: [4, 1, 1, 1], data: new Int16Array(4) }, y: y([0, 1, 0, 1]) })), 'unsupported', /^i16\.npz: x has dtype int16/);
    const notZip = path.join(dir, 'plain.npz');
    fs.writeFileSync(notZip, writeNpy(y([0, 1])));
    await assertRejects(loadProbe(notZip), 'bad-file', /^plain\.npz: not a ZIP archive/);
  });
});

describe('loadProbe: paths, options, cancellation', () => {
  test('missing path, unknown file type and bad options are refused', async () => {
    await assertRejects(loadProbe(path.join(TMP, 'nope')), 'bad-file', /^nope: probe set not found/);
    const txt = path.join(tmpDir('misc'), 'probe.csv');
    fs.writeFileSync(txt, 'a,b');
    await assertRejects(loadProbe(txt), 'unsupported', /^probe\.csv: a probe set is an ImageFolder directory or an \.npz/);
    await assertRejects(loadProbe(txt, { size: 3 }), 'bad-argument', /probe size must be an integer ≥ 4, got 3/);
    await assertRejects(loadProbe(txt, { numClasses: 0 }), 'bad-argument', /numClasses must be a positive integer/);
    await assertRejects(loadProbe(txt, { imageSize: 0 }), 'bad-argument', /imageSize must be positive integers/);
  });

  test('size < number of classes is allowed with a warning', async () => {
    const root = tmpDir('many');
    for (const c of ['a', 'b', 'c', 'd', 'e']) for (let i = 0; i < 2; i++) writePng(path.join(root, c, `${i}.png`), 1, 1, pattern(1, 1, i));
    const p = await loadProbe(root, { size: 4 });
    assert.equal(p.n, 4);
    assert.equal(new Set(p.labels).size, 4);
    assert.deepEqual(p.warnings, ['many: probe size 4 < 5 classes; only 4 classes are represented']);
  });

  test('an AbortSignal stops loading: already aborted, or aborted while images are read', async () => {
    const root = tmpDir('abort');
    for (const c of ['a', 'b']) for (let i = 0; i < 6; i++) writePng(path.join(root, c, `${i}.png`), 2, 2, pattern(2, 2, i));
    const isAbort = (e: unknown): boolean => e instanceof Error && e.name === 'AbortError';
    await assert.rejects(loadProbe(root, {}, AbortSignal.abort()), isAbort);
    const ac = new AbortController();
    const p = loadProbe(root, {}, ac.signal);
    ac.abort(); // after the first await: caught at the next check between directory/image reads
    await assert.rejects(p, isAbort);
  });
});
