// A model's trace (every value's shape for a batch-1 input) from onnxruntime instead of a TF.js pass, when
// onnxruntime runs the model's forwards anyway. The TF.js pass would pack every conv's weights into the
// wasm heap, which never shrinks (~400 MB for a 224-px ResNet-50 teacher and two ResNet-18 students),
// for shapes onnxruntime gives in one run (docs/architecture.md "Forward engines").
import fs from 'node:fs';
import type { LoadedModel } from '../models/model';
import { onnxWithOutputs } from '../models/onnx/onnxFile';
import { loadOrt, sessionOptions, useNative } from './nativeForward';
import type { ForwardEngine } from './nativeForward';

/**
 * Every node output's shape for an input of `inputShape` (batch 1), or null when onnxruntime does not run
 * this model's forwards (not ONNX-based, or the TF.js engine is chosen). One run of the graph with every
 * value declared an output and no graph optimisation, so each value exists as the exporter wrote it.
 */
export async function nativeShapes(model: LoadedModel, inputShape: readonly number[], engine: ForwardEngine): Promise<Map<string, readonly number[]> | null> {
  const onnxBased = model.format === 'onnx' || model.onnxBytes !== undefined;
  const o = loadOrt();
  if (!onnxBased || !o || !useNative(engine)) return null;
  const bytes = model.onnxBytes?.() ?? fs.readFileSync(model.path);
  const session = await o.InferenceSession.create(onnxWithOutputs(bytes, model.path, 'all'), sessionOptions('disabled', false));
  try {
    const size = inputShape.reduce((a, b) => a * b, 1);
    const out = await session.run({ [session.inputNames[0]]: new o.Tensor('float32', new Float32Array(size), [...inputShape]) });
    return new Map(Object.entries(out).map(([name, t]) => [name, [...t.dims]]));
  } finally {
    await session.release();
  }
}
