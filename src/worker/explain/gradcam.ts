// Grad-CAM (Selvaraju et al. 2017) weights for one model at one target tensor: α_{i,k} = spatial mean of
// ∂(logit of class c_i)/∂A_{i,k}. Maps are then built by the core's camFromAlpha (ReLU, min-max 1e-7), the
// same code UniCAM uses, so both kinds of map are normalised identically. Worker-side only.
import * as tf from '@tensorflow/tfjs-core';
import '../registerGradients';
import type { LoadedModel } from '../models/model';
import { globalAvgPool } from '../activations';
import type { StageLayout } from '../tokens';

/**
 * Channel weights for each requested class set, n×K each (row-major).
 * @param x       model input, n×… in the model's layout
 * @param layout  layout of the target tensor
 * @param A       activations at `target` for x (from the same forward pass), 4-D in the model's layout or tokens
 * @param classes one Int32Array of n class indices per map set (e.g. predicted, true)
 * @param numClasses logits width
 * The class score is selected with a one-hot mask, not gather: gather's gradient needs
 * UnsortedSegmentSum, which stock wasm lacks (docs/methods.md §WASM kernel patches).
 */
export function gradcamAlphas(
  model: LoadedModel,
  x: tf.Tensor,
  target: string,
  layout: StageLayout,
  A: tf.Tensor,
  classes: readonly Int32Array[],
  numClasses: number,
): Float32Array[] {
  return classes.map((cls) => {
    const alpha = tf.tidy(() => {
      const mask = tf.cast(tf.oneHot(tf.tensor1d(cls, 'int32'), numClasses), 'float32');
      const g = tf.grad((a: tf.Tensor) => {
        const out = model.run(x, [model.output], { [target]: a });
        return tf.sum(tf.mul(out[model.output], mask));
      })(A);
      return globalAvgPool(g, layout);
    });
    try {
      return alpha.dataSync() as Float32Array;
    } finally {
      alpha.dispose();
    }
  });
}
