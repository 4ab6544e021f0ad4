// `kdlens inspect` / the model picker: one model's format, input, outputs, parameters and candidate stages.
import type { ModelInspection } from '../../core/types';
import { initBackend } from '../backend';
import { discoverStages } from '../stageDiscovery';
import { defaultDeps } from './analyze';
import type { EngineDeps } from './job';
import { inputShape, staticSize } from './trace';

/** Size to trace at when neither the caller nor the model says. */
const DEFAULT_INSPECT_SIZE: [number, number] = [224, 224];

/** `template`: the ONNX architecture when `file` is a PyTorch checkpoint (docs/methods.md "Architecture templates"). */
export async function inspect(file: string, imageSize?: readonly [number, number], deps: EngineDeps = defaultDeps, template?: string): Promise<ModelInspection> {
  await initBackend();
  const model = template ? await deps.openModel(file, { template }) : await deps.openModel(file);
  const size: [number, number] = imageSize ? [imageSize[0], imageSize[1]] : (staticSize(model) ?? DEFAULT_INSPECT_SIZE);
  const tensors = model.listTensors(inputShape(model, size));
  const stages = discoverStages(tensors);
  const out = tensors.find((t) => t.name === model.output);
  return {
    path: file,
    format: model.format,
    input: { name: model.input.name, shape: [...model.input.shape], layout: model.input.layout },
    output: model.output,
    params: model.paramCount,
    numClasses: model.numClasses ?? (out ? out.shape[out.shape.length - 1] : null),
    stages: stages.map((s) => ({ name: s.label, tensor: s.tensor, shape: s.shape, op: s.op })),
    tensors: tensors.length,
  };
}
