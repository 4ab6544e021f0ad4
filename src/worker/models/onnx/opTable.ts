// The table of ONNX ops KD Lens executes (default domain), by op_type. onnxModel.ts validates every node
// against it at open time and runs from it. Imported by the ONNX reader folder only.
import { EINSUM_OPS } from './opsEinsum';
import { ELEMENTWISE_OPS } from './opsElementwise';
import { NN_OPS } from './opsNn';
import { NORM_OPS } from './opsNorm';
import { RESIZE_OPS } from './opsResize';
import { SCATTER_OPS } from './opsScatter';
import { SHAPE_OPS } from './opsShape';
import type { OpSpec } from './opTypes';

export const OPS: Readonly<Record<string, OpSpec>> = { ...ELEMENTWISE_OPS, ...NN_OPS, ...NORM_OPS, ...SHAPE_OPS, ...RESIZE_OPS, ...EINSUM_OPS, ...SCATTER_OPS };

/** Sorted op_type names, for docs and error hints. */
export function supportedOnnxOps(): string[] {
  return Object.keys(OPS).sort();
}
