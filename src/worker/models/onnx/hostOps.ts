// Small CPU-side tensors of the ONNX executor: constants, shapes and the Shape/Gather/Concat/... chains
// exporters emit around Reshape, computed in plain JS so they never touch tfjs or a gradient tape.
// Imported by the ONNX reader folder only.
import { limitHint } from '../../../core/limits';
import { limits } from '../../files/limits';

/** 'float' values are float32 semantics, 'int' covers every ONNX integer type, 'bool' is 0/1. */
export type HostDtype = 'float' | 'int' | 'bool';

/** A C-order array held in JS: `data.length` = product of `shape` (1 for a scalar). */
export interface HostVal {
  readonly kind: 'host';
  readonly dtype: HostDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Throws the op's input error when an output of this shape would exceed the job's opElements limit (2^27 =
 * 512 MB of float32 by default, ~10× the largest activation of a 224-px model at a forward chunk of 16
 * images), or is not a shape. Ops whose output size comes from data (Range, ConstantOfShape, Expand, Tile,
 * Pad, Resize) check it before allocating: a model with Range(0, 1.5e8) took 1.6 GB and then failed with
 * V8's "Invalid array length" (or aborted the process under a smaller heap).
 */
export function checkOutputShape(shape: readonly number[], fail: (message: string) => Error): void {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw fail('output shape [' + shape.join(', ') + '] is not a shape');
  const n = sizeOf(shape);
  const max = limits().opElements;
  if (n > max) throw fail('output of ' + n.toExponential(2) + ' elements [' + shape.join(', ') + '] is above the limit of ' + max + ' elements per op (' + limitHint('opElements') + ')');
}

export function host(dtype: HostDtype, shape: readonly number[], data: ArrayLike<number>): HostVal {
  return { kind: 'host', dtype, shape: [...shape], data: dtype === 'float' ? Float32Array.from(data) : Float64Array.from(data) };
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** numpy broadcasting of two shapes; null when incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Index into `shape`-shaped data for each element of `out` under broadcasting. */
function broadcastIndex(shape: readonly number[], out: readonly number[]): Int32Array {
  const n = out.length;
  const strides = stridesOf(shape);
  const idx = new Int32Array(sizeOf(out));
  const pos = new Array<number>(n).fill(0);
  for (let k = 0; k < idx.length; k++) {
    let off = 0;
    for (let d = 0; d < n; d++) {
      const sd = d - (n - shape.length);
      if (sd >= 0 && shape[sd] !== 1) off += pos[d] * strides[sd];
    }
    idx[k] = off;
    for (let d = n - 1; d >= 0; d--) {
      if (++pos[d] < out[d]) break;
      pos[d] = 0;
    }
  }
  return idx;
}

export function hostBinary(a: HostVal, b: HostVal, fn: (x: number, y: number) => number, dtype: HostDtype): HostVal | null {
  const shape = broadcastShapes(a.shape, b.shape);
  if (!shape) return null;
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const out = new Array<number>(ia.length);
  for (let k = 0; k < ia.length; k++) out[k] = fn(a.data[ia[k]], b.data[ib[k]]);
  return host(dtype, shape, out);
}

export function hostUnary(a: HostVal, fn: (x: number) => number, dtype: HostDtype = a.dtype): HostVal {
  return host(dtype, a.shape, Array.from(a.data, fn));
}

/** numpy.broadcast_to. */
export function hostExpand(a: HostVal, shape: readonly number[]): HostVal {
  const idx = broadcastIndex(a.shape, shape);
  return host(a.dtype, shape, Array.from(idx, (i) => a.data[i]));
}

/** numpy.transpose(a, perm) on a host array (also used to re-lay weights at open time). */
export function permuteData(data: Float32Array | Float64Array, shape: readonly number[], perm: readonly number[]): Float32Array | Float64Array {
  const n = shape.length;
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const out = new (data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(data.length);
  const pos = new Array<number>(n).fill(0);
  const srcStride = perm.map((p) => inStrides[p]);
  let src = 0;
  for (let k = 0; k < data.length; k++) {
    out[k] = data[src];
    for (let d = n - 1; d >= 0; d--) {
      pos[d]++;
      src += srcStride[d];
      if (pos[d] < outShape[d]) break;
      src -= srcStride[d] * outShape[d];
      pos[d] = 0;
    }
  }
  return out;
}

export function hostTranspose(a: HostVal, perm: readonly number[]): HostVal {
  return { kind: 'host', dtype: a.dtype, shape: perm.map((p) => a.shape[p]), data: permuteData(a.data, a.shape, perm) };
}

export function hostConcat(parts: readonly HostVal[], axis: number): HostVal {
  const rank = parts[0].shape.length;
  const outer = sizeOf(parts[0].shape.slice(0, axis));
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis], 0);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const inner = sizeOf(p.shape.slice(axis, rank));
      for (let i = 0; i < inner; i++) out.push(p.data[o * inner + i]);
    }
  }
  return host(parts[0].dtype, shape, out);
}

/** numpy.take(a, indices, axis) with negative indices wrapped. */
export function hostGather(a: HostVal, indices: HostVal, axis: number): HostVal {
  const outer = sizeOf(a.shape.slice(0, axis));
  const dim = a.shape[axis];
  const inner = sizeOf(a.shape.slice(axis + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const raw of indices.data) {
      const j = raw < 0 ? raw + dim : raw;
      for (let i = 0; i < inner; i++) out.push(a.data[(o * dim + j) * inner + i]);
    }
  }
  return host(a.dtype, [...a.shape.slice(0, axis), ...indices.shape, ...a.shape.slice(axis + 1)], out);
}

/** Python-style slice a[starts:ends:steps] on the given axes (already clamped by the caller). */
export function hostSlice(a: HostVal, begin: readonly number[], size: readonly number[], step: readonly number[]): HostVal {
  const inStrides = stridesOf(a.shape);
  const total = sizeOf(size);
  const out = new Array<number>(total);
  const pos = new Array<number>(size.length).fill(0);
  for (let k = 0; k < total; k++) {
    let src = 0;
    for (let d = 0; d < size.length; d++) src += (begin[d] + pos[d] * step[d]) * inStrides[d];
    out[k] = a.data[src];
    for (let d = size.length - 1; d >= 0; d--) {
      if (++pos[d] < size[d]) break;
      pos[d] = 0;
    }
  }
  return host(a.dtype, size, out);
}
