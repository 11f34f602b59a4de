/**
 * Norm-based estimates of the Rademacher complexity 𝓡_m(ℓ∘H) of the corrector's loss class
 * ℓ(h; e, g) = ‖h(e) − g‖ = ‖Δ(e) − (g − e)‖ (docs/theory.md §4–§5). Both act on the residual branch Δ
 * with biases folded into augmented matrices Ŵ_i (constant input channel κ), input radius
 * R̂ = √(R_Δ² + κ²), and L weight layers:
 *
 * - spectral (Bartlett–Foster–Telgarsky 2017, covering number + Dudley integral), any ρ-Lipschitz
 *   activation with σ(0) = 0, vector output handled by the covering itself (the loss is 1-Lipschitz in
 *   the output, so a Frobenius-norm cover of the outputs is a cover of the losses):
 *     A = ∏ᵢ ρ̂ᵢ ŝᵢ · (Σᵢ (b̂ᵢ/ŝᵢ)^{2/3})^{3/2},  ŝᵢ = ‖Ŵᵢ‖₂, b̂ᵢ = ‖Ŵᵢ − M̂ᵢ‖_{2,1} (column form),
 *     C = R̂ · √(ln(2W²)) · A   (W = the largest layer dimension),
 *     𝓡 ≤ inf_α 4α/√m + (12/√m)·C·ln(B√m/α) = (12C/√m)(1 + ln(B√m/(3C)))  when 3C < B√m.
 * - frobenius (Golowich–Rakhlin–Shamir 2018, Thm 1; ReLU / identity only: needs positive
 *   homogeneity), made vector-valued by Maurer's vector contraction (factor √2, one Rademacher
 *   sequence per output coordinate, then a sum over coordinates):
 *     𝓡 ≤ √2 · R̂ · c_L · ∏_{i<L} ‖Ŵᵢ‖_F · Σ_k ‖Ŵ_L[:, k]‖₂ / √m,  c_L = √(2 ln2 · L) + 1 (c₁ = 1:
 *     a linear class, by Cauchy–Schwarz).
 * Every estimate is also capped at B (a [0, B]-valued class has 𝓡 ≤ B).
 */
import { Branch, augmentedLayers, referenceLayers, activationLipschitz, isPositivelyHomogeneous, branchInputRadius } from './branch';
import { Matrix, spectralNorm, frobeniusNorm, columnNorm21, subtract, vectorNorm } from './linalg';

/** Norms of one branch layer (plain and augmented). */
export interface LayerNorms {
  name: string;
  /** [in, out] of the plain layer. */
  shape: [number, number];
  activation: string;
  /** ρ of the activation after this layer (1 for the last). */
  lipschitz: number;
  /** ‖W‖₂ by power iteration. */
  spectral: number;
  frobenius: number;
  /** Σ over output units of ‖W[:, j]‖₂. */
  norm21: number;
  /** ‖b‖₂. */
  biasNorm: number;
  /** ‖Ŵ‖₂, ‖Ŵ‖_F, ‖Ŵ − M̂‖_{2,1} of the augmented matrix. */
  augSpectral: number;
  augFrobenius: number;
  augNorm21: number;
  /** Power-iteration iterations spent on W and Ŵ, and whether both converged. */
  powerIterations: number;
  converged: boolean;
}

/** Layer norms and constants of a branch, computed once and shared by both estimates. */
export interface BranchNorms {
  layers: LayerNorms[];
  /** Input radius of the branch R_Δ (R, or the LayerNorm's bound). */
  branchRadius: number;
  /** κ, the constant channel (= R_Δ, or 1 when R_Δ = 0). */
  kappa: number;
  /** R̂ = √(R_Δ² + κ²). */
  augmentedRadius: number;
  /** Largest layer dimension W of the augmented network. */
  maxWidth: number;
  /** Sup of ‖Δ(e)‖ over ‖e‖ ≤ R and the norm class: z₀ = R_Δ, zᵢ = ρᵢ(‖Wᵢ‖₂ zᵢ₋₁ + ‖bᵢ‖). */
  branchBound: number;
  augmented: Matrix[];
}

/** Computes every layer's norms (power iteration for spectral norms) and the constants of §4. */
export async function branchNorms(branch: Branch, inputRadius: number, opts: { powerTol?: number; powerMaxIter?: number } = {}): Promise<BranchNorms> {
  const branchRadius = branchInputRadius(branch, inputRadius);
  const kappa = branchRadius > 0 ? branchRadius : 1;
  const augmented = augmentedLayers(branch, kappa);
  const refs = referenceLayers(augmented);
  const L = branch.layers.length;
  const pi = { tol: opts.powerTol, maxIter: opts.powerMaxIter };
  const layers: LayerNorms[] = [];
  for (const [i, layer] of branch.layers.entries()) {
    const plain = await spectralNorm(layer.W, { ...pi, seed: 17 + i });
    const aug = await spectralNorm(augmented[i], { ...pi, seed: 1017 + i });
    layers.push({
      name: layer.name,
      shape: [layer.W.rows, layer.W.cols],
      activation: layer.activation,
      lipschitz: i < L - 1 ? activationLipschitz(layer.activation) : 1,
      spectral: plain.value,
      frobenius: frobeniusNorm(layer.W),
      norm21: columnNorm21(layer.W),
      biasNorm: vectorNorm(layer.b),
      augSpectral: aug.value,
      augFrobenius: frobeniusNorm(augmented[i]),
      augNorm21: columnNorm21(subtract(augmented[i], refs[i])),
      powerIterations: plain.iterations + aug.iterations,
      converged: plain.converged && aug.converged,
    });
  }
  let z = branchRadius;
  for (const l of layers) z = l.lipschitz * (l.spectral * z + l.biasNorm);
  const maxWidth = augmented.reduce((w, a) => Math.max(w, a.rows, a.cols), 1);
  return {
    layers,
    branchRadius,
    kappa,
    augmentedRadius: Math.sqrt(branchRadius * branchRadius + kappa * kappa),
    maxWidth,
    branchBound: L === 0 ? 0 : z,
    augmented,
  };
}

/** A Rademacher-complexity estimate with its pieces. */
export interface RademacherEstimate {
  kind: 'spectral' | 'frobenius';
  /** The estimate of 𝓡_m(ℓ∘H), capped at B. */
  value: number;
  /** Before the cap. */
  uncapped: number;
  /** False when the estimate's assumptions fail for this network (frobenius: non-homogeneous activation). */
  valid: boolean;
  /** Why not valid. */
  note?: string;
  /** spectral: A (the spectral complexity) and C = R̂√ln(2W²)·A; frobenius: the norm product. */
  capacity: number;
  scale?: number;
}

/** Activation Lipschitz of the augmented hidden layers: ρ̂ = max(ρ, 1) (the constant channel passes as is). */
function augLipschitz(l: LayerNorms): number {
  return Math.max(1, l.lipschitz);
}

/**
 * Spectral complexity A = (Σᵢ (ρ·b̂ᵢ·∏_{j≠i} ŝⱼ)^{2/3})^{3/2} with ρ = ∏ ρ̂ⱼ; equal to
 * ∏ ρ̂ⱼŝⱼ · (Σ (b̂ᵢ/ŝᵢ)^{2/3})^{3/2} and finite when some ŝᵢ = 0.
 */
export function spectralComplexity(layers: LayerNorms[]): number {
  const rho = layers.reduce((p, l) => p * augLipschitz(l), 1);
  let sum = 0;
  for (let i = 0; i < layers.length; i++) {
    let prod = rho * layers[i].augNorm21;
    for (let j = 0; j < layers.length; j++) if (j !== i) prod *= layers[j].augSpectral;
    sum += Math.pow(prod, 2 / 3);
  }
  return Math.pow(sum, 3 / 2);
}

/**
 * Dudley-integral bound for a class whose log covering number at scale ε (Frobenius norm of the m
 * outputs) is at most m·C²/ε², losses in [0, B]:
 *   𝓡 ≤ inf_{α>0} 4α/√m + (12/m)∫_α^{B√m} √m·C/ε dε = inf_α 4α/√m + (12C/√m)·ln(B√m/α),
 * minimised at α = 3C: (12C/√m)(1 + ln(B√m/(3C))) when 3C < B√m, else 4B (α = B√m).
 */
export function dudleyBound(C: number, m: number, B: number): number {
  if (C <= 0) return 0;
  const sm = Math.sqrt(m);
  if (3 * C >= B * sm) return 4 * B;
  return ((12 * C) / sm) * (1 + Math.log((B * sm) / (3 * C)));
}

/** Bartlett–Foster–Telgarsky spectral estimate of 𝓡_m(ℓ∘H) (file comment). */
export function spectralRademacher(norms: BranchNorms, m: number, lossBound: number): RademacherEstimate {
  if (norms.layers.length === 0) return { kind: 'spectral', value: 0, uncapped: 0, valid: true, capacity: 0, scale: 0 };
  const A = spectralComplexity(norms.layers);
  const C = norms.augmentedRadius * Math.sqrt(Math.log(2 * norms.maxWidth * norms.maxWidth)) * A;
  const uncapped = dudleyBound(C, m, lossBound);
  return { kind: 'spectral', value: Math.min(uncapped, lossBound), uncapped, valid: true, capacity: A, scale: C };
}

/** Golowich–Rakhlin–Shamir Frobenius estimate with Maurer's √2 (file comment); valid for relu / linear only. */
export function frobeniusRademacher(branch: Branch, norms: BranchNorms, m: number, lossBound: number): RademacherEstimate {
  const L = norms.layers.length;
  if (L === 0) return { kind: 'frobenius', value: 0, uncapped: 0, valid: true, capacity: 0 };
  let prod = 1;
  for (let i = 0; i < L - 1; i++) prod *= norms.layers[i].augFrobenius;
  const lastCols = columnNorm21(norms.augmented[L - 1]);
  const capacity = prod * lastCols;
  // L = 1 (linear branch): Cauchy–Schwarz per coordinate gives factor 1 instead of √(2 ln2) + 1.
  const depthFactor = L === 1 ? 1 : Math.sqrt(2 * Math.LN2 * L) + 1;
  const uncapped = (Math.SQRT2 * norms.augmentedRadius * depthFactor * capacity) / Math.sqrt(m);
  const bad = branch.layers.slice(0, L - 1).filter((l) => !isPositivelyHomogeneous(l.activation));
  const valid = bad.length === 0;
  return {
    kind: 'frobenius',
    value: Math.min(uncapped, lossBound),
    uncapped,
    valid,
    note: valid ? undefined : `needs a positively homogeneous activation (relu); this network uses ${bad[0].activation}`,
    capacity,
  };
}
