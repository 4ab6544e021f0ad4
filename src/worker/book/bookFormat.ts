// The teacher book's file format (docs/architecture.md "Teacher book"): an 8-byte magic, the header's
// byte length (uint32 LE) and 4 reserved bytes, a JSON header (shapes, array lengths, a sha256 of the
// data), padding to 8 bytes, then the result's arrays as raw little-endian floats, each padded to 8
// bytes — Float32 where the ForwardResult holds Float32, Float64 where it holds Float64, so a result read
// back is bit-identical to the one written.
import { createHash } from 'node:crypto';
import os from 'node:os';
import type { ForwardResult } from '../forward';

export const BOOK_MAGIC = 'KDLBOOK\0';
/** Magic + header length + reserved. */
export const PREAMBLE_BYTES = 16;
/** A header beyond this is not one we wrote (a few stages' names and shapes take a few kB). */
export const MAX_HEADER_BYTES = 1 << 20;

type Dtype = 'f32' | 'f64';
type FloatArray = Float32Array | Float64Array;

interface ArrayEntry {
  readonly dtype: Dtype;
  readonly length: number;
}

/** What the header records; array fields are indices into `arrays`, in file order. */
export interface BookHeader {
  readonly version: number;
  readonly key: string;
  readonly engine: ForwardResult['engine'];
  readonly n: number;
  readonly numClasses: number;
  readonly arrays: readonly ArrayEntry[];
  readonly sha256: string;
  readonly logits: number;
  readonly features: ReadonlyArray<{ readonly stage: string; readonly shape: readonly number[]; readonly raw: number | null; readonly normalised: number | null }>;
  readonly target: { readonly k: number; readonly h: number; readonly w: number; readonly data: number };
  readonly pooled: { readonly cols: number; readonly data: number };
  readonly gradcam: { readonly pred: number; readonly true: number } | null;
}

export const align8 = (x: number): number => Math.ceil(x / 8) * 8;
const bytesPer = (d: Dtype): number => (d === 'f32' ? 4 : 8);

/** Bytes of the data section the header's arrays take. */
export function dataBytes(arrays: readonly ArrayEntry[]): number {
  return arrays.reduce((sum, a) => sum + align8(a.length * bytesPer(a.dtype)), 0);
}

/** The file's bytes, in pieces to write one after another. */
export function encodeBook(result: ForwardResult, key: string, version: number): Uint8Array[] {
  const arrays: FloatArray[] = [];
  const add = (a: FloatArray | null): number | null => (a ? arrays.push(a) - 1 : null);
  const logits = add(result.logits) as number;
  const features = [...result.features].map(([stage, f]) => ({ stage, shape: [...f.shape], raw: add(f.grams.raw), normalised: add(f.grams.normalised) }));
  const target = { k: result.target.k, h: result.target.h, w: result.target.w, data: add(result.target.data) as number };
  const pooled = { cols: result.pooled.cols, data: add(result.pooled.data) as number };
  const gradcam = result.gradcam ? { pred: add(result.gradcam.pred) as number, true: add(result.gradcam.true) as number } : null;
  const data = arrays.flatMap((a) => {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    return [bytes, new Uint8Array(align8(a.byteLength) - a.byteLength)];
  });
  const hash = createHash('sha256');
  for (const part of data) hash.update(part);
  const header: BookHeader = {
    version,
    key,
    engine: result.engine,
    n: result.target.n,
    numClasses: result.numClasses,
    arrays: arrays.map((a) => ({ dtype: a instanceof Float64Array ? 'f64' : 'f32', length: a.length })),
    sha256: hash.digest('hex'),
    logits,
    features,
    target,
    pooled,
    gradcam,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.alloc(align8(PREAMBLE_BYTES + json.length) - json.length);
  preamble.write(BOOK_MAGIC, 0, 'latin1');
  preamble.writeUInt32LE(json.length, 8);
  return [preamble.subarray(0, PREAMBLE_BYTES), json, preamble.subarray(PREAMBLE_BYTES), ...data];
}

/** Why the header does not describe a result we wrote for `key`, or null when it does. */
export function headerProblem(h: BookHeader, key: string, version: number): string | null {
  if (os.endianness() !== 'LE') return 'big-endian machine';
  if (h.version !== version) return 'version ' + String(h.version);
  if (h.key !== key) return 'key mismatch';
  if (h.engine !== 'onnxruntime' && h.engine !== 'tfjs') return 'unknown engine';
  const count = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0;
  if (!count(h.n) || !count(h.numClasses) || !Array.isArray(h.arrays)) return 'bad sizes';
  if (!h.arrays.every((a) => (a.dtype === 'f32' || a.dtype === 'f64') && count(a.length))) return 'bad array table';
  if (!Array.isArray(h.features) || typeof h.target !== 'object' || typeof h.pooled !== 'object') return 'bad layout';
  return shapeProblem(h);
}

/** Each array's length against the shapes the header gives, or null when they agree. */
function shapeProblem(h: BookHeader): string | null {
  const expect = (i: number | null, dtype: Dtype, length: number): boolean => i === null || (Number.isInteger(i) && h.arrays[i]?.dtype === dtype && h.arrays[i].length === length);
  const { n, target, pooled, gradcam } = h;
  if (!expect(h.logits, 'f32', n * h.numClasses)) return 'logits size';
  if (!expect(target.data, 'f32', n * target.k * target.h * target.w)) return 'target size';
  if (!expect(pooled.data, 'f64', n * pooled.cols)) return 'pooled size';
  if (!h.features.every((f) => f.shape[0] === n && expect(f.raw, 'f64', n * n) && expect(f.normalised, 'f64', n * n))) return 'gram size';
  const alphas = gradcam ? (h.arrays[gradcam.pred]?.length ?? -1) : 0;
  if (gradcam && !(expect(gradcam.pred, 'f32', alphas) && expect(gradcam.true, 'f32', alphas))) return 'gradcam size';
  return null;
}

/** The result from a validated header and its data section (which the arrays then view, without copies). */
export function decodeBook(h: BookHeader, data: ArrayBuffer): ForwardResult | string {
  const hash = createHash('sha256').update(new Uint8Array(data)).digest('hex');
  if (hash !== h.sha256) return 'checksum mismatch';
  const views: FloatArray[] = [];
  let offset = 0;
  for (const a of h.arrays) {
    views.push(a.dtype === 'f32' ? new Float32Array(data, offset, a.length) : new Float64Array(data, offset, a.length));
    offset += align8(a.length * bytesPer(a.dtype));
  }
  const f32 = (i: number): Float32Array => views[i] as Float32Array;
  const f64 = (i: number | null): Float64Array | null => (i === null ? null : (views[i] as Float64Array));
  const { n } = h;
  return {
    engine: h.engine,
    logits: f32(h.logits),
    numClasses: h.numClasses,
    features: new Map(h.features.map((f) => [f.stage, { grams: { n, raw: f64(f.raw), normalised: f64(f.normalised) }, shape: f.shape }])),
    target: { data: f32(h.target.data), n, k: h.target.k, h: h.target.h, w: h.target.w },
    pooled: { rows: n, cols: h.pooled.cols, data: f64(h.pooled.data) as Float64Array },
    ...(h.gradcam ? { gradcam: { pred: f32(h.gradcam.pred), true: f32(h.gradcam.true) } } : {}),
  };
}
