// The panel's heatmap pictures: the byte-image overlay against the report's float-image overlay, and the
// fused gallery path (webview/common/heatmap.ts) against the separate shared operations. The operations
// themselves are tested in test/unit/core/present/ (resize against the per-pixel form, the difference map,
// the JET table against OpenCV).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JET_RGB, jetCss, jetIndex } from '../../../src/core/present/colormap';
import { absDifference } from '../../../src/core/present/heatmapOps';
import { overlayRgb, overlayRgba, rgbToRgba } from '../../../src/core/present/overlay';
import { resizeBilinear } from '../../../src/core/present/resize';
import { mapOverlayRgba } from '../../../webview/common/heatmap';

/** Deterministic pseudo-random values in [0, 1). */
function values(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 32;
  });
}

test('jetCss gives the table colour of a map value', () => {
  assert.equal(jetCss(0), `rgb(${JET_RGB[0]}, ${JET_RGB[1]}, ${JET_RGB[2]})`);
  assert.equal(jetCss(1), `rgb(${JET_RGB[765]}, ${JET_RGB[766]}, ${JET_RGB[767]})`);
});

test('overlayRgba at opacity 0.5 equals the report overlay; 0 is the image, 1 the colormap', () => {
  const n = 32 * 32;
  const map = values(n, 5);
  map[0] = NaN;
  map[1] = -0.2;
  map[2] = 1.7;
  const bytes = Uint8Array.from(values(3 * n, 6), (v) => Math.floor(v * 256));
  const image = Float32Array.from(bytes, (b) => b / 255);
  const ours = overlayRgba(map, bytes, 0.5);
  const ref = overlayRgb(image, map, 32, 32);
  let max = 0;
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(ours[4 * p + c] - ref[3 * p + c]));
  assert.equal(max, 0, 'same bytes as the report PNG');
  const plain = overlayRgba(map, bytes, 0);
  const jet = overlayRgba(map, null, 0.3);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      assert.equal(plain[4 * p + c], bytes[3 * p + c]);
      assert.equal(jet[4 * p + c], JET_RGB[3 * jetIndex(map[p]) + c]);
    }
    assert.equal(ours[4 * p + 3], 255);
  }
});

test('rgbToRgba adds an opaque alpha', () => {
  assert.deepEqual([...rgbToRgba(Uint8Array.from([1, 2, 3, 250, 251, 252]))], [1, 2, 3, 255, 250, 251, 252, 255]);
});

test('mapOverlayRgba (the fused gallery path) gives the same bytes as upsample + overlay, difference included', () => {
  const a = { data: values(7 * 7, 11), h: 7, w: 7 };
  const b = { data: values(14 * 14, 12), h: 14, w: 14 };
  const H = 80;
  const W = 96;
  const upsampleBilinear = (data: Float32Array, h: number, w: number, H: number, W: number): Float32Array => resizeBilinear(data, 1, h, w, H, W, new Float32Array(H * W));
  const image = Uint8Array.from(values(H * W * 3, 13), (v) => Math.floor(v * 256));
  for (const op of [0, 0.35, 0.5, 1]) {
    const one = mapOverlayRgba(a, null, H, W, image, op);
    assert.deepEqual(one, overlayRgba(upsampleBilinear(a.data, 7, 7, H, W), image, op), `single map, opacity ${op}`);
    const diff = mapOverlayRgba(a, b, H, W, image, op);
    const ref = overlayRgba(absDifference(upsampleBilinear(a.data, 7, 7, H, W), upsampleBilinear(b.data, 14, 14, H, W)), image, op);
    assert.deepEqual(diff, ref, `difference, opacity ${op}`);
  }
  assert.deepEqual(mapOverlayRgba(a, null, H, W, null, 0.5), overlayRgba(upsampleBilinear(a.data, 7, 7, H, W), null, 0.5));
});
