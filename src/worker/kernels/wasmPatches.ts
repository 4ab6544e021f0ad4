// Registers our replacements for wrong or missing tfjs-backend-wasm 4.22 kernels (docs/methods.md
// §WASM kernel patches). Only src/worker/backend.ts calls this, once per process (it is idempotent anyway).
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterKernel } from './conv2dBackpropFilter';
import { fusedMatMulKernel } from './fusedMatMul';
import { depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel } from './depthwiseBackprop';
import { maxPoolGradKernel } from './maxPoolGrad';
import { unsortedSegmentSumKernel } from './unsortedSegmentSum';

const BACKEND = 'wasm';

interface Patch {
  readonly kernelName: string;
  /** 'replace': the stock kernel is wrong; 'add': only registered while the backend lacks the kernel. */
  readonly mode: 'replace' | 'add';
  /** The replacement; `stock` is the kernel it replaces (for wrappers that fix only some cases). */
  readonly kernelFunc: KernelFunc | ((stock: KernelFunc) => KernelFunc);
  /** kernelFunc takes the stock kernel and returns the replacement. */
  readonly wraps?: boolean;
}

const PATCHES: readonly Patch[] = [
  // Stock kernel: running max starts at FLT_MIN and ties go to the last element (maxPoolGrad.ts).
  { kernelName: 'MaxPoolGrad', mode: 'replace', kernelFunc: maxPoolGradKernel },
  // Stock kernel: wrong bias with transposeA/transposeB (fusedMatMul.ts).
  { kernelName: '_FusedMatMul', mode: 'replace', wraps: true, kernelFunc: (stock: KernelFunc) => fusedMatMulKernel(stock, BACKEND) },
  // Missing in 4.22: no weight gradients for conv nets (no training on wasm without it).
  { kernelName: 'Conv2DBackpropFilter', mode: 'add', kernelFunc: conv2dBackpropFilterKernel(BACKEND) },
  // Missing in 4.22: no gradient through depthwise convs, nor for their weights.
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', mode: 'add', kernelFunc: depthwiseBackpropInputKernel(BACKEND) },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', mode: 'add', kernelFunc: depthwiseBackpropFilterKernel },
  // Missing in 4.22: the gradient of tf.gather.
  { kernelName: 'UnsortedSegmentSum', mode: 'add', kernelFunc: unsortedSegmentSumKernel },
];

const applied = new Set<string>();

/**
 * Registers the wasm kernel patches (idempotent) and returns the names of the kernels that are ours.
 * Safe to call before the wasm backend is initialised: kernels are looked up at every op call.
 */
export function registerWasmPatches(): string[] {
  for (const p of PATCHES) {
    if (applied.has(p.kernelName)) continue;
    const stock = tf.getKernel(p.kernelName, BACKEND);
    if (p.mode === 'add' && stock) continue; // a newer tfjs ships it: trust theirs
    if (p.wraps && !stock) continue;
    if (stock) tf.unregisterKernel(p.kernelName, BACKEND);
    const kernelFunc = p.wraps ? (p.kernelFunc as (s: KernelFunc) => KernelFunc)((stock as tf.KernelConfig).kernelFunc) : (p.kernelFunc as KernelFunc);
    tf.registerKernel({ kernelName: p.kernelName, backendName: BACKEND, kernelFunc });
    applied.add(p.kernelName);
  }
  return [...applied];
}

/** Names of the kernels registered by registerWasmPatches so far (for backendInfo()). */
export function wasmPatches(): string[] {
  return [...applied];
}
