// The demo's training losses on logits: cross-entropy and vanilla KD (Hinton et al.), written with a
// one-hot product rather than gather (no UnsortedSegmentSum gradient needed). demo/ only.
import * as tf from '@tensorflow/tfjs-core';

/** Mean cross-entropy of `logits` (B×K) against one-hot targets (B×K). */
export function crossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar);
}

/** Mean over the batch of KL(softmax(t/T) ‖ softmax(s/T)) in nats (not multiplied by T²). */
export function softKl(student: tf.Tensor2D, teacher: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(tf.div(teacher, temperature));
    const logPs = tf.logSoftmax(tf.div(student, temperature));
    return tf.mean(tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 1));
  });
}

/**
 * Vanilla KD: α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(s, y). The T² keeps the soft term's
 * gradient scale independent of T. `teacher` is a constant (no gradient flows into it).
 */
export function kdLoss(student: tf.Tensor2D, teacher: tf.Tensor2D, oneHot: tf.Tensor2D, temperature: number, alpha: number): tf.Scalar {
  return tf.tidy(() =>
    tf.add(tf.mul(alpha * temperature * temperature, softKl(student, teacher, temperature)), tf.mul(1 - alpha, crossEntropy(student, oneHot))),
  );
}
