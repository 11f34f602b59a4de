/**
 * Where the bound's pairs come from, for the CLI and notebooks: two caches of the same corpus (a
 * stale one g′ and a fresh one g, e.g. the initial encoder's and a trained one's), or the synthetic
 * generator. Both split a sample of rows into the m pairs the bound averages over and held-out pairs
 * whose measured error is printed beside it.
 */
import { openCache } from '../cache/reader';
import { readCachePairs } from '../corrector/from-caches';
import { loadCorrector, Corrector, CorrectorConfig } from '../corrector/networks';
import { fitCorrector } from '../corrector/fit';
import { makeSyntheticData, DriftKind } from '../data/synthetic';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { estimateBound, BoundEstimate, EstimateBoundOptions, Pairs } from './bound';

/** Splits paired rows into m bound pairs and the rest held out (seeded random order). */
export function splitPairs(stale: Float32Array, fresh: Float32Array, dim: number, heldOutFraction: number, seed = 0): { pairs: Pairs; heldOut?: { stale: Float32Array; fresh: Float32Array } } {
  const n = stale.length / dim;
  if (!(heldOutFraction >= 0 && heldOutFraction < 1)) throw new InputError(`held-out fraction: expected a number in [0, 1), got ${heldOutFraction}`);
  const nHeld = Math.floor(n * heldOutFraction);
  if (n - nHeld < 1) throw new InputError(`need at least one pair for the bound, got ${n} rows`);
  const order = new Rng(seed).shuffle(Int32Array.from({ length: n }, (_, i) => i)) as Int32Array;
  const take = (rows: Int32Array, src: Float32Array) => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => out.set(src.subarray(r * dim, (r + 1) * dim), i * dim));
    return out;
  };
  const tr = order.subarray(nHeld);
  const ho = order.subarray(0, nHeld);
  return {
    pairs: { stale: take(tr, stale), fresh: take(tr, fresh), dim },
    heldOut: nHeld > 0 ? { stale: take(ho, stale), fresh: take(ho, fresh) } : undefined,
  };
}

export interface BoundFromCachesOptions extends Omit<EstimateBoundOptions, 'heldOut' | 'queries'> {
  /** Folder of a saved corrector (runs/<name>/corrector, or fit-corrector's --out). */
  correctorDir: string;
  staleDir: string;
  freshDir: string;
  /** Rows sampled from the caches; default 4000. */
  maxRows?: number;
  /** Fraction of the sampled rows held out; default 0.5. */
  heldOutFraction?: number;
  /** A cache of query embeddings f(x) (its first maxQueries rows) for the logit rows. */
  queriesDir?: string;
  maxQueries?: number;
  seed?: number;
}

/**
 * The bound for a saved corrector on pairs read from two caches of the same corpus (readCachePairs:
 * same dim, rows and ids, checked), split into bound pairs and held-out pairs.
 */
export async function estimateBoundFromCaches(opts: BoundFromCachesOptions): Promise<BoundEstimate> {
  const corrector = loadCorrector(opts.correctorDir);
  try {
    const p = await readCachePairs(opts.staleDir, opts.freshDir, { maxRows: opts.maxRows ?? 4000, seed: opts.seed ?? 0 });
    if (p.dim !== corrector.dim) throw new InputError(`${opts.staleDir}: caches have dim ${p.dim}, the corrector in ${opts.correctorDir} has ${corrector.dim}`);
    const { pairs, heldOut } = splitPairs(p.stale, p.fresh, p.dim, opts.heldOutFraction ?? 0.5, opts.seed ?? 0);
    let queries: Float32Array | undefined;
    if (opts.queriesDir) {
      const q = await openCache(opts.queriesDir);
      try {
        if (q.dim !== p.dim) throw new InputError(`${opts.queriesDir}: query cache has dim ${q.dim}, the target caches ${p.dim}`);
        queries = q.read(0, Math.min(q.rows, opts.maxQueries ?? 500));
      } finally {
        q.close();
      }
    }
    return await estimateBound(corrector, pairs, { ...opts, heldOut, queries });
  } finally {
    corrector.dispose();
  }
}

export interface BoundOnSyntheticOptions extends Omit<EstimateBoundOptions, 'heldOut' | 'queries'> {
  /** A saved corrector to evaluate; default: fit one of `corrector` on the m pairs. */
  correctorDir?: string;
  corrector?: Omit<CorrectorConfig, 'dim'>;
  dim?: number;
  /** Training / bound pairs m (default 1000) and held-out pairs (default 2000). */
  m?: number;
  heldOutRows?: number;
  queries?: number;
  driftKind?: DriftKind;
  drift?: number;
  clusters?: number;
  normalize?: boolean;
  seed?: number;
}

/**
 * The bound on synthetic data (makeSyntheticData): fits a corrector on m pairs (or loads one of the
 * same dim) and estimates the bound with held-out pairs and the generator's queries.
 */
export async function estimateBoundOnSynthetic(opts: BoundOnSyntheticOptions = {}): Promise<{ estimate: BoundEstimate; corrector: string }> {
  let corrector: Corrector | undefined;
  try {
    if (opts.correctorDir) corrector = loadCorrector(opts.correctorDir);
    const d = opts.dim ?? corrector?.dim ?? 32;
    if (corrector && corrector.dim !== d) throw new InputError(`--dim ${d}: the corrector in ${opts.correctorDir} has dim ${corrector.dim}`);
    const m = opts.m ?? 1000;
    const held = opts.heldOutRows ?? 2000;
    const data = makeSyntheticData({
      seed: opts.seed ?? 0,
      numTargets: m + held,
      numQueries: opts.queries ?? 200,
      dim: d,
      clusters: opts.clusters ?? 16,
      normalize: opts.normalize ?? false,
      drift: { kind: opts.driftKind ?? 'mlp', magnitude: opts.drift ?? 0.5 },
    });
    const stale = data.initialTargets.slice(0, m * d);
    const fresh = data.currentTargets.slice(0, m * d);
    if (!corrector) {
      const fit = await fitCorrector({ stale, fresh, dim: d, corrector: opts.corrector ?? { kind: 'mlp', activation: 'relu' }, learningRate: 3e-3, batchSize: 64, maxEpochs: 100, patience: 8, seed: opts.seed ?? 0 });
      corrector = fit.corrector;
    }
    const estimate = await estimateBound(corrector, { stale, fresh, dim: d }, {
      ...opts,
      heldOut: { stale: data.initialTargets.slice(m * d), fresh: data.currentTargets.slice(m * d) },
      queries: data.queries,
    });
    return { estimate, corrector: JSON.stringify(corrector.config()) };
  } finally {
    corrector?.dispose();
  }
}
