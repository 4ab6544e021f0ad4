// Conv2DBackpropFilter (the weight gradient of conv2d) written as one forward convolution, so it runs
// on the backend's own fast Conv2D kernel (XNNPACK on wasm, where 4.22 has no such kernel).
// Registered by src/worker/kernels/wasmPatches.ts only; tests import it directly.
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelBackend, Conv2DBackpropFilterAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { withKernelCalls } from './kernelCalls';

/*
 * dW[a,b,i,o] = sum_{n,p,q} x[n, p*sh + a - top, q*sw + b - left, i] * dy[n, p, q, o].
 * Read as a convolution: batch = i (input channels), contraction channel = n (batch), filter = dy with
 * its Ho×Wo as the taps; taps step by the forward stride (dilation = (sh, sw)) while the output position
 * (a, b) steps by 1 (stride 1, since conv2d gradients require forward dilation 1). The forward top/left
 * padding carries over; bottom/right get what the Ho×Wo taps need, and any extra rows/columns a 'valid'
 * stride leaves over are sliced away.
 */
export function conv2dBackpropFilterKernel(backendName: string): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as KernelBackend; // KernelFunc types it as {}
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    const format = backend_util.convertConv2DDataFormat(dataFormat);
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      format,
    );
    const { inHeight, inWidth, outHeight, outWidth, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
    const { top, left } = info.padInfo;
    const channelsLast = format === 'channelsLast';

    return withKernelCalls(backend, backendName, (k) => {
      // x → [Ci, H, W, N]; dy → [Ho, Wo, N, Co] (HWIO filter layout).
      const xT = k.run('Transpose', { x }, { perm: channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0] });
      const dyT = k.run('Transpose', { x: dy }, { perm: channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1] });
      const bottom = Math.max(0, kh + (outHeight - 1) * sh - inHeight - top);
      const right = Math.max(0, kw + (outWidth - 1) * sw - inWidth - left);
      const conv = k.run(
        'Conv2D',
        { x: xT, filter: dyT },
        {
          strides: [1, 1],
          dilations: [sh, sw],
          pad: [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        },
      );
      k.free(xT);
      k.free(dyT);
      // conv is [Ci, kh', kw', Co] with kh' >= kh, kw' >= kw.
      let full = conv;
      if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
        full = k.run('Slice', { x: conv }, { begin: [0, 0, 0, 0], size: [conv.shape[0], kh, kw, conv.shape[3]] });
      }
      return k.run('Transpose', { x: full }, { perm: [1, 2, 0, 3] });
    });
  };
}
