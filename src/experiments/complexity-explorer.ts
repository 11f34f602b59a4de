/**
 * Exploring corrector complexity one configuration at a time: `exploreCorrector({ kind, depth,
 * width, loss, drift })` trains just that corrector online on the synthetic drift generator (pairs
 * delivered as training would: positives, hard negatives of the corrected logits, uniform extras;
 * online-fit.ts) and measures it on held-out targets and evaluation queries. Each configuration is
 * cached in its own file, keyed by everything that decides its numbers, so a second identical call
 * returns from the cache and changing one knob fits only that configuration. `exploreGrid` runs it
 * over kind × depth × width × loss × drift (scripts/complexity-grid.ts writes the committed grid
 * the notebooks' explorer figure draws, src/report/complexity-grid.ts).
 */
import * as path from 'path';
import { InputError, throwIfAborted } from '../util/errors';
import { Rng } from '../util/rng';
import { sha256 } from '../util/hash';
import type { ProgressFn } from '../util/progress';
import { makeSyntheticData } from '../data/synthetic';
import { buildCorrector } from '../corrector/networks';
import { CORRECTOR_LOSSES, type CorrectorLossKind } from '../corrector/losses';
import { measureCorrector } from '../theory/measure';
import { COMPLEXITY_GRID_FORMAT, COMPLEXITY_GRID_VERSION, networkLabel, type ComplexityGrid, type ComplexityPoint, type GridNetwork } from '../report/complexity-grid';
import { cachedJson } from './notebooks';
import { fitOnline } from './online-fit';

/** One corrector configuration to explore; unset fields take the defaults below. */
export interface ExploreConfig {
  kind: 'identity' | 'linear' | 'mlp';
  /** mlp hidden layers (default 1). */
  depth?: number;
  /** mlp hidden width (default 32, the embedding dimension). */
  width?: number;
  /** The loss that trains h (default mse): mse, softmax (KL over each query's candidates) or softmax-ce. */
  loss?: CorrectorLossKind;
  /** Drift magnitude of the synthetic generator: how far the fresh encoder has moved from the cache's (default 0.5). */
  drift?: number;
  /** Fresh pairs delivered to the corrector (default 1024). */
  pairs?: number;
  /** Seed of the data, the corrector's initialisation and the delivery (default 0). */
  seed?: number;
}

/** What every explored configuration shares: the generator, the delivery and the measurement. */
export interface ExploreSettings {
  dim: number;
  clusters: number;
  /** Trainable targets (the cache the corrector is applied to); held-out targets come after them. */
  pool: number;
  heldOutTargets: number;
  /** Evaluation queries; training queries are 4 × this. */
  queries: number;
  /** Hard negatives per query and the k of top-k recall. */
  k: number;
  softmaxSetSize: number;
  beta: number;
  queriesPerStep: number;
  uniformPerStep: number;
  learningRate: number;
}

/** The synthetic sweep's defaults (synthetic-sweep.ts), so the explorer and notebook 04 measure on the same generator. */
export const DEFAULT_EXPLORE_SETTINGS: ExploreSettings = {
  dim: 32, clusters: 16, pool: 4096, heldOutTargets: 1000, queries: 200, k: 10, softmaxSetSize: 32, beta: 20, queriesPerStep: 4, uniformPerStep: 8, learningRate: 5e-3,
};

/** Where explored configurations are cached by default (one small JSON file each; git-ignored). */
export const EXPLORE_CACHE_DIR = path.join('results', 'explore-corrector');

export interface ExploreOptions {
  settings?: Partial<ExploreSettings>;
  /** Folder of the per-configuration cache (default EXPLORE_CACHE_DIR). */
  cacheDir?: string;
  /** Fit again even when cached. */
  fresh?: boolean;
  signal?: AbortSignal;
}

type Resolved = GridNetwork & { loss: CorrectorLossKind; drift: number; pairs: number; seed: number };

function resolveConfig(c: ExploreConfig): Resolved {
  if (!['identity', 'linear', 'mlp'].includes(c.kind)) throw new InputError(`exploreCorrector: kind must be identity, linear or mlp, got '${String(c.kind)}'`);
  const int = (v: number, what: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new InputError(`exploreCorrector: ${what} must be an integer ≥ ${min}, got ${v}`);
    return v;
  };
  const loss = c.loss ?? 'mse';
  if (!(CORRECTOR_LOSSES as readonly string[]).includes(loss)) throw new InputError(`exploreCorrector: loss must be one of ${CORRECTOR_LOSSES.join(', ')}, got '${loss}'`);
  const drift = c.drift ?? 0.5;
  if (!(Number.isFinite(drift) && drift >= 0)) throw new InputError(`exploreCorrector: drift must be a number ≥ 0, got ${drift}`);
  const mlp = c.kind === 'mlp';
  return {
    kind: c.kind,
    depth: mlp ? int(c.depth ?? 1, 'depth', 1) : 0,
    width: mlp ? int(c.width ?? DEFAULT_EXPLORE_SETTINGS.dim, 'width', 1) : 0,
    // the identity has nothing to train: one measurement serves every loss
    loss: c.kind === 'identity' ? 'mse' : loss,
    drift,
    pairs: int(c.pairs ?? 1024, 'pairs', 1),
    seed: int(c.seed ?? 0, 'seed', 0),
  };
}

/**
 * Trains and measures one corrector configuration (file comment), or returns it from the cache when
 * the same configuration and settings were explored before (`cached: true`).
 */
export async function exploreCorrector(config: ExploreConfig, opts: ExploreOptions = {}): Promise<ComplexityPoint & { cached: boolean }> {
  const c = resolveConfig(config);
  const s: ExploreSettings = { ...DEFAULT_EXPLORE_SETTINGS, ...opts.settings };
  const key = { explore: 1, config: c, settings: s };
  const file = path.join(opts.cacheDir ?? EXPLORE_CACHE_DIR, `${networkLabel(c).replace(/[^\w.=-]+/g, '_')}-${c.loss}-${sha256(JSON.stringify(key)).slice(0, 12)}.json`);
  const { value, cached } = await cachedJson(file, key, () => fitAndMeasure(c, s, opts.signal), { fresh: opts.fresh });
  return { ...value, cached };
}

async function fitAndMeasure(c: Resolved, s: ExploreSettings, signal?: AbortSignal): Promise<ComplexityPoint> {
  const t0 = performance.now();
  const d = s.dim;
  const data = makeSyntheticData({
    seed: `sweep-${c.seed}`, numTargets: s.pool + s.heldOutTargets, numQueries: 5 * s.queries, dim: d, clusters: s.clusters, normalize: false,
    drift: { kind: 'mlp', magnitude: c.drift, seed: `sweep-drift-${c.seed}` },
  });
  const corrector = buildCorrector(c.kind === 'mlp' ? { kind: 'mlp', dim: d, depth: c.depth, width: c.width, activation: 'relu', seed: c.seed } : { kind: c.kind, dim: d, seed: c.seed });
  try {
    const fit = await fitOnline(corrector, {
      stale: data.initialTargets, fresh: data.currentTargets, dim: d, poolSize: s.pool,
      queries: data.queries.subarray(s.queries * d), positives: data.positives.subarray(s.queries), pairs: c.pairs,
      k: s.k, queriesPerStep: s.queriesPerStep, uniformPerStep: s.uniformPerStep, learningRate: s.learningRate, loss: c.loss, beta: s.beta,
      rng: new Rng(`explore-${networkLabel(c)}-${c.loss}-${c.drift}-${c.pairs}-${c.seed}`), signal,
    });
    const heldOut = Int32Array.from({ length: s.heldOutTargets }, (_, i) => s.pool + i);
    const m = await measureCorrector(corrector, {
      stale: data.initialTargets, fresh: data.currentTargets, heldOut, queries: data.queries.subarray(0, s.queries * d), positives: data.positives.subarray(0, s.queries),
    }, s);
    return {
      ...c, label: networkLabel(c), params: corrector.parameterCount(), flopsPerRow: corrector.flopsPerRow(), ...m,
      pairsDelivered: fit.pairsDelivered, seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    corrector.dispose();
  }
}

/** The default grid: linear and residual MLPs of depth 1 and 2 at widths d/4, d, 4d (and the identity), two losses, four drift magnitudes. */
export const DEFAULT_GRID = {
  networks: [
    { kind: 'identity', depth: 0, width: 0 },
    { kind: 'linear', depth: 0, width: 0 },
    ...[1, 2].flatMap((depth) => [8, 32, 128].map((width) => ({ kind: 'mlp', depth, width }))),
  ] as GridNetwork[],
  losses: ['mse', 'softmax'] as CorrectorLossKind[],
  drifts: [0.1, 0.3, 0.5, 1.0],
  pairs: 1024,
  seed: 0,
};

/**
 * Explores every network × loss × drift of a grid (the identity once per drift) through
 * exploreCorrector, so an interrupted grid resumes from its cached configurations.
 */
export async function exploreGrid(o: Partial<typeof DEFAULT_GRID> & ExploreOptions & { command?: string; progress?: ProgressFn } = {}): Promise<ComplexityGrid> {
  const t0 = performance.now();
  const g = { ...DEFAULT_GRID, ...o };
  const jobs = g.drifts.flatMap((drift) => g.networks.flatMap((n) => (n.kind === 'identity' ? ['mse' as const] : g.losses).map((loss) => ({ ...n, loss, drift }))));
  const points: ComplexityPoint[] = [];
  for (const job of jobs) {
    throwIfAborted(o.signal, 'complexity grid');
    const { cached: _cached, ...p } = await exploreCorrector({ ...job, kind: job.kind, pairs: g.pairs, seed: g.seed }, o);
    points.push(p);
    o.progress?.({ stage: 'complexity grid', done: points.length, total: jobs.length, unit: 'configurations', info: { last: `${p.label} ${p.loss} drift ${p.drift}` } });
  }
  return {
    format: COMPLEXITY_GRID_FORMAT, version: COMPLEXITY_GRID_VERSION, command: o.command ?? 'node --import tsx scripts/complexity-grid.ts',
    settings: { ...DEFAULT_EXPLORE_SETTINGS, ...o.settings, generator: 'synthetic, mlp drift', delivery: 'online: positive + top-k corrected per query, uniform extras' },
    networks: g.networks, losses: g.losses, drifts: g.drifts, points, seconds: (performance.now() - t0) / 1000,
  };
}
