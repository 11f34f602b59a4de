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
import { buildCorrector, type Corrector, type CorrectorConfig } from '../corrector/networks';
import { fitCorrector, type FitCorrectorReport } from '../corrector/fit';
import { fitOnline } from './online-fit';
import { makeSyntheticData, type DriftKind } from '../data/synthetic';
import { Rng } from '../util/rng';
import { InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { seedStat, type SeedStat } from '../util/stats';
import { alignedColumns } from '../report/table';
import { estimateBound, type BoundEstimate } from '../theory/bound';
import {
  DEFAULT_CAPACITIES, boundMetrics, correctorConfig, measureCorrector, rowsOf,
  type BoundMeasures, type CorrectorMeasures, type SweepCapacity,
} from '../theory/measure';

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

/** What one (point, seed, mode) run measures: the corrector against the truth, the bound's terms, and the delivery. */
export interface SweepRunMetrics extends CorrectorMeasures, BoundMeasures {
  /** Held-out error ≤ bound. */
  holds: number;
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
  stats: Record<keyof SweepRunMetrics, SeedStat>;
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
      boundEst = await estimateBound(corrector, { stale: ps, fresh: pf, dim: d }, boundOpts);
    } else {
      corrector = buildCorrector(cfg);
      const fit = await fitOnline(corrector, {
        stale, fresh, dim: d, poolSize, queries: data.queries.subarray(r.queries * d), positives: data.positives.subarray(r.queries), pairs: point.m,
        k: r.k, queriesPerStep: r.online.queriesPerStep, uniformPerStep: r.online.uniformPerStep, learningRate: r.online.learningRate, rng, signal,
      });
      pairsDelivered = fit.pairsDelivered;
      uniquePairs = fit.seen.size;
      // The i.i.d. part: the uniform extra pairs (docs/theory.md §7). Without them, all delivered unique pairs (not i.i.d.).
      if (fit.uniformStale.length > 0) {
        boundEst = await estimateBound(corrector, { stale: fit.uniformStale, fresh: fit.uniformFresh, dim: d }, boundOpts);
      } else {
        const rows = Int32Array.from(fit.seen);
        boundEst = await estimateBound(corrector, { stale: rowsOf(stale, rows, d), fresh: rowsOf(fresh, rows, d), dim: d }, boundOpts);
      }
    }
    const ev = await measureCorrector(corrector, { stale, fresh, heldOut, queries: evalQueries, positives: evalPositives }, r);
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
      const stats = {} as Record<keyof SweepRunMetrics, SeedStat>;
      for (const k of keys) stats[k] = seedStat(runs.map((x) => x[k]));
      points.push({ axis: p.axis, mode, m: p.m, drift: p.drift, capacity: p.capacity, stats });
    }
  }
  return { format: 'freshcache-synthetic-sweep', version: 1, options: r, points, seconds: (performance.now() - t0) / 1000 };
}

/** The sweep as an aligned text table: one row per point and mode, mean ± ci95 of the main metrics. */
export function formatSweepTable(result: SyntheticSweepResult): string {
  const { errors, bound, recovery } = SWEEP_STAT_COLUMNS;
  const header = ['axis', 'mode', 'm', 'drift', 'capacity', ...errors.map((c) => c[0]), '𝓡 spec', '𝓡 frob', ...bound.map((c) => c[0]), 'holds', ...recovery.map((c) => c[0])];
  const rows = result.points.map((p) => [
    p.axis, p.mode, String(p.m), String(p.drift), p.capacity,
    ...statCells(p.stats, errors), formatStat(p.stats.rademacherSpectral, 2), formatStat(p.stats.rademacherFrobenius, 2), ...statCells(p.stats, bound),
    `${p.stats.holds.values.filter((v) => v === 1).length}/${p.stats.holds.n}`, ...statCells(p.stats, recovery),
  ]);
  return alignedColumns(header, rows, 5);
}

type StatColumn = readonly [header: string, measure: keyof CorrectorMeasures | keyof BoundMeasures, digits: number];

/** The measured columns both sweep tables print, in groups: header, measure, digits. */
export const SWEEP_STAT_COLUMNS: { errors: readonly StatColumn[]; bound: readonly StatColumn[]; recovery: readonly StatColumn[] } = {
  errors: [['held-out ℓ', 'heldOutError', 3], ['stale ℓ', 'staleError', 3], ['empirical', 'empirical', 3]],
  bound: [['B', 'lossBound', 2], ['bound', 'bound', 2], ['uncapped', 'boundUncapped', 2]],
  recovery: [['top-k rec', 'topKRecall', 2], ['stale rec', 'topKRecallStale', 2], ['KL', 'kl', 3], ['stale KL', 'klStale', 3]],
};

/** The cells of `columns` for one point's statistics. */
export function statCells(stats: Partial<Record<StatColumn[1], SeedStat>>, columns: readonly StatColumn[], plainWhenOne = false): string[] {
  return columns.map(([, measure, digits]) => formatStat(stats[measure]!, digits, plainWhenOne));
}

/** `mean±ci95` of a seed statistic ('—' when not finite); with `plainWhenOne`, the mean alone for a single seed. */
export function formatStat(s: SeedStat, digits = 3, plainWhenOne = false): string {
  if (!Number.isFinite(s.mean)) return '—';
  return plainWhenOne && s.n <= 1 ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)}±${s.ci95.toFixed(digits)}`;
}
