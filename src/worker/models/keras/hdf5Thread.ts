// Entry of the HDF5 thread (bundled on its own as dist/hdf5Thread.js): answers one read request
// (hdf5Read.ts) and posts the result back, weights transferred rather than copied. Its own thread so that
// the model's process can stop it when h5wasm loops on a damaged file (docs/architecture.md "HDF5 thread").
import { parentPort, workerData } from 'node:worker_threads';
import { isKdInputError, firstLine } from '../../../core/errors';
import { answer } from './hdf5Read';
import type { Hdf5Answer, Hdf5Request, H5Weight } from './hdf5Read';

/** The buffers of every weight array in an answer (each owns its buffer: hdf5Read copies them). */
function buffersOf(result: Hdf5Answer): ArrayBuffer[] {
  const lists: H5Weight[][] = Array.isArray(result) ? result : result.weights.map(([, ws]) => ws);
  return lists.flat().map((w) => w.data.buffer as ArrayBuffer);
}

async function run(): Promise<void> {
  try {
    const result = await answer(workerData as Hdf5Request);
    parentPort?.postMessage({ result }, buffersOf(result));
  } catch (e) {
    parentPort?.postMessage(isKdInputError(e) ? { refused: { code: e.code, message: e.message } } : { internal: firstLine(e) });
  }
}

void run();
