/** Naive references and fixtures for the search tests. */
import { tf } from '../../src/tensor';
import { Rng } from '../../src/util/rng';

export function randomMatrix(rng: Rng, rows: number, dim: number, scale = 1): Float32Array {
  const a = new Float32Array(rows * dim);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * scale;
  return a;
}

/** `centres` Gaussian clusters (unit-ish centres, small spread): embedding-like data. */
export function clusteredMatrix(rng: Rng, rows: number, dim: number, centres: number, spread = 0.15): Float32Array {
  const c = randomMatrix(rng, centres, dim, 1 / Math.sqrt(dim));
  const a = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const ci = rng.int(centres);
    for (let j = 0; j < dim; j++) a[r * dim + j] = c[ci * dim + j] + (rng.normal() * spread) / Math.sqrt(dim);
  }
  return a;
}

/** Residual MLP weights h(e) = e + relu(e W1 + b1) W2 + b2, as flat arrays. */
export interface Mlp { d: number; h: number; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array }

export function randomMlp(rng: Rng, d: number, h: number): Mlp {
  return { d, h, w1: randomMatrix(rng, d, h, 0.5), b1: randomMatrix(rng, 1, h, 0.1), w2: randomMatrix(rng, h, d, 0.5), b2: randomMatrix(rng, 1, d, 0.1) };
}

/** The MLP as a block transform on the backend (float32); dispose() frees its weights. */
export function mlpTransform(m: Mlp) {
  const w1 = tf.tensor2d(m.w1, [m.d, m.h]);
  const b1 = tf.tensor1d(m.b1);
  const w2 = tf.tensor2d(m.w2, [m.h, m.d]);
  const b2 = tf.tensor1d(m.b2);
  const fn = (e: tf.Tensor2D) => tf.add(e, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(e, w1), b1)), w2), b2)) as tf.Tensor2D;
  return { fn, dispose: () => tf.dispose([w1, b1, w2, b2]) };
}

/** The MLP in plain JS (float64). */
export function mlpJs(m: Mlp, rows: Float32Array): Float64Array {
  const n = rows.length / m.d;
  const out = new Float64Array(n * m.d);
  for (let r = 0; r < n; r++) {
    const hid = new Float64Array(m.h);
    for (let j = 0; j < m.h; j++) {
      let s = m.b1[j];
      for (let i = 0; i < m.d; i++) s += rows[r * m.d + i] * m.w1[i * m.h + j];
      hid[j] = Math.max(0, s);
    }
    for (let i = 0; i < m.d; i++) {
      let s = rows[r * m.d + i] + m.b2[i];
      for (let j = 0; j < m.h; j++) s += hid[j] * m.w2[j * m.d + i];
      out[r * m.d + i] = s;
    }
  }
  return out;
}

/** Naive top-k: double loop over every row, sorted by (score desc, row asc), exclusions dropped. */
export function naiveTopK(
  data: ArrayLike<number>, dim: number, queries: Float32Array, k: number,
  exclude?: (Set<number> | undefined)[], rowsAllowed?: (q: number) => Iterable<number>,
): { indices: number[][]; scores: number[][] } {
  const nq = queries.length / dim;
  const rows = data.length / dim;
  const indices: number[][] = [];
  const scores: number[][] = [];
  for (let q = 0; q < nq; q++) {
    const cand: [number, number][] = [];
    const allowed = rowsAllowed ? rowsAllowed(q) : Array.from({ length: rows }, (_, i) => i);
    for (const r of allowed) {
      if (exclude?.[q]?.has(r)) continue;
      let s = 0;
      for (let j = 0; j < dim; j++) s += queries[q * dim + j] * data[r * dim + j];
      cand.push([s, r]);
    }
    cand.sort((a, b) => (b[0] - a[0]) || (a[1] - b[1]));
    indices.push(cand.slice(0, k).map((c) => c[1]));
    scores.push(cand.slice(0, k).map((c) => c[0]));
  }
  return { indices, scores };
}
