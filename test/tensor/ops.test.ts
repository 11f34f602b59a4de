import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/tensor';
import { l2NormalizeRows } from '../../src/tensor/ops';
import { Rng } from '../../src/util/rng';

/** The form used before the clamp moved under the root: the reference for every nonzero row. */
function unclampedNormalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), 1e-12)) as tf.Tensor2D;
}

/** Value and gradient of sum(normalize(x) ⊙ up) with respect to x. */
function valueAndGrad(f: (x: tf.Tensor2D) => tf.Tensor2D, x: tf.Tensor2D, up: tf.Tensor2D): { y: Float32Array; g: Float32Array } {
  return tf.tidy(() => {
    const y = f(x).dataSync() as Float32Array;
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v as tf.Tensor2D), up)))(x).dataSync() as Float32Array;
    return { y: Float32Array.from(y), g: Float32Array.from(g) };
  });
}

function randomRows(rng: Rng, rows: number, dim: number, scale = 1): Float32Array {
  return Float32Array.from({ length: rows * dim }, () => rng.normal() * scale);
}

test('l2NormalizeRows: nonzero rows give bit-identical values and gradients to the unclamped form', async () => {
  await initBackend('auto');
  const rng = new Rng(7);
  const dim = 16;
  for (const scale of [1, 1e-3, 1e3, 1e-10, 1e-14]) {
    const x = tf.tensor2d(randomRows(rng, 32, dim, scale), [32, dim]);
    const up = tf.tensor2d(randomRows(rng, 32, dim), [32, dim]);
    const now = valueAndGrad(l2NormalizeRows, x, up);
    const before = valueAndGrad(unclampedNormalize, x, up);
    assert.deepEqual(Array.from(now.y), Array.from(before.y), `values at scale ${scale}`);
    assert.deepEqual(Array.from(now.g), Array.from(before.g), `gradients at scale ${scale}`);
    tf.dispose([x, up]);
  }
});

test('l2NormalizeRows: an all-zero row stays zero with a finite gradient (dy / eps, as F.normalize); the unclamped form gave NaN', async () => {
  await initBackend('auto');
  const rng = new Rng(8);
  const dim = 8;
  const data = randomRows(rng, 3, dim);
  data.fill(0, dim, 2 * dim); // row 1: an empty text's embedding
  const x = tf.tensor2d(data, [3, dim]);
  const up = tf.tensor2d(randomRows(rng, 3, dim), [3, dim]);
  const upData = up.dataSync();
  const now = valueAndGrad(l2NormalizeRows, x, up);
  const before = valueAndGrad(unclampedNormalize, x, up);
  assert.ok(now.g.every(Number.isFinite), 'every gradient is finite');
  assert.ok(before.g.subarray(dim, 2 * dim).some(Number.isNaN), 'the unclamped form is NaN at the zero row (the bug this guards)');
  assert.deepEqual(Array.from(now.y.subarray(dim, 2 * dim)), new Array(dim).fill(0));
  for (let j = 0; j < dim; j++) assert.equal(now.g[dim + j], Math.fround(upData[dim + j] / Math.fround(1e-12)), `d/dx of x/eps at column ${j}`);
  // the other rows are untouched by the zero row
  assert.deepEqual(Array.from(now.g.subarray(0, dim)), Array.from(before.g.subarray(0, dim)));
  assert.deepEqual(Array.from(now.g.subarray(2 * dim)), Array.from(before.g.subarray(2 * dim)));
  tf.dispose([x, up]);
});
