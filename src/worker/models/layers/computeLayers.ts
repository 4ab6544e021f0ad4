// The compute layers of a TF.js LayersModel or Keras model (Conv1D, Conv2D, DepthwiseConv2D,
// SeparableConv2D, Dense) with their sizes at batch 1, from each layer's kernel shape and the trace's
// output shape: the MACs per image of the capacity gap (docs/methods.md "KD literature figures").
import { KdInputError } from '../../../core/errors';
import type { ComputeLayer } from '../../../core/literature/flops';

/** One layer call as the graph walk sees it: the layer's class, its weights' shapes in build order, its output. */
export interface LayerCall {
  readonly name: string;
  readonly className: string;
  readonly weightShapes: ReadonlyArray<readonly number[]>;
  /** Name of the call's output in the trace (listTensors). */
  readonly output: string;
}

/** Classes that are whole models: their inner layers are not visible to the walk, so a count would be short. */
const CONTAINERS = new Set(['Sequential', 'Functional', 'Model']);

export function layersComputeLayers(calls: readonly LayerCall[], shapeOf: (name: string) => readonly number[] | undefined, file: string): ComputeLayer[] {
  const layers: ComputeLayer[] = [];
  for (const call of calls) {
    if (CONTAINERS.has(call.className)) throw new KdInputError('unsupported', file + ': layer ' + call.name + ' is a nested model; its MACs are not counted');
    const out = shapeOf(call.output);
    const counted = countedLayers(call, out);
    if (counted.length && !out) throw new KdInputError('unsupported', file + ': no traced shape for layer ' + call.name);
    layers.push(...counted);
  }
  return layers;
}

/** Kernels (Keras layout, channels last): Conv2D [kH, kW, in, out], Depthwise [kH, kW, in, mult], Dense [in, units]. */
function countedLayers(call: LayerCall, out: readonly number[] | undefined): ComputeLayer[] {
  if (!out) return [];
  const [k0, k1] = call.weightShapes;
  const rows = out.slice(0, -1).reduce((a, b) => a * b, 1);
  const outC = out[out.length - 1];
  switch (call.className) {
    case 'Dense':
      return [{ op: out.length === 2 ? 'Gemm' : 'MatMul', m: rows, k: k0[0], n: k0[1] }];
    case 'Conv1D':
      // [1, L, C]: an L × 1 output under a k × 1 window.
      return [{ op: 'Conv', inC: k0[1], outC, kH: k0[0], kW: 1, outH: rows, outW: 1, group: 1 }];
    case 'Conv2D':
      // A grouped Keras 3 Conv2D's kernel holds in / groups: counted as one group of that many inputs (same MACs).
      return [{ op: 'Conv', inC: k0[2], outC, kH: k0[0], kW: k0[1], outH: out[1], outW: out[2], group: 1 }];
    case 'DepthwiseConv2D':
      return [depthwise(k0, out)];
    case 'SeparableConv2D':
      // Depthwise at the output's resolution, then the 1×1 pointwise [1, 1, in·mult, filters].
      return [depthwise(k0, out), { op: 'Conv', inC: k1[2], outC, kH: 1, kW: 1, outH: out[1], outW: out[2], group: 1 }];
    default:
      return [];
  }
}

function depthwise(kernel: readonly number[], out: readonly number[]): ComputeLayer {
  const [kH, kW, inC, mult] = kernel;
  return { op: 'Conv', inC, outC: inC * mult, kH, kW, outH: out[1], outW: out[2], group: inC };
}
