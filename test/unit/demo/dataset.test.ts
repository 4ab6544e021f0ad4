// demo/dataset.ts + demo/npzFile.ts: the same seed gives the same bytes, classes are balanced, masks are
// exactly where the object was drawn (checked against a render without the object and the shape's
// analytic area and centre), and the .npz reads back through the probe reader.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHAPES, SHAPE_AREA, generateDataset, insideShape, renderScene } from '../../../demo/dataset';
import { writeDatasetNpz } from '../../../demo/npzFile';
import { openNpz } from '../../../src/worker/probe/npzProbe';

describe('generateDataset', () => {
  test('is deterministic per seed: same seed, same bytes; another seed, other images', () => {
    const a = generateDataset({ seed: 3, n: 20 });
    const b = generateDataset({ seed: 3, n: 20 });
    const c = generateDataset({ seed: 4, n: 20 });
    assert.deepEqual(a.x, b.x);
    assert.deepEqual(a.mask, b.mask);
    assert.deepEqual(a.y, b.y);
    let differ = 0;
    for (let i = 0; i < a.x.length; i++) if (a.x[i] !== c.x[i]) differ++;
    assert.ok(differ > 0.5 * a.x.length, `only ${differ} of ${a.x.length} bytes differ between seeds 3 and 4`);
  });

  test('is class-balanced: n a multiple of K gives exactly n/K images per class, in shuffled order', () => {
    const ds = generateDataset({ seed: 1, n: 100 });
    assert.deepEqual(ds.classes, SHAPES);
    const counts = new Array(SHAPES.length).fill(0);
    for (const v of ds.y) counts[v]++;
    assert.deepEqual(counts, [20, 20, 20, 20, 20]);
    assert.notDeepEqual(Array.from(ds.y.slice(0, 10)), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    const four = generateDataset({ seed: 1, n: 12, numClasses: 4 });
    assert.deepEqual([0, 1, 2, 3].map((k) => four.y.filter((v) => v === k).length), [3, 3, 3, 3]);
  });

  test('masks cover exactly the drawn object: pixels change there and (away from edges) nowhere else', () => {
    const ds = generateDataset({ seed: 11, n: 40 });
    const S = ds.size;
    for (let i = 0; i < ds.specs.length; i++) {
      const spec = ds.specs[i];
      const withObj = renderScene(spec, S, true);
      const without = renderScene(spec, S, false);
      assert.deepEqual(withObj.mask, ds.mask.subarray(i * S * S, (i + 1) * S * S), `image ${i}: rendered mask differs from the stored one`);
      let inSum = 0;
      let inN = 0;
      let farMax = 0;
      for (let p = 0; p < S * S; p++) {
        const d = (Math.abs(withObj.rgb[3 * p] - without.rgb[3 * p]) + Math.abs(withObj.rgb[3 * p + 1] - without.rgb[3 * p + 1]) + Math.abs(withObj.rgb[3 * p + 2] - without.rgb[3 * p + 2])) / 3;
        if (withObj.mask[p]) {
          inSum += d;
          inN++;
        } else {
          // Pixels more than 1.5 px from the object cannot be touched by its anti-aliased edge.
          const x = (p % S) + 0.5;
          const y = Math.floor(p / S) + 0.5;
          const r = Math.hypot(x - spec.cx, y - spec.cy) / spec.radius;
          if (r > 1.15 + 1.5 / spec.radius) farMax = Math.max(farMax, d);
        }
      }
      assert.ok(inN > 0 && inSum / inN > 0.15, `image ${i} (${SHAPES[spec.label]}): object pixels differ from the background by only ${inSum / inN}`);
      assert.equal(farMax, 0, `image ${i}: a pixel away from the object changed by ${farMax}`);
    }
  });

  test("each mask's area and centre match the shape's geometry (area within 12% + edge pixels)", () => {
    const ds = generateDataset({ seed: 5, n: 50 });
    const S = ds.size;
    for (let i = 0; i < ds.specs.length; i++) {
      const spec = ds.specs[i];
      const shape = SHAPES[spec.label];
      let area = 0;
      let sx = 0;
      let sy = 0;
      for (let p = 0; p < S * S; p++) {
        if (!ds.mask[i * S * S + p]) continue;
        area++;
        sx += (p % S) + 0.5;
        sy += Math.floor(p / S) + 0.5;
      }
      // Clipping at the border can only cut the triangle's tips (margin = 1.05 r + 1 px).
      const expected = SHAPE_AREA[shape] * spec.radius * spec.radius;
      const perimeter = 2 * Math.PI * 1.15 * spec.radius;
      assert.ok(Math.abs(area - expected) <= 0.12 * expected + 0.5 * perimeter * 0.5, `image ${i} (${shape}): mask area ${area}, geometry ${expected.toFixed(1)}`);
      assert.ok(Math.hypot(sx / area - spec.cx, sy / area - spec.cy) < 0.15 * spec.radius + 0.5, `image ${i} (${shape}): mask centre off`);
    }
  });

  test('insideShape draws five different shapes (pairwise different on a 41×41 grid)', () => {
    const grids = SHAPES.map((s) => {
      let bits = '';
      for (let y = -20; y <= 20; y++) for (let x = -20; x <= 20; x++) bits += insideShape(s, x / 18, y / 18) ? '1' : '0';
      return bits;
    });
    for (let a = 0; a < grids.length; a++) {
      for (let b = a + 1; b < grids.length; b++) {
        let diff = 0;
        for (let k = 0; k < grids[a].length; k++) if (grids[a][k] !== grids[b][k]) diff++;
        assert.ok(diff > 100, `${SHAPES[a]} vs ${SHAPES[b]}: only ${diff} grid points differ`);
      }
    }
  });
});

describe('writeDatasetNpz', () => {
  test('writes x, y, mask and classes that the probe reader loads back unchanged', async () => {
    const ds = generateDataset({ seed: 2, n: 10, size: 16 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-demo-npz-'));
    const file = path.join(dir, 'probe.npz');
    writeDatasetNpz(file, ds);
    const src = await openNpz(file, 5);
    assert.deepEqual(src.classes, [...SHAPES]);
    assert.deepEqual(Array.from(src.labels), Array.from(ds.y));
    assert.deepEqual(src.warnings, []);
    const px = await src.read(Int32Array.from([0, 7]), undefined);
    assert.equal(px.height, 16);
    for (const [k, i] of [0, 7].entries()) {
      for (let j = 0; j < 16 * 16 * 3; j++) assert.ok(Math.abs(px.images[k * 768 + j] - ds.x[i * 768 + j] / 255) < 1e-6);
      for (let j = 0; j < 16 * 16; j++) assert.equal(px.masks?.[k * 256 + j], ds.mask[i * 256 + j]);
    }
    assert.deepEqual(fs.readdirSync(dir), ['probe.npz']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
