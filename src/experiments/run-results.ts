/**
 * The results of an experiment's runs as one DataFrame, one row per run (label × seed): what the
 * notebooks group by strategy, drift speed and seed, average, and pivot into a paper-style table
 * (src/report/frames.ts). Read from the run folders (config.json, result.json), so any experiment
 * (the notebooks', `npm start`'s, a sweep's) loads the same way.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_TRAIN_CONFIG } from '../train/config';
import { readManifest, MANIFEST_FILE } from '../cache';
import { recordsFrame, type DataFrame } from '../report/frames';
import { findRuns, readRunResult } from './run-folder';

/** The columns of a run-results frame, in order (test columns only when some run has a test split). */
export const RUN_RESULT_COLUMNS = [
  'experiment', 'label', 'strategy', 'drift', 'seed', 'steps',
  'dev MRR@10', 'dev success@1', 'dev success@10', 'dev success@100', 'test MRR@10', 'test success@100',
  're-embed (corpus passes)', 'all target encodes (corpus passes)', 'corrector GFLOP', 'wall s',
] as const;

export type RunResultRecord = Record<(typeof RUN_RESULT_COLUMNS)[number], string | number | null>;

/**
 * The corpus size of an experiment, for costs in corpus passes: the rows of one of its initial
 * caches (runs/<experiment>/initial-cache-s<seed>/), else what a run's re-embedding cost implies;
 * undefined when neither says (then the all-target-encodes column is missing).
 */
function corpusSizeOf(experimentDir: string, costs: { reembed: number; reembedCorpusPasses: number }[]): number | undefined {
  const caches = fs.existsSync(experimentDir) ? fs.readdirSync(experimentDir).filter((d) => d.startsWith('initial-cache-s')).sort() : [];
  for (const c of caches) {
    const dir = path.join(experimentDir, c);
    if (fs.existsSync(path.join(dir, MANIFEST_FILE))) return readManifest(dir).rows;
  }
  const c = costs.find((x) => x.reembed > 0 && x.reembedCorpusPasses > 0);
  return c ? Math.round(c.reembed / c.reembedCorpusPasses) : undefined;
}

/**
 * One record per finished run of `experiment` (runs/<experiment>/<label>-s<seed>/ with a
 * result.json), sorted by label then seed: label, strategy, drift (the encoder learning rate as a
 * multiple of the default 2e-3: how fast the cache goes stale), seed, steps, dev (and test)
 * metrics, costs in corpus passes, the corrector's GFLOP and the wall time. `labels`: only these.
 */
export function runResultRecords(experiment: string, opts: { runsDir?: string; labels?: readonly string[] } = {}): RunResultRecord[] {
  const runsDir = opts.runsDir ?? 'runs';
  const runs = findRuns(experiment, runsDir).filter((r) => r.finished && (!opts.labels || opts.labels.includes(r.label)));
  const results = runs.map((r) => ({ run: r, result: readRunResult(r.dir)! }));
  const corpus = corpusSizeOf(path.join(runsDir, experiment), results.map((x) => x.result.cost));
  const nan = (v: number | undefined) => (v === undefined ? NaN : v);
  return results.map(({ run, result }) => ({
    experiment,
    label: run.label,
    strategy: run.config.strategy,
    drift: +(run.config.lr / DEFAULT_TRAIN_CONFIG.lr).toPrecision(3),
    seed: run.seed,
    steps: result.steps,
    'dev MRR@10': result.dev.mrr10,
    'dev success@1': result.dev.success1,
    'dev success@10': result.dev.success10,
    'dev success@100': result.dev.success100,
    'test MRR@10': nan(result.test?.mrr10),
    'test success@100': nan(result.test?.success100),
    're-embed (corpus passes)': result.cost.reembedCorpusPasses,
    'all target encodes (corpus passes)': corpus ? result.cost.totalTargetEncodes / corpus : NaN,
    'corrector GFLOP': result.cost.correctorFlops / 1e9,
    'wall s': result.wallSeconds,
  }));
}

/**
 * The one loader of run results: a DataFrame with a row per finished run of `experiment` (see
 * runResultRecords; the test columns only when some run was scored on a test split).
 */
export function loadRunResults(experiment: string, opts: { runsDir?: string; labels?: readonly string[] } = {}): DataFrame {
  const records = runResultRecords(experiment, opts);
  const hasTest = records.some((r) => Number.isFinite(r['test MRR@10'] as number));
  return recordsFrame(records, RUN_RESULT_COLUMNS.filter((c) => hasTest || !c.startsWith('test ')));
}
