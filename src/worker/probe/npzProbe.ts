// Probe set from a numpy .npz (np.savez / np.savez_compressed): x images, y labels, optional mask and
// classes. Members are read with the ZIP reader that checks sizes before inflating and CRC-32 after
// (a flipped label byte is an error, as numpy's "Bad CRC-32", not a silently different accuracy); members
// are parsed with src/core/npy.ts. Used by probeSet.ts only.
import path from 'node:path';
import { KdInputError } from '../../core/errors';
import { formatShape, parseNpy, toLabels } from '../../core/npy';
import type { NdArray } from '../../core/npy';
import { parseNpyStrings } from './npyText';
import { probeSizeFor, resizeHwc } from './pixels';
import type { ImageSize, ProbePixels, ProbeSource } from './probeSource';
import { readUserFileAsync } from '../files/userFiles';
import { openZip } from '../files/zipArchive';

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
  const bytes = await readUserFileAsync(file, { what: 'probe .npz', maxBytes: 'probeMB' });
  const archive = unzipArchive(path.basename(file), new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { xb, yb } = requiredMembers(archive);
  const images = readImages(archive, xb);
  const labels = readLabels(archive, yb, images.n);
  const mask = readMask(archive, images);
  const { classes, warnings } = readClasses(archive, labels, numClasses);
  const read = pixelReader(images, mask);
  return { kind: 'npz', classes, labels, warnings, id: (i) => `npz[${i}]`, read };
}

type FailCode = 'bad-file' | 'bad-shape' | 'unsupported' | 'not-finite';

/** The inflated members of one .npz, with errors that name the file. */
interface Archive {
  readonly label: string;
  member(m: string): Uint8Array | undefined;
  /** parseNpy, with a failure naming the member. */
  parse(m: string, b: Uint8Array): NdArray;
  fail(code: FailCode, why: string): KdInputError;
}

/** x as validated: the array, its N×H×W×C shape, and the factor that takes its values to [0, 1]. */
interface Images {
  readonly x: NdArray;
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly scale: number;
}

/** The optional mask and the factor that takes its values to [0, 1]. */
interface Mask {
  readonly mask: NdArray;
  readonly scale: number;
}

function unzipArchive(label: string, bytes: Uint8Array): Archive {
  const fail = (code: FailCode, why: string): KdInputError => new KdInputError(code, `${label}: ${why}`);
  // Only the members used are inflated (an npz can carry large extras: features, logits), each once.
  const zip = openZip(bytes, label);
  const inflated = new Map<string, Uint8Array | undefined>();
  const member = (m: string): Uint8Array | undefined => {
    if (!MEMBERS.includes(m as (typeof MEMBERS)[number])) return undefined;
    if (!inflated.has(m)) inflated.set(m, zip.read(m + '.npy') ?? zip.read(m));
    return inflated.get(m);
  };
  return {
    label,
    fail,
    member,
    parse: (m, b) => {
      try {
        return parseNpy(b);
      } catch (e) {
        throw fail('bad-file', `member '${m}': ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

/** x and y, or one error naming both when both are missing. */
function requiredMembers(archive: Archive): { xb: Uint8Array; yb: Uint8Array } {
  const xb = archive.member('x');
  const yb = archive.member('y');
  if (!xb || !yb) {
    const missing = [!xb && "'x' (images)", !yb && "'y' (labels)"].filter(Boolean).join(' and ');
    throw archive.fail('bad-shape', `missing ${missing}; save with np.savez(path, x=images, y=labels)`);
  }
  return { xb, yb };
}

function readImages(archive: Archive, xb: Uint8Array): Images {
  const { fail } = archive;
  const x = archive.parse('x', xb);
  const s = x.shape;
  if (s.length !== 4 || (s[3] !== 1 && s[3] !== 3)) {
    const nchw = s.length === 4 && (s[1] === 1 || s[1] === 3) ? '; it looks NCHW: save x.transpose(0, 2, 3, 1)' : '';
    throw fail('bad-shape', `x must be N×H×W×C with C = 1 or 3, got shape ${formatShape(s)}${nchw}`);
  }
  const [n, h, w, c] = s;
  if (h === 0 || w === 0) throw fail('bad-shape', `x has empty images, shape ${formatShape(s)}`);
  return { x, n, h, w, c, scale: pixelScale(archive, x) };
}

/** uint8 is 0-255; float must already be in [0, 1] (normalised images would be normalised twice). */
function pixelScale(archive: Archive, x: NdArray): number {
  const { fail } = archive;
  if (x.dtype === 'uint8') return 1 / 255;
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw fail('unsupported', `x has dtype ${x.dtype}; save uint8 (0-255) or float32 in [0, 1]`);
  }
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
  return 1;
}

function readLabels(archive: Archive, yb: Uint8Array, n: number): Int32Array {
  let labels: Int32Array;
  try {
    labels = toLabels(archive.parse('y', yb));
  } catch (e) {
    throw new KdInputError('bad-labels', `${archive.label}: y: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (labels.length !== n) throw archive.fail('bad-shape', `x holds ${n} images but y holds ${labels.length} labels`);
  return labels;
}

/** The mask member if present; it must cover x image by image, pixel by pixel. */
function readMask(archive: Archive, { n, h, w }: Images): Mask | undefined {
  const { fail } = archive;
  const mb = archive.member('mask');
  if (!mb) return undefined;
  const mask = archive.parse('mask', mb);
  const ms = mask.shape;
  const ok = (ms.length === 3 || (ms.length === 4 && ms[3] === 1)) && ms[0] === n && ms[1] === h && ms[2] === w;
  if (!ok) throw fail('bad-shape', `mask must be N×H×W = (${n}, ${h}, ${w}) to match x, got ${formatShape(ms)}`);
  // A uint8 mask with values above 1 was saved as 0-255 (an image), not 0/1.
  const scale = mask.dtype === 'uint8' && mask.data.some((v) => v > 1) ? 1 / 255 : 1;
  for (let i = 0; i < mask.data.length; i++) {
    if (!Number.isFinite(num(mask, i))) throw fail('not-finite', `mask holds ${num(mask, i)} at flat index ${i}`);
  }
  return { mask, scale };
}

/** Class names from the classes member, else 0…k−1 with k covering both the model and the labels. */
function readClasses(
  archive: Archive,
  labels: Int32Array,
  numClasses: number | undefined,
): { classes: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const cb = archive.member('classes');
  if (!cb) {
    let maxLabel = -1;
    for (const v of labels) maxLabel = Math.max(maxLabel, v);
    const k = Math.max(numClasses ?? 0, maxLabel + 1);
    return { classes: Array.from({ length: k }, (_, i) => String(i)), warnings };
  }
  const classes = classNames(archive, cb);
  if (numClasses !== undefined && classes.length !== numClasses) {
    warnings.push(`${archive.label}: classes lists ${classes.length} names but the model has ${numClasses} classes`);
  }
  return { classes, warnings };
}

/** numpy strings as they are; numbers as their decimal text; object arrays (pickles) refused. */
function classNames(archive: Archive, cb: Uint8Array): string[] {
  const { fail, label } = archive;
  let names: string[] | undefined;
  try {
    names = parseNpyStrings(cb, `${label}: member 'classes'`);
  } catch (e) {
    throw e instanceof KdInputError ? e : fail('bad-file', `member 'classes' is unreadable`);
  }
  if (names) return names;
  if (/'descr'\s*:\s*'\|O'/.test(String.fromCharCode(...cb.subarray(0, Math.min(cb.length, 256))))) {
    throw fail('unsupported', "classes is an object array; save np.array(classes, dtype=str)");
  }
  const arr = archive.parse('classes', cb);
  return Array.from({ length: arr.data.length }, (_, i) => String(num(arr, i)));
}

/** Reads the sampled rows as RGB in [0, 1] (grey repeated to 3 channels) and their masks, resized to `size`. */
function pixelReader(images: Images, mask: Mask | undefined): ProbeSource['read'] {
  const { x, h, w, c, scale } = images;
  return async (indices: Int32Array, size: ImageSize | undefined, signal?: AbortSignal): Promise<ProbePixels> => {
    const { height: H, width: W } = size ?? probeSizeFor(h, w);
    const out = new Float32Array(indices.length * H * W * 3);
    const masks = mask ? new Float32Array(indices.length * H * W) : undefined;
    const rgb = new Float32Array(h * w * 3);
    const plane = new Float32Array(h * w);
    for (let k = 0; k < indices.length; k++) {
      signal?.throwIfAborted();
      const base = indices[k] * h * w * c;
      for (let p = 0; p < h * w; p++) {
        for (let ch = 0; ch < 3; ch++) rgb[p * 3 + ch] = (x.data[base + p * c + (c === 1 ? 0 : ch)] as number) * scale;
      }
      out.set(resizeHwc(rgb, h, w, 3, H, W), k * H * W * 3);
      if (mask && masks) {
        for (let p = 0; p < h * w; p++) plane[p] = num(mask.mask, indices[k] * h * w + p) * mask.scale;
        masks.set(resizeHwc(plane, h, w, 1, H, W), k * H * W);
      }
    }
    const cappedFrom = !size && (H !== h || W !== w) ? { height: h, width: w } : undefined;
    return { height: H, width: W, images: out, masks, ...(cappedFrom ? { cappedFrom } : {}) };
  };
}
