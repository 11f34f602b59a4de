/**
 * What the notebooks read and compute outside their cells: their settings (quick or default), the
 * finished runs and result tables under runs/ and results/, logs turned into plot series, the cost
 * multiple at which the corrector matches the refresh baselines, a JSON cache for offline
 * computations (synthetic sweeps, corrector fits) keyed by their settings, the cache of a trained
 * run's final target encoder, and the published numbers the results tables quote.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../util/atomic';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { readLog, type LogRecord } from '../train/log';
import type { TrainConfig } from '../train/config';
import type { TrainData } from '../train/data';
import type { ExperimentSummaryRow, Variant } from '../train/experiment';
import type { TrainConfigInput } from '../train/config';
import type { Row } from './table';
import type { LineSeries } from './figure';
import { strategyColor } from './palette';

// ---- settings ------------------------------------------------------------------------------------

/** Whether the notebooks run with their small settings: FRESHCACHE_NOTEBOOK_QUICK=1 (or "true"). */
export function notebookQuick(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.FRESHCACHE_NOTEBOOK_QUICK ?? '').trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/** The experiment name a notebook uses: `base`, or `base-quick` for the small settings (so the two never share runs). */
export function notebookExperimentName(base: string, quick: boolean): string {
  return quick ? `${base}-quick` : base;
}

/** What a notebook trains: an experiment name, the shared config overrides, strategies and sweep variants (runExperiment's options). */
export interface NotebookPlan {
  name: string;
  steps: number;
  base: TrainConfigInput;
  strategies: string[];
  variants: Variant[];
}

/**
 * The one training experiment behind notebooks 01 (staleness), 02 (corrector at work), 03
 * (accuracy against cost) and 05 (corrector complexity), so each reuses the runs the others
 * trained (runs/nb-train/): in-batch, stale, refresh-on-use, corrector (MLP width 256), oracle,
 * refresh:R for R = T/2, T/4, T/8, T/16, correctors linear and MLP width 64 (the `cost` sweep of
 * `npm start` without its width-1024 point; its width-256 point is the plain corrector), and the
 * corrector with a warm-up of ⌈T/5⌉ steps. Default T = 60 (`npm start` trains 400): the twelve runs
 * then take about a quarter of an hour on 2 loaded CPU cores. Quick T = 8 with fewer runs.
 * No test split (the results notebook reads `npm start`'s table for test numbers).
 */
export function trainingPlan(quick: boolean): NotebookPlan {
  const steps = quick ? 8 : 60;
  const warmup = Math.ceil(steps / 5);
  const refresh = (quick ? [2, 4] : [2, 4, 8, 16]).map((k) => Math.max(1, Math.ceil(steps / k)));
  const variants: Variant[] = [
    ...refresh.map((R) => ({ label: `refresh:${R}`, strategy: `refresh:${R}`, config: {} })),
    { label: 'corrector[linear]', strategy: 'corrector', config: { corrector: { kind: 'linear' as const } } },
    ...(quick ? [] : [{ label: 'corrector[mlp w=64]', strategy: 'corrector', config: { corrector: { kind: 'mlp' as const, width: 64 } } }]),
    { label: `corrector[warmup=${warmup}]`, strategy: 'corrector', config: { corrector: { warmupSteps: warmup } } },
  ];
  return {
    name: notebookExperimentName('nb-train', quick),
    steps,
    base: quick
      ? { steps, logEvery: 2, probeRows: 300, probeQueries: 30, testSplit: null, evalQueries: 200 }
      : { steps, logEvery: 5, probeRows: 1000, probeQueries: 100, testSplit: null, evalQueries: 500 },
    strategies: quick ? ['stale', 'refresh-on-use', 'corrector', 'oracle'] : ['in-batch', 'stale', 'refresh-on-use', 'corrector', 'oracle'],
    variants,
  };
}

/** The part of a plan a notebook needs: the strategies and variants whose labels pass `keep` (runExperiment reuses or trains just those). */
export function planSubset(plan: NotebookPlan, keep: (label: string) => boolean): NotebookPlan {
  return { ...plan, strategies: plan.strategies.filter(keep), variants: plan.variants.filter((v) => keep(v.label)) };
}

// ---- runs and tables -----------------------------------------------------------------------------

/** A finished (or partly trained) run found under runs/<experiment>/. */
export interface FoundRun {
  /** The strategy or sweep label, e.g. `refresh:50`, `corrector[mlp w=64]` (config.name without `-s<seed>`). */
  label: string;
  seed: number;
  dir: string;
  config: TrainConfig;
  /** Whether result.json exists (the run finished and was evaluated). */
  finished: boolean;
}

/** The label and seed of a run from its config name `<label>-s<seed>`. */
export function parseRunName(name: string): { label: string; seed: number } {
  const m = /^(.*)-s(-?\d+)$/.exec(name);
  if (!m) throw new InputError(`run name '${name}': expected '<label>-s<seed>'`);
  return { label: m[1], seed: Number(m[2]) };
}

/**
 * The runs of an experiment: every folder of `runsDir/<experiment>` holding a config.json, sorted by
 * label then seed. Missing folder: an empty list.
 */
export function findRuns(experiment: string, runsDir = 'runs'): FoundRun[] {
  const root = path.join(runsDir, experiment);
  if (!fs.existsSync(root)) return [];
  const out: FoundRun[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const cfgFile = path.join(dir, 'config.json');
    if (!fs.existsSync(cfgFile)) continue;
    let config: TrainConfig;
    try {
      config = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
    } catch (e) {
      throw new InputError(`${cfgFile}: not valid JSON (${(e as Error).message})`);
    }
    const { label, seed } = parseRunName(config.name);
    out.push({ label, seed, dir, config, finished: fs.existsSync(path.join(dir, 'result.json')) });
  }
  return out.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : a.seed - b.seed));
}

/** Each run's log (first seed of each label, in the order of `labels` when given). */
export function readRunLogs(experiment: string, opts: { runsDir?: string; labels?: string[] } = {}): { label: string; log: LogRecord[] }[] {
  const runs = findRuns(experiment, opts.runsDir);
  const labels = opts.labels ?? [...new Set(runs.map((r) => r.label))];
  const out: { label: string; log: LogRecord[] }[] = [];
  for (const label of labels) {
    const run = runs.find((r) => r.label === label);
    const file = run && path.join(run.dir, 'log.jsonl');
    if (file && fs.existsSync(file)) out.push({ label, log: readLog(file) });
  }
  return out;
}

/** results/<experiment>/table.json as written by runExperiment. */
export interface ExperimentTable {
  name: string;
  file: string;
  summary: ExperimentSummaryRow[];
}

/** Reads a table.json; InputError naming the file when it is not one. */
export function readExperimentTable(file: string): ExperimentTable {
  let json: { summary?: unknown };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not a readable table.json (${(e as Error).message})`);
  }
  if (!Array.isArray(json.summary) || json.summary.some((r) => typeof r !== 'object' || r === null || typeof (r as { label?: unknown }).label !== 'string')) {
    throw new InputError(`${file}: expected { summary: [{ label, ... }] } as written by runExperiment`);
  }
  return { name: path.basename(path.dirname(file)), file, summary: json.summary as ExperimentSummaryRow[] };
}

/** Every results/<name>/table.json, sorted by name; `match` filters the names. */
export function findResultTables(resultsDir = 'results', match?: RegExp): ExperimentTable[] {
  if (!fs.existsSync(resultsDir)) return [];
  return fs
    .readdirSync(resultsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && (!match || match.test(e.name)) && fs.existsSync(path.join(resultsDir, e.name, 'table.json')))
    .map((e) => readExperimentTable(path.join(resultsDir, e.name, 'table.json')))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The first of `names` with a results/<name>/table.json, or undefined. */
export function firstResultTable(names: string[], resultsDir = 'results'): ExperimentTable | undefined {
  for (const n of names) {
    const f = path.join(resultsDir, n, 'table.json');
    if (fs.existsSync(f)) return readExperimentTable(f);
  }
  return undefined;
}

// ---- series --------------------------------------------------------------------------------------

/** The numeric fields of a log record a figure can plot over steps. */
export type LogMeasure = keyof Pick<LogRecord, 'staleness' | 'stalenessRelative' | 'stalenessMax' | 'correctorError' | 'correctorErrorRelative' | 'overlapStale' | 'overlapCorrected' | 'klStale' | 'klCorrected' | 'spearmanStale' | 'spearmanCorrected' | 'loss' | 'correctorLoss'>;

/** One line per run: `measure` over training steps; records without a finite value are skipped, runs with none dropped. */
export function logSeries(runs: { label: string; log: LogRecord[] }[], measure: LogMeasure, opts: { name?: (label: string) => string } = {}): LineSeries[] {
  const out: LineSeries[] = [];
  for (const r of runs) {
    const pts = r.log.filter((x) => typeof x[measure] === 'number' && Number.isFinite(x[measure] as number));
    if (pts.length === 0) continue;
    out.push({ name: opts.name ? opts.name(r.label) : r.label, x: pts.map((p) => p.step), y: pts.map((p) => p[measure] as number) });
  }
  return out;
}

/** The last finite value of `measure` in a log (NaN if none). */
export function lastValue(log: LogRecord[], measure: LogMeasure): number {
  for (let i = log.length - 1; i >= 0; i--) {
    const v = log[i][measure];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return NaN;
}

/** The mean of `measure` over a log's records (finite values only; NaN if none). */
export function meanValue(log: LogRecord[], measure: LogMeasure): number {
  const v = log.map((r) => r[measure]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

// ---- the cost multiple ---------------------------------------------------------------------------

/** The refresh interval R of a label `refresh:R` (or `refresh:R[...]`), else undefined. */
export function refreshInterval(label: string): number | undefined {
  const m = /^refresh:(\d+)/.exec(label);
  return m ? Number(m[1]) : undefined;
}

export interface CostMultiple {
  /** The corrector row compared. */
  corrector: string;
  correctorAccuracy: number;
  /** The corrector's total target-encoder forward passes (initial cache and per-step fresh encodes included). */
  correctorEncodes: number;
  /** The cheapest refresh:R row (by re-embedding cost) whose accuracy ≥ the corrector's; undefined when none. */
  refresh?: string;
  refreshAccuracy?: number;
  /** That row's re-embedding cost (full corpus re-encodes, in target forward passes). */
  refreshReembed?: number;
  /** That row's total target forward passes. */
  refreshEncodes?: number;
  /** refreshReembed / correctorEncodes: how many times the corrector's whole encoding budget the refresh baseline spends on re-embedding alone. */
  multiple?: number;
  /** refreshEncodes / correctorEncodes (total against total). */
  totalMultiple?: number;
  reached: boolean;
  /** When not reached: the largest refresh re-embedding cost tried / correctorEncodes, a lower bound on the multiple. */
  atLeast?: number;
}

/**
 * The cost multiple at which the corrector matches the refresh baselines: among rows labelled
 * `refresh:R`, the one with the smallest re-embedding cost (`reembed`) whose `metric` ≥ the
 * corrector's; multiple = its re-embedding cost / the corrector's total target encodes
 * (`totalTargetEncodes`). Not reached (reached = false) when no refresh row is as accurate; then
 * `atLeast` is the most re-embedding any refresh row spent over the same denominator.
 */
export function costMultiple(rows: readonly ExperimentSummaryRow[], correctorLabel: string, metric: 'devMrr10' | 'testMrr10' | 'devRecall10' | 'devRecall100' = 'devMrr10'): CostMultiple {
  const c = rows.find((r) => r.label === correctorLabel);
  if (!c) throw new InputError(`cost multiple: no row '${correctorLabel}' (rows: ${rows.map((r) => r.label).join(', ')})`);
  const base: CostMultiple = { corrector: c.label, correctorAccuracy: c[metric], correctorEncodes: c.totalTargetEncodes, reached: false };
  const matching = rows
    .filter((r) => refreshInterval(r.label) !== undefined && Number.isFinite(r[metric]) && r[metric] >= c[metric])
    .sort((a, b) => a.reembed - b.reembed || a.totalTargetEncodes - b.totalTargetEncodes);
  const best = matching[0];
  if (!best) {
    const tried = rows.filter((r) => refreshInterval(r.label) !== undefined).map((r) => r.reembed);
    return tried.length ? { ...base, atLeast: Math.max(...tried) / c.totalTargetEncodes } : base;
  }
  return {
    ...base,
    refresh: best.label,
    refreshAccuracy: best[metric],
    refreshReembed: best.reembed,
    refreshEncodes: best.totalTargetEncodes,
    multiple: best.reembed / c.totalTargetEncodes,
    totalMultiple: best.totalTargetEncodes / c.totalTargetEncodes,
    reached: true,
  };
}

/** The strategy family of a label, for colours and legends: `refresh:50` → `refresh`, `corrector[mlp w=64]` → `corrector`. */
export function strategyFamily(label: string): string {
  return label.replace(/\[.*$/, '').replace(/:.*$/, '');
}

/** Summary rows as table rows with readable column names (the columns `formatTable` prints). */
export function summaryTableRows(rows: readonly ExperimentSummaryRow[]): Row[] {
  return rows.map((r) => ({
    strategy: r.label,
    seeds: r.seeds,
    'dev MRR@10': r.devMrr10,
    'dev R@1': r.devRecall1,
    'dev R@10': r.devRecall10,
    'dev R@100': r.devRecall100,
    'test MRR@10': r.testMrr10,
    'test R@100': r.testRecall100,
    're-embed (corpus passes)': r.reembedCorpusPasses,
    'all target encodes (corpus passes)': r.totalTargetEncodesCorpusPasses,
    'corrector GFLOP': r.correctorGflops,
    'train s': r.wallSeconds,
  }));
}

// ---- cached computations -------------------------------------------------------------------------

/**
 * Returns the `value` stored in `file` when its `key` equals `key` (compared as JSON); otherwise
 * runs `compute`, stores `{ key, value }` atomically and returns it. `fresh` recomputes regardless.
 * Notebooks use it for offline computations (synthetic sweeps, corrector fits) so a re-run reads
 * the earlier result instead of recomputing.
 */
export async function cachedJson<T>(file: string, key: unknown, compute: () => Promise<T>, opts: { fresh?: boolean; log?: (line: string) => void } = {}): Promise<{ value: T; cached: boolean }> {
  const want = JSON.stringify(key);
  if (!opts.fresh && fs.existsSync(file)) {
    try {
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { key: unknown; value: T };
      if (JSON.stringify(stored.key) === want) {
        opts.log?.(`reusing ${file}`);
        return { value: stored.value, cached: true };
      }
      opts.log?.(`${file}: settings changed; recomputing`);
    } catch {
      opts.log?.(`${file}: unreadable; recomputing`);
    }
  }
  const value = await compute();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, { key: JSON.parse(want), value });
  return { value, cached: false };
}

// ---- a trained run's encoder ---------------------------------------------------------------------

/**
 * The corpus encoded by the final target encoder of a finished run, as an on-disk cache in
 * `cacheDir` (built once; reused while its manifest names the same encoder fingerprint). The encoder
 * is rebuilt from the run's config.json and its final checkpoint (checkpoint/weights.bin: the
 * encoder variables come first, query then target, as the trainer saves them).
 */
export async function finalTargetCache(o: { runDir: string; cacheDir: string; data: TrainData; progress?: ProgressFn; signal?: AbortSignal }): Promise<{ dir: string; step: number; built: boolean }> {
  const { tf } = await import('../tensor');
  const { encoderFactory } = await import('../train/encoders');
  const { buildCache, readManifest, MANIFEST_FILE } = await import('../cache');
  const { encodeFnOf } = await import('../encoders/types');
  const cfgFile = path.join(o.runDir, 'config.json');
  const ckpt = path.join(o.runDir, 'checkpoint');
  if (!fs.existsSync(cfgFile) || !fs.existsSync(path.join(ckpt, 'weights.json'))) throw new InputError(`${o.runDir}: no config.json and checkpoint/ (train the run first)`);
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as TrainConfig;
  const state = JSON.parse(fs.readFileSync(path.join(ckpt, 'state.json'), 'utf8')) as { step: number };
  const meta = JSON.parse(fs.readFileSync(path.join(ckpt, 'weights.json'), 'utf8')) as { name: string; shape: number[]; size: number }[];
  const raw = fs.readFileSync(path.join(ckpt, 'weights.bin'));
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const enc = await encoderFactory(cfg.encoder, o.data, cfg.seed)();
  try {
    const vars = [...enc.query.trainableVariables()];
    if (enc.target !== enc.query) for (const v of enc.target.trainableVariables()) if (!vars.includes(v)) vars.push(v);
    let off = 0;
    const byName = new Map<string, Float32Array>();
    for (const m of meta) {
      byName.set(m.name, all.subarray(off, off + m.size));
      off += m.size;
    }
    vars.forEach((v, i) => {
      const w = byName.get(`encoder/${i}`);
      if (!w || w.length !== v.size) throw new InputError(`${ckpt}: lacks 'encoder/${i}' of shape [${v.shape.join(', ')}] (config changed since the run?)`);
      v.assign(tf.tensor(w, v.shape));
    });
    const fingerprint = enc.target.fingerprint();
    if (fs.existsSync(path.join(o.cacheDir, MANIFEST_FILE))) {
      if (readManifest(o.cacheDir).encoder.fingerprint === fingerprint) return { dir: o.cacheDir, step: state.step, built: false };
      fs.rmSync(o.cacheDir, { recursive: true, force: true });
    }
    await buildCache({
      dir: o.cacheDir, corpus: o.data.corpusIds.map((id, i) => ({ id, title: '', text: o.data.corpusTexts[i] })), textOf: (d) => d.text,
      encode: encodeFnOf(enc.target), encoder: { kind: enc.target.kind, fingerprint, config: enc.target.config() },
      dim: enc.target.dim, normalized: enc.target.normalized, batchSize: 4096, progress: o.progress, signal: o.signal,
    });
    return { dir: o.cacheDir, step: state.step, built: true };
  } finally {
    enc.query.dispose();
    if (enc.target !== enc.query) enc.target.dispose();
  }
}

// ---- corrector capacity on real pairs ------------------------------------------------------------

/** One capacity of the offline sweep: a label and a corrector config without dim. */
export interface CapacityPoint {
  label: string;
  config: { kind: 'identity' | 'linear' | 'mlp'; depth?: number; width?: number; activation?: 'relu' | 'gelu' | 'tanh' | 'silu' };
}

/** What one fitted capacity measures (held-out pairs; FLOPs by Corrector.flopsPerRow's convention). */
export interface CapacityResult {
  label: string;
  params: number;
  flopsPerRow: number;
  /** Held-out mean ‖h(g′) − g‖ and mean squared error; the identity's beside them. */
  heldOutMeanL2: number;
  heldOutMse: number;
  identityMeanL2: number;
  /** 1 − mse / identity mse. */
  relativeImprovement: number;
  trainMeanL2: number;
  epochs: number;
  fitSeconds: number;
}

/** The default capacities: identity, linear, residual MLPs (relu) of widths 16 … 1024 at depth 1, and width 256 at depth 2. */
export const CAPACITY_LADDER: readonly CapacityPoint[] = [
  { label: 'identity', config: { kind: 'identity' } },
  { label: 'linear', config: { kind: 'linear' } },
  ...[16, 64, 256, 1024].map((width) => ({ label: `mlp w=${width}`, config: { kind: 'mlp' as const, depth: 1, width, activation: 'relu' as const } })),
  { label: 'mlp w=256 L=2', config: { kind: 'mlp', depth: 2, width: 256, activation: 'relu' } },
];

/**
 * Fits one corrector per capacity on the same pairs (fitCorrector: mse drift loss, Adam, early
 * stopping on `heldOut`) and measures each on the held-out pairs. The identity is measured, not fitted.
 */
export async function fitCapacityLadder(o: {
  train: { stale: Float32Array; fresh: Float32Array };
  heldOut: { stale: Float32Array; fresh: Float32Array };
  dim: number;
  capacities?: readonly CapacityPoint[];
  maxEpochs?: number;
  patience?: number;
  learningRate?: number;
  seed?: number;
  progress?: ProgressFn;
  signal?: AbortSignal;
}): Promise<CapacityResult[]> {
  const { buildCorrector, fitCorrector, identityError, measureCorrectorError } = await import('../corrector');
  const caps = o.capacities ?? CAPACITY_LADDER;
  const identity = identityError(o.heldOut.stale, o.heldOut.fresh, o.dim);
  const out: CapacityResult[] = [];
  for (let i = 0; i < caps.length; i++) {
    const cap = caps[i];
    const t0 = performance.now();
    if (cap.config.kind === 'identity') {
      const h = buildCorrector({ kind: 'identity', dim: o.dim });
      const tr = identityError(o.train.stale, o.train.fresh, o.dim);
      out.push({ label: cap.label, params: h.parameterCount(), flopsPerRow: h.flopsPerRow(), heldOutMeanL2: identity.meanL2, heldOutMse: identity.mse, identityMeanL2: identity.meanL2, relativeImprovement: 0, trainMeanL2: tr.meanL2, epochs: 0, fitSeconds: 0 });
      h.dispose();
    } else {
      const rep = await fitCorrector({
        stale: o.train.stale, fresh: o.train.fresh, dim: o.dim, heldOut: o.heldOut, corrector: { ...cap.config, seed: o.seed ?? 0 },
        maxEpochs: o.maxEpochs ?? 30, patience: o.patience ?? 3, learningRate: o.learningRate ?? 1e-3, seed: o.seed ?? 0, signal: o.signal,
      });
      const tr = measureCorrectorError(rep.corrector, o.train.stale, o.train.fresh);
      out.push({
        label: cap.label, params: rep.corrector.parameterCount(), flopsPerRow: rep.corrector.flopsPerRow(), heldOutMeanL2: rep.heldOut.meanL2, heldOutMse: rep.heldOut.mse,
        identityMeanL2: rep.identity.meanL2, relativeImprovement: rep.relativeImprovement, trainMeanL2: tr.meanL2, epochs: rep.bestEpoch, fitSeconds: (performance.now() - t0) / 1000,
      });
      rep.corrector.dispose();
    }
    o.progress?.({ stage: 'fit correctors', done: i + 1, total: caps.length, unit: 'capacities', info: { last: cap.label } });
  }
  return out;
}

/** Splits paired rows into a training part and a held-out part: every `every`-th row held out. */
export function splitEvery(stale: Float32Array, fresh: Float32Array, dim: number, every: number): { train: { stale: Float32Array; fresh: Float32Array }; heldOut: { stale: Float32Array; fresh: Float32Array } } {
  if (!Number.isInteger(every) || every < 2) throw new InputError(`split: every must be an integer ≥ 2, got ${every}`);
  const n = stale.length / dim;
  const nh = Math.floor((n + every - 1) / every);
  const hs = new Float32Array(nh * dim), hf = new Float32Array(nh * dim);
  const ts = new Float32Array((n - nh) * dim), tf_ = new Float32Array((n - nh) * dim);
  let h = 0, t = 0;
  for (let i = 0; i < n; i++) {
    const row = (a: Float32Array) => a.subarray(i * dim, (i + 1) * dim);
    if (i % every === 0) (hs.set(row(stale), h * dim), hf.set(row(fresh), h * dim), h++);
    else (ts.set(row(stale), t * dim), tf_.set(row(fresh), t * dim), t++);
  }
  return { train: { stale: ts, fresh: tf_ }, heldOut: { stale: hs, fresh: hf } };
}

// ---- quoted numbers ------------------------------------------------------------------------------

/** A published number quoted beside ours; never computed here. */
export interface QuotedResult {
  dataset: 'NQ' | 'MS MARCO';
  method: string;
  metric: string;
  value: number;
  source: string;
}

/**
 * Published numbers the results notebook quotes (percent). NQ test: top-k answer accuracy (R@k);
 * MS MARCO dev: MRR@10. The corrector's NQ row is quoted by a later paper (indicative only: the
 * corrector paper's own tables are not public).
 */
export const QUOTED_RESULTS: readonly QuotedResult[] = [
  ...([['R@1', 50.61], ['R@5', 71.0], ['R@10', 77.73], ['R@20', 82.66], ['R@100', 88.39]] as const).map(([metric, value]) => ({
    dataset: 'NQ' as const, method: 'corrector (Monath et al. 2024)', metric, value, source: 'quoted by a later paper; indicative only',
  })),
  { dataset: 'NQ', method: 'DPR', metric: 'R@20', value: 78.4, source: 'Karpukhin et al. 2020' },
  { dataset: 'NQ', method: 'DPR', metric: 'R@100', value: 85.4, source: 'Karpukhin et al. 2020' },
  { dataset: 'NQ', method: 'ANCE', metric: 'R@20', value: 81.9, source: 'Xiong et al. 2021' },
  { dataset: 'NQ', method: 'ANCE', metric: 'R@100', value: 87.5, source: 'Xiong et al. 2021' },
  { dataset: 'NQ', method: 'BM25', metric: 'R@20', value: 59.1, source: 'as reported by Karpukhin et al. 2020' },
  { dataset: 'NQ', method: 'BM25', metric: 'R@100', value: 73.7, source: 'as reported by Karpukhin et al. 2020' },
  { dataset: 'MS MARCO', method: 'ANCE', metric: 'MRR@10', value: 33.0, source: 'Xiong et al. 2021' },
  { dataset: 'MS MARCO', method: 'BM25', metric: 'MRR@10', value: 18.7, source: 'as reported by Xiong et al. 2021' },
];

/**
 * The quoted numbers of one dataset as a wide table: one row per method, one column per metric (in
 * `metrics` order), '–' where a method has no quoted value; every row marked `quoted`.
 */
export function quotedTable(dataset: QuotedResult['dataset'], metrics: string[]): Row[] {
  const methods = [...new Set(QUOTED_RESULTS.filter((q) => q.dataset === dataset).map((q) => q.method))];
  return methods.map((method) => {
    const row: Row = { method, source: 'quoted' };
    for (const m of metrics) row[m] = QUOTED_RESULTS.find((q) => q.dataset === dataset && q.method === method && q.metric === m)?.value ?? null;
    row.reference = QUOTED_RESULTS.find((q) => q.dataset === dataset && q.method === method)!.source;
    return row;
  });
}

/**
 * Our rows of a result table beside the quoted ones, in percent, each marked `ours` or `quoted`:
 * for NQ our R@1/R@10/R@100 (test split when present, else dev; passage recall, not the quoted
 * answer accuracy, unless the table was made with answer matching), for MS MARCO our MRR@10.
 */
export function oursBesideQuoted(table: ExperimentTable, dataset: QuotedResult['dataset']): Row[] {
  const pct = (x: number) => (Number.isFinite(x) ? 100 * x : null);
  if (dataset === 'MS MARCO') {
    const ours: Row[] = table.summary.map((r) => ({ method: r.label, source: `ours (${table.name})`, 'MRR@10': pct(Number.isFinite(r.testMrr10) ? r.testMrr10 : r.devMrr10), reference: Number.isFinite(r.testMrr10) ? 'test split' : 'dev split' }));
    return [...ours, ...quotedTable('MS MARCO', ['MRR@10'])];
  }
  const metrics = ['R@1', 'R@5', 'R@10', 'R@20', 'R@100'];
  const ours: Row[] = table.summary.map((r) => {
    const test = Number.isFinite(r.testRecall10);
    return {
      method: r.label, source: `ours (${table.name})`,
      'R@1': pct(test ? r.testRecall1 : r.devRecall1), 'R@5': null, 'R@10': pct(test ? r.testRecall10 : r.devRecall10), 'R@20': null, 'R@100': pct(test ? r.testRecall100 : r.devRecall100),
      reference: test ? 'test split' : 'dev split',
    };
  });
  return [...ours, ...quotedTable('NQ', metrics)];
}

/**
 * A shallow copy of `data` whose `split` keeps only its first `n` queries (the rest of the data is
 * shared). Quick notebook runs evaluate on such a subset: the final evaluation scores every query
 * of the dev split against the whole corpus, which dominates a run of a few steps.
 */
export function withSplitSubset(data: TrainData, split: string, n: number): TrainData {
  const s = data.splits[split];
  if (!s) throw new InputError(`split subset: no split '${split}' (have ${Object.keys(data.splits).join(', ')})`);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`split subset: n must be an integer ≥ 1, got ${n}`);
  return { ...data, splits: { ...data.splits, [split]: { queryIds: s.queryIds.slice(0, n), queryTexts: s.queryTexts.slice(0, n), positives: s.positives.slice(0, n) } } };
}

/** Shades of blue from dark to light for refresh intervals (most refreshes darkest). */
const REFRESH_SHADES = ['#08306b', '#08519c', '#2171b5', '#4292c6', '#6baed6'];

/**
 * A colour per run label for one figure: the strategy colour (palette.ts), except that the
 * `refresh:R` runs get clearly distinct shades of blue, darkest for the smallest R (the palette's
 * log-scale shades make R = 4 … 30 look alike).
 */
export function runColors(labels: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const refresh = labels.filter((l) => refreshInterval(l) !== undefined).sort((a, b) => refreshInterval(a)! - refreshInterval(b)!);
  const step = refresh.length > 1 ? (REFRESH_SHADES.length - 1) / (refresh.length - 1) : 0;
  refresh.forEach((l, i) => (out[l] = REFRESH_SHADES[Math.min(REFRESH_SHADES.length - 1, Math.round(i * step))]));
  for (const l of labels) if (!(l in out)) out[l] = strategyColor(l);
  return out;
}
