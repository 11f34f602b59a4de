import { InputError } from '../util/errors';
import { Rng } from '../util/rng';

/**
 * Synthetic retrieval data with controlled staleness: targets in R^d (optionally clustered and
 * normalised), queries with a known positive target each, and a drift map that turns the
 * "initial" target embeddings g′ (what a stale cache holds) into the "current" ones g (what the
 * trained target encoder would give). The magnitude knob sets how stale the cache is; 0 means
 * no drift. All arrays are plain row-major Float32Arrays (row i = entries i·d … i·d+d−1).
 */

/** Kinds of drift map. */
export type DriftKind = 'none' | 'linear' | 'rotation' | 'mlp';

/** How to draw a drift map. */
export interface DriftOptions {
  kind: DriftKind;
  /**
   * Size of the drift; 0 gives the identity for every kind.
   * - linear: e ↦ (I + m·R) e with R a random matrix of N(0, 1/d) entries (‖R e‖ ≈ ‖e‖), so
   *   ‖g − g′‖ ≈ m‖g′‖;
   * - rotation: e ↦ Q e, Q orthogonal rotating ⌊d/2⌋ random orthogonal planes by the angle m
   *   (radians) each, so ‖g − g′‖ = 2 sin(m/2)‖g′‖ for even d (norms are kept);
   * - mlp: e ↦ e + m·(W₂ σ(W₁ e + b₁) + b₂), a random one-hidden-layer network.
   */
  magnitude: number;
  /** mlp: hidden width (default d). */
  hidden?: number;
  /** mlp: activation (default 'tanh'). */
  activation?: 'tanh' | 'relu';
  /** mlp: typical norm of the inputs, so W₁ sees unit-scale inputs and the output matches (default 1). */
  inputNorm?: number;
  /** Seed of the drift's random parameters; the same seed gives the same R / Q's planes / MLP for any magnitude. */
  seed?: number | string;
}

interface DriftBase {
  dim: number;
  magnitude: number;
  /** The options it was drawn from (with `seed` resolved when one was given). */
  options: DriftOptions;
}

/** No drift: g = g′. */
export interface NoDrift extends DriftBase {
  kind: 'none';
}

/** g = M g′ with M = I + magnitude·R. */
export interface LinearDrift extends DriftBase {
  kind: 'linear';
  /** R, d×d row-major. */
  perturbation: Float32Array;
  /** M = I + magnitude·R, d×d row-major; g_i = Σ_j M[i·d+j] g′_j. */
  matrix: Float32Array;
}

/** g = Q g′ with Q orthogonal = U B Uᵀ, B a block-diagonal of 2×2 rotations by `magnitude`. */
export interface RotationDrift extends DriftBase {
  kind: 'rotation';
  /** U, d×d row-major with orthonormal columns: the planes are its column pairs (0,1), (2,3), … */
  basis: Float32Array;
  /** Q, d×d row-major. */
  matrix: Float32Array;
}

/** g = g′ + magnitude·(W₂ σ(W₁ g′ + b₁) + b₂). */
export interface MlpDrift extends DriftBase {
  kind: 'mlp';
  hidden: number;
  activation: 'tanh' | 'relu';
  /** W₁, hidden×d row-major. */
  w1: Float32Array;
  b1: Float32Array;
  /** W₂, d×hidden row-major. */
  w2: Float32Array;
  b2: Float32Array;
}

/** A drawn drift map with its parameters. */
export type DriftMap = NoDrift | LinearDrift | RotationDrift | MlpDrift;

function checkPositiveInt(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 1) throw new InputError(`${name} must be a positive integer, got ${v}`);
}

/** Random d×d matrix with orthonormal columns (Gram–Schmidt, twice, on Gaussian columns), row-major. */
export function randomOrthogonal(dim: number, rng: Rng): Float32Array {
  checkPositiveInt(dim, 'dim');
  // columns as Float64 vectors for accuracy
  const cols: Float64Array[] = [];
  for (let c = 0; c < dim; c++) {
    let v: Float64Array;
    for (;;) {
      v = new Float64Array(dim);
      for (let i = 0; i < dim; i++) v[i] = rng.normal();
      for (let pass = 0; pass < 2; pass++) {
        for (const u of cols) {
          let dot = 0;
          for (let i = 0; i < dim; i++) dot += u[i] * v[i];
          for (let i = 0; i < dim; i++) v[i] -= dot * u[i];
        }
      }
      let n = 0;
      for (let i = 0; i < dim; i++) n += v[i] * v[i];
      n = Math.sqrt(n);
      if (n > 1e-6) {
        for (let i = 0; i < dim; i++) v[i] /= n;
        break;
      }
    }
    cols.push(v);
  }
  const out = new Float32Array(dim * dim);
  for (let c = 0; c < dim; c++) for (let i = 0; i < dim; i++) out[i * dim + c] = cols[c][i];
  return out;
}

function gaussianArray(n: number, std: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = std * rng.normal();
  return a;
}

/**
 * Draws a drift map on R^dim. Its random parameters come from `options.seed` when given, else
 * from `rng` (else seed 0); they do not depend on the magnitude, so maps drawn with one seed and
 * different magnitudes differ only in how far they move points.
 */
export function makeDrift(dim: number, options: DriftOptions, rng?: Rng): DriftMap {
  checkPositiveInt(dim, 'dim');
  const m = options.magnitude;
  if (!Number.isFinite(m) || m < 0) throw new InputError(`drift magnitude must be a finite number ≥ 0, got ${m}`);
  const r = options.seed !== undefined ? new Rng(options.seed) : rng ?? new Rng(0);
  const base = { dim, magnitude: m, options: { ...options } };
  switch (options.kind) {
    case 'none':
      return { kind: 'none', ...base };
    case 'linear': {
      const perturbation = gaussianArray(dim * dim, 1 / Math.sqrt(dim), r);
      const matrix = new Float32Array(dim * dim);
      for (let i = 0; i < dim * dim; i++) matrix[i] = m * perturbation[i];
      for (let i = 0; i < dim; i++) matrix[i * dim + i] += 1;
      return { kind: 'linear', ...base, perturbation, matrix };
    }
    case 'rotation': {
      const basis = randomOrthogonal(dim, r);
      const matrix = m === 0 ? identity(dim) : rotationMatrix(basis, dim, m);
      return { kind: 'rotation', ...base, basis, matrix };
    }
    case 'mlp': {
      const hidden = options.hidden ?? dim;
      checkPositiveInt(hidden, 'mlp drift hidden width');
      const activation = options.activation ?? 'tanh';
      if (activation !== 'tanh' && activation !== 'relu') throw new InputError(`mlp drift activation must be 'tanh' or 'relu', got ${JSON.stringify(activation)}`);
      const s = options.inputNorm ?? 1;
      if (!(s > 0)) throw new InputError(`mlp drift inputNorm must be > 0, got ${s}`);
      // W₁ e has unit-variance entries for ‖e‖ = s; W₂ h has norm ≈ s·rms(h)
      const w1 = gaussianArray(hidden * dim, 1 / s, r);
      const b1 = gaussianArray(hidden, 0.5, r);
      const w2 = gaussianArray(dim * hidden, s / Math.sqrt(dim * hidden), r);
      const b2 = gaussianArray(dim, (0.1 * s) / Math.sqrt(dim), r);
      return { kind: 'mlp', ...base, hidden, activation, w1, b1, w2, b2 };
    }
    default:
      throw new InputError(`drift kind must be one of none, linear, rotation, mlp; got ${JSON.stringify((options as DriftOptions).kind)}`);
  }
}

function identity(dim: number): Float32Array {
  const a = new Float32Array(dim * dim);
  for (let i = 0; i < dim; i++) a[i * dim + i] = 1;
  return a;
}

/** Q = U B Uᵀ with B rotating each column pair (2k, 2k+1) of U by `angle`. */
function rotationMatrix(basis: Float32Array, dim: number, angle: number): Float32Array {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  // UB: columns 2k, 2k+1 become c·u₂ₖ + s·u₂ₖ₊₁ and −s·u₂ₖ + c·u₂ₖ₊₁; an odd last column stays
  const ub = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let k = 0; k + 1 < dim; k += 2) {
      const a = basis[i * dim + k];
      const b = basis[i * dim + k + 1];
      ub[i * dim + k] = c * a + s * b;
      ub[i * dim + k + 1] = -s * a + c * b;
    }
    if (dim % 2 === 1) ub[i * dim + dim - 1] = basis[i * dim + dim - 1];
  }
  const q = new Float32Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      let acc = 0;
      for (let k = 0; k < dim; k++) acc += ub[i * dim + k] * basis[j * dim + k];
      q[i * dim + j] = acc;
    }
  }
  return q;
}

function checkRows(points: Float32Array, dim: number, what: string): number {
  if (points.length % dim !== 0) throw new InputError(`${what}: length ${points.length} is not a multiple of dim ${dim}`);
  return points.length / dim;
}

/**
 * Applies a drift map to row-major points (n×d) and returns new points (the input is not
 * changed). With `normalize`, output rows are rescaled to unit L2 norm.
 */
export function applyDrift(drift: DriftMap, points: Float32Array, opts: { normalize?: boolean } = {}): Float32Array {
  const d = drift.dim;
  const n = checkRows(points, d, 'applyDrift points');
  let out: Float32Array;
  switch (drift.kind) {
    case 'none':
      out = Float32Array.from(points);
      break;
    case 'linear':
    case 'rotation':
      out = matmulRows(points, n, d, drift.matrix);
      break;
    case 'mlp': {
      out = new Float32Array(n * d);
      const h = new Float64Array(drift.hidden);
      const { w1, b1, w2, b2, hidden, magnitude } = drift;
      const relu = drift.activation === 'relu';
      for (let r = 0; r < n; r++) {
        const off = r * d;
        for (let k = 0; k < hidden; k++) {
          let acc = b1[k];
          for (let j = 0; j < d; j++) acc += w1[k * d + j] * points[off + j];
          h[k] = relu ? Math.max(0, acc) : Math.tanh(acc);
        }
        for (let i = 0; i < d; i++) {
          let acc = b2[i];
          for (let k = 0; k < hidden; k++) acc += w2[i * hidden + k] * h[k];
          out[off + i] = points[off + i] + magnitude * acc;
        }
      }
      break;
    }
  }
  if (opts.normalize) normalizeRows(out, d);
  return out;
}

/** y_r = M x_r for every row x_r (M d×d row-major). */
function matmulRows(x: Float32Array, n: number, d: number, m: Float32Array): Float32Array {
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const off = r * d;
    for (let i = 0; i < d; i++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += m[i * d + j] * x[off + j];
      out[off + i] = acc;
    }
  }
  return out;
}

/** Rescales every row of a row-major n×d array to unit L2 norm, in place (zero rows stay zero). */
export function normalizeRows(x: Float32Array, dim: number): Float32Array {
  const n = checkRows(x, dim, 'normalizeRows');
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += x[r * dim + j] * x[r * dim + j];
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) x[r * dim + j] *= inv;
  }
  return x;
}

/** Size of the drift between two row-aligned sets of points. */
export interface DriftStats {
  /** mean over rows of ‖g − g′‖ */
  meanDistance: number;
  /** max over rows of ‖g − g′‖ (the staleness term in the bound's B) */
  maxDistance: number;
  /** mean over rows of ‖g − g′‖ / ‖g′‖ (rows with ‖g′‖ = 0 skipped) */
  meanRelative: number;
  /** mean over rows of cos(g, g′) */
  meanCosine: number;
}

/**
 * Measures how far `current` (g) is from `initial` (g′), row by row:
 * distance_r = ‖g_r − g′_r‖₂, relative_r = distance_r / ‖g′_r‖₂, cosine_r = ⟨g_r, g′_r⟩ / (‖g_r‖‖g′_r‖).
 */
export function driftStats(initial: Float32Array, current: Float32Array, dim: number): DriftStats {
  const n = checkRows(initial, dim, 'driftStats initial');
  if (current.length !== initial.length) throw new InputError(`driftStats: initial has ${initial.length} values, current ${current.length}`);
  let sumD = 0;
  let maxD = 0;
  let sumRel = 0;
  let nRel = 0;
  let sumCos = 0;
  let nCos = 0;
  for (let r = 0; r < n; r++) {
    let dd = 0;
    let aa = 0;
    let bb = 0;
    let ab = 0;
    for (let j = 0; j < dim; j++) {
      const a = initial[r * dim + j];
      const b = current[r * dim + j];
      dd += (b - a) * (b - a);
      aa += a * a;
      bb += b * b;
      ab += a * b;
    }
    const dist = Math.sqrt(dd);
    sumD += dist;
    if (dist > maxD) maxD = dist;
    if (aa > 0) {
      sumRel += dist / Math.sqrt(aa);
      nRel++;
    }
    if (aa > 0 && bb > 0) {
      sumCos += ab / Math.sqrt(aa * bb);
      nCos++;
    }
  }
  return {
    meanDistance: n ? sumD / n : 0,
    maxDistance: maxD,
    meanRelative: nRel ? sumRel / nRel : 0,
    meanCosine: nCos ? sumCos / nCos : 1,
  };
}

/** Options of makeSyntheticData. */
export interface SyntheticOptions {
  /** Default 0. The same options and seed give the same arrays. */
  seed?: number | string;
  numTargets: number;
  numQueries: number;
  dim: number;
  /** Number of clusters of targets; 0 or undefined: isotropic Gaussian targets. */
  clusters?: number;
  /** Within-cluster standard deviation relative to the centres' scale (default 0.3). */
  clusterSpread?: number;
  /** Rescale targets (initial and current) and queries to unit L2 norm (default true). */
  normalize?: boolean;
  /** Standard deviation of the query noise relative to the targets' scale (default 0.1). */
  queryNoise?: number;
  /** Queries are noisy copies of their positive's current embedding g (default) or initial g′. */
  queryFrom?: 'current' | 'initial';
  /** Drift from initial to current targets (default none). Its seed defaults to one drawn from `seed`. */
  drift?: DriftOptions;
}

/** Generated synthetic data. Row-major Float32Arrays; d = dim. */
export interface SyntheticData {
  dim: number;
  numTargets: number;
  numQueries: number;
  /** g′: what a cache built by the initial encoder holds, numTargets×d. */
  initialTargets: Float32Array;
  /** g = drift(g′): what the current encoder gives, numTargets×d. */
  currentTargets: Float32Array;
  /** numQueries×d. */
  queries: Float32Array;
  /** positives[i] = row of query i's positive target. */
  positives: Int32Array;
  /** Cluster of each target (when clustered). */
  clusterOf?: Int32Array;
  /** The drift map (apply it to new points with applyDrift). */
  drift: DriftMap;
  /** Options with defaults filled in. */
  options: Required<Omit<SyntheticOptions, 'drift'>> & { drift: DriftOptions };
}

/**
 * Generates targets g′ ∈ R^d (entries N(0, 1/d), so norms ≈ 1; or cluster centres of that law
 * plus N(0, spread²/d) noise), current targets g = drift(g′), and queries q_i = t_{p_i} + ε,
 * ε ~ N(0, noise²/d), where t is g (or g′ with queryFrom 'initial') and p_i the known positive.
 * Positives are distinct while numQueries ≤ numTargets. Targets, drift and queries use separate
 * random streams, so e.g. changing numQueries or the drift magnitude leaves the targets alone.
 */
export function makeSyntheticData(opts: SyntheticOptions): SyntheticData {
  const { numTargets, numQueries, dim } = opts;
  checkPositiveInt(numTargets, 'numTargets');
  checkPositiveInt(dim, 'dim');
  if (!Number.isInteger(numQueries) || numQueries < 0) throw new InputError(`numQueries must be an integer ≥ 0, got ${numQueries}`);
  const seed = opts.seed ?? 0;
  const clusters = opts.clusters ?? 0;
  if (!Number.isInteger(clusters) || clusters < 0) throw new InputError(`clusters must be an integer ≥ 0, got ${clusters}`);
  const clusterSpread = opts.clusterSpread ?? 0.3;
  const queryNoise = opts.queryNoise ?? 0.1;
  if (!(clusterSpread >= 0) || !(queryNoise >= 0)) throw new InputError(`clusterSpread and queryNoise must be ≥ 0, got ${clusterSpread} and ${queryNoise}`);
  const normalize = opts.normalize ?? true;
  const queryFrom = opts.queryFrom ?? 'current';
  if (queryFrom !== 'current' && queryFrom !== 'initial') throw new InputError(`queryFrom must be 'current' or 'initial', got ${JSON.stringify(queryFrom)}`);

  const root = new Rng(seed);
  const targetRng = root.fork();
  const driftRng = root.fork();
  const queryRng = root.fork();

  const scale = 1 / Math.sqrt(dim);
  const initialTargets = new Float32Array(numTargets * dim);
  let clusterOf: Int32Array | undefined;
  if (clusters > 0) {
    const centres = gaussianArray(clusters * dim, scale, targetRng);
    clusterOf = new Int32Array(numTargets);
    for (let t = 0; t < numTargets; t++) {
      const c = targetRng.int(clusters);
      clusterOf[t] = c;
      for (let j = 0; j < dim; j++) initialTargets[t * dim + j] = centres[c * dim + j] + clusterSpread * scale * targetRng.normal();
    }
  } else {
    for (let i = 0; i < initialTargets.length; i++) initialTargets[i] = scale * targetRng.normal();
  }
  if (normalize) normalizeRows(initialTargets, dim);

  const driftOptions: DriftOptions = opts.drift ?? { kind: 'none', magnitude: 0 };
  const drift = makeDrift(dim, driftOptions, driftRng);
  // no drift: exactly the initial targets (renormalising unit rows could change last bits)
  const currentTargets = drift.kind === 'none' || drift.magnitude === 0 ? Float32Array.from(initialTargets) : applyDrift(drift, initialTargets, { normalize });

  const positives = new Int32Array(numQueries);
  if (numQueries <= numTargets) {
    const order = new Int32Array(numTargets);
    for (let i = 0; i < numTargets; i++) order[i] = i;
    // partial Fisher–Yates: the first numQueries entries are a uniform sample without replacement
    for (let i = 0; i < numQueries; i++) {
      const j = i + queryRng.int(numTargets - i);
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
      positives[i] = order[i];
    }
  } else {
    for (let i = 0; i < numQueries; i++) positives[i] = queryRng.int(numTargets);
  }
  const source = queryFrom === 'current' ? currentTargets : initialTargets;
  const queries = new Float32Array(numQueries * dim);
  for (let i = 0; i < numQueries; i++) {
    const p = positives[i];
    for (let j = 0; j < dim; j++) queries[i * dim + j] = source[p * dim + j] + queryNoise * scale * queryRng.normal();
  }
  if (normalize) normalizeRows(queries, dim);

  return {
    dim,
    numTargets,
    numQueries,
    initialTargets,
    currentTargets,
    queries,
    positives,
    clusterOf,
    drift,
    options: { seed, numTargets, numQueries, dim, clusters, clusterSpread, normalize, queryNoise, queryFrom, drift: driftOptions },
  };
}

/**
 * Row of the target with the largest inner product ⟨q, t⟩ for each query (exact, brute force):
 * the reference answer for tests and small synthetic experiments.
 */
export function nearestTargets(queries: Float32Array, targets: Float32Array, dim: number): Int32Array {
  const m = checkRows(queries, dim, 'nearestTargets queries');
  const n = checkRows(targets, dim, 'nearestTargets targets');
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    let best = -Infinity;
    let arg = -1;
    for (let t = 0; t < n; t++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += queries[i * dim + j] * targets[t * dim + j];
      if (s > best) {
        best = s;
        arg = t;
      }
    }
    out[i] = arg;
  }
  return out;
}
