// src/core/colormap.ts against OpenCV itself: the full 256-entry COLORMAP_JET table dumped from Debian's
// python3-opencv 4.6.0 (cv2.applyColorMap(np.arange(256, dtype=uint8)[None], COLORMAP_JET), BGR→RGB).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JET_RGB, jetHex, jetIndex, octaveJet } from '../../../../src/core/present/colormap';

/** RGB bytes, entry i at [3i, 3i+3); produced by the dump described above (not by our code). */
const OPENCV_JET_RGB_HEX =
  '00008000008400008800008c00009000009400009800009c0000a00000a40000a80000ac0000b00000b40000b80000bc' +
  '0000c00000c40000c80000cc0000d00000d40000d80000dc0000e00000e40000e80000ec0000f00000f40000f80000fc' +
  '0000ff0004ff0008ff000cff0010ff0014ff0018ff001cff0020ff0024ff0028ff002cff0030ff0034ff0038ff003cff' +
  '0040ff0044ff0048ff004cff0050ff0054ff0058ff005cff0060ff0064ff0068ff006cff0070ff0074ff0078ff007cff' +
  '0080ff0084ff0088ff008cff0090ff0094ff0098ff009cff00a0ff00a4ff00a8ff00acff00b0ff00b4ff00b8ff00bcff' +
  '00c0ff00c4ff00c8ff00ccff00d0ff00d4ff00d8ff00dcff00e0ff00e4ff00e8ff00ecff00f0ff00f4ff00f8ff00fcff' +
  '02fffe06fffa0afff60efff212ffee16ffea1affe61effe222ffde26ffda2affd62effd232ffce36ffca3affc63effc2' +
  '42ffbe46ffba4affb64effb252ffae56ffaa5affa65effa262ff9e66ff9a6aff966eff9272ff8e76ff8a7aff867eff82' +
  '82ff7e86ff7a8aff768eff7292ff6e96ff6a9aff669eff62a2ff5ea6ff5aaaff56aeff52b2ff4eb6ff4abaff46beff42' +
  'c2ff3ec6ff3acaff36ceff32d2ff2ed6ff2adaff26deff22e2ff1ee6ff1aeaff16eeff12f2ff0ef6ff0afaff06feff01' +
  'fffc00fff800fff400fff000ffec00ffe800ffe400ffe000ffdc00ffd800ffd400ffd000ffcc00ffc800ffc400ffc000' +
  'ffbc00ffb800ffb400ffb000ffac00ffa800ffa400ffa000ff9c00ff9800ff9400ff9000ff8c00ff8800ff8400ff8000' +
  'ff7c00ff7800ff7400ff7000ff6c00ff6800ff6400ff6000ff5c00ff5800ff5400ff5000ff4c00ff4800ff4400ff4000' +
  'ff3c00ff3800ff3400ff3000ff2c00ff2800ff2400ff2000ff1c00ff1800ff1400ff1000ff0c00ff0800ff0400ff0000' +
  'fc0000f80000f40000f00000ec0000e80000e40000e00000dc0000d80000d40000d00000cc0000c80000c40000c00000' +
  'bc0000b80000b40000b00000ac0000a80000a40000a000009c00009800009400009000008c0000880000840000800000';

function opencvEntry(i: number): [number, number, number] {
  const b = Buffer.from(OPENCV_JET_RGB_HEX, 'hex');
  return [b[3 * i], b[3 * i + 1], b[3 * i + 2]];
}

function ours(i: number): [number, number, number] {
  return [JET_RGB[3 * i], JET_RGB[3 * i + 1], JET_RGB[3 * i + 2]];
}

describe('JET colormap (OpenCV COLORMAP_JET)', () => {
  it('has 256 RGB entries', () => {
    assert.equal(JET_RGB.length, 768);
    assert.equal(OPENCV_JET_RGB_HEX.length, 1536);
  });

  it('matches well-known anchor colours in RGB order (OpenCV reports BGR)', () => {
    assert.deepEqual(ours(0), [0, 0, 128], '0 → dark blue (BGR 128,0,0)');
    assert.deepEqual(ours(255), [128, 0, 0], '255 → dark red (BGR 0,0,128)');
    assert.deepEqual(ours(128), [130, 255, 126], '128 → green-ish middle');
    assert.deepEqual(ours(32), [0, 0, 255], 'the blue plateau begins at 32');
  });

  it('equals the OpenCV 4.6 table byte for byte, including the float32 half-way ties', () => {
    const diffs: string[] = [];
    for (let i = 0; i < 256; i++) {
      const a = ours(i);
      const e = opencvEntry(i);
      if (a.some((v, c) => v !== e[c])) diffs.push(`${i}: ours ${a} vs OpenCV ${e}`);
    }
    assert.deepEqual(diffs, []);
  });

  it('differs from naive rounding of the Octave formula exactly where OpenCV breaks ties by float error', () => {
    // Sanity check that the replayed float32 path matters: Math.round(255·jet(i/255)) misses OpenCV on
    // many ties (e.g. g at i = 33 is 4.5 → OpenCV 4) and is within 1 everywhere.
    let off = 0;
    for (let i = 0; i < 256; i++) {
      const naive = octaveJet(i / 255).map((v) => Math.round(255 * v));
      const e = opencvEntry(i);
      for (let c = 0; c < 3; c++) {
        assert.ok(Math.abs(naive[c] - e[c]) <= 1, `entry ${i} channel ${c}`);
        if (naive[c] !== e[c]) off++;
      }
    }
    assert.ok(off > 100, `naive rounding differs on ${off} values`);
    assert.deepEqual(opencvEntry(33).slice(1, 2), [4]);
  });

  it('indexes values like np.uint8(255 * m): floor, clamped, NaN → 0', () => {
    assert.equal(jetIndex(0), 0);
    assert.equal(jetIndex(1), 255);
    assert.equal(jetIndex(0.5), 127);
    assert.equal(jetIndex(0.999), 254);
    assert.equal(jetIndex(-0.2), 0);
    assert.equal(jetIndex(1.7), 255);
    assert.equal(jetIndex(Number.NaN), 0);
  });

  it('gives CSS hex colours of the table', () => {
    assert.equal(jetHex(0), '#000080');
    assert.equal(jetHex(255), '#800000');
    assert.equal(jetHex(128), '#82ff7e');
  });
});
