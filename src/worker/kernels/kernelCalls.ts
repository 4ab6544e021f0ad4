// Runs stock TF.js kernels at the TensorInfo level from inside our own kernel functions, and frees the
// intermediates. Only src/worker/kernels/* import this (a kernelFunc may not call tf ops: they would
// allocate engine-tracked tensors inside someone else's tidy/gradient scope).
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

type KernelInputs = Record<string, TensorInfo> | TensorInfo[];

/** One kernel invocation's scratch space: every `run` result is freed by `dispose` unless `keep`-ed. */
export class KernelCalls {
  private readonly temps: TensorInfo[] = [];

  constructor(
    private readonly backend: KernelBackend,
    private readonly backendName: string,
  ) {}

  /** Runs the kernel currently registered under `kernelName` for our backend (never one of ours). */
  run(kernelName: string, inputs: KernelInputs, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, this.backendName);
    if (!kernel) throw new Error(`TF.js kernel ${kernelName} is not registered for backend ${this.backendName}`);
    // Array inputs (Pack, Concat) are what those kernels take although the type says a map.
    const out = kernel.kernelFunc({ inputs: inputs as never, backend: this.backend, attrs });
    const info = Array.isArray(out) ? out[0] : out;
    this.temps.push(info);
    return info;
  }

  /** Removes `info` from the scratch list: the caller now owns it (typically the kernel's result). */
  keep(info: TensorInfo): TensorInfo {
    const i = this.temps.lastIndexOf(info);
    if (i >= 0) this.temps.splice(i, 1);
    return info;
  }

  /** Frees one intermediate early (keeps peak memory down inside loops). */
  free(info: TensorInfo): void {
    const i = this.temps.lastIndexOf(info);
    if (i >= 0) {
      this.temps.splice(i, 1);
      this.backend.disposeData(info.dataId);
    }
  }

  /** Frees every intermediate; reshapes share a buffer but hold their own reference, so each is freed. */
  dispose(): void {
    for (const t of this.temps.splice(0)) this.backend.disposeData(t.dataId);
  }
}

/** Runs `body` with a fresh KernelCalls, keeps its result and frees everything else, also on throw. */
export function withKernelCalls(backend: KernelBackend, backendName: string, body: (k: KernelCalls) => TensorInfo): TensorInfo {
  const calls = new KernelCalls(backend, backendName);
  try {
    return calls.keep(body(calls));
  } finally {
    calls.dispose();
  }
}
