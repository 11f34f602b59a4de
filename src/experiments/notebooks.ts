/**
 * What the notebooks run, kept out of their cells: their settings (quick or default), the one
 * training experiment notebooks 01, 02, 03, 05 and 06 share (a grid → runExperiment's options) and
 * the one call that trains or reuses it (`runNotebookPlan`), a smaller dev split for quick runs, and
 * a JSON cache for offline computations keyed by their settings. Notebooks call this layer for runs
 * and src/report for drawing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeJsonAtomic } from '../util/atomic';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import type { LogRecord } from '../train/log';
import { ensureDefaultTask } from '../data/wordnet';
import type { CorrectorLossKind } from '../corrector/losses';
import { DEFAULT_TRAIN_CONFIG, type TrainConfigInput } from '../train/config';
import { loadTrainData, type TrainData } from '../train/data';
import { liveDisplay, notebookProgress } from '../report/display';
import type { ExperimentSummaryRow } from '../report/experiment-table';
import { runExperiment, type ExperimentRow, type Variant } from './experiment';
import { readRunLogs } from './run-folder';

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
  /** Score the final dev evaluation on the first this many dev queries only (quick settings); absent: all. */
  devQueries?: number;
}

/** A corrector of a training grid: its network (and loss), labelled `corrector[...]` by `correctorLabel`. */
export interface GridCorrector {
  kind: 'linear' | 'mlp';
  /** mlp hidden width (default: the config's, 256). */
  width?: number;
  /** mlp hidden layers (default 1). */
  depth?: number;
  loss?: CorrectorLossKind;
}

/**
 * The runs of a notebook training experiment besides its plain strategies: refresh:R for each R,
 * one corrector run per network, and one corrector run per warm-up length. An argument of
 * `trainingPlan`, so a notebook changes the grid in a cell (finished runs are reused by label).
 */
export interface TrainingGrid {
  /** Training steps T of every run. */
  steps: number;
  /** Plain strategies, labelled by their name (`stale`, `corrector`, `oracle`, ...). */
  strategies: string[];
  /** Refresh intervals R in steps: a `refresh:R` run each. */
  refresh: number[];
  correctors: GridCorrector[];
  /** Warm-up lengths in steps: a `corrector[warmup=W]` run each (the default corrector). */
  warmup: number[];
}

/** The label of a grid corrector: `corrector[linear]`, `corrector[mlp w=64]`, `corrector[mlp w=256 L=2 loss=softmax]`. */
export function correctorLabel(c: GridCorrector): string {
  const parts = c.kind === 'linear' ? ['linear'] : [`mlp w=${c.width ?? DEFAULT_TRAIN_CONFIG.corrector.width}`, ...((c.depth ?? 1) > 1 ? [`L=${c.depth}`] : [])];
  if (c.loss && c.loss !== 'mse') parts.push(`loss=${c.loss}`);
  return `corrector[${parts.join(' ')}]`;
}

/**
 * The grid of the one training experiment behind notebooks 01 (staleness), 02 (corrector at work),
 * 03 (accuracy against cost), 05 (corrector complexity) and 06 (results tables), so each reuses the
 * runs the others trained (runs/nb-train/): in-batch, stale, refresh-on-use, corrector (MLP width
 * 256), oracle, refresh:R for R = T/2, T/4, T/8, T/16, correctors linear and MLP width 64 (the
 * `cost` sweep of `npm start` without its width-1024 point; its width-256 point is the plain
 * corrector), and the corrector with a warm-up of ⌈T/5⌉ steps. Default T = 60 (`npm start` trains
 * 400). Quick T = 8 with fewer runs.
 */
export function defaultTrainingGrid(quick: boolean): TrainingGrid {
  const steps = quick ? 8 : 60;
  return {
    steps,
    strategies: quick ? ['stale', 'refresh-on-use', 'corrector', 'oracle'] : ['in-batch', 'stale', 'refresh-on-use', 'corrector', 'oracle'],
    refresh: (quick ? [2, 4] : [2, 4, 8, 16]).map((k) => Math.max(1, Math.ceil(steps / k))),
    correctors: quick ? [{ kind: 'linear' }] : [{ kind: 'linear' }, { kind: 'mlp', width: 64 }],
    warmup: [Math.ceil(steps / 5)],
  };
}

/**
 * The notebooks' training experiment for a grid (default: defaultTrainingGrid): runs/nb-train/
 * (quick: nb-train-quick/), seed 1, no test split, probes every 5 steps (quick: 2) on 1000 rows ×
 * 100 queries (quick: 300 × 30); quick runs score the final dev evaluation on 300 dev queries.
 */
export function trainingPlan(quick: boolean, grid: TrainingGrid = defaultTrainingGrid(quick)): NotebookPlan {
  const { steps } = grid;
  for (const R of grid.refresh) if (!Number.isInteger(R) || R < 1) throw new InputError(`training grid: refresh intervals must be integers ≥ 1, got ${R}`);
  for (const W of grid.warmup) if (!Number.isInteger(W) || W < 0) throw new InputError(`training grid: warm-up lengths must be integers ≥ 0, got ${W}`);
  const variants: Variant[] = [
    ...grid.refresh.map((R) => ({ label: `refresh:${R}`, strategy: `refresh:${R}`, config: {} })),
    ...grid.correctors.map((c) => ({
      label: correctorLabel(c),
      strategy: 'corrector',
      config: { corrector: { kind: c.kind, ...(c.width !== undefined ? { width: c.width } : {}), ...(c.depth !== undefined ? { depth: c.depth } : {}), ...(c.loss !== undefined ? { loss: c.loss } : {}) } },
    })),
    ...grid.warmup.map((W) => ({ label: `corrector[warmup=${W}]`, strategy: 'corrector', config: { corrector: { warmupSteps: W } } })),
  ];
  return {
    name: notebookExperimentName('nb-train', quick),
    steps,
    base: quick
      ? { steps, logEvery: 2, probeRows: 300, probeQueries: 30, testSplit: null, evalQueries: 200 }
      : { steps, logEvery: 5, probeRows: 1000, probeQueries: 100, testSplit: null, evalQueries: 500 },
    strategies: grid.strategies,
    variants,
    ...(quick ? { devQueries: 300 } : {}),
  };
}

/** Every run label of a plan: its strategies, then its variants. */
export function planLabels(plan: NotebookPlan): string[] {
  return [...plan.strategies, ...plan.variants.map((v) => v.label)];
}

/** The part of a plan a notebook needs: the strategies and variants whose labels pass `keep` (runExperiment reuses or trains just those). */
export function planSubset(plan: NotebookPlan, keep: (label: string) => boolean): NotebookPlan {
  return { ...plan, strategies: plan.strategies.filter(keep), variants: plan.variants.filter((v) => keep(v.label)) };
}

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

/**
 * A shallow copy of `data` whose `split` keeps only its first `n` queries (the rest of the data is
 * shared). Quick notebook runs evaluate on such a subset: the final evaluation scores every query
 * of the dev split against the whole corpus, which dominates a run of a few steps.
 */
export function withSplitSubset(data: TrainData, split: string, n: number): TrainData {
  const s = data.splits[split];
  if (!s) throw new InputError(`split subset: no split '${split}' (have ${Object.keys(data.splits).join(', ')})`);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`split subset: n must be an integer ≥ 1, got ${n}`);
  return { ...data, splits: { ...data.splits, [split]: { queryIds: s.queryIds.slice(0, n), queryTexts: s.queryTexts.slice(0, n), positives: s.positives.slice(0, n), ...(s.grades ? { grades: s.grades.slice(0, n) } : {}) } } };
}

/** What `runNotebookPlan` returns: the data it trained on, every run (trained now or reused), the table rows, and each run's log. */
export interface NotebookRuns {
  dataset: string;
  data: TrainData;
  rows: ExperimentRow[];
  summary: ExperimentSummaryRow[];
  logs: { label: string; log: LogRecord[] }[];
}

/**
 * Trains, resumes or reuses every run of `plan` on the offline default task (built on first use),
 * the one training cell of the notebooks. In a notebook it shows one progress line per run and
 * stage (training, evaluation, cache builds; each ends with a final line) and a live log of what it
 * reuses or trains. `writeTable`: write the experiment's table to results/<plan.name>/ (the notebook
 * that runs the whole plan does; a notebook running a part writes it to scratch, so the table of
 * the whole experiment is not replaced by a part of it).
 */
export async function runNotebookPlan(plan: NotebookPlan, opts: { writeTable?: boolean; progress?: ProgressFn; log?: (line: string) => void; signal?: AbortSignal } = {}): Promise<NotebookRuns> {
  const progress = opts.progress ?? notebookProgress();
  let log = opts.log;
  if (!log) {
    const box = liveDisplay();
    const lines: string[] = [];
    log = (line) => {
      lines.push(line);
      box.text?.(lines.join('\n'));
    };
  }
  const dataset = await ensureDefaultTask({ progress, signal: opts.signal });
  const splits = plan.base.testSplit === null ? ['train', 'dev'] : ['train', 'dev', plan.base.testSplit ?? DEFAULT_TRAIN_CONFIG.testSplit!];
  const all = await loadTrainData(dataset, splits, { signal: opts.signal });
  const data = plan.devQueries !== undefined ? withSplitSubset(all, 'dev', plan.devQueries) : all;
  const { rows, summary } = await runExperiment({
    name: plan.name, dataset, data, strategies: plan.strategies, variants: plan.variants, seeds: [1], base: plan.base,
    resultsDir: opts.writeTable ? undefined : path.join(os.tmpdir(), 'freshcache-notebook-tables'),
    progress, log, signal: opts.signal,
  });
  return { dataset, data, rows, summary, logs: readRunLogs(plan.name, { labels: planLabels(plan) }) };
}
