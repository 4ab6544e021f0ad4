// The native forward engine: onnxruntime-node runs an ONNX model's forward pass (multi-threaded, several
// times faster than TF.js on wasm), returning the logits and the requested stage tensors. It is optional:
// loaded at run time when installed, and every caller falls back to the TF.js interpreter without it.
// Gradients (Grad-CAM, UniCAM's general path) stay in TF.js (docs/architecture.md "Forward engines").
import os from 'node:os';
import type * as OrtModule from 'onnxruntime-node';
import type { HostTensor } from '../activations';
import { onnxWithOutputs, readWithRoom } from '../models/onnx/onnxFile';

/**
 * Options every onnxruntime session of the worker opens with. Threads: onnxruntime's default is the
 * physical core count, which a VM may report as 1 of its 2 vCPUs, so every logical CPU is asked for, as a
 * benchmark of the bare model does. No spinning: KD Lens runs beside a training job, and idle threads
 * spinning for work took CPU from it (and, on a busy 2-core machine, a ResNet-18 batch took 2.0 s with
 * spinning, 1.7 s without; docs/architecture.md "Forward engines").
 */
export function sessionOptions(level: 'all' | 'disabled', arena = true): OrtModule.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: level,
    enableCpuMemArena: arena,
    intraOpNumThreads: os.availableParallelism(),
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** Which engine runs forward passes: the native one when it loads ('auto'), or one forced. */
export type ForwardEngine = 'auto' | 'onnxruntime' | 'tfjs';

/** One ONNX model opened in onnxruntime with the values a job reads declared as outputs. */
export interface NativeSession {
  /**
   * Runs one batch (NCHW float32) and returns the requested values. A value with an array in `into` (of
   * its exact size) is written there by onnxruntime and returned as that array, so no fresh output memory
   * is touched (src/worker/hostBuffers.ts says why that matters).
   */
  run(input: HostTensor, names: readonly string[], into?: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

type Ort = typeof OrtModule;

let ort: Ort | null | undefined;

/** onnxruntime-node, or null when it is not installed or its binary does not load on this platform. */
export function loadOrt(): Ort | null {
  if (ort !== undefined) return ort;
  try {
    // Optional native dependency, never bundled (esbuild external); absent → TF.js forwards.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ort = require('onnxruntime-node') as Ort;
  } catch {
    ort = null;
  }
  return ort;
}

/** The onnxruntime version in use, or null. */
export function ortVersion(): string | null {
  const o = loadOrt();
  return o ? (o.env.versions?.node ?? o.env.versions?.common ?? 'unknown') : null;
}

/** Whether `engine` asks for the native engine and it is available; 'onnxruntime' without it is an error. */
export function useNative(engine: ForwardEngine): boolean {
  if (engine === 'tfjs') return false;
  const available = loadOrt() !== null;
  if (engine === 'onnxruntime' && !available) throw new Error('the onnxruntime forward engine was asked for, but onnxruntime-node is not installed');
  return available;
}

/**
 * Opens `file` in onnxruntime with `outputs` (intermediate value names) added as graph outputs; `bytes`
 * are the model's serialized ONNX when they are not simply the file's (a checkpoint bound into a template).
 */
export async function openNativeSession(file: string, outputs: readonly string[], bytes?: Uint8Array): Promise<NativeSession> {
  const o = loadOrt();
  if (!o) throw new Error('onnxruntime-node is not installed');
  // Read with room for the outputs message, so adding the outputs copies nothing (onnxWithOutputs).
  const read = bytes ? { bytes, room: 0 } : readWithRoom(file, outputs);
  const model = onnxWithOutputs(read.bytes, file, outputs, read.room);
  const session = await o.InferenceSession.create(model, sessionOptions('all'));
  const inputName = session.inputNames[0];
  // Preallocated outputs rely on the traced shapes; if onnxruntime ever disagrees, the session falls back
  // to its own output memory for good rather than failing the job.
  let preallocate = true;
  const runOnce = async (input: HostTensor, names: readonly string[], into: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> => {
    const feeds = { [inputName]: new o.Tensor('float32', input.data, [...input.dims]) };
    const fetches = Object.fromEntries(names.map((name) => [name, preallocate && into[name] ? new o.Tensor('float32', into[name].data, [...into[name].dims]) : null]));
    const out = await session.run(feeds, fetches);
    const result: Record<string, HostTensor> = {};
    for (const name of names) {
      if (preallocate && into[name]) {
        result[name] = into[name];
        continue;
      }
      const t = out[name];
      if (t.type !== 'float32') throw new Error(`${file}: value '${name}' is ${t.type}, not float32`);
      result[name] = { data: t.data as Float32Array, dims: t.dims };
    }
    return result;
  };
  return {
    async run(input, names, into = {}) {
      if (!preallocate || Object.keys(into).length === 0) return runOnce(input, names, into);
      try {
        return await runOnce(input, names, into);
      } catch {
        preallocate = false;
        return runOnce(input, names, into);
      }
    },
    release: () => session.release(),
  };
}
