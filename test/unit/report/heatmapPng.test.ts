// src/report/heatmapPng.ts + src/core/present/overlay.ts: overlay pixel math by hand (docs/methods.md,
// "Heatmaps"), nearest-neighbour upscaling, PNGs that decode back with pngjs, the heatmaps/ folder writer,
// and refusals of wrong sizes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { isKdInputError } from '../../../src/core/errors';
import { absDifference, isEmptyMap } from '../../../src/core/present/heatmapOps';
import { overlayRgb } from '../../../src/core/present/overlay';
import { differencePng, heatmapFileName, inputPng, mapPng, overlayPng, safeStem, upscaleFactor, writeHeatmapPngs } from '../../../src/report/heatmapPng';
import { syntheticBundle } from './htmlFixture';

function decode(bytes: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}

/** RGBA pixel (x, y) of a decoded PNG. */
function px(png: PNG, x: number, y: number): number[] {
  const k = 4 * (y * png.width + x);
  return [png.data[k], png.data[k + 1], png.data[k + 2], png.data[k + 3]];
}

// A 2×2 image and map whose expected overlay is worked out by hand from OpenCV's JET:
// JET[0] = (0,0,128), JET[127] = (126,255,130) (idx ⌊255·0.5⌋ = 127), JET[255] = (128,0,0), JET[63] = (0,124,255).
const IMAGE = new Float32Array([
  1, 0, 0.5, /* */ 0, 1, 0,
  0.2, 0.4, 0.6, /* */ 1, 1, 1,
]);
const MAP = new Float32Array([0, 0.5, 1, 0.25]);

describe('overlay pixel math: round(0.5·255·RGB + 0.5·JET(⌊255·M⌋))', () => {
  it('matches hand-computed pixels', () => {
    const rgb = overlayRgb(IMAGE, MAP, 2, 2);
    // (1,0,0.5)·127.5 + (0,0,128)/2 = (127.5, 0, 63.75+64) → (128, 0, 128)
    assert.deepEqual([...rgb.subarray(0, 3)], [128, 0, 128]);
    // (0,1,0)·127.5 + (126,255,130)/2 = (63, 255, 65)
    assert.deepEqual([...rgb.subarray(3, 6)], [63, 255, 65]);
    // (0.2,0.4,0.6)·127.5 + (128,0,0)/2 = (25.5+64, 51, 76.5) → (90, 51, 77)  (Math.round: .5 up)
    assert.deepEqual([...rgb.subarray(6, 9)], [90, 51, 77]);
    // (1,1,1)·127.5 + JET[63]/2; JET[63] = (0,124,255) → (127.5, 189.5, 255) → (128, 190, 255)
    assert.deepEqual([...rgb.subarray(9, 12)], [128, 190, 255]);
  });

  it('clamps out-of-range inputs and treats NaN as 0', () => {
    const rgb = overlayRgb(new Float32Array([1.5, -0.2, Number.NaN]), new Float32Array([Number.NaN]), 1, 1);
    assert.deepEqual([...rgb], [128, 0, 64]);
  });
});

describe('PNG encoding', () => {
  it('overlayPng decodes back to the same pixels at the requested integer scale (nearest neighbour)', () => {
    const png = decode(overlayPng(IMAGE, MAP, 2, 2, { scale: 3 }));
    assert.equal(png.width, 6);
    assert.equal(png.height, 6);
    const expected = overlayRgb(IMAGE, MAP, 2, 2);
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 6; x++) {
        const s = 3 * (Math.floor(y / 3) * 2 + Math.floor(x / 3));
        assert.deepEqual(px(png, x, y), [expected[s], expected[s + 1], expected[s + 2], 255], `pixel ${x},${y}`);
      }
    }
  });

  it('upscales small probe images by default so they are visible (32 px → ×4 = 128 px)', () => {
    assert.equal(upscaleFactor(32, 32), 4);
    assert.equal(upscaleFactor(64, 48), 3);
    assert.equal(upscaleFactor(224, 224), 1);
    assert.equal(upscaleFactor(4, 4), 8, 'capped at 8');
    const image = new Float32Array(32 * 32 * 3).fill(0.5);
    const png = decode(inputPng(image, 32, 32));
    assert.equal(png.width, 128);
    assert.equal(png.height, 128);
    assert.deepEqual(px(png, 127, 127), [128, 128, 128, 255]);
  });

  it('inputPng is the image in 8 bits and mapPng is JET alone', () => {
    const inp = decode(inputPng(IMAGE, 2, 2, { scale: 1 }));
    assert.deepEqual(px(inp, 0, 0), [255, 0, 128, 255]);
    assert.deepEqual(px(inp, 0, 1), [51, 102, 153, 255]);
    const map = decode(mapPng(MAP, 2, 2, { scale: 1 }));
    assert.deepEqual(px(map, 0, 0), [0, 0, 128, 255]);
    assert.deepEqual(px(map, 1, 0), [126, 255, 130, 255]);
    assert.deepEqual(px(map, 0, 1), [128, 0, 0, 255]);
  });

  it('differencePng overlays |teacher − student|', () => {
    const t = new Float32Array([1, 0.25, 0, 0.5]);
    const s = new Float32Array([0, 0.75, 0, 0.5]);
    assert.deepEqual([...absDifference(t, s)], [1, 0.5, 0, 0]);
    const png = decode(differencePng(IMAGE, t, s, 2, 2, { scale: 1 }));
    const expected = overlayRgb(IMAGE, new Float32Array([1, 0.5, 0, 0]), 2, 2);
    for (let p = 0; p < 4; p++) assert.deepEqual(px(png, p % 2, Math.floor(p / 2)).slice(0, 3), [...expected.subarray(3 * p, 3 * p + 3)]);
  });

  it('refuses arrays of the wrong size with a one-line bad-shape error', () => {
    assert.throws(
      () => overlayPng(IMAGE, new Float32Array(3), 2, 2),
      (e: unknown) => isKdInputError(e) && e.code === 'bad-shape' && e.message === 'overlay: map has 3 values, expected 2×2×1 = 4',
    );
    assert.throws(() => inputPng(IMAGE, 2, 2, { scale: 1.5 }), (e: unknown) => isKdInputError(e) && e.code === 'bad-argument');
  });
});

describe('heatmaps/ folder', () => {
  it('names files by index and a safe stem of the (user-supplied) id', () => {
    assert.equal(safeStem('cats/IMG 01.png'), 'IMG_01');
    assert.equal(safeStem('<script>alert(1)</script>.jpg'), 'script', 'the last path segment only');
    assert.equal(safeStem('<b onclick=x>.png'), 'b_onclick_x');
    assert.equal(safeStem('../../etc/passwd'), 'passwd');
    assert.equal(safeStem('...'), 'image');
    assert.equal(safeStem('probe.npz[12]'), 'probe.npz_12');
    assert.equal(heatmapFileName(7, 120, 'a/b.png', 'gradcam_teacher'), 'heatmaps/007-b_gradcam_teacher.png');
  });

  it('writes an input PNG and one overlay per map set, and returns the relative paths per image', () => {
    const bundle = syntheticBundle({ base: true });
    const { n, height, width } = bundle.json.probe;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-heatmaps-'));
    try {
      const out = writeHeatmapPngs(bundle, dir, { images: [0, 2] });
      assert.deepEqual(out.map((r) => r.image), [0, 2]);
      const names = Object.keys(out[1].files).sort();
      assert.deepEqual(names, ['input', ...Object.keys(bundle.maps)].sort());
      const scale = upscaleFactor(height, width);
      for (const rel of Object.values(out[1].files)) {
        assert.ok(rel && rel.startsWith('heatmaps/') && !rel.includes('..'), rel);
        const png = decode(fs.readFileSync(path.join(dir, rel as string)));
        assert.equal(png.width, width * scale);
        assert.equal(png.height, height * scale);
      }
      // The overlay file holds exactly the overlay of image 2 with its map.
      const file = out[1].files.gradcam_student as string;
      const png = decode(fs.readFileSync(path.join(dir, file)));
      const hw = height * width;
      const expected = overlayRgb(bundle.images.subarray(2 * hw * 3, 3 * hw * 3), (bundle.maps.gradcam_student as Float32Array).subarray(2 * hw, 3 * hw), height, width);
      const x = 5;
      const y = 9;
      const s = 3 * (y * width + x);
      assert.deepEqual(px(png, x * scale, y * scale).slice(0, 3), [expected[s], expected[s + 1], expected[s + 2]]);
      assert.equal(fs.readdirSync(path.join(dir, 'heatmaps')).length, 2 * (1 + Object.keys(bundle.maps).length));
      assert.ok(n > 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('detects maps without positive evidence', () => {
    assert.equal(isEmptyMap(new Float32Array([0, 0, 0])), true);
    assert.equal(isEmptyMap(new Float32Array([0, 1e-6, 0])), false);
  });
});
