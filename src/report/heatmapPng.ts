// Heatmap pictures of `kdlens report`: input, map and overlay PNGs (spec §2.7: 0.5·RGB + 0.5·JET(255·M)),
// upscaled for small probes, and the heatmaps/ folder writer. Imported by the CLI report, the HTML writer, tests.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { KdInputError } from '../core/errors';
import { JET_RGB, jetIndex } from '../core/present/colormap';
import type { MapName, ReportBundle, ReportJson } from './types';

export interface PngOptions {
  /**
   * Integer nearest-neighbour upscale factor; default `upscaleFactor(H, W)`, so that 32-pixel probe
   * images come out large enough to see.
   */
  readonly scale?: number;
}

/** Smallest integer factor (≤ 8) that brings the shorter side to at least `minSide` pixels; 1 if already there. */
export function upscaleFactor(h: number, w: number, minSide = 128): number {
  const side = Math.max(1, Math.min(h, w));
  return Math.max(1, Math.min(8, Math.ceil(minSide / side)));
}

function checkSizes(what: string, h: number, w: number, arrays: ReadonlyArray<readonly [string, Float32Array, number]>): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw new KdInputError('bad-shape', `${what}: image size must be positive integers, got ${h}×${w}`);
  for (const [name, a, channels] of arrays) {
    if (a.length !== h * w * channels) throw new KdInputError('bad-shape', `${what}: ${name} has ${a.length} values, expected ${h}×${w}×${channels} = ${h * w * channels}`);
  }
}

function to8(v: number): number {
  // NaN → 0; values are clamped so that slightly out-of-range inputs (resize overshoot) stay valid.
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return Math.round(255 * v);
}

/** H×W×3 bytes of the input image (RGB in [0, 1]). */
export function inputRgb(image: Float32Array, h: number, w: number): Uint8Array {
  checkSizes('input image', h, w, [['image', image, 3]]);
  const out = new Uint8Array(h * w * 3);
  for (let k = 0; k < out.length; k++) out[k] = to8(image[k]);
  return out;
}

/** H×W×3 bytes of JET(255·M) alone. */
export function mapRgb(map: Float32Array, h: number, w: number): Uint8Array {
  checkSizes('heatmap', h, w, [['map', map, 1]]);
  const out = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    const j = 3 * jetIndex(map[p]);
    out[3 * p] = JET_RGB[j];
    out[3 * p + 1] = JET_RGB[j + 1];
    out[3 * p + 2] = JET_RGB[j + 2];
  }
  return out;
}

/**
 * H×W×3 bytes of round(255·(0.5·RGB + 0.5·JET(255·M)/255)) (spec §2.7). Unlike pytorch_grad_cam's
 * show_cam_on_image we do not divide by the image's maximum, so colours mean the same in every picture.
 */
export function overlayRgb(image: Float32Array, map: Float32Array, h: number, w: number): Uint8Array {
  checkSizes('overlay', h, w, [['image', image, 3], ['map', map, 1]]);
  const out = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    const j = 3 * jetIndex(map[p]);
    for (let c = 0; c < 3; c++) {
      const v = image[3 * p + c];
      const rgb = v > 0 ? Math.min(v, 1) : 0;
      out[3 * p + c] = Math.round(0.5 * 255 * rgb + 0.5 * JET_RGB[j + c]);
    }
  }
  return out;
}

/** |teacher − student| per pixel, in [0, 1] (both maps are min-max normalised to [0, 1]). */
export function absDifference(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new KdInputError('bad-shape', `difference map: the two maps have ${a.length} and ${b.length} values`);
  const out = new Float32Array(a.length);
  for (let k = 0; k < a.length; k++) {
    const d = Math.abs((a[k] || 0) - (b[k] || 0));
    out[k] = d > 1 ? 1 : d;
  }
  return out;
}

/** Encodes H×W×3 bytes as an RGB PNG, upscaled by an integer factor with nearest neighbour. */
export function encodeRgbPng(rgb: Uint8Array, h: number, w: number, scale = 1): Uint8Array {
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new KdInputError('bad-argument', `PNG upscale factor must be an integer in 1..64, got ${scale}`);
  if (rgb.length !== h * w * 3) throw new KdInputError('bad-shape', `PNG: ${rgb.length} bytes for a ${h}×${w} RGB image`);
  const H = h * scale;
  const W = w * scale;
  const png = new PNG({ width: W, height: H, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const data = Buffer.alloc(H * W * 3);
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / scale);
    for (let x = 0; x < W; x++) {
      const s = 3 * (sy * w + Math.floor(x / scale));
      const d = 3 * (y * W + x);
      data[d] = rgb[s];
      data[d + 1] = rgb[s + 1];
      data[d + 2] = rgb[s + 2];
    }
  }
  png.data = data;
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}

/** PNG of the probe image itself. */
export function inputPng(image: Float32Array, h: number, w: number, opts: PngOptions = {}): Uint8Array {
  return encodeRgbPng(inputRgb(image, h, w), h, w, opts.scale ?? upscaleFactor(h, w));
}

/** PNG of the heatmap alone in JET colours. */
export function mapPng(map: Float32Array, h: number, w: number, opts: PngOptions = {}): Uint8Array {
  return encodeRgbPng(mapRgb(map, h, w), h, w, opts.scale ?? upscaleFactor(h, w));
}

/** PNG of 0.5·RGB + 0.5·JET(255·M). */
export function overlayPng(image: Float32Array, map: Float32Array, h: number, w: number, opts: PngOptions = {}): Uint8Array {
  return encodeRgbPng(overlayRgb(image, map, h, w), h, w, opts.scale ?? upscaleFactor(h, w));
}

/** Overlay PNG of |teacher − student| Grad-CAM: where the two models look at different places. */
export function differencePng(image: Float32Array, teacherMap: Float32Array, studentMap: Float32Array, h: number, w: number, opts: PngOptions = {}): Uint8Array {
  return overlayPng(image, absDifference(teacherMap, studentMap), h, w, opts);
}

/** Image i's slice of an N×H×W×C array (a view, no copy). */
export function imageSlice(all: Float32Array, i: number, h: number, w: number, channels: number): Float32Array {
  const size = h * w * channels;
  return all.subarray(i * size, (i + 1) * size);
}

/** True when a map has no positive value: Grad-CAM/UniCAM found "no positive evidence" (spec §2.7). */
export function isEmptyMap(map: Float32Array): boolean {
  for (let k = 0; k < map.length; k++) if (map[k] > 0) return false;
  return true;
}

/** A file-name-safe stem of a probe id (user data: "cats/IMG 01.png" → "IMG_01", "npz[3]" → "npz_3"). */
export function safeStem(id: string): string {
  const base = id.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.[A-Za-z0-9]{1,5}$/, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|_+$/g, '');
  return stem.slice(0, 40) || 'image';
}

/** Relative file name (inside the report folder) of image i's picture: heatmaps/<index>-<stem>_<name>.png. */
export function heatmapFileName(i: number, n: number, id: string, name: MapName | 'input'): string {
  const digits = String(Math.max(1, n - 1)).length;
  return `heatmaps/${String(i).padStart(digits, '0')}-${safeStem(id)}_${name}.png`;
}

export interface WriteHeatmapsOptions extends PngOptions {
  /** Probe indices to draw (default: all). */
  readonly images?: readonly number[];
}

/**
 * Writes heatmaps/<image>_input.png and one overlay per map set in the bundle, for every selected
 * image, and returns the relative paths per image (ReportJson.heatmaps).
 */
export function writeHeatmapPngs(bundle: ReportBundle, outDir: string, opts: WriteHeatmapsOptions = {}): ReportJson['heatmaps'] {
  const { n, height: h, width: w, ids } = bundle.json.probe;
  if (bundle.images.length !== n * h * w * 3) throw new KdInputError('bad-shape', `report images: ${bundle.images.length} values, expected ${n}×${h}×${w}×3`);
  const names = (Object.keys(bundle.maps) as MapName[]).filter((k) => bundle.maps[k] !== undefined).sort();
  for (const name of names) {
    const m = bundle.maps[name] as Float32Array;
    if (m.length !== n * h * w) throw new KdInputError('bad-shape', `report map ${name}: ${m.length} values, expected ${n}×${h}×${w}`);
  }
  const scale = opts.scale ?? upscaleFactor(h, w);
  fs.mkdirSync(path.join(outDir, 'heatmaps'), { recursive: true });
  const chosen = opts.images ?? Array.from({ length: n }, (_, i) => i);
  return chosen.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new KdInputError('bad-argument', `heatmaps: image index ${i} is outside the probe (n = ${n})`);
    const id = ids[i] ?? `#${i}`;
    const image = imageSlice(bundle.images, i, h, w, 3);
    const files: Partial<Record<MapName | 'input', string>> = {};
    const put = (name: MapName | 'input', bytes: Uint8Array): void => {
      const rel = heatmapFileName(i, n, id, name);
      fs.writeFileSync(path.join(outDir, rel), bytes);
      files[name] = rel;
    };
    put('input', inputPng(image, h, w, { scale }));
    for (const name of names) put(name, overlayPng(image, imageSlice(bundle.maps[name] as Float32Array, i, h, w, 1), h, w, { scale }));
    return { image: i, id, files };
  });
}
