// Report picture rendering at the 224-px scale: 64 probe images × (input + 8 overlays), as `kdlens report`
// writes them to heatmaps/. Side by side in one run: the previous path (pngjs: five filters tried per row,
// deflate level 9) and the current one (src/report/pngEncode.ts: Up filter, zlib's RLE strategy), on two
// kinds of image (uniform noise like bench/scale's probe, and smooth natural-like pictures), plus the filter ×
// zlib trade-off the encoder's choice rests on. Checks that every new PNG decodes to the exact pixels.
// Prints numbers, asserts nothing.   node scripts/bench.mjs render
import zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { JET_RGB, jetIndex } from '../src/core/present/colormap';
import { inputRgb, overlayRgb } from '../src/core/present/overlay';
import { resizeBilinear } from '../src/core/present/resize';
import { encodeRgbPng } from '../src/report/heatmapPng';
import { rng } from '../src/core/random';

const N = 64;
const S = 224;
const MAPS = 8;
/** Images timed on the old path (it is slow; per-picture times are compared). */
const OLD_N = 12;


/** Uniform noise in [0, 1] (bench/scale/make_scale.py's probe). */
function noiseImage(r: () => number): Float32Array {
  return Float32Array.from({ length: S * S * 3 }, () => r());
}

/** Smooth shapes and gradients with a little sensor noise: compresses like a photograph. */
function smoothImage(r: () => number): Float32Array {
  const out = new Float32Array(S * S * 3);
  const cx = r() * S;
  const cy = r() * S;
  const f = [7 + 10 * r(), 7 + 10 * r(), 7 + 10 * r()];
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const d = Math.hypot(x - cx, y - cy);
      for (let c = 0; c < 3; c++) out[3 * (y * S + x) + c] = 0.5 + 0.35 * Math.sin(d / f[c] + c) * Math.cos((x + c * y) / 41) + 0.03 * (r() - 0.5);
    }
  }
  return out;
}

/** A Grad-CAM-like map: a 7×7 layer4 map, min-max normalised, resized to 224 (docs/methods.md "Heatmaps"). */
function camMap(r: () => number): Float32Array {
  const small = Float32Array.from({ length: 49 }, () => r() ** 3);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of small) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  for (let k = 0; k < 49; k++) small[k] = (small[k] - lo) / (hi - lo + 1e-7);
  return resizeBilinear(small, 1, 7, 7, S, S, new Float32Array(S * S));
}

/** The overlay before its per-channel call was inlined (same bytes). */
function overlayRgbOld(image: Float32Array, map: Float32Array): Uint8Array {
  const out = new Uint8Array(S * S * 3);
  const blend = (a: number, j: number, o: number): number => Math.round((1 - o) * a + o * j);
  for (let p = 0; p < S * S; p++) {
    const j = 3 * jetIndex(map[p]);
    for (let c = 0; c < 3; c++) {
      const v = image[3 * p + c];
      out[3 * p + c] = blend(255 * (v > 0 ? Math.min(v, 1) : 0), JET_RGB[j + c], 0.5);
    }
  }
  return out;
}

/** The previous encoder: pngjs with its defaults (adaptive filter per row, deflate level 9). */
function pngjsEncode(rgb: Uint8Array): Uint8Array {
  const png = new PNG({ width: S, height: S, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

interface Case {
  readonly images: Float32Array[];
  readonly maps: Float32Array[][];
}

function makeCase(kind: 'noise' | 'smooth', seed: number): Case {
  const r = rng(seed);
  const images = Array.from({ length: N }, () => (kind === 'noise' ? noiseImage(r) : smoothImage(r)));
  const maps = images.map(() => Array.from({ length: MAPS }, () => camMap(r)));
  return { images, maps };
}

/** Time and bytes of drawing images [0, n) the given way (input + one overlay per map). */
function run(c: Case, n: number, overlay: (im: Float32Array, m: Float32Array) => Uint8Array, encode: (rgb: Uint8Array) => Uint8Array): { ms: number; bytes: number; pictures: number } {
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    bytes += encode(inputRgb(c.images[i], S, S)).length;
    for (const m of c.maps[i]) bytes += encode(overlay(c.images[i], m)).length;
  }
  return { ms: performance.now() - t0, bytes, pictures: n * (1 + MAPS) };
}

/** Every new PNG decodes (pngjs) to exactly the RGB bytes it was given. */
function exactPixels(c: Case): boolean {
  for (let i = 0; i < 4; i++) {
    for (const m of c.maps[i]) {
      const rgb = overlayRgb(c.images[i], m, S, S);
      if (!overlayRgbOld(c.images[i], m).every((v, k) => v === rgb[k])) return false;
      const png = PNG.sync.read(Buffer.from(encodeRgbPng(rgb, S, S, 1)));
      for (let p = 0; p < S * S; p++) for (let ch = 0; ch < 3; ch++) if (png.data[4 * p + ch] !== rgb[3 * p + ch]) return false;
    }
  }
  return true;
}

/** Filtered scanlines with one filter for every row (0 None, 1 Sub, 2 Up, 4 Paeth). */
function filtered(rgb: Uint8Array, f: number): Uint8Array {
  const bw = S * 3;
  const out = new Uint8Array(S * (bw + 1));
  for (let y = 0; y < S; y++) {
    const o = y * (bw + 1);
    out[o] = f;
    for (let x = 0; x < bw; x++) {
      const s = y * bw + x;
      const a = x >= 3 ? rgb[s - 3] : 0;
      const b = y > 0 ? rgb[s - bw] : 0;
      const cc = x >= 3 && y > 0 ? rgb[s - bw - 3] : 0;
      const p = a + b - cc;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - cc)];
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : pa <= pb && pa <= pc ? a : pb <= pc ? b : cc;
      out[o + 1 + x] = rgb[s] - pred;
    }
  }
  return out;
}

/** Compressed size and deflate time per picture for each filter × zlib setting (smooth overlays). */
function tradeOff(c: Case): void {
  const pics = c.maps.slice(0, 8).flatMap((ms, i) => ms.map((m) => overlayRgb(c.images[i], m, S, S)));
  const zs: Array<[string, zlib.ZlibOptions]> = [['rle', { strategy: zlib.constants.Z_RLE }], ['level 1', { level: 1 }], ['level 6', { level: 6 }], ['level 9', { level: 9 }]];
  console.log('  filter × zlib on smooth overlays (deflate ms / picture, KB / picture):');
  for (const [name, f] of [['None', 0], ['Sub', 1], ['Up', 2], ['Paeth', 4]] as const) {
    const rows = pics.map((p) => filtered(p, f));
    const cells = zs.map(([zn, o]) => {
      const t0 = performance.now();
      const bytes = rows.reduce((s, r) => s + zlib.deflateSync(r, o).length, 0);
      return `${zn} ${((performance.now() - t0) / rows.length).toFixed(2)} ms ${(bytes / rows.length / 1024).toFixed(1)} KB`;
    });
    console.log(`    ${name.padEnd(6)} ${cells.join(' | ')}`);
  }
}

function main(): void {
  console.log(`report pictures: ${N} images ${S}×${S}, input + ${MAPS} overlays each (${N * (1 + MAPS)} PNGs)`);
  for (const kind of ['noise', 'smooth'] as const) {
    const c = makeCase(kind, kind === 'noise' ? 1 : 2);
    const overlay = (im: Float32Array, m: Float32Array) => overlayRgb(im, m, S, S);
    const encode = (rgb: Uint8Array) => encodeRgbPng(rgb, S, S, 1);
    run(c, 2, overlay, encode); // warm-up
    const old = run(c, OLD_N, overlayRgbOld, pngjsEncode);
    const now = run(c, OLD_N, overlay, encode);
    const all = run(c, N, overlay, encode);
    const per = (r: { ms: number; pictures: number }) => r.ms / r.pictures;
    const mbps = (r: { ms: number; pictures: number }) => (r.pictures * S * S * 3) / 1e6 / (r.ms / 1e3);
    console.log(`  ${kind}: old (pngjs) ${per(old).toFixed(2)} ms/picture, ${(old.bytes / old.pictures / 1024).toFixed(1)} KB | new ${per(now).toFixed(2)} ms/picture, ${(now.bytes / now.pictures / 1024).toFixed(1)} KB | ${(per(old) / per(now)).toFixed(1)}× faster`);
    console.log(`    all ${all.pictures} pictures: ${(all.ms / 1e3).toFixed(2)} s new (${mbps(all).toFixed(0)} MB/s of RGB), ~${((per(old) * all.pictures) / 1e3).toFixed(2)} s old; pixels exact: ${exactPixels(c) ? 'yes' : 'NO'}`);
    if (kind === 'smooth') tradeOff(c);
  }
}

main();
