// Probe images are bounded before they are decoded or held: the pixels an image header declares, and the
// probe size a large first image sets (src/worker/probe/decodeImage.ts, pixels.ts). Before, one 26 KB
// 3000×3000 PNG first in a folder made a 64-image probe take 7.2 GB.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { isKdInputError } from '../../../../src/core/errors';
import { DEFAULT_LIMITS } from '../../../../src/core/limits';
import { setLimits } from '../../../../src/worker/files/limits';
import { decodeImage } from '../../../../src/worker/probe/decodeImage';
import { probeSizeFor } from '../../../../src/worker/probe/pixels';

const MAX_PROBE_SIDE = DEFAULT_LIMITS.probeSide;
const MAX_IMAGE_PIXELS = DEFAULT_LIMITS.imageMegapixels * 1e6;
import { loadProbe } from '../../../../src/worker/probe/probeSet';

const FIXTURES = path.resolve(__dirname, '../../../../../test/fixtures/probe');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-probelimits-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function png(width: number, height: number): Buffer {
  const img = new PNG({ width, height });
  img.data.fill(128);
  return PNG.sync.write(img);
}

test('a large first image sets a probe size capped at MAX_PROBE_SIDE, aspect kept, with a warning', async () => {
  const root = path.join(tmp, 'big');
  for (const c of ['a', 'b']) fs.mkdirSync(path.join(root, c), { recursive: true });
  fs.writeFileSync(path.join(root, 'a/0.png'), png(3000, 1500));
  for (const f of ['a/1.png', 'b/0.png', 'b/1.png']) fs.writeFileSync(path.join(root, f), png(40, 20));
  const p = await loadProbe(root, { size: 4, seed: 0 });
  assert.deepEqual([p.width, p.height], [MAX_PROBE_SIDE, MAX_PROBE_SIDE / 2]);
  assert.equal(p.images.length, 4 * (MAX_PROBE_SIDE / 2) * MAX_PROBE_SIDE * 3);
  assert.ok(p.warnings.some((w) => /images are 3000×1500; the probe is evaluated at 512×256 \(longest side 512\); set imageSize/.test(w)), p.warnings.join('\n'));
  // An explicit size is kept as given, without the warning.
  const q = await loadProbe(root, { size: 4, seed: 0, imageSize: 600 });
  assert.deepEqual([q.width, q.height], [600, 600]);
  assert.ok(!q.warnings.some((w) => /evaluated at/.test(w)));
  assert.deepEqual(probeSizeFor(32, 32), { height: 32, width: 32 });
  // The limit is the job's: raised, the same folder keeps its first image's size.
  setLimits({ probeSide: 4000 });
  try {
    const r = await loadProbe(root, { size: 4, seed: 0 });
    assert.deepEqual([r.width, r.height], [3000, 1500]);
  } finally {
    setLimits(undefined);
  }
});

test('an image header declaring more than MAX_IMAGE_PIXELS is refused before decoding (PNG and JPEG)', () => {
  const big = png(8, 8);
  big.writeUInt32BE(60000, 16); // IHDR width
  big.writeUInt32BE(60000, 20); // IHDR height
  assert.throws(() => decodeImage(big, 'huge.png'), (e) => isKdInputError(e) && e.code === 'unsupported' && /huge\.png: the image is 60000×60000, above the limit of 40 megapixels for a probe image; resize it \(setting kdlens\.limits\.imageMegapixels, CLI --limit imageMegapixels=N\)/.test(e.message));
  const jpg = fs.readFileSync(path.join(FIXTURES, 'baseline_420.jpg'));
  const w = decodeImage(jpg, 'ok.jpg').width;
  assert.ok(w > 0 && w * decodeImage(jpg, 'ok.jpg').height <= MAX_IMAGE_PIXELS);
  // Patch the frame header (SOF0, FF C0) to 10000×10000.
  const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 0);
  jpg.writeUInt16BE(10000, sof + 5);
  jpg.writeUInt16BE(10000, sof + 7);
  assert.throws(() => decodeImage(jpg, 'huge.jpg'), /huge\.jpg: the image is 10000×10000, above the limit/);
});
