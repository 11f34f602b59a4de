/**
 * Corrector-complexity trade-off on real data (issue 6, point 5): given two caches of the same corpus
 * (stale g′ from an earlier encoder, fresh g from a later one), fit correctors of growing capacity on
 * m pairs and report held-out error, the bound and its terms, top-k recovery and truncated-softmax KL
 * — what a researcher uses to pick a corrector size. Rows are a seeded sample of the caches: the
 * first `heldOutRows` of a shuffled order are held out, the pairs come from the rest.
 */
import { openCache } from '../cache/reader';
import { readCachePairs } from '../corrector/from-caches';
import { InputError, throwIfAborted } from '../util/errors';
import { Rng } from '../util/rng';
import type { ProgressFn } from '../util/progress';
import { seedStat, type SeedStat } from '../util/stats';
import { estimateBound } from '../theory/bound';
import { DEFAULT_CAPACITIES, boundMetrics, correctorConfig, measureCorrector, rowsOf, type SweepCapacity } from '../theory/measure';
import { alignedColumns } from '../report/table';
import { fitOffline, statCells, SWEEP_STAT_COLUMNS, type SweepRunMetrics } from './synthetic-sweep';

export interface CacheCapacitySweepOptions {
  staleDir: string;
  freshDir: string;
  /** A cache of query embeddings f(x) (first `maxQueries` rows). Default: held-out fresh rows stand in for queries, each with itself as positive. */
  queriesDir?: string;
  maxQueries?: number;
  /** Capacities; default DEFAULT_CAPACITIES (identity, linear, relu mlps of width d and 4d, depth 2). */
  capacities?: SweepCapacity[];
  /** Numbers of pairs m; default [256, 1024, 4096] (those above the sample are dropped). */
  pairCounts?: number[];
  /** Held-out rows; default 2000. */
  heldOutRows?: number;
  /** Seeds per point; default 1. */
  seeds?: number;
  beta?: number;
  k?: number;
  softmaxSetSize?: number;
  delta?: number;
  fit?: { learningRate?: number; maxSteps?: number; patience?: number };
  seed?: number;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

export interface CacheCapacityPoint {
  capacity: string;
  m: number;
  parameters: number;
  stats: Record<keyof Omit<SweepRunMetrics, 'pairsDelivered' | 'uniquePairs' | 'holds'>, SeedStat>;
}

export interface CacheCapacitySweepResult {
  format: 'freshcache-capacity-sweep';
  version: 1;
  staleDir: string;
  freshDir: string;
  dim: number;
  rowsSampled: number;
  totalRows: number;
  heldOutRows: number;
  queries: number;
  queriesFrom: 'cache' | 'held-out fresh rows';
  points: CacheCapacityPoint[];
  seconds: number;
}

/** Runs the capacity × m grid on pairs from two caches (file comment). */
export async function runCacheCapacitySweep(opts: CacheCapacitySweepOptions): Promise<CacheCapacitySweepResult> {
  const t0 = performance.now();
  const capacities = opts.capacities ?? DEFAULT_CAPACITIES;
  const heldOutRows = opts.heldOutRows ?? 2000;
  const wanted = opts.pairCounts ?? [256, 1024, 4096];
  const seeds = opts.seeds ?? 1;
  const seed0 = opts.seed ?? 0;
  const fit = { learningRate: opts.fit?.learningRate ?? 3e-3, maxSteps: opts.fit?.maxSteps ?? 800, patience: opts.fit?.patience ?? 8 };
  const evalOpts = { k: opts.k ?? 10, softmaxSetSize: opts.softmaxSetSize ?? 32, beta: opts.beta ?? 20 };
  const p = await readCachePairs(opts.staleDir, opts.freshDir, { maxRows: Math.max(...wanted) + heldOutRows, seed: seed0 });
  const d = p.dim;
  const n = p.stale.length / d;
  if (n < heldOutRows + 2) throw new InputError(`${opts.staleDir}: ${n} rows; need more than the ${heldOutRows} held-out rows (lower heldOutRows)`);
  const pool = n - heldOutRows;
  const pairCounts = wanted.filter((m) => m <= pool);
  if (pairCounts.length === 0) throw new InputError(`${opts.staleDir}: only ${pool} rows left for pairs; every pair count in ${wanted.join(', ')} is larger`);
  const order = new Rng(`capacity-${seed0}`).shuffle(Int32Array.from({ length: n }, (_, i) => i)) as Int32Array;
  const heldOut = Int32Array.from(order.subarray(0, heldOutRows));
  const poolRows = order.subarray(heldOutRows);

  let queries: Float32Array;
  let positives: Int32Array | undefined;
  if (opts.queriesDir) {
    const q = await openCache(opts.queriesDir);
    try {
      if (q.dim !== d) throw new InputError(`${opts.queriesDir}: query cache has dim ${q.dim}, the target caches ${d}`);
      queries = q.read(0, Math.min(q.rows, opts.maxQueries ?? 200));
    } finally {
      q.close();
    }
  } else {
    const nq = Math.min(heldOutRows, opts.maxQueries ?? 200);
    positives = Int32Array.from(heldOut.subarray(0, nq));
    queries = rowsOf(p.fresh, positives, d);
  }

  const points: CacheCapacityPoint[] = [];
  const total = capacities.length * pairCounts.length * seeds;
  let done = 0;
  for (const cap of capacities) {
    for (const m of pairCounts) {
      const runs: Omit<SweepRunMetrics, 'pairsDelivered' | 'uniquePairs' | 'holds'>[] = [];
      let parameters = 0;
      for (let s = 0; s < seeds; s++) {
        throwIfAborted(opts.signal, 'capacity sweep');
        const t1 = performance.now();
        const seed = seed0 + s;
        const rows = Int32Array.from(new Rng(`capacity-pairs-${seed}-${m}`).sampleWithoutReplacement(pool, m), (i) => poolRows[i]);
        const ps = rowsOf(p.stale, rows, d);
        const pf = rowsOf(p.fresh, rows, d);
        const report = await fitOffline(ps, pf, d, correctorConfig(cap, d, seed), fit, seed, opts.signal);
        const corrector = report.corrector;
        try {
          parameters = corrector.parameterCount();
          const est = await estimateBound(corrector, { stale: ps, fresh: pf, dim: d }, { delta: opts.delta ?? 0.05, complexity: 'both' });
          const ev = await measureCorrector(corrector, { stale: p.stale, fresh: p.fresh, heldOut, queries, positives }, { dim: d, ...evalOpts });
          runs.push({
            ...ev,
            ...boundMetrics(est),
            seconds: (performance.now() - t1) / 1000,
          });
        } finally {
          corrector.dispose();
        }
        done++;
        opts.progress?.({ stage: 'capacity sweep', done, total, unit: 'fits', info: { capacity: cap.label, m } });
        await new Promise((res) => setImmediate(res));
      }
      const stats = {} as CacheCapacityPoint['stats'];
      for (const key of Object.keys(runs[0]) as (keyof CacheCapacityPoint['stats'])[]) stats[key] = seedStat(runs.map((r) => r[key]));
      points.push({ capacity: cap.label, m, parameters, stats });
    }
  }
  return {
    format: 'freshcache-capacity-sweep',
    version: 1,
    staleDir: opts.staleDir,
    freshDir: opts.freshDir,
    dim: d,
    rowsSampled: n,
    totalRows: p.totalRows,
    heldOutRows,
    queries: queries.length / d,
    queriesFrom: opts.queriesDir ? 'cache' : 'held-out fresh rows',
    points,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The capacity sweep as an aligned text table (mean ± ci95 over seeds). */
export function formatCapacityTable(res: CacheCapacitySweepResult): string {
  const { errors, bound, recovery } = SWEEP_STAT_COLUMNS;
  const columns = [...errors, ...bound, ...recovery];
  const header = ['capacity', 'params', 'm', ...columns.map((c) => c[0])];
  const rows = res.points.map((p) => [p.capacity, String(p.parameters), String(p.m), ...statCells(p.stats, columns, true)]);
  return alignedColumns(header, rows, 1);
}
