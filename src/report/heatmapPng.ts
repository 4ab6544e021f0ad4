// Heatmap PNGs of the report: input, map and overlay pictures (pixels from src/core/present/overlay.ts,
// shared with the panel), upscaled for small probes, and the heatmaps/ folder writer. Imported by the
// report's HTML writer and file renderer, and tests.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../core/errors';
import { absDifference, plane } from '../core/present/heatmapOps';
import { inputRgb, mapRgb, overlayRgb } from '../core/present/overlay';
import { encodePngRgb } from './pngEncode';
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

/** Encodes H×W×3 bytes as an RGB PNG, upscaled by an integer factor with nearest neighbour. */
export function encodeRgbPng(rgb: Uint8Array, h: number, w: number, scale = 1): Uint8Array {
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new KdInputError('bad-argument', `PNG upscale factor must be an integer in 1..64, got ${scale}`);
  if (rgb.length !== h * w * 3) throw new KdInputError('bad-shape', `PNG: ${rgb.length} bytes for a ${h}×${w} RGB image`);
  return encodePngRgb(rgb, h, w, scale);
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
    const image = plane(bundle.images, i, h * w * 3);
    const files: Partial<Record<MapName | 'input', string>> = {};
    const put = (name: MapName | 'input', bytes: Uint8Array): void => {
      const rel = heatmapFileName(i, n, id, name);
      fs.writeFileSync(path.join(outDir, rel), bytes);
      files[name] = rel;
    };
    put('input', inputPng(image, h, w, { scale }));
    for (const name of names) put(name, overlayPng(image, plane(bundle.maps[name] as Float32Array, i, h * w), h, w, { scale }));
    return { image: i, id, files };
  });
}
