import * as tf from '@tensorflow/tfjs';

/**
 * Rows scaled to unit L2 norm (a zero row stays zero). sqrt(sum(x²)) rather than tf.norm, whose Pow
 * kernel was the hot spot of a corrected training step.
 */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), 1e-12)) as tf.Tensor2D);
}
