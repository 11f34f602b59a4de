/**
 * What the sweeps measure of a corrector, as plain functions over row-major arrays: its error
 * against the fresh embeddings on held-out targets and on the hard negatives it selects, top-k
 * recovery of the true logits, the KL of the truncated softmax, and the bound's terms as flat
 * numbers. The corrector capacities the sweeps compare (identity, linear, residual MLPs) are
 * defined here too. The runners that compose these (the synthetic sweep, the real-cache capacity
 * sweep) live in src/experiments.
 */
import { tf } from '../tensor';
import type { Corrector, CorrectorConfig } from '../corrector/networks';
import { correctRows } from '../corrector/fit';
import { topKIndices } from '../cache/staleness';
import { meanSoftmaxKl } from '../util/softmax';
import type { BoundEstimate } from './bound';

/** A corrector capacity the sweeps compare. */
export interface SweepCapacity {
  label: string;
  /** Corrector config without dim; `width` may be given as a multiple of dim with `widthFactor`. */
  config: Omit<CorrectorConfig, 'dim' | 'width'> & { widthFactor?: number };
}

/** The default capacities: identity, linear, residual MLPs of width d and 4d, depth 1 and 2 (relu, so both complexity estimates apply). */
export const DEFAULT_CAPACITIES: SweepCapacity[] = [
  { label: 'identity', config: { kind: 'identity' } },
  { label: 'linear', config: { kind: 'linear' } },
  { label: 'mlp w=d L=1', config: { kind: 'mlp', depth: 1, widthFactor: 1, activation: 'relu' } },
  { label: 'mlp w=4d L=1', config: { kind: 'mlp', depth: 1, widthFactor: 4, activation: 'relu' } },
  { label: 'mlp w=d L=2', config: { kind: 'mlp', depth: 2, widthFactor: 1, activation: 'relu' } },
];

/** What `measureCorrector` returns: a corrector against the truth on held-out targets and queries. */
export interface CorrectorMeasures {
  /** Mean ‖h(g′) − g‖ over the held-out targets. */
  heldOutError: number;
  /** The same for the stale cache (identity). */
  staleError: number;
  /** Mean ‖h(g′) − g‖ over the hard negatives (top-k corrected, held-out targets) of the eval queries. */
  hardNegativeError: number;
  /** Mean top-k overlap of corrected vs true logits over all targets, and stale vs true. */
  topKRecall: number;
  topKRecallStale: number;
  /** Mean KL(P‖P_h) of the truncated softmax over S_x (positive + top corrected), and for the stale cache. */
  kl: number;
  klStale: number;
}

/** The bound's terms as flat numbers (what `boundMetrics` returns). */
export interface BoundMeasures {
  /** Bound on E ℓ (valid part: offline all pairs, online the uniform extra pairs) and its terms. */
  bound: number;
  /** The same with uncapped Rademacher estimates (how far from non-vacuous). */
  boundUncapped: number;
  empirical: number;
  rademacherSpectral: number;
  rademacherFrobenius: number;
  confidence: number;
  lossBound: number;
  staleness: number;
  branchBound: number;
  /** Pairs the bound was computed on (online: uniform extra pairs). */
  boundPairs: number;
}

/** The corrector config of a capacity at a dim (width = widthFactor·dim for mlp). */
export function correctorConfig(cap: SweepCapacity, dim: number, seed: number): CorrectorConfig {
  const { widthFactor, ...rest } = cap.config;
  return { ...rest, dim, seed, ...(rest.kind === 'mlp' ? { width: Math.max(1, Math.round((widthFactor ?? 1) * dim)) } : {}) };
}

/** The given rows of a row-major n × d array, in order. */
export function rowsOf(src: Float32Array, rows: ArrayLike<number>, d: number): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) out.set(src.subarray(rows[i] * d, rows[i] * d + d), i * d);
  return out;
}

function meanRowDistance(a: Float32Array, b: Float32Array, d: number): number {
  const n = a.length / d;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = i * d; j < (i + 1) * d; j++) r += (a[j] - b[j]) ** 2;
    s += Math.sqrt(r);
  }
  return n ? s / n : NaN;
}

/**
 * ⟨q, y⟩ for every query and row, nq × n row-major, by the tensor backend in float32. The same
 * quantity as cache/staleness `logits` (exact, float64, a plain loop) deliberately: a sweep scores
 * every target for every query several times per fit, where that loop would dominate the run.
 */
async function logitsTf(queries: Float32Array, rows: Float32Array, d: number): Promise<Float32Array> {
  const out = tf.tidy(() => tf.matMul(tf.tensor2d(queries, [queries.length / d, d]), tf.tensor2d(rows, [rows.length / d, d]), false, true));
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

function overlap(a: number[], b: number[]): number {
  const sa = new Set(a);
  let hit = 0;
  for (const i of b) if (sa.has(i)) hit++;
  return a.length ? hit / a.length : NaN;
}

/**
 * Measures a corrector against the truth on the held-out targets and eval queries: held-out error
 * (mean ‖h(g′) − g‖), hard-negative error (the same over the top-k corrected held-out targets per
 * query), top-k recall |topk(true) ∩ topk(model)|/k over all targets, and the mean KL(P‖P_h) of the
 * truncated softmax(β·logits) over S_x = positive + top-(s−1) by the model's logits; each also for the
 * stale cache (identity) where it applies.
 */
export async function measureCorrector(
  corrector: Corrector,
  data: {
    /** All targets g′ and g, n × dim. */
    stale: Float32Array;
    fresh: Float32Array;
    /** Rows never trained on. */
    heldOut: Int32Array;
    queries: Float32Array;
    /** Row of each query's positive (always in S_x); none: S_x = the model's top s. */
    positives?: Int32Array;
  },
  r: { dim: number; k: number; softmaxSetSize: number; beta: number },
): Promise<CorrectorMeasures> {
  const d = r.dim;
  const n = data.stale.length / d;
  const nq = data.queries.length / d;
  const corrected = await correctRows(corrector, data.stale);
  const hs = rowsOf(data.stale, data.heldOut, d);
  const hf = rowsOf(data.fresh, data.heldOut, d);
  const hc = rowsOf(corrected, data.heldOut, d);
  const heldOutError = meanRowDistance(hc, hf, d);
  const staleError = meanRowDistance(hs, hf, d);
  const lt = await logitsTf(data.queries, data.fresh, d);
  const lc = await logitsTf(data.queries, corrected, d);
  const ls = await logitsTf(data.queries, data.stale, d);
  let recall = 0;
  let recallStale = 0;
  const s = Math.min(r.softmaxSetSize, n);
  const pt = new Float64Array(nq * s);
  const pc = new Float64Array(nq * s);
  const qt = new Float64Array(nq * s);
  const qs = new Float64Array(nq * s);
  // hard negatives among held-out targets
  const heldSet = new Uint8Array(n);
  for (const h of data.heldOut) heldSet[h] = 1;
  let hardSum = 0;
  let hardCount = 0;
  const kk = Math.min(r.k, n);
  for (let q = 0; q < nq; q++) {
    const t = lt.subarray(q * n, (q + 1) * n);
    const c = lc.subarray(q * n, (q + 1) * n);
    const st = ls.subarray(q * n, (q + 1) * n);
    const topTrue = topKIndices(t, kk);
    recall += overlap(topTrue, topKIndices(c, kk));
    recallStale += overlap(topTrue, topKIndices(st, kk));
    const pos = data.positives ? data.positives[q] : -1;
    const fill = (by: Float32Array, outTrue: Float64Array, outModel: Float64Array) => {
      const set = pos >= 0 ? [pos, ...topKIndices(by, s, (i) => i !== pos)].slice(0, s) : topKIndices(by, s);
      set.forEach((i, j) => {
        outTrue[q * s + j] = t[i];
        outModel[q * s + j] = by[i];
      });
    };
    fill(c, pt, pc);
    fill(st, qt, qs);
    // top-k corrected among held-out targets: the hard negatives the corrector has never trained on
    for (const i of topKIndices(c, r.k, (i) => heldSet[i] === 1)) {
      let e = 0;
      for (let j = 0; j < d; j++) e += (corrected[i * d + j] - data.fresh[i * d + j]) ** 2;
      hardSum += Math.sqrt(e);
      hardCount++;
    }
  }
  return {
    heldOutError,
    staleError,
    hardNegativeError: hardCount ? hardSum / hardCount : NaN,
    topKRecall: recall / nq,
    topKRecallStale: recallStale / nq,
    kl: meanSoftmaxKl(pt, pc, nq, r.beta),
    klStale: meanSoftmaxKl(qt, qs, nq, r.beta),
  };
}

/** The bound's terms as sweep metrics (shared by the synthetic and the real-cache sweeps). */
export function boundMetrics(est: BoundEstimate): BoundMeasures {
  return {
    bound: est.bound,
    boundUncapped: est.boundUncapped,
    empirical: est.empiricalError,
    rademacherSpectral: est.rademacher.spectral?.value ?? NaN,
    rademacherFrobenius: est.rademacher.frobenius?.valid ? est.rademacher.frobenius.value : NaN,
    confidence: est.confidence,
    lossBound: est.lossBound,
    staleness: est.staleness,
    branchBound: est.branchBound,
    boundPairs: est.m,
  };
}
