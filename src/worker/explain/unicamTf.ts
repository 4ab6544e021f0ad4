// UniCAM's residual objectives (docs/methods.md §UniCAM) in TF.js float32 ops, for the general path where the
// CAM target lies before the feature layer and ∂L/∂A must flow through the network's tail.
// The pooled default uses the float64 analytic gradient in src/core/unicam.ts instead; tests
// check that both agree. Worker-side only.
import * as tf from '@tensorflow/tfjs-core';
import '../registerGradients';
import { EPS_CORR, EPS_PROJ, EPS_U } from '../../core/dcor/eps';
import type { UnicamObjective } from '../../core/unicam';

/**
 * sqrt(x + 1e-18) whose gradient is 0 where x = 0 (the forced-zero diagonal of D²): the plain gradient
 * there is (tiny non-cancelling terms) × 5e8 in float32.
 */
const safeSqrt = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const y = tf.sqrt(tf.add(x, EPS_U));
  save([x, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ys] = saved;
      return tf.where(tf.greater(xs, 0), tf.div(tf.mul(dy, 0.5), ys), tf.zerosLike(xs));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** a_ij = sqrt(D²_ij + 1e-18) by the Gram form on column-centred rows, D² clamped at 0, diagonal 0 (docs/methods.md §Pairwise distances). */
export function distancesTf(F: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = F.shape[0];
    const c = tf.sub(F, tf.mean(F, 0, true));
    const G = tf.matMul(c, c, false, true);
    const s = tf.sum(tf.mul(c, c), 1, true);
    const offDiag = tf.sub(1, tf.eye(n));
    const D2 = tf.mul(tf.relu(tf.sub(tf.add(s, tf.transpose(s)), tf.mul(G, 2))), offDiag);
    return safeSqrt(D2) as tf.Tensor2D;
  });
}

/** U-centring (docs/methods.md §U-centring and R*), diagonal set to 0. */
export function uCenterTf(a: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = a.shape[0];
    const row = tf.div(tf.sum(a, 1, true), n - 2);
    const col = tf.div(tf.sum(a, 0, true), n - 2);
    const all = tf.div(tf.sum(a), (n - 1) * (n - 2));
    const u = tf.add(tf.sub(tf.sub(a, row), col), all);
    return tf.mul(u, tf.sub(1, tf.eye(n))) as tf.Tensor2D;
  });
}

/** ⟨A, B⟩ = Σ A∘B / (n(n−3)). */
export function bracketTf(A: tf.Tensor2D, B: tf.Tensor2D): tf.Scalar {
  const n = A.shape[0];
  return tf.div(tf.sum(tf.mul(A, B)), n * (n - 3)) as tf.Scalar;
}

/**
 * The UniCAM objective for one batch as a differentiable function of X's pooled features.
 * @param Fx n×K features of X (the variable)
 * @param B  n×n U-centred distances of Y's features (constant)
 * @param C  n×n U-centred GT distances (L_GT) or null for L_argmax
 */
export function residualObjectiveTf(Fx: tf.Tensor2D, B: tf.Tensor2D, C: tf.Tensor2D | null, objective: UnicamObjective): tf.Scalar {
  return tf.tidy(() => {
    const A = uCenterTf(distancesTf(Fx));
    const coef = tf.div(bracketTf(A, B), tf.add(bracketTf(B, B), EPS_PROJ));
    const R = tf.sub(A, tf.mul(coef, B)) as tf.Tensor2D;
    if (objective === 'gt') {
      if (!C) throw new Error('L_GT needs the GT distance matrix');
      return tf.div(bracketTf(R, C), tf.sqrt(tf.add(tf.mul(bracketTf(R, R), bracketTf(C, C)), EPS_CORR))) as tf.Scalar;
    }
    // L_argmax: c_i = argmax_j R_ij on detached values (ties → lowest j, like torch), then Σ_i R_{i,c_i}
    // selected by a one-hot mask (gather's gradient is missing on wasm).
    const n = R.shape[0];
    // argMax/oneHot carry no gradient, so the mask is a constant as in the reference's detached argmax.
    const c = tf.argMax(R, 1);
    return tf.sum(tf.mul(R, tf.cast(tf.oneHot(c as tf.Tensor1D, n), 'float32'))) as tf.Scalar;
  });
}

/** U-centred distance matrix of a constant feature matrix (Y's features or the GT rows), float32. */
export function uCentredTf(F: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => uCenterTf(distancesTf(F)));
}
