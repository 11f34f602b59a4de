/**
 * The residual branch Δ(e) = h(e) − e of a corrector, as plain host arrays, and the constants the
 * bound needs from it (docs/theory.md §3–§5):
 * - mlp: Δ(e) = MLP(LN(e)) (LayerNorm when enabled), layers W₁ … W_L with L = depth + 1;
 * - linear: h(e) = A e + b, so Δ(e) = (A − I) e + b, one layer (W − I, b) — we bound the deviation
 *   from the identity, not the whole map;
 * - identity: Δ = 0, no layers.
 * Biases are folded into augmented matrices Ŵ (a constant input channel κ; §4 of the docs).
 */
import type { Corrector } from '../corrector/networks';
import { readTensors } from '../tensor';
import { Matrix, vectorNorm, maxAbs } from './linalg';

/** One affine layer of the branch in the row convention: x ↦ x W + b, then the activation. */
export interface BranchLayer {
  name: string;
  /** [in, out] row-major. */
  W: Matrix;
  /** [out]. */
  b: Float64Array;
  activation: 'relu' | 'gelu' | 'tanh' | 'silu' | 'none';
}

/** The residual branch of a corrector as host arrays. */
export interface Branch {
  kind: Corrector['kind'];
  dim: number;
  layers: BranchLayer[];
  /** LayerNorm on the branch input: x ↦ γ ⊙ (x − μ)/√(var + ε) + β. */
  layerNorm?: { gamma: Float64Array; beta: Float64Array };
  normalizeOutput: boolean;
}

/**
 * Lipschitz constant ρ of an activation (w.r.t. L2, applied element-wise), all with σ(0) = 0:
 * relu 1, tanh 1, identity 1; gelu (exact) max_x |GELU′(x)| = 1.128904… at x = √2;
 * silu max_x |SiLU′(x)| = 1.099839… at x ≈ 2.3994 (both rounded up).
 */
export function activationLipschitz(a: BranchLayer['activation']): number {
  switch (a) {
    case 'relu':
    case 'tanh':
    case 'none':
      return 1;
    case 'gelu':
      return 1.128905;
    case 'silu':
      return 1.09984;
  }
}

/** True for positively homogeneous activations (σ(a x) = a σ(x) for a ≥ 0): relu and the identity. */
export function isPositivelyHomogeneous(a: BranchLayer['activation']): boolean {
  return a === 'relu' || a === 'none';
}

/** Reads the residual branch of a corrector into host arrays (copies, in one awaited read; the corrector is not changed). */
export async function extractBranch(corrector: Corrector): Promise<Branch> {
  const cfg = corrector.config();
  const d = corrector.dim;
  const ln = corrector.inputLayerNorm();
  const tensors = corrector.layers().flatMap((l) => (l.b ? [l.W, l.b] : [l.W]));
  if (ln) tensors.push(ln.gamma, ln.beta);
  const host = await readTensors(tensors);
  let at = 0;
  const next = () => Float64Array.from(host[at++]);
  const layers: BranchLayer[] = corrector.layers().map((l) => {
    const [rows, cols] = l.W.shape;
    const data = next();
    const b = l.b ? next() : new Float64Array(cols);
    return { name: l.name, W: { data, rows, cols }, b, activation: l.activation };
  });
  if (corrector.kind === 'linear') {
    // Δ(e) = e (W − I) + b in the row convention.
    const W = layers[0].W;
    const data = W.data as Float64Array;
    for (let i = 0; i < d; i++) data[i * d + i] -= 1;
    layers[0] = { ...layers[0], name: 'linear − I' };
  }
  const layerNorm = ln ? { gamma: next(), beta: next() } : undefined;
  return { kind: corrector.kind, dim: d, layers: corrector.kind === 'identity' ? [] : layers, layerNorm, normalizeOutput: cfg.normalizeOutput };
}

/**
 * Radius of the branch's input: for inputs with ‖e‖ ≤ R it is R; with a LayerNorm it is
 * ‖γ‖_∞·√d + ‖β‖₂ whatever R is (‖(e − μ)/√(var + ε)‖₂ ≤ √d).
 */
export function branchInputRadius(branch: Branch, inputRadius: number): number {
  if (!branch.layerNorm) return inputRadius;
  return maxAbs(branch.layerNorm.gamma) * Math.sqrt(branch.dim) + vectorNorm(branch.layerNorm.beta);
}

/**
 * The augmented matrices Ŵ_i of §4: the input gets a constant channel κ, hidden layers carry it
 * (Ŵ = [[W, 0], [b/κ, 1]], shape [in+1, out+1]), the last layer drops it (Ŵ = [[W], [b/κ]], shape
 * [in+1, out]). Then Δ(x) = σ̂_{L−1}(… σ̂₁([x, κ] Ŵ₁) …) Ŵ_L with σ̂([u, t]) = [σ(u), t], which is
 * max(ρ, 1)-Lipschitz with σ̂(0) = 0.
 */
export function augmentedLayers(branch: Branch, kappa: number): Matrix[] {
  const L = branch.layers.length;
  return branch.layers.map((layer, i) => {
    const { rows, cols, data } = layer.W;
    const last = i === L - 1;
    const outCols = last ? cols : cols + 1;
    const out = new Float64Array((rows + 1) * outCols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * outCols + c] = data[r * cols + c];
    for (let c = 0; c < cols; c++) out[rows * outCols + c] = layer.b[c] / kappa;
    if (!last) out[rows * outCols + cols] = 1;
    return { data: out, rows: rows + 1, cols: outCols };
  });
}

/**
 * The reference matrices M̂_i of the spectral bound: zero except the constant-propagation entry
 * (1 at [in, out]) of the hidden layers, so ‖(Ŵ − M̂)‖_{2,1} counts only weights and biases.
 */
export function referenceLayers(augmented: Matrix[]): Matrix[] {
  return augmented.map((m, i) => {
    const data = new Float64Array(m.rows * m.cols);
    if (i < augmented.length - 1) data[(m.rows - 1) * m.cols + (m.cols - 1)] = 1;
    return { data, rows: m.rows, cols: m.cols };
  });
}

/**
 * Runs the branch Δ on host rows (float64): for tests and small checks. e: n×d row-major; returns n×d.
 * LayerNorm uses ε = 1e-5 as the corrector does.
 */
export function branchForward(branch: Branch, e: ArrayLike<number>): Float64Array {
  const d = branch.dim;
  const n = e.length / d;
  const out = new Float64Array(n * d);
  if (branch.layers.length === 0) return out;
  for (let r = 0; r < n; r++) {
    let x = Float64Array.from({ length: d }, (_, j) => e[r * d + j]);
    if (branch.layerNorm) {
      let mu = 0;
      for (const v of x) mu += v;
      mu /= d;
      let varSum = 0;
      for (const v of x) varSum += (v - mu) * (v - mu);
      const sd = Math.sqrt(varSum / d + 1e-5);
      x = x.map((v, j) => branch.layerNorm!.gamma[j] * ((v - mu) / sd) + branch.layerNorm!.beta[j]);
    }
    for (const layer of branch.layers) {
      const { rows, cols, data } = layer.W;
      const y = new Float64Array(cols);
      for (let c = 0; c < cols; c++) {
        let s = layer.b[c];
        for (let k = 0; k < rows; k++) s += x[k] * data[k * cols + c];
        y[c] = applyActivation(s, layer.activation);
      }
      x = y;
    }
    out.set(x, r * d);
  }
  return out;
}

function erf(x: number): number {
  // Numerical Recipes' erfc Chebyshev fit (|error| < 1.2e-7).
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    1 -
    t *
      Math.exp(
        -x * x -
          1.26551223 +
          t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
      );
  return x >= 0 ? y : -y;
}

function applyActivation(x: number, a: BranchLayer['activation']): number {
  switch (a) {
    case 'none':
      return x;
    case 'relu':
      return Math.max(0, x);
    case 'tanh':
      return Math.tanh(x);
    case 'silu':
      return x / (1 + Math.exp(-x));
    case 'gelu':
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
  }
}
