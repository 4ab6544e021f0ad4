// Storage bytes → a StateTensor: the element sizes of each dtype, the bounds check of a strided view against
// its storage (done before anything is allocated), the gather into contiguous little-endian bytes and the
// widening to float32. Shared by torchZip.ts, torchLegacy.ts and safetensors.ts (docs/methods.md
// "PyTorch checkpoints").
import { KdInputError } from '../../../core/errors';
import { halfToFloat32 } from '../../../core/npy';
import type { StateDtype, StateTensor } from './stateDict';

export const ELEMENT_BYTES: Record<StateDtype, number> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** One tensor's elements at most (1 GiB as float32): far above any model KD Lens can run, refused before allocating. */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

/** A strided view of a storage, as torch's _rebuild_tensor_v2 describes it (in elements). */
export interface StorageView {
  readonly offset: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}

/**
 * The view's element count, after checking that every index it reaches lies inside a storage of `numel`
 * elements: sizes, strides and offset non-negative, count ≤ MAX_TENSOR_ELEMENTS. `what` names the tensor.
 */
export function checkView(view: StorageView, numel: number, what: string): number {
  const { offset, size, stride } = view;
  if (size.length !== stride.length) throw new KdInputError('bad-file', `${what}: size has ${size.length} dims, stride ${stride.length}`);
  if ([offset, ...size, ...stride].some((v) => !Number.isSafeInteger(v) || v < 0)) {
    throw new KdInputError('bad-file', `${what}: negative or out-of-range size/stride/offset (size [${size.join(', ')}], stride [${stride.join(', ')}], offset ${offset})`);
  }
  let count = 1;
  for (const s of size) {
    count *= s;
    if (count > MAX_TENSOR_ELEMENTS) throw new KdInputError('unsupported', `${what}: shape [${size.join(', ')}] exceeds ${MAX_TENSOR_ELEMENTS} elements per tensor`);
  }
  if (count === 0) return 0;
  let last = offset;
  for (let d = 0; d < size.length; d++) {
    last += (size[d] - 1) * stride[d];
    if (last >= numel) break;
  }
  if (last >= numel) {
    throw new KdInputError('bad-file', `${what}: view (offset ${offset}, size [${size.join(', ')}], stride [${stride.join(', ')}]) reaches past its storage of ${numel} elements`);
  }
  return count;
}

/** True when the view is the row-major run [offset, offset + count). */
function isContiguous(view: StorageView): boolean {
  let expected = 1;
  for (let d = view.size.length - 1; d >= 0; d--) {
    if (view.size[d] !== 1 && view.stride[d] !== expected) return false;
    expected *= view.size[d];
  }
  return true;
}

/** The view's elements, row-major, as little-endian bytes in a fresh (aligned) buffer. */
function gatherBytes(storage: Uint8Array, elem: number, view: StorageView, count: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(count * elem);
  if (isContiguous(view)) out.set(storage.subarray(view.offset * elem, (view.offset + count) * elem));
  else gatherStrided(storage, elem, view, out);
  if (!littleEndian && elem > 1) {
    for (let i = 0; i < out.length; i += elem) out.subarray(i, i + elem).reverse();
  }
  return out;
}

/** Odometer over the view's index space, copying one element at a time. */
function gatherStrided(storage: Uint8Array, elem: number, view: StorageView, out: Uint8Array): void {
  const { size, stride } = view;
  const idx = new Array<number>(size.length).fill(0);
  let src = view.offset;
  for (let o = 0; o < out.length; o += elem) {
    out.set(storage.subarray(src * elem, src * elem + elem), o);
    for (let d = size.length - 1; d >= 0; d--) {
      if (++idx[d] < size[d]) {
        src += stride[d];
        break;
      }
      src -= (size[d] - 1) * stride[d];
      idx[d] = 0;
    }
  }
}

/**
 * Contiguous little-endian elements of `dtype` → float32 (float16/bfloat16 exactly; int64 exact below 2^24).
 * A view into a larger buffer is copied first, so the result is aligned and never keeps a whole file alive.
 */
export function widen(dtype: StateDtype, le: Uint8Array, count: number): Float32Array {
  const buf = le.byteOffset === 0 && le.byteLength === le.buffer.byteLength ? le.buffer : le.slice().buffer;
  const at = 0;
  switch (dtype) {
    case 'float32': return new Float32Array(buf, at, count);
    case 'float16': return halfToFloat32(new Uint16Array(buf, at, count));
    case 'bfloat16': {
      const bits = new Uint16Array(buf, at, count);
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = bits[i] << 16;
      return new Float32Array(out.buffer);
    }
    case 'float64': return Float32Array.from(new Float64Array(buf, at, count));
    case 'int64': return Float32Array.from(new BigInt64Array(buf, at, count), Number);
    case 'int32': return Float32Array.from(new Int32Array(buf, at, count));
    case 'int16': return Float32Array.from(new Int16Array(buf, at, count));
    case 'int8': return Float32Array.from(new Int8Array(buf, at, count));
    case 'uint8': return Float32Array.from(new Uint8Array(buf, at, count));
    case 'bool': return Float32Array.from(new Uint8Array(buf, at, count), (b) => (b ? 1 : 0));
  }
}

/** A tensor from its storage's bytes (`numel` elements of `dtype`), bounds-checked before allocating. */
export function tensorFromStorage(storage: Uint8Array, dtype: StateDtype, numel: number, view: StorageView, littleEndian: boolean, what: string): StateTensor {
  const count = checkView(view, numel, what);
  const values = widen(dtype, gatherBytes(storage, ELEMENT_BYTES[dtype], view, count, littleEndian), count);
  return { dtype, shape: [...view.size], values };
}
