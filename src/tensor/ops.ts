import * as tf from '@tensorflow/tfjs';

/** Rows whose norm is below this are divided by it instead (PyTorch's `F.normalize` eps). */
const NORM_EPS = 1e-12;

/**
 * Rows scaled to unit L2 norm, as PyTorch's `F.normalize`: x / max(‖x‖, eps), so a zero row stays
 * zero. The squared norm is clamped at eps² *before* the square root: sqrt's gradient at 0 is 1/0,
 * and 0 · ∞ made the gradient of an all-zero row (an empty or all-unknown text) NaN, which poisoned
 * every weight from the next step on. sqrt(max(s, eps²)) equals max(sqrt(s), eps) in float32 (eps² =
 * 1e-24 is exact enough that its root rounds to eps), so values and the gradients of every other
 * row are bit-identical to the unclamped form. sqrt(sum(x²)) rather than tf.norm, whose Pow kernel
 * was the hot spot of a corrected training step.
 */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1, true), NORM_EPS * NORM_EPS))) as tf.Tensor2D);
}
