// The depthwise-conv gradient kernels tfjs-backend-wasm 4.22 lacks: ...BackpropInput (Grad-CAM below the
// last MobileNet/EfficientNet stage; stock kernels) and ...BackpropFilter (training; a direct loop).
// Registered by src/worker/kernels/wasmPatches.ts only; tests import it directly.
import { backend_util } from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelBackend,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { withKernelCalls } from './kernelCalls';

type Shape4 = [number, number, number, number];

/*
 * Input gradient, x: [N,H,W,C], filter f: [kh,kw,C,m], dy: [N,Ho,Wo,C*m]:
 *   dx[n,h,w,c] = sum_{q,a,b} dy[n,p,r,c*m+q] f[a,b,c,q]  where h = p*sh + a*dh - top (same for w).
 * Zero-insert dy (stride) and this is a stride-1 correlation of dy with the flipped filter, dilation
 * (dh, dw), front padding (kh-1)*dh - top: a depthwise conv over the C*m channels of dy with the flipped
 * filter reshaped to [kh,kw,C*m,1], then a sum over the m multipliers. Negative "padding" (explicit
 * forward pads larger than the kernel reach, or the trailing zeros of the zero insertion) becomes a slice.
 */
export function depthwiseBackpropInputKernel(backendName: string): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as KernelBackend; // KernelFunc types it as {}
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, true);
    const { batchSize: n, inHeight, inWidth, inChannels: c, outHeight, outWidth, outChannels } = info;
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: kh, filterWidth: kw } = info;
    const m = outChannels / c;

    return withKernelCalls(backend, backendName, (k) => {
      let z = dy;
      let lh = outHeight;
      let lw = outWidth;
      if (sh > 1 || sw > 1) {
        const r6 = k.run('Reshape', { x: dy }, { shape: [n, outHeight, 1, outWidth, 1, outChannels] });
        const p6 = k.run('PadV2', { x: r6 }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
        k.free(r6);
        lh = outHeight * sh;
        lw = outWidth * sw;
        z = k.run('Reshape', { x: p6 }, { shape: [n, lh, lw, outChannels] });
        k.free(p6);
      }
      // Padding around z so that a stride-1 pass of the (dilated) kernel yields exactly H×W outputs.
      let front = [(kh - 1) * dh - info.padInfo.top, (kw - 1) * dw - info.padInfo.left];
      let back = [inHeight + (kh - 1) * dh - front[0] - lh, inWidth + (kw - 1) * dw - front[1] - lw];
      if (front[0] < 0 || front[1] < 0 || back[0] < 0 || back[1] < 0) {
        const b0 = [Math.max(0, -front[0]), Math.max(0, -front[1])];
        const size = [lh - b0[0] - Math.max(0, -back[0]), lw - b0[1] - Math.max(0, -back[1])];
        z = k.run('Slice', { x: z }, { begin: [0, b0[0], b0[1], 0], size: [n, size[0], size[1], outChannels] });
        front = front.map((v) => Math.max(0, v));
        back = back.map((v) => Math.max(0, v));
      }
      const flipped = k.run('Reverse', { x: filter }, { dims: [0, 1] });
      const f = k.run('Reshape', { x: flipped }, { shape: [kh, kw, outChannels, 1] });
      const dxm = k.run(
        'DepthwiseConv2dNative',
        { x: z, filter: f },
        {
          strides: [1, 1],
          dilations: [dh, dw],
          pad: [
            [0, 0],
            [front[0], back[0]],
            [front[1], back[1]],
            [0, 0],
          ],
        },
      );
      if (m === 1) return dxm;
      const r5 = k.run('Reshape', { x: dxm }, { shape: [n, inHeight, inWidth, c, m] });
      return k.run('Sum', { x: r5 }, { axis: [4], keepDims: false });
    });
  };
}

/*
 * Filter gradient: dW[a,b,c,q] = sum_{n,p,r} x[n, p*sh + a*dh - top, r*sw + b*dw - left, c] * dy[n,p,r,c*m+q].
 * A direct loop over the heap copies. Only kh*kw*size(dy) multiply-adds (9 per dy element for 3x3),
 * so JS keeps up: composing stock kernels was slower, because the strided taps need wasm StridedSlice
 * (18 ms per tap at 8x32x32x64) or a rank-6 Transpose (40 ms), and PadV2 on the innermost axis is slow
 * (38 ms), all measured on 4.22. Accumulates in float64 like the cpu kernel.
 */
export const depthwiseBackpropFilterKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend; // KernelFunc types it as {}
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, dilations, pad, dimRoundingMode, true);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, outChannels } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const m = outChannels / c;

  const xv = backend.readSync(x.dataId) as Float32Array;
  const g = backend.readSync(dy.dataId) as Float32Array;
  const acc = new Float64Array(kh * kw * outChannels); // [kh, kw, C*m] = [kh, kw, C, m]
  for (let n = 0; n < batchSize; n++) {
    for (let p = 0; p < outHeight; p++) {
      for (let r = 0; r < outWidth; r++) {
        const gAt = ((n * outHeight + p) * outWidth + r) * outChannels;
        for (let a = 0; a < kh; a++) {
          const h = p * sh + a * dh - top;
          if (h < 0 || h >= inHeight) continue;
          for (let b = 0; b < kw; b++) {
            const w = r * sw + b * dw - left;
            if (w < 0 || w >= inWidth) continue;
            const xAt = ((n * inHeight + h) * inWidth + w) * c;
            const tap = (a * kw + b) * outChannels;
            if (m === 1) {
              for (let ch = 0; ch < c; ch++) acc[tap + ch] += xv[xAt + ch] * g[gAt + ch];
            } else {
              for (let ch = 0; ch < c; ch++) {
                const xval = xv[xAt + ch];
                for (let q = 0; q < m; q++) acc[tap + ch * m + q] += xval * g[gAt + ch * m + q];
              }
            }
          }
        }
      }
    }
  }
  return { dataId: backend.write(Float32Array.from(acc), filterShape, 'float32'), shape: filterShape, dtype: 'float32' };
};
