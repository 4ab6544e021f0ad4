// The .safetensors format (Hugging Face): an unsigned 64-bit little-endian header length N, N bytes of JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}), then the raw little-endian data.
// N is bounded before the header is decoded, every tensor's offsets and byte count are checked against the
// data section before anything is copied. docs/methods.md "PyTorch checkpoints".
import path from 'node:path';
import { KdInputError } from '../../../core/errors';
import { ELEMENT_BYTES, MAX_TENSOR_ELEMENTS, widen } from './elements';
import type { StateDict, StateDtype, StateTensor } from './stateDict';

/** The safetensors library refuses headers over 100 MB; so do we (before decoding a byte of it). */
export const MAX_HEADER_BYTES = 100_000_000;

const DTYPES: Record<string, StateDtype> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I64: 'int64', I32: 'int32', I16: 'int16',
  I8: 'int8', U8: 'uint8', BOOL: 'bool',
};

/** True when the bytes look like a safetensors file: a plausible header length followed by '{'. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9 || bytes[8] !== 0x7b) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n >= 2n;
}

function headerOf(bytes: Uint8Array, base: string): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) throw new KdInputError('bad-file', `${base}: too short for a safetensors file`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) throw new KdInputError('bad-file', `${base}: safetensors header length ${n} exceeds the file (${bytes.length} bytes)`);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new KdInputError('unsupported', `${base}: safetensors header of ${n} bytes (over ${MAX_HEADER_BYTES})`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(n))));
  } catch (err) {
    throw new KdInputError('bad-file', `${base}: safetensors header is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new KdInputError('bad-file', `${base}: safetensors header is not a JSON object`);
  return { header: header as Record<string, unknown>, dataStart: 8 + Number(n) };
}

function readEntry(data: Uint8Array, name: string, entry: unknown, base: string): StateTensor {
  const what = `${base}: tensor '${name}'`;
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const dtype = typeof e?.dtype === 'string' ? DTYPES[e.dtype] : undefined;
  if (!dtype) throw new KdInputError('unsupported', `${what} has dtype ${JSON.stringify(e?.dtype)} (read: ${Object.keys(DTYPES).join(', ')})`);
  const shape = e.shape;
  const offsets = e.data_offsets;
  const isInts = (v: unknown, n?: number): v is number[] => Array.isArray(v) && (n === undefined || v.length === n) && v.every((x) => Number.isSafeInteger(x) && x >= 0);
  if (!isInts(shape) || !isInts(offsets, 2)) throw new KdInputError('bad-file', `${what}: shape or data_offsets are not non-negative integers`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > MAX_TENSOR_ELEMENTS) throw new KdInputError('unsupported', `${what}: shape [${shape.join(', ')}] exceeds ${MAX_TENSOR_ELEMENTS} elements per tensor`);
  const [begin, end] = offsets;
  if (begin > end || end > data.length) throw new KdInputError('bad-file', `${what}: data_offsets [${begin}, ${end}] lie outside the ${data.length}-byte data section`);
  if (end - begin !== count * ELEMENT_BYTES[dtype]) {
    throw new KdInputError('bad-file', `${what}: shape [${shape.join(', ')}] ${dtype} needs ${count * ELEMENT_BYTES[dtype]} bytes, data_offsets give ${end - begin}`);
  }
  return { dtype, shape, values: widen(dtype, data.subarray(begin, end), count) };
}

/** Reads every tensor of a .safetensors file (header order; `__metadata__` skipped). */
export function readSafetensors(bytes: Uint8Array, file: string): StateDict {
  const base = path.basename(file);
  const { header, dataStart } = headerOf(bytes, base);
  const data = bytes.subarray(dataStart);
  const tensors = new Map<string, StateTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name !== '__metadata__') tensors.set(name, readEntry(data, name, entry, base));
  }
  return { file, format: 'safetensors', container: '', tensors };
}
