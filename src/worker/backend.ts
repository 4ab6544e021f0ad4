// The only place that picks the TF.js backend (docs/architecture.md "Folders and what each owns"): tfjs-node when it loads, else
// wasm (SIMD), else cpu. Also the place where wrong or missing wasm kernels get patched (kernels/*).
// Imported by the worker engine, the CLI and tests; never by host/ or webview/.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import path from 'node:path';
import { registerWasmPatches, wasmPatches } from './kernels/wasmPatches';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What the worker reports in its initialize reply. */
export interface BackendInfo {
  /** tf.getBackend(): 'tensorflow' | 'wasm' | 'cpu', or 'none' before initBackend. */
  readonly backend: string;
  /** True when the wasm backend runs its SIMD binary. */
  readonly simd: boolean;
  /** Kernels we registered for the active backend (our fixes of wrong/missing wasm kernels). */
  readonly patches: string[];
}

/*
 * wasm 4.22 kernel status (tf.getKernel(name, 'wasm') against the cpu list, and tf.grad against cpu):
 * - MaxPoolGrad: wrong (all-non-positive windows and ties) → replaced (kernels/maxPoolGrad.ts).
 * - Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropInput/-Filter: missing → added as compositions
 *   of stock kernels (kernels/conv2dBackpropFilter.ts, kernels/depthwiseBackprop.ts).
 * - UnsortedSegmentSum (gradient of tf.gather): missing → added (kernels/unsortedSegmentSum.ts).
 * - Also missing, not patched (no gradient or model path needs them): Complex, ComplexAbs, Real, Imag,
 *   FFT, IFFT, Einsum, Draw, RaggedGather, RaggedRange, RaggedTensorToTensor, StaticRegexReplace.
 */

/** Folder holding tfjs-backend-wasm's .wasm files: next to the bundle in dist/, else the package. */
function wasmDir(): string {
  if (fs.existsSync(path.join(__dirname, 'tfjs-backend-wasm-simd.wasm'))) return __dirname + path.sep;
  const pkgMain = require.resolve('@tensorflow/tfjs-backend-wasm');
  // pkgMain is .../tfjs-backend-wasm/dist/index.js (or similar): the .wasm files sit in that dist/.
  let dir = path.dirname(pkgMain);
  while (!fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  if (!fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))) dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  return dir + path.sep;
}

function tryTfjsNode(): boolean {
  try {
    // Optional native accelerator; absent on offline machines (docs/platform.md "TF.js backends").
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return tf.findBackend('tensorflow') !== undefined;
  } catch {
    return false;
  }
}

let current: Promise<BackendName> | undefined;
let simd = false;

/** The backend in use, whether wasm runs SIMD, and our kernel patches for it. */
export function backendInfo(): BackendInfo {
  const backend = tf.engine().backendName ?? 'none';
  return { backend, simd: backend === 'wasm' && simd, patches: backend === 'wasm' ? wasmPatches() : [] };
}

/**
 * Initialises and selects a backend once per process. `prefer` forces one (tests use 'cpu' as the
 * oracle); otherwise tensorflow → wasm → cpu. Resolves to the backend actually in use.
 */
export async function initBackend(prefer?: BackendName, log: (line: string) => void = () => {}): Promise<BackendName> {
  if (prefer) return selectBackend(prefer, log);
  current ??= (async () => {
    for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
      try {
        return await selectBackend(name, log);
      } catch (e) {
        log(`backend ${name} unavailable: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    throw new Error('no TF.js backend could be initialised');
  })();
  const name = await current;
  // A forced backend (tests use 'cpu' as the oracle) may have replaced it since: switch back.
  if (tf.getBackend() !== name) await selectBackend(name, log);
  return name;
}

async function selectBackend(name: BackendName, log: (line: string) => void): Promise<BackendName> {
  if (name === 'tensorflow' && !tryTfjsNode()) throw new Error('@tensorflow/tfjs-node is not installed');
  if (name === 'wasm') setWasmPaths(wasmDir());
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
  if (name === 'wasm') {
    // The flag the wasm backend itself used to pick its binary (docs/platform.md "TF.js backends").
    simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    registerWasmPatches();
  }
  const info = backendInfo();
  const extra = info.backend === 'wasm' ? ` (${info.simd ? 'SIMD' : 'no SIMD'}; patched kernels: ${info.patches.join(', ') || 'none'})` : '';
  log(`TF.js backend: ${info.backend}${extra}`);
  return name;
}
