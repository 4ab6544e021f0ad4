// UnsortedSegmentSum for backends without it (wasm 4.22): the kernel behind the gradient of tf.gather.
// Registered by src/worker/kernels/wasmPatches.ts only; tests import it directly.
import { util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';

/**
 * out[s, ...] = sum of x[i, ...] over the positions i (the leading segmentIds.rank axes of x, flattened)
 * whose id is s. Ids outside [0, numSegments) are dropped, as in TensorFlow and the cpu kernel. A plain
 * scatter-add over the heap: O(size(x)), where the cpu kernel's mask-per-segment is O(size(x) * numSegments).
 */
export const unsortedSegmentSumKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend; // KernelFunc types it as {}
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const rows = util.sizeFromShape(segmentIds.shape);
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const width = util.sizeFromShape(rowShape);
  const ids = backend.readSync(segmentIds.dataId) as Int32Array | Float32Array;
  const values = backend.readSync(x.dataId) as Float32Array | Int32Array;
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * width) : new Float32Array(numSegments * width);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (!(s >= 0 && s < numSegments)) continue;
    const src = i * width;
    const dst = s * width;
    for (let j = 0; j < width; j++) out[dst + j] += values[src + j];
  }
  const shape = [numSegments, ...rowShape];
  return { dataId: backend.write(out, shape, x.dtype), shape, dtype: x.dtype };
};
