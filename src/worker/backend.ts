// The only place that picks the TF.js backend (design.md §3 rule 11): tfjs-node when it loads, else
// wasm (SIMD), else cpu. Also the place where wrong or missing wasm kernels get patched.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import path from 'node:path';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

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
    // Optional native accelerator; absent on offline machines (platform-notes.md §1.1).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return tf.findBackend('tensorflow') !== undefined;
  } catch {
    return false;
  }
}

let current: Promise<BackendName> | undefined;

/**
 * Initialises and selects a backend once per process. `prefer` forces one (tests use 'cpu' as the
 * oracle); otherwise tensorflow → wasm → cpu. Resolves to the backend actually in use.
 */
export function initBackend(prefer?: BackendName, log: (line: string) => void = () => {}): Promise<BackendName> {
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
  return current;
}

async function selectBackend(name: BackendName, log: (line: string) => void): Promise<BackendName> {
  if (name === 'tensorflow' && !tryTfjsNode()) throw new Error('@tensorflow/tfjs-node is not installed');
  if (name === 'wasm') setWasmPaths(wasmDir());
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
  log(`TF.js backend: ${tf.getBackend()}`);
  return name;
}
