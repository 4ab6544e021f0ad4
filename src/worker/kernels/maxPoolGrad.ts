// A correct MaxPoolGrad for the wasm backend (the stock 4.22 kernel is wrong, docs/methods.md §WASM kernel patches).
// Registered by src/worker/kernels/wasmPatches.ts only; tests import it directly.
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';

/*
 * Why not shift the input (add 1 - min(x) and call the stock kernel): measured on
 * 4.22, the stock kernel starts its running max at FLT_MIN (so a window whose max is <= 0 routes the
 * gradient to its first element) AND breaks ties with >= (last maximum wins) where cpu keeps the first.
 * Shifting fixes the first bug but turns every all-zero window after a relu into a tie that wasm sends
 * to the last element, cpu to the first; and a shift also merges nearby float32 values. This JS loop
 * reproduces the cpu kernel's choice exactly (first strict maximum in row-major window order, NaN never
 * chosen) and costs one pass over the windows.
 */
export const maxPoolGradKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend; // KernelFunc types it as {}
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  const x = backend.readSync(input.dataId) as Float32Array;
  const g = backend.readSync(dy.dataId) as Float32Array;
  const dx = new Float32Array(x.length);
  const best = new Float64Array(channels);
  const bestAt = new Int32Array(channels);
  const rowStride = inWidth * channels;
  const imageStride = inHeight * rowStride;

  let gi = 0; // dy is NHWC, walked in order
  for (let b = 0; b < batchSize; b++) {
    const xImage = b * imageStride;
    for (let yr = 0; yr < outHeight; yr++) {
      const r0 = yr * strideHeight - padTop;
      for (let yc = 0; yc < outWidth; yc++) {
        const c0 = yc * strideWidth - padLeft;
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let wr = 0; wr < fh; wr += dilationHeight) {
          const r = r0 + wr;
          if (r < 0 || r >= inHeight) continue;
          for (let wc = 0; wc < fw; wc += dilationWidth) {
            const c = c0 + wc;
            if (c < 0 || c >= inWidth) continue;
            const at = xImage + r * rowStride + c * channels;
            for (let d = 0; d < channels; d++) {
              const v = x[at + d];
              if (v > best[d]) {
                best[d] = v;
                bestAt[d] = at + d;
              }
            }
          }
        }
        for (let d = 0; d < channels; d++, gi++) if (bestAt[d] >= 0) dx[bestAt[d]] += g[gi];
      }
    }
  }
  // Gradients are float32 whatever the input dtype (the engine rejects anything else).
  return { dataId: backend.write(dx, input.shape, 'float32'), shape: input.shape, dtype: 'float32' };
};
