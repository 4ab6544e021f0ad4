// What a TF.js weights manifest says its shards must hold: bytes per stored dtype and the byte length of
// one manifest group. One table for the host's checkpoint watcher (is this checkpoint completely
// written?) and the worker's shard reader (is this shard truncated?), so both judge a file the same way.
// Pure: the host may not import worker code.

/**
 * Bytes per element as stored in a shard. TF.js's own table (tfjs-core `io/types.ts`
 * DTYPE_VALUE_SIZE_MAP: float32, float16, int32, uint16, uint8, bool, complex64) plus int8, which some
 * converters write as a quantization dtype; quantized weights are stored in their quantization dtype.
 * `string` is absent on purpose: its stored length depends on the strings, not the shape.
 */
export const TFJS_DTYPE_BYTES: Readonly<Record<string, number>> = Object.freeze({
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
  int8: 1,
});

/** Bytes per element of a dtype name, or undefined when unknown (own keys only: "constructor" is no dtype). */
export function dtypeBytes(dtype: unknown): number | undefined {
  return typeof dtype === 'string' && Object.hasOwn(TFJS_DTYPE_BYTES, dtype) ? TFJS_DTYPE_BYTES[dtype] : undefined;
}

/** A manifest entry as read from a model.json: nothing trusted until checked. */
interface WeightSpecLike {
  readonly shape?: unknown;
  readonly dtype?: unknown;
  readonly quantization?: { readonly dtype?: unknown } | null;
}

/** Element count of a shape of non-negative integers; undefined when the shape is not one. */
function elementCount(shape: unknown): number | undefined {
  if (!Array.isArray(shape)) return undefined;
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) return undefined;
    n *= d;
  }
  return n;
}

/** Bytes one weight occupies in its shard; undefined when it cannot be known up front (strings, bad shape). */
export function weightByteLength(entry: unknown): number | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const spec = entry as WeightSpecLike;
  const n = elementCount(spec.shape);
  const bytes = dtypeBytes(spec.quantization?.dtype ?? spec.dtype);
  return n === undefined || bytes === undefined ? undefined : n * bytes;
}

/** Bytes a manifest group's shards hold together: the sum over its weights; undefined if any is unknown. */
export function groupByteLength(weights: readonly unknown[]): number | undefined {
  let total = 0;
  for (const w of weights) {
    const b = weightByteLength(w);
    if (b === undefined) return undefined;
    total += b;
  }
  return total;
}
