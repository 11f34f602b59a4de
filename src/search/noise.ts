/**
 * Counter-based Gumbel noise: G(seed, query, row) depends only on its three keys, so a sample does
 * not depend on the block size, on how the cache is sharded, or on whether it is taken over the
 * whole cache or over an ANN candidate pool.
 *
 * G = −log(−log1p(−v)) with v = 1 − U uniform in (0, 1): v comes from 53 hashed bits rounded to
 * float32 (so small v, the large-G tail, keeps full relative precision: G reaches ≈ 37), and the
 * logs run vectorised on the tensor backend in exact search (`gumbelTensor`) or in JS (`gumbelAt`).
 */
import { tf } from '../tensor';

/** A 32-bit integer hash with good avalanche (lowbias32). */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Per-query keys derived from the seed. */
export function queryKeys(seed: number, q: number): [number, number] {
  const s = mix32((seed >>> 0) ^ 0x9e3779b9);
  const a = mix32((s + Math.imul(q + 1, 0x85ebca6b)) >>> 0);
  const b = mix32((a ^ 0xc2b2ae35) >>> 0);
  return [a, b];
}

const TWO53 = 9007199254740992;

/** v = 1 − U in (0, 1), float32-rounded, from 53 hashed bits of (query keys, row). */
export function tailUniformAt(qa: number, qb: number, row: number): number {
  const hi = mix32((mix32((row ^ qa) >>> 0) + qb) >>> 0);
  const lo = mix32((hi ^ qa ^ 0x27d4eb2f) >>> 0) >>> 11;
  return Math.fround((hi * 2097152 + lo + 0.5) / TWO53);
}

/** Standard Gumbel noise for (query keys, row): −log(−log1p(−v)). */
export function gumbelAt(qa: number, qb: number, row: number): number {
  return -Math.log(-Math.log1p(-tailUniformAt(qa, qb, row)));
}

/** v for queries [0, nq) and rows [start, end), row-major [nq, end-start]. */
export function tailUniformBlock(seed: number, nq: number, start: number, end: number, out?: Float32Array): Float32Array {
  const n = end - start;
  const res = out ?? new Float32Array(nq * n);
  for (let q = 0; q < nq; q++) {
    const [qa, qb] = queryKeys(seed, q);
    const base = q * n;
    for (let j = 0; j < n; j++) res[base + j] = tailUniformAt(qa, qb, start + j);
  }
  return res;
}

/** Gumbel noise in JS for queries [0, nq) and rows [start, end), row-major [nq, end-start]. */
export function gumbelBlock(seed: number, nq: number, start: number, end: number): Float64Array {
  const v = tailUniformBlock(seed, nq, start, end);
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) g[i] = -Math.log(-Math.log1p(-v[i]));
  return g;
}

/** The same noise as a [nq, end-start] tensor, the logs computed on the backend. */
export function gumbelTensor(seed: number, nq: number, start: number, end: number): tf.Tensor2D {
  const v = tailUniformBlock(seed, nq, start, end);
  return tf.tidy(() => tf.neg(tf.log(tf.neg(tf.log1p(tf.neg(tf.tensor2d(v, [nq, end - start])))))) as tf.Tensor2D);
}
