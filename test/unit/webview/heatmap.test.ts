// The webview's heatmap pictures against independent references: bilinear upsampling against
// src/core/resize.ts (cv2 INTER_LINEAR conventions) and the 50% overlay against the report's overlayRgb
// (the JET table itself is shared with the report: src/core/colormap.ts, tested against OpenCV).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayRgb } from '../../../src/report/heatmapPng';
import { resizeBilinear } from '../../../src/core/present/resize';
import { JET_RGB, jetCss, jetIndex } from '../../../src/core/present/colormap';
import { absDifference, isEmptyMap, mapOverlayRgba, overlayRgba, plane, resampleRgb, sampleBilinear, upsampleBilinear } from '../../../webview/shared/heatmap';

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

test('upsampleBilinear equals core resizeBilinear (cv2 INTER_LINEAR) for up-, down- and odd resizes', () => {
  const cases: Array<[number, number, number, number]> = [
    [7, 7, 96, 96],
    [4, 6, 64, 96],
    [14, 14, 224, 224],
    [1, 1, 5, 3],
    [8, 8, 3, 5],
    [5, 3, 5, 3],
  ];
  for (const [h, w, H, W] of cases) {
    const src = values(h * w, h * 100 + w);
    const ours = upsampleBilinear(src, h, w, H, W);
    const ref = resizeBilinear(src, 1, h, w, H, W);
    let max = 0;
    for (let k = 0; k < H * W; k++) max = Math.max(max, Math.abs(ours[k] - ref[k]));
    assert.ok(max < 2e-6, `${h}×${w} → ${H}×${W}: max abs diff ${max}`);
  }
});

test('sampleBilinear gives the upsampled value at every pixel (hover readout)', () => {
  const src = values(6 * 9, 3);
  const up = upsampleBilinear(src, 6, 9, 40, 50);
  for (let y = 0; y < 40; y++) for (let x = 0; x < 50; x++) assert.ok(Math.abs(sampleBilinear(src, 6, 9, 40, 50, x + 0.7, y + 0.2) - up[y * 50 + x]) < 1e-6);
  // Out-of-picture coordinates clamp to the edge pixels.
  assert.ok(Math.abs(sampleBilinear(src, 6, 9, 40, 50, -3, 99) - up[39 * 50]) < 1e-6);
});

test('resampleRgb equals core resizeBilinear per channel, rounded', () => {
  const h = 12;
  const w = 10;
  const rgb = Uint8Array.from(values(h * w * 3, 9), (v) => Math.floor(v * 256));
  const out = resampleRgb(rgb, h, w, 37, 29);
  const planes = new Float64Array(3 * h * w);
  for (let p = 0; p < h * w; p++) for (let c = 0; c < 3; c++) planes[c * h * w + p] = rgb[3 * p + c];
  const ref = resizeBilinear(planes, 3, h, w, 37, 29);
  let max = 0;
  for (let p = 0; p < 37 * 29; p++) for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(out[3 * p + c] - Math.round(ref[c * 37 * 29 + p])));
  assert.equal(max, 0);
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

test('absDifference, plane and isEmptyMap', () => {
  assert.deepEqual(Array.from(absDifference(Float32Array.from([0.25, 1, 0]), Float32Array.from([0.5, 0.25, 0]))), [0.25, 0.75, 0]);
  const all = Float32Array.from({ length: 12 }, (_, i) => i);
  assert.deepEqual(Array.from(plane(all, 2, 4)), [8, 9, 10, 11]);
  assert.equal(isEmptyMap(new Float32Array(9)), true);
  assert.equal(isEmptyMap(Float32Array.from([0, -1, 1e-30])), false);
});

test('mapOverlayRgba (the fused gallery path) gives the same bytes as upsample + overlay, difference included', () => {
  const a = { data: values(7 * 7, 11), h: 7, w: 7 };
  const b = { data: values(14 * 14, 12), h: 14, w: 14 };
  const H = 80;
  const W = 96;
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
