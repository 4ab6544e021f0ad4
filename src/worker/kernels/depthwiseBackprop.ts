// The two depthwise-conv gradient kernels that tfjs-backend-wasm 4.22 lacks, built from stock kernels:
// DepthwiseConv2dNativeBackpropInput (gradient flows through depthwise convs: Grad-CAM below the last
// MobileNet/EfficientNet stage) and ...BackpropFilter (training depthwise weights).
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
 * One strided slice of the padded input per tap (kh*kw of them, 9 or 25 in practice), multiplied by dy
 * and summed over (n, p, r). Channels go first so every sum is over the innermost axes (no transpose per
 * tap). Work is kh*kw passes over dy-sized data, the same as the arithmetic itself needs.
 */
export function depthwiseBackpropFilterKernel(backendName: string): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as KernelBackend; // KernelFunc types it as {}
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, dilations, pad, dimRoundingMode, true);
    const { batchSize: n, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: kh, filterWidth: kw } = info;
    const { top, left } = info.padInfo;
    const m = filterShape[3];

    return withKernelCalls(backend, backendName, (k) => {
      let xc = k.run('Transpose', { x }, { perm: [3, 0, 1, 2] }); // [C, N, H, W]
      const bottom = Math.max(0, (outHeight - 1) * sh + (kh - 1) * dh + 1 - inHeight - top);
      const right = Math.max(0, (outWidth - 1) * sw + (kw - 1) * dw + 1 - inWidth - left);
      if (top > 0 || left > 0 || bottom > 0 || right > 0) {
        const padded = k.run('PadV2', { x: xc }, { paddings: [[0, 0], [0, 0], [top, bottom], [left, right]], constantValue: 0 });
        k.free(xc);
        xc = padded;
      }
      const dy5 = k.run('Reshape', { x: dy }, { shape: [n, outHeight, outWidth, c, m] });
      const dyc = k.run('Transpose', { x: dy5 }, { perm: [3, 4, 0, 1, 2] }); // [C, m, N, Ho, Wo]
      k.free(dy5);
      const taps: TensorInfo[] = [];
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const xs = k.run(
            'StridedSlice',
            { x: xc },
            {
              begin: [0, 0, a * dh, b * dw],
              end: [c, n, a * dh + (outHeight - 1) * sh + 1, b * dw + (outWidth - 1) * sw + 1],
              strides: [1, 1, sh, sw],
              beginMask: 0,
              endMask: 0,
              ellipsisMask: 0,
              newAxisMask: 0,
              shrinkAxisMask: 0,
            },
          );
          const xs5 = k.run('Reshape', { x: xs }, { shape: [c, 1, n, outHeight, outWidth] });
          k.free(xs);
          const prod = k.run('Multiply', { a: xs5, b: dyc });
          k.free(xs5);
          const s = k.run('Sum', { x: prod }, { axis: [2, 3, 4], keepDims: false }); // [C, m]
          k.free(prod);
          taps.push(k.run('Reshape', { x: s }, { shape: [1, c, m] }));
          k.free(s);
        }
      }
      const stacked = taps.length === 1 ? taps[0] : k.run('Concat', taps, { axis: 0 });
      return k.run('Reshape', { x: stacked }, { shape: [kh, kw, c, m] });
    });
  };
}
