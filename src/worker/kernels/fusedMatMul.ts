// tfjs-backend-wasm 4.22 `_FusedMatMul` adds the bias wrongly when an operand is transposed (max error 2.0
// on 4×5·(3×5)ᵀ + b, found by the ONNX Gemm tests) or batched (rank 3: error 0.47). In those cases the
// product runs on the stock kernel WITHOUT bias and activation (that path is right), then the bias is added
// and the activation applied with their own stock kernels. The plain 2-D case keeps the fast fused path.
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { withKernelCalls } from './kernelCalls';
import type { KernelCalls } from './kernelCalls';

function activate(k: KernelCalls, x: TensorInfo, attrs: NamedAttrMap, alpha: TensorInfo | undefined): TensorInfo {
  switch (attrs.activation as string | undefined) {
    case undefined:
    case 'linear':
      return x;
    case 'relu':
      return k.run('Relu', { x });
    case 'relu6':
      return k.run('Relu6', { x });
    case 'elu':
      return k.run('Elu', { x });
    case 'sigmoid':
      return k.run('Sigmoid', { x });
    case 'leakyrelu':
      return k.run('LeakyRelu', { x }, { alpha: attrs.leakyreluAlpha as number });
    case 'prelu':
      return k.run('Prelu', { x, alpha: alpha as TensorInfo });
    default:
      throw new Error(`_FusedMatMul: unknown activation ${String(attrs.activation)}`);
  }
}

export function fusedMatMulKernel(stock: KernelFunc, backendName: string): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs: maybeAttrs }) => {
    const backend = anyBackend as KernelBackend;
    const attrs = maybeAttrs ?? {};
    const ins = inputs as Record<string, TensorInfo | undefined>;
    const a = ins.a as TensorInfo;
    const b = ins.b as TensorInfo;
    const { transposeA, transposeB } = attrs as { transposeA?: boolean; transposeB?: boolean };
    const buggy = ins.bias !== undefined && (transposeA || transposeB || a.shape.length > 2 || b.shape.length > 2);
    if (!buggy) return stock({ inputs, backend, attrs });
    return withKernelCalls(backend, backendName, (k) => {
      const product = stock({ inputs: { a, b } as never, backend, attrs: { transposeA: transposeA === true, transposeB: transposeB === true, activation: 'linear' } }) as TensorInfo;
      // Track the stock result so it is freed like any intermediate.
      const biased = k.run('Add', { a: product, b: ins.bias as TensorInfo });
      backend.disposeData(product.dataId);
      return activate(k, biased, attrs, ins.preluActivationWeights);
    });
  };
}
