// Probe set from a numpy .npz (np.savez / np.savez_compressed): x images, y labels, optional mask and
// classes. Unzips with fflate, parses members with src/core/npy.ts. Used by probeSet.ts only.
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { KdInputError } from '../../core/errors';
import { formatShape, parseNpy, toLabels } from '../../core/npy';
import type { NdArray } from '../../core/npy';
import { parseNpyStrings } from './npyText';
import { resizeHwc } from './pixels';
import type { ImageSize, ProbePixels, ProbeSource } from './probeSource';

const MEMBERS = ['x', 'y', 'mask', 'classes'] as const;

/** Plain number read of any numeric NdArray element (int64 beyond 2^53 is not a pixel value anyway). */
function num(arr: NdArray, i: number): number {
  const v = arr.data[i];
  return typeof v === 'bigint' ? Number(v) : v;
}

/**
 * Opens `file` and validates its members; pixels are converted later, for the sampled rows only.
 * x: N×H×W×C (C = 1 or 3), uint8 (÷255) or float in [0, 1]. y: N integer labels. mask (optional):
 * N×H×W or N×H×W×1; bool/float kept, uint8 with values above 1 read as 0-255 and ÷255. classes
 * (optional): 1-d numpy strings ('<U', '|S') or numbers.
 */
export async function openNpz(file: string, numClasses: number | undefined): Promise<ProbeSource> {
  const label = path.basename(file);
  const fail = (code: 'bad-file' | 'bad-shape' | 'unsupported' | 'not-finite', why: string): KdInputError =>
    new KdInputError(code, `${label}: ${why}`);
  const bytes = new Uint8Array(await fs.promises.readFile(file));
  let zip: Record<string, Uint8Array>;
  try {
    // Only the members we use are inflated: an npz can carry large extras (features, logits).
    zip = unzipSync(bytes, { filter: (f) => MEMBERS.some((m) => f.name === `${m}.npy` || f.name === m) });
  } catch (e) {
    throw fail('bad-file', `not a readable .npz (zip) archive (${e instanceof Error ? e.message : String(e)})`);
  }
  const member = (m: string): Uint8Array | undefined => zip[`${m}.npy`] ?? zip[m];
  const parse = (m: string, b: Uint8Array): NdArray => {
    try {
      return parseNpy(b);
    } catch (e) {
      throw fail('bad-file', `member '${m}': ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const xb = member('x');
  const yb = member('y');
  if (!xb || !yb) {
    const missing = [!xb && "'x' (images)", !yb && "'y' (labels)"].filter(Boolean).join(' and ');
    throw fail('bad-shape', `missing ${missing}; save with np.savez(path, x=images, y=labels)`);
  }
  const x = parse('x', xb);
  const s = x.shape;
  if (s.length !== 4 || (s[3] !== 1 && s[3] !== 3)) {
    const nchw = s.length === 4 && (s[1] === 1 || s[1] === 3) ? '; it looks NCHW: save x.transpose(0, 2, 3, 1)' : '';
    throw fail('bad-shape', `x must be N×H×W×C with C = 1 or 3, got shape ${formatShape(s)}${nchw}`);
  }
  const [n, h, w, c] = s;
  if (h === 0 || w === 0) throw fail('bad-shape', `x has empty images, shape ${formatShape(s)}`);
  let scale: number;
  if (x.dtype === 'uint8') scale = 1 / 255;
  else if (x.dtype === 'float32' || x.dtype === 'float64') {
    scale = 1;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < x.data.length; i++) {
      const v = x.data[i];
      if (!Number.isFinite(v)) throw fail('not-finite', `x holds ${v} at flat index ${i}`);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo < 0 || hi > 1) {
      throw fail('bad-file', `float x holds values in [${lo}, ${hi}]; expected raw images in [0, 1] (or uint8 0-255), not normalised ones`);
    }
  } else throw fail('unsupported', `x has dtype ${x.dtype}; save uint8 (0-255) or float32 in [0, 1]`);

  let labels: Int32Array;
  try {
    labels = toLabels(parse('y', yb));
  } catch (e) {
    throw new KdInputError('bad-labels', `${label}: y: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (labels.length !== n) throw fail('bad-shape', `x holds ${n} images but y holds ${labels.length} labels`);

  let mask: NdArray | undefined;
  let maskScale = 1;
  const mb = member('mask');
  if (mb) {
    mask = parse('mask', mb);
    const ms = mask.shape;
    const ok = (ms.length === 3 || (ms.length === 4 && ms[3] === 1)) && ms[0] === n && ms[1] === h && ms[2] === w;
    if (!ok) throw fail('bad-shape', `mask must be N×H×W = (${n}, ${h}, ${w}) to match x, got ${formatShape(ms)}`);
    if (mask.dtype === 'uint8' && mask.data.some((v) => v > 1)) maskScale = 1 / 255;
    for (let i = 0; i < mask.data.length; i++) {
      if (!Number.isFinite(num(mask, i))) throw fail('not-finite', `mask holds ${num(mask, i)} at flat index ${i}`);
    }
  }

  const warnings: string[] = [];
  let classes: string[];
  const cb = member('classes');
  if (cb) {
    let names: string[] | undefined;
    try {
      names = parseNpyStrings(cb, `${label}: member 'classes'`);
    } catch (e) {
      throw e instanceof KdInputError ? e : fail('bad-file', `member 'classes' is unreadable`);
    }
    if (!names) {
      if (/'descr'\s*:\s*'\|O'/.test(String.fromCharCode(...cb.subarray(0, Math.min(cb.length, 256))))) {
        throw fail('unsupported', "classes is an object array; save np.array(classes, dtype=str)");
      }
      const arr = parse('classes', cb);
      names = Array.from({ length: arr.data.length }, (_, i) => String(num(arr, i)));
    }
    classes = names;
    if (numClasses !== undefined && classes.length !== numClasses) {
      warnings.push(`${label}: classes lists ${classes.length} names but the model has ${numClasses} classes`);
    }
  } else {
    let maxLabel = -1;
    for (const v of labels) maxLabel = Math.max(maxLabel, v);
    const k = Math.max(numClasses ?? 0, maxLabel + 1);
    classes = Array.from({ length: k }, (_, i) => String(i));
  }

  const read = async (indices: Int32Array, size: ImageSize | undefined, signal?: AbortSignal): Promise<ProbePixels> => {
    const H = size?.height ?? h;
    const W = size?.width ?? w;
    const images = new Float32Array(indices.length * H * W * 3);
    const masks = mask ? new Float32Array(indices.length * H * W) : undefined;
    const rgb = new Float32Array(h * w * 3);
    const plane = new Float32Array(h * w);
    for (let k = 0; k < indices.length; k++) {
      signal?.throwIfAborted();
      const base = indices[k] * h * w * c;
      for (let p = 0; p < h * w; p++) {
        for (let ch = 0; ch < 3; ch++) rgb[p * 3 + ch] = (x.data[base + p * c + (c === 1 ? 0 : ch)] as number) * scale;
      }
      images.set(resizeHwc(rgb, h, w, 3, H, W), k * H * W * 3);
      if (mask && masks) {
        for (let p = 0; p < h * w; p++) plane[p] = num(mask, indices[k] * h * w + p) * maskScale;
        masks.set(resizeHwc(plane, h, w, 1, H, W), k * H * W);
      }
    }
    return { height: H, width: W, images, masks };
  };

  return { kind: 'npz', classes, labels, warnings, id: (i) => `npz[${i}]`, read };
}
