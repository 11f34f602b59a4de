/**
 * Synthetic experiment suite (docs/theory.md §9): on the synthetic drift generator, one factor at a
 * time around a centre point, sweep (a) the number of fresh training pairs m, (b) the drift magnitude,
 * (c) the corrector capacity; for each point and seed fit a corrector — offline (m uniform pairs,
 * fitCorrector with early stopping on a split of them) and online (pairs delivered as a training run
 * would: hard negatives = top-k of the corrected logits for random training queries, plus their
 * positives, plus optional uniform extra targets; one OnlineCorrectorTrainer step per training step) —
 * and record held-out embedding error, the bound and its terms, top-k recall of the corrected logits
 * against the true ones, and the KL of the truncated softmax. Means with 95% intervals over seeds
 * (mean ± 1.96·sd/√n).
 */
import { tf } from '../tensor';
import { buildCorrector, Corrector, CorrectorConfig } from '../corrector/networks';
import { fitCorrector, correctRows, OnlineCorrectorTrainer, FitCorrectorReport } from '../corrector/fit';
import { makeSyntheticData, DriftKind } from '../data/synthetic';
import { logits } from '../cache/staleness';
import { meanSoftmaxKl } from '../train/probe';
import { Rng } from '../util/rng';
import { InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { estimateBound, BoundEstimate } from './bound';

/** A corrector capacity on the sweep's axis (c). */
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

export type SweepMode = 'offline' | 'online';
export type SweepAxis = 'pairs' | 'drift' | 'capacity';

export interface SyntheticSweepOptions {
  /** Smaller grid, fewer seeds (about a minute on 2 cores). */
  quick?: boolean;
  /** Embedding dimension; default 32 (quick 16). */
  dim?: number;
  /** Seeds per point; default 3 (quick 2). */
  seeds?: number;
  /** First seed; default 0. */
  seed?: number;
  /** Axis (a): numbers of fresh pairs m; default [64, 256, 1024, 4096] (quick [64, 1024]). */
  pairCounts?: number[];
  /** Axis (b): drift magnitudes; default [0.1, 0.3, 0.6, 1.0] (quick [0.2, 0.8]). */
  driftMagnitudes?: number[];
  /** Axis (c): capacities; default DEFAULT_CAPACITIES (quick: identity, linear, mlp w=d L=1). */
  capacities?: SweepCapacity[];
  /** The centre point the other axes hold fixed: m, drift magnitude, capacity label. Default 512 / 0.5 / 'mlp w=d L=1' (quick 256). */
  center?: { m?: number; drift?: number; capacity?: string };
  /** Drift kind of the generator; default 'mlp'. */
  driftKind?: DriftKind;
  /** Target clusters of the generator; default 16. */
  clusters?: number;
  /** Unit-normalise targets and queries (the generator's `normalize`); default false. */
  normalize?: boolean;
  /** Held-out targets (never trained on); default 1000 (quick 500). */
  heldOutTargets?: number;
  /** Evaluation queries; default 200 (quick 100). Training queries (online): 4 × this. */
  queries?: number;
  /** Modes; default both. */
  modes?: SweepMode[];
  /** Softmax inverse temperature; default 20. */
  beta?: number;
  /** k of top-k recall and of the hard negatives; default 10. */
  k?: number;
  /** Size of the truncated set S_x for the KL (positive + top-(s−1) corrected); default 32. */
  softmaxSetSize?: number;
  delta?: number;
  /** Offline fitting: Adam learning rate (3e-3), most optimizer steps per fit (800), patience (8). */
  fit?: { learningRate?: number; maxSteps?: number; patience?: number };
  /** Online: queries per step (4), uniform extra targets per step (8), learning rate (5e-3). */
  online?: { queriesPerStep?: number; uniformPerStep?: number; learningRate?: number };
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** mean, sd and 95% interval half-width 1.96·sd/√n over seeds. */
export interface Stat {
  mean: number;
  sd: number;
  ci95: number;
  n: number;
  values: number[];
}

/** Summarises values: mean, sample sd (n − 1), ci95 = 1.96·sd/√n; NaNs dropped. */
export function summarize(values: number[]): Stat {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  const mean = n ? v.reduce((s, x) => s + x, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, ci95: n > 0 ? (1.96 * sd) / Math.sqrt(n) : NaN, n, values };
}

/** What one (point, seed, mode) run measures. */
export interface SweepRunMetrics {
  /** Mean ‖h(g′) − g‖ over the held-out targets. */
  heldOutError: number;
  /** The same for the stale cache (identity). */
  staleError: number;
  /** Mean ‖h(g′) − g‖ over the hard negatives (top-k corrected, held-out targets) of the eval queries. */
  hardNegativeError: number;
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
  /** Held-out error ≤ bound. */
  holds: number;
  /** Mean top-k overlap of corrected vs true logits over all targets, and stale vs true. */
  topKRecall: number;
  topKRecallStale: number;
  /** Mean KL(P‖P_h) of the truncated softmax over S_x (positive + top corrected), and for the stale cache. */
  kl: number;
  klStale: number;
  /** Pairs delivered (m) and distinct targets among them. */
  pairsDelivered: number;
  uniquePairs: number;
  seconds: number;
}

export interface SweepPoint {
  axis: SweepAxis;
  mode: SweepMode;
  m: number;
  drift: number;
  capacity: string;
  /** Per metric: mean ± ci over seeds. */
  stats: Record<keyof SweepRunMetrics, Stat>;
}

export interface SyntheticSweepResult {
  format: 'freshcache-synthetic-sweep';
  version: 1;
  /** The options with every default filled in. */
  options: ResolvedSweepOptions;
  points: SweepPoint[];
  seconds: number;
}

/** Sweep options with defaults filled in. */
export interface ResolvedSweepOptions {
  quick: boolean;
  dim: number;
  seeds: number;
  seed: number;
  pairCounts: number[];
  driftMagnitudes: number[];
  capacities: SweepCapacity[];
  center: { m: number; drift: number; capacity: string };
  driftKind: DriftKind;
  clusters: number;
  normalize: boolean;
  heldOutTargets: number;
  queries: number;
  modes: SweepMode[];
  beta: number;
  k: number;
  softmaxSetSize: number;
  delta: number;
  fit: { learningRate: number; maxSteps: number; patience: number };
  online: { queriesPerStep: number; uniformPerStep: number; learningRate: number };
}

function resolve(o: SyntheticSweepOptions): ResolvedSweepOptions {
  const quick = o.quick ?? false;
  const capacities = o.capacities ?? (quick ? DEFAULT_CAPACITIES.slice(0, 3) : DEFAULT_CAPACITIES);
  const r: ResolvedSweepOptions = {
    quick,
    dim: o.dim ?? (quick ? 16 : 32),
    seeds: o.seeds ?? (quick ? 2 : 3),
    seed: o.seed ?? 0,
    pairCounts: o.pairCounts ?? (quick ? [64, 1024] : [64, 256, 1024, 4096]),
    driftMagnitudes: o.driftMagnitudes ?? (quick ? [0.2, 0.8] : [0.1, 0.3, 0.6, 1.0]),
    capacities,
    center: { m: o.center?.m ?? (quick ? 256 : 512), drift: o.center?.drift ?? 0.5, capacity: o.center?.capacity ?? 'mlp w=d L=1' },
    driftKind: o.driftKind ?? 'mlp',
    clusters: o.clusters ?? 16,
    normalize: o.normalize ?? false,
    heldOutTargets: o.heldOutTargets ?? (quick ? 500 : 1000),
    queries: o.queries ?? (quick ? 100 : 200),
    modes: o.modes ?? ['offline', 'online'],
    beta: o.beta ?? 20,
    k: o.k ?? 10,
    softmaxSetSize: o.softmaxSetSize ?? 32,
    delta: o.delta ?? 0.05,
    fit: { learningRate: o.fit?.learningRate ?? 3e-3, maxSteps: o.fit?.maxSteps ?? 800, patience: o.fit?.patience ?? 8 },
    online: { queriesPerStep: o.online?.queriesPerStep ?? 4, uniformPerStep: o.online?.uniformPerStep ?? 8, learningRate: o.online?.learningRate ?? 5e-3 },
  };
  const posInt = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`synthetic sweep: ${what} must be an integer ≥ 1, got ${v}`);
  };
  posInt(r.dim, 'dim');
  posInt(r.seeds, 'seeds');
  r.pairCounts.forEach((m) => posInt(m, 'pair count'));
  posInt(r.center.m, 'centre m');
  r.driftMagnitudes.forEach((x) => {
    if (!(x >= 0)) throw new InputError(`synthetic sweep: drift magnitudes must be ≥ 0, got ${x}`);
  });
  if (!capacities.some((c) => c.label === r.center.capacity)) {
    throw new InputError(`synthetic sweep: centre capacity '${r.center.capacity}' is not one of ${capacities.map((c) => c.label).join(', ')}`);
  }
  for (const m of r.modes) if (m !== 'offline' && m !== 'online') throw new InputError(`synthetic sweep: mode must be offline or online, got '${m}'`);
  return r;
}

/** The grid: one axis at a time, the others at the centre; duplicates (the centre) kept once per axis. */
function gridPoints(r: ResolvedSweepOptions): { axis: SweepAxis; m: number; drift: number; capacity: string }[] {
  const c = r.center;
  return [
    ...r.pairCounts.map((m) => ({ axis: 'pairs' as const, m, drift: c.drift, capacity: c.capacity })),
    ...r.driftMagnitudes.map((drift) => ({ axis: 'drift' as const, m: c.m, drift, capacity: c.capacity })),
    ...r.capacities.map((cap) => ({ axis: 'capacity' as const, m: c.m, drift: c.drift, capacity: cap.label })),
  ];
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
 * Indices of the k largest values, largest first (ties: lower index first), by a size-k min-heap:
 * O(n log k), the same answer as cache/staleness topKIndices. `allow` filters candidate indices.
 */
export function topK(values: ArrayLike<number>, k: number, allow?: (i: number) => boolean): number[] {
  const heap: number[] = [];
  // heap ordered so the root is the "worst" kept index: smaller value, or equal value and larger index
  const worse = (a: number, b: number) => values[a] < values[b] || (values[a] === values[b] && a > b);
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  if (k <= 0) return [];
  for (let i = 0; i < values.length; i++) {
    if (allow && !allow(i)) continue;
    if (heap.length < k) {
      heap.push(i);
      up(heap.length - 1);
    } else if (worse(heap[0], i)) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort((a, b) => values[b] - values[a] || a - b);
}

/** ⟨q, y⟩ for every query and row, nq × n row-major (tf matMul; float32). */
function logitsTf(queries: Float32Array, rows: Float32Array, d: number): Float32Array {
  const out = tf.tidy(() => tf.matMul(tf.tensor2d(queries, [queries.length / d, d]), tf.tensor2d(rows, [rows.length / d, d]), false, true));
  const v = out.dataSync() as Float32Array;
  out.dispose();
  return v;
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
export function evaluateCorrector(
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
): Pick<SweepRunMetrics, 'heldOutError' | 'staleError' | 'hardNegativeError' | 'topKRecall' | 'topKRecallStale' | 'kl' | 'klStale'> {
  const d = r.dim;
  const n = data.stale.length / d;
  const nq = data.queries.length / d;
  const corrected = correctRows(corrector, data.stale);
  const hs = rowsOf(data.stale, data.heldOut, d);
  const hf = rowsOf(data.fresh, data.heldOut, d);
  const hc = rowsOf(corrected, data.heldOut, d);
  const heldOutError = meanRowDistance(hc, hf, d);
  const staleError = meanRowDistance(hs, hf, d);
  const lt = logitsTf(data.queries, data.fresh, d);
  const lc = logitsTf(data.queries, corrected, d);
  const ls = logitsTf(data.queries, data.stale, d);
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
    const topTrue = topK(t, kk);
    recall += overlap(topTrue, topK(c, kk));
    recallStale += overlap(topTrue, topK(st, kk));
    const pos = data.positives ? data.positives[q] : -1;
    const fill = (by: Float32Array, outTrue: Float64Array, outModel: Float64Array) => {
      const set = pos >= 0 ? [pos, ...topK(by, s, (i) => i !== pos)].slice(0, s) : topK(by, s);
      set.forEach((i, j) => {
        outTrue[q * s + j] = t[i];
        outModel[q * s + j] = by[i];
      });
    };
    fill(c, pt, pc);
    fill(st, qt, qs);
    // top-k corrected among held-out targets: the hard negatives the corrector has never trained on
    for (const i of topK(c, r.k, (i) => heldSet[i] === 1)) {
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
export function boundMetrics(est: BoundEstimate): Pick<SweepRunMetrics, 'bound' | 'boundUncapped' | 'empirical' | 'rademacherSpectral' | 'rademacherFrobenius' | 'confidence' | 'lossBound' | 'staleness' | 'branchBound' | 'boundPairs'> {
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

/**
 * Offline fit used by the sweeps: fitCorrector on the m pairs with 20% of them for early stopping,
 * batch = clamp(m/8, 16, 256), at most fit.maxSteps optimizer steps (≤ 200 epochs).
 */
export async function fitOffline(
  stale: Float32Array,
  fresh: Float32Array,
  dim: number,
  config: CorrectorConfig,
  fit: { learningRate: number; maxSteps: number; patience: number },
  seed: number,
  signal?: AbortSignal,
): Promise<FitCorrectorReport> {
  const m = stale.length / dim;
  const batchSize = Math.min(256, Math.max(16, Math.round(m / 8)));
  const trainRows = Math.max(1, Math.round(m * 0.8));
  const batchesPerEpoch = Math.ceil(trainRows / batchSize);
  return fitCorrector({
    stale,
    fresh,
    dim,
    corrector: config,
    heldOutFraction: 0.2,
    learningRate: fit.learningRate,
    batchSize,
    maxEpochs: Math.max(1, Math.min(200, Math.ceil(fit.maxSteps / batchesPerEpoch))),
    patience: fit.patience,
    seed,
    signal,
  });
}

/** One offline or online run at one grid point and seed. */
async function runOne(r: ResolvedSweepOptions, point: { m: number; drift: number; capacity: string }, mode: SweepMode, seed: number, signal?: AbortSignal): Promise<SweepRunMetrics> {
  const t0 = performance.now();
  const d = r.dim;
  const poolSize = Math.max(...r.pairCounts, r.center.m);
  const numTargets = poolSize + r.heldOutTargets;
  const trainQueries = 4 * r.queries;
  const data = makeSyntheticData({
    seed: `sweep-${seed}`,
    numTargets,
    numQueries: r.queries + trainQueries,
    dim: d,
    clusters: r.clusters,
    normalize: r.normalize,
    drift: { kind: r.driftKind, magnitude: point.drift, seed: `sweep-drift-${seed}` },
  });
  const stale = data.initialTargets;
  const fresh = data.currentTargets;
  // Held-out targets: the last heldOutTargets rows (targets are i.i.d., so any fixed rows will do).
  const heldOut = Int32Array.from({ length: r.heldOutTargets }, (_, i) => poolSize + i);
  const evalQueries = data.queries.subarray(0, r.queries * d);
  const evalPositives = data.positives.subarray(0, r.queries);
  const cap = r.capacities.find((c) => c.label === point.capacity)!;
  const rng = new Rng(`sweep-run-${seed}-${mode}-${point.m}-${point.drift}-${point.capacity}`);
  const cfg = correctorConfig(cap, d, seed);
  let corrector: Corrector | undefined;
  try {
    let boundEst: BoundEstimate;
    let pairsDelivered = point.m;
    let uniquePairs = point.m;
    const boundOpts = { delta: r.delta, complexity: 'both' as const };
    if (mode === 'offline') {
      const rows = Int32Array.from(rng.sampleWithoutReplacement(poolSize, point.m));
      const ps = rowsOf(stale, rows, d);
      const pf = rowsOf(fresh, rows, d);
      const fit = await fitOffline(ps, pf, d, cfg, r.fit, seed, signal);
      corrector = fit.corrector;
      boundEst = estimateBound(corrector, { stale: ps, fresh: pf, dim: d }, boundOpts);
    } else {
      corrector = buildCorrector(cfg);
      const trainer = new OnlineCorrectorTrainer(corrector, { learningRate: r.online.learningRate });
      const uniStale: Float32Array[] = [];
      const uniFresh: Float32Array[] = [];
      const seen = new Set<number>();
      let delivered = 0;
      try {
        const trainQ = data.queries.subarray(r.queries * d);
        const trainPos = data.positives.subarray(r.queries);
        const poolStale = stale.subarray(0, poolSize * d);
        while (delivered < point.m) {
          throwIfAborted(signal, 'synthetic sweep');
          const corrected = correctRows(corrector, poolStale);
          const targets: number[] = [];
          for (let b = 0; b < r.online.queriesPerStep && delivered + targets.length < point.m; b++) {
            const qi = rng.int(trainQueries);
            const q = trainQ.subarray(qi * d, qi * d + d);
            const lg = logits(q, corrected, d);
            const pos = trainPos[qi];
            if (pos < poolSize) targets.push(pos);
            for (const t of topK(lg, r.k, (i) => i !== pos)) targets.push(t);
          }
          const uniform: number[] = [];
          for (let u = 0; u < r.online.uniformPerStep; u++) uniform.push(rng.int(poolSize));
          const all = [...targets, ...uniform].slice(0, Math.max(1, point.m - delivered));
          const us = rowsOf(stale, uniform, d);
          const uf = rowsOf(fresh, uniform, d);
          uniStale.push(us);
          uniFresh.push(uf);
          for (const t of all) seen.add(t);
          delivered += all.length;
          const [xs, xf] = [tf.tensor2d(rowsOf(stale, all, d), [all.length, d]), tf.tensor2d(rowsOf(fresh, all, d), [all.length, d])];
          try {
            trainer.step(xs, xf);
          } finally {
            tf.dispose([xs, xf]);
          }
        }
      } finally {
        trainer.dispose();
      }
      pairsDelivered = delivered;
      uniquePairs = seen.size;
      const concat = (parts: Float32Array[]) => {
        const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
        let off = 0;
        for (const p of parts) {
          out.set(p, off);
          off += p.length;
        }
        return out;
      };
      const us = concat(uniStale);
      const uf = concat(uniFresh);
      // The i.i.d. part: the uniform extra pairs (docs/theory.md §7). Without them, all delivered unique pairs (not i.i.d.).
      if (us.length > 0) {
        boundEst = estimateBound(corrector, { stale: us, fresh: uf, dim: d }, boundOpts);
      } else {
        const rows = Int32Array.from(seen);
        boundEst = estimateBound(corrector, { stale: rowsOf(stale, rows, d), fresh: rowsOf(fresh, rows, d), dim: d }, boundOpts);
      }
    }
    const ev = evaluateCorrector(corrector, { stale, fresh, heldOut, queries: evalQueries, positives: evalPositives }, r);
    const bm = boundMetrics(boundEst);
    return { ...ev, ...bm, holds: ev.heldOutError <= bm.bound ? 1 : 0, pairsDelivered, uniquePairs, seconds: (performance.now() - t0) / 1000 };
  } finally {
    corrector?.dispose();
  }
}

/**
 * Runs the synthetic sweep (file comment) and returns every point with mean ± 95% interval over
 * seeds. Deterministic for given options on one backend. Progress: one tick per (point, mode, seed).
 */
export async function runSyntheticSweep(options: SyntheticSweepOptions = {}): Promise<SyntheticSweepResult> {
  const t0 = performance.now();
  const r = resolve(options);
  const grid = gridPoints(r);
  const total = grid.length * r.modes.length * r.seeds;
  const cache = new Map<string, SweepRunMetrics>();
  const points: SweepPoint[] = [];
  let done = 0;
  for (const p of grid) {
    for (const mode of r.modes) {
      const runs: SweepRunMetrics[] = [];
      for (let s = 0; s < r.seeds; s++) {
        throwIfAborted(options.signal, 'synthetic sweep');
        const seed = r.seed + s;
        const key = `${mode}|${p.m}|${p.drift}|${p.capacity}|${seed}`;
        let run = cache.get(key);
        if (!run) {
          run = await runOne(r, p, mode, seed, options.signal);
          cache.set(key, run);
        }
        runs.push(run);
        done++;
        options.progress?.({ stage: 'synthetic sweep', done, total, unit: 'runs', info: { axis: p.axis, mode, m: p.m, drift: p.drift, capacity: p.capacity } });
        await new Promise((res) => setImmediate(res));
      }
      const keys = Object.keys(runs[0]) as (keyof SweepRunMetrics)[];
      const stats = {} as Record<keyof SweepRunMetrics, Stat>;
      for (const k of keys) stats[k] = summarize(runs.map((x) => x[k]));
      points.push({ axis: p.axis, mode, m: p.m, drift: p.drift, capacity: p.capacity, stats });
    }
  }
  return { format: 'freshcache-synthetic-sweep', version: 1, options: r, points, seconds: (performance.now() - t0) / 1000 };
}

/** The sweep as an aligned text table: one row per point and mode, mean ± ci95 of the main metrics. */
export function formatSweepTable(result: SyntheticSweepResult): string {
  const f = (s: Stat, digits = 3) => (Number.isFinite(s.mean) ? `${s.mean.toFixed(digits)}±${s.ci95.toFixed(digits)}` : '—');
  const header = ['axis', 'mode', 'm', 'drift', 'capacity', 'held-out ℓ', 'stale ℓ', 'empirical', '𝓡 spec', '𝓡 frob', 'B', 'bound', 'uncapped', 'holds', `top-k rec`, 'stale rec', 'KL', 'stale KL'];
  const rows = result.points.map((p) => [
    p.axis,
    p.mode,
    String(p.m),
    String(p.drift),
    p.capacity,
    f(p.stats.heldOutError),
    f(p.stats.staleError),
    f(p.stats.empirical),
    f(p.stats.rademacherSpectral, 2),
    f(p.stats.rademacherFrobenius, 2),
    f(p.stats.lossBound, 2),
    f(p.stats.bound, 2),
    f(p.stats.boundUncapped, 2),
    `${p.stats.holds.values.filter((v) => v === 1).length}/${p.stats.holds.n}`,
    f(p.stats.topKRecall, 2),
    f(p.stats.topKRecallStale, 2),
    f(p.stats.kl, 3),
    f(p.stats.klStale, 3),
  ]);
  const w = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((x, c) => (c < 5 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
