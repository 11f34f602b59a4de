/**
 * Matrix norms used by the generalization-bound terms, on plain row-major arrays (Float32Array or
 * Float64Array), computed in float64. A matrix is `{ data, rows, cols }`, entry (i, j) at
 * data[i·cols + j]. Weight matrices follow the corrector's row-vector convention W [in, out]: column j
 * holds the incoming weights of output unit j.
 */
import { tf, readScalar } from '../tensor';
import { Rng } from '../util/rng';

/** A dense row-major matrix. */
export interface Matrix {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** Frobenius norm ‖W‖_F = √(Σ_ij W_ij²). */
export function frobeniusNorm(m: Matrix): number {
  let s = 0;
  const n = m.rows * m.cols;
  for (let i = 0; i < n; i++) s += m.data[i] * m.data[i];
  return Math.sqrt(s);
}

/**
 * Column (2,1) norm Σ_j ‖W_{:,j}‖₂: the sum over columns of their L2 norms. With W [in, out] in the
 * row convention this is the sum over output units of the norm of their incoming weights, i.e. the
 * ‖Aᵀ‖_{2,1} of Bartlett–Foster–Telgarsky for the column-convention matrix A = Wᵀ.
 */
export function columnNorm21(m: Matrix): number {
  let total = 0;
  for (let j = 0; j < m.cols; j++) {
    let s = 0;
    for (let i = 0; i < m.rows; i++) {
      const v = m.data[i * m.cols + j];
      s += v * v;
    }
    total += Math.sqrt(s);
  }
  return total;
}

/** Largest absolute entry max_ij |W_ij|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Euclidean norm √(Σ v_i²). */
export function vectorNorm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Result of a power iteration. */
export interface SpectralNormEstimate {
  /** Estimate of σ_max(W) = ‖W‖₂ (a lower bound that converges from below). */
  value: number;
  iterations: number;
  /** Relative change of the estimate at the last iteration. */
  relativeChange: number;
  converged: boolean;
}

/**
 * Spectral norm ‖W‖₂ = σ_max(W) by power iteration. Small matrices (host, float64): v ← WᵀW v / ‖WᵀW v‖,
 * σ = ‖W v‖, from a seeded Gaussian start, until the relative change of σ is below `tol` (default 1e-9) or `maxIter`
 * (default 2000) iterations. Each iterate ‖W v‖ (‖v‖ = 1) is a lower bound on σ_max; convergence is
 * geometric in (σ₂/σ₁)². A zero matrix gives 0. Large matrices (≥ 250k entries, or method 'tf') iterate
 * on the Gram matrix with tf (spectralNormTf below).
 */
export async function spectralNorm(m: Matrix, opts: SpectralNormOptions = {}): Promise<SpectralNormEstimate> {
  const method = opts.method ?? (m.rows * m.cols >= 250_000 ? 'tf' : 'host');
  return method === 'tf' ? spectralNormTf(m, opts) : spectralNormHost(m, opts);
}

/** Options of spectralNorm. */
export interface SpectralNormOptions {
  /** Stop when the relative change of the estimate is below this (host default 1e-9, tf default 1e-7). */
  tol?: number;
  /** Most iterations (default 2000 host, 5000 tf). */
  maxIter?: number;
  seed?: number;
  /** 'host': float64 power iteration in JS; 'tf': on the Gram matrix with tf (float32), finished by a float64 Rayleigh quotient; 'auto' (default): tf from 250k entries. */
  method?: 'host' | 'tf' | 'auto';
}

/** Host power iteration (see spectralNorm). */
function spectralNormHost(m: Matrix, opts: SpectralNormOptions): SpectralNormEstimate {
  const { rows, cols, data } = m;
  const tol = opts.tol ?? 1e-9;
  const maxIter = opts.maxIter ?? 2000;
  if (rows === 0 || cols === 0) return { value: 0, iterations: 0, relativeChange: 0, converged: true };
  // Float64 copy for accuracy and speed of repeated passes.
  const w = Float64Array.from(data as ArrayLike<number>);
  const rng = new Rng(opts.seed ?? 12345);
  let v = new Float64Array(cols);
  for (let j = 0; j < cols; j++) v[j] = rng.normal();
  normalizeInPlace(v);
  const u = new Float64Array(rows);
  let sigma = 0;
  let change = Infinity;
  let it = 0;
  for (; it < maxIter; it++) {
    // u = W v
    for (let i = 0; i < rows; i++) {
      let s = 0;
      const off = i * cols;
      for (let j = 0; j < cols; j++) s += w[off + j] * v[j];
      u[i] = s;
    }
    const next = vectorNorm(u);
    if (next === 0) {
      // v landed in the null space (or W = 0): restart once from another vector, else W = 0.
      if (frobeniusNorm(m) === 0) return { value: 0, iterations: it + 1, relativeChange: 0, converged: true };
      for (let j = 0; j < cols; j++) v[j] = rng.normal();
      normalizeInPlace(v);
      continue;
    }
    change = Math.abs(next - sigma) / next;
    sigma = next;
    // v = Wᵀ u / ‖Wᵀ u‖
    const nv = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const ui = u[i];
      if (ui === 0) continue;
      const off = i * cols;
      for (let j = 0; j < cols; j++) nv[j] += w[off + j] * ui;
    }
    normalizeInPlace(nv);
    v = nv;
    if (change < tol && it > 0) return { value: sigma, iterations: it + 1, relativeChange: change, converged: true };
  }
  return { value: sigma, iterations: it, relativeChange: change, converged: change < tol };
}

/**
 * Power iteration for large matrices: G = W Wᵀ or WᵀW (the smaller side n) is formed once with tf,
 * then v ← G v / ‖G v‖ runs on the backend (float32; convergence checked every 25 iterations), and the
 * result is σ = ‖Wᵀv‖ or ‖W v‖ computed in float64 on the host from the final unit vector v — a
 * Rayleigh quotient, so still a lower bound on σ_max, with error quadratic in the angle of v.
 */
async function spectralNormTf(m: Matrix, opts: SpectralNormOptions): Promise<SpectralNormEstimate> {
  const { rows, cols, data } = m;
  const tol = opts.tol ?? 1e-7;
  const maxIter = opts.maxIter ?? 5000;
  const checkEvery = 25;
  if (rows === 0 || cols === 0) return { value: 0, iterations: 0, relativeChange: 0, converged: true };
  const byRows = rows <= cols; // G = W Wᵀ (rows × rows) when the row side is smaller
  const n = byRows ? rows : cols;
  const G = tf.tidy(() => {
    const W = tf.tensor2d(data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>), [rows, cols]);
    return byRows ? tf.matMul(W, W, false, true) : tf.matMul(W, W, true, false);
  });
  const rng = new Rng(opts.seed ?? 12345);
  let v: tf.Tensor2D = tf.tidy(() => {
    const x = tf.tensor2d(Float32Array.from({ length: n }, () => rng.normal()), [n, 1]);
    return tf.div(x, tf.norm(x)) as tf.Tensor2D;
  });
  let lambda = 0;
  let change = Infinity;
  let it = 0;
  try {
    while (it < maxIter) {
      const [next, norm] = tf.tidy(() => {
        let x: tf.Tensor2D = v;
        let nrm: tf.Tensor = tf.scalar(0);
        for (let j = 0; j < checkEvery; j++) {
          const u = tf.matMul(G, x);
          nrm = tf.norm(u);
          x = tf.div(u, tf.maximum(nrm, 1e-30)) as tf.Tensor2D;
        }
        return [x, nrm] as [tf.Tensor2D, tf.Tensor];
      });
      it += checkEvery;
      v.dispose();
      v = next;
      const l = await readScalar(norm);
      norm.dispose();
      if (l === 0) return { value: 0, iterations: it, relativeChange: 0, converged: true };
      change = Math.abs(l - lambda) / l;
      lambda = l;
      if (change < tol) break;
    }
    const vh = Float64Array.from(await v.data());
    normalizeInPlace(vh);
    // σ² = ‖Wᵀ v‖² (v ∈ ℝ^rows) or ‖W v‖² (v ∈ ℝ^cols), in float64
    let s2 = 0;
    if (byRows) {
      const acc = new Float64Array(cols);
      for (let i = 0; i < rows; i++) {
        const vi = vh[i];
        if (vi === 0) continue;
        const off = i * cols;
        for (let j = 0; j < cols; j++) acc[j] += data[off + j] * vi;
      }
      for (let j = 0; j < cols; j++) s2 += acc[j] * acc[j];
    } else {
      for (let i = 0; i < rows; i++) {
        let s = 0;
        const off = i * cols;
        for (let j = 0; j < cols; j++) s += data[off + j] * vh[j];
        s2 += s * s;
      }
    }
    return { value: Math.sqrt(s2), iterations: it, relativeChange: change, converged: change < tol };
  } finally {
    v.dispose();
    G.dispose();
  }
}

function normalizeInPlace(v: Float64Array): void {
  const n = vectorNorm(v);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
}

/** W − M entry-wise (same shape). */
export function subtract(a: Matrix, b: Matrix): Matrix {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] - b.data[i];
  return { data: out, rows: a.rows, cols: a.cols };
}
