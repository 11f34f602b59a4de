/**
 * The one owner of an experiment's run folders, runs/<experiment>/<label>-s<seed>/: their names,
 * whether one holds a finished run with the same settings (reuse), a run to resume or extend, or
 * a run with other settings (start over, saying which); finding them; reading their results and
 * logs; loading their trained encoders and corrector; and the evaluations scored after the fact.
 *
 * What the training loop writes into a run folder (train/loop.ts): config.json, log.jsonl,
 * checkpoint/ (weights, optimiser states, data order), result.json when finished, the trained
 * encoders (target-encoder/, query-encoder/) and corrector (corrector/), and the TREC run files of
 * its final evaluation. Beside the runs: initial-cache-s<seed>/ (the never-refreshed cache of a
 * seed, shared by its strategies), and runs/<experiment>/<label>/ for a row that trains nothing and
 * has no seed (the BM25 baseline: its result.json and run files).
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../util/errors';
import { writeJsonAtomic } from '../util/atomic';
import { disposeEncoderPair, type EncoderPair } from '../encoders/types';
import { loadCorrector, type Corrector } from '../corrector/networks';
import type { TrainConfig } from '../train/config';
import type { TrainResult } from '../train/loop';
import type { SplitScore } from '../train/score';
import { readLog, type LogRecord, type RetrievalMetrics } from '../train/log';
import { CheckpointMismatchError, loadEncoderWeights } from '../train/checkpoint';
import { configDifferences, isStepExtension, type ConfigDifference } from '../train/run-config';

// ---- names -----------------------------------------------------------------------------------------

/** `<label>-s<seed>` with every run of characters a folder name should not hold replaced by `_` (`refresh:100` → `refresh_100-s1`). */
export function runFolderName(label: string, seed: number): string {
  return `${folderSafe(label)}-s${seed}`;
}

const folderSafe = (label: string) => label.replace(/[^\w.-]+/g, '_');

/** runs/<experiment>/<label>-s<seed>. */
export function runFolderPath(runsRoot: string, experiment: string, label: string, seed: number): string {
  return path.join(runsRoot, experiment, runFolderName(label, seed));
}

/** runs/<experiment>/initial-cache-s<seed>: the initial target encoder's cache of the corpus, shared by a seed's runs. */
export function initialCacheFolder(runsRoot: string, experiment: string, seed: number): string {
  return path.join(runsRoot, experiment, `initial-cache-s${seed}`);
}

/** The label and seed of a run from its config name `<label>-s<seed>`. */
export function parseRunName(name: string): { label: string; seed: number } {
  const m = /^(.*)-s(-?\d+)$/.exec(name);
  if (!m) throw new InputError(`run name '${name}': expected '<label>-s<seed>'`);
  return { label: m[1], seed: Number(m[2]) };
}

// ---- what a folder holds ------------------------------------------------------------------------------

/** What a run folder holds, against the settings of the run about to start. */
export type RunFolderState =
  /** No run yet (no config.json). */
  | { kind: 'empty' }
  /** A finished run with these settings: reuse its result. */
  | { kind: 'finished'; result: TrainResult }
  /** An unfinished run with these settings: resume it from its checkpoint. */
  | { kind: 'unfinished' }
  /** A run with fewer steps and otherwise these settings: continue it (train/run-config.ts). */
  | { kind: 'extend'; fromSteps: number }
  /** A run with other settings. */
  | { kind: 'different'; differences: ConfigDifference[] };

/** Decides between reuse, resume, extension and other settings by comparing config.json (equivalent paths are equal). */
export function runFolderState(runDir: string, cfg: TrainConfig): RunFolderState {
  const cfgFile = path.join(runDir, 'config.json');
  if (!fs.existsSync(cfgFile)) return { kind: 'empty' };
  const differences = configDifferences(readJson<TrainConfig>(cfgFile, 'a run config.json'), cfg);
  if (isStepExtension(differences)) return { kind: 'extend', fromSteps: differences[0].old as number };
  if (differences.length > 0) return { kind: 'different', differences };
  const result = readRunResult(runDir);
  return result && configDifferences(result.config, cfg).length === 0 ? { kind: 'finished', result } : { kind: 'unfinished' };
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new InputError(`${file}: not readable as ${what} (${(e as Error).message}); delete the folder to start it over`);
  }
}

/** Metrics as result.json files before success@k was named so held them (`recall1` for success@1). */
type LegacyMetrics = Partial<RetrievalMetrics> & { recall1?: number; recall10?: number; recall100?: number };

function migrateMetrics(m: LegacyMetrics | undefined): RetrievalMetrics | undefined {
  if (m === undefined) return undefined;
  if (m.success1 !== undefined || m.recall1 === undefined) return m as RetrievalMetrics;
  return { queries: m.queries ?? 0, mrr10: m.mrr10 ?? NaN, success1: m.recall1, success10: m.recall10 ?? NaN, success100: m.recall100 ?? NaN };
}

/** result.json of a finished run (undefined when it has none); metrics of older files read under their current names. */
export function readRunResult(runDir: string): TrainResult | undefined {
  const file = path.join(runDir, 'result.json');
  if (!fs.existsSync(file)) return undefined;
  const r = readJson<TrainResult>(file, 'a run result.json');
  return { ...r, dev: migrateMetrics(r.dev)!, ...(r.test ? { test: migrateMetrics(r.test) } : {}) };
}

// ---- finding runs and their logs ------------------------------------------------------------------------

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

/** The runs of an experiment: every folder of `runsDir/<experiment>` holding a config.json, sorted by label then seed. Missing folder: none. */
export function findRuns(experiment: string, runsDir = 'runs'): FoundRun[] {
  const root = path.join(runsDir, experiment);
  if (!fs.existsSync(root)) return [];
  const out: FoundRun[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const cfgFile = path.join(dir, 'config.json');
    if (!fs.existsSync(cfgFile)) continue;
    const config = readJson<TrainConfig>(cfgFile, 'a run config.json');
    const { label, seed } = parseRunName(config.name);
    out.push({ label, seed, dir, config, finished: fs.existsSync(path.join(dir, 'result.json')) });
  }
  return out.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : a.seed - b.seed));
}

/** Each label's log (its first seed's), in the order of `labels` when given; runs without a log are left out. */
export function readRunLogs(experiment: string, opts: { runsDir?: string; labels?: readonly string[] } = {}): { label: string; log: LogRecord[] }[] {
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

// ---- trained encoders and corrector -----------------------------------------------------------------------

/**
 * Fresh encoders from `makeEncoders` (built from the run's config) with the trained weights of the
 * run's last checkpoint (`encoder/<i>` of checkpoint/weights.bin: the query encoder's trainable
 * variables, then the target's not shared with it). `steps`: the step the checkpoint must be at
 * (a finished run's), else an InputError.
 */
export async function loadTrainedEncoders(runDir: string, makeEncoders: () => Promise<EncoderPair>, opts: { steps?: number } = {}): Promise<{ encoders: EncoderPair; step: number }> {
  const ckpt = ['checkpoint', 'checkpoint.old'].map((d) => path.join(runDir, d)).find((d) => fs.existsSync(path.join(d, 'state.json')));
  if (!ckpt) throw new InputError(`${runDir}: no checkpoint/state.json of a trained run (train the run first)`);
  const encoders = await makeEncoders();
  let step: number;
  try {
    step = loadEncoderWeights(ckpt, encoders);
    if (opts.steps !== undefined && step !== opts.steps) throw new InputError(`${ckpt}: checkpoint at step ${step} but result.json says ${opts.steps} steps; rerun with --fresh`);
  } catch (e) {
    disposeEncoderPair(encoders);
    // a finished run whose config still matches, but whose weights do not: written by an older
    // freshcache (the checkpoint layout or the default task's vocabulary changed since)
    if (e instanceof CheckpointMismatchError) {
      throw new InputError(`${runDir}: this run folder predates the current checkpoint format or data (${e.message}); delete it (rm -r ${runDir}) and run again to retrain it`);
    }
    throw e;
  }
  return { encoders, step };
}

/** The run's trained corrector (corrector/, saved when a corrector run finishes), or null when it has none. */
export function loadTrainedCorrector(runDir: string): Corrector | null {
  const dir = path.join(runDir, 'corrector');
  return fs.existsSync(dir) ? loadCorrector(dir) : null;
}

// ---- evaluations scored after the run --------------------------------------------------------------------

/** An evaluation stored in a run folder, valid while its key (what was scored, on which result) is unchanged. */
export interface StoredEvaluation {
  key: string;
  /** Split → scores. */
  splits: Record<string, SplitScore>;
  [extra: string]: unknown;
}

/** `<file>` in the run folder when its key equals `key`, else undefined. */
export function readRunEvaluation(runDir: string, file: string, key: string): StoredEvaluation | undefined {
  const f = path.join(runDir, file);
  if (!fs.existsSync(f)) return undefined;
  const prev = readJson<StoredEvaluation>(f, 'a stored evaluation');
  return prev.key === key ? prev : undefined;
}

/** Stores an evaluation beside the run (atomically). */
export function writeRunEvaluation(runDir: string, file: string, evaluation: StoredEvaluation): void {
  writeJsonAtomic(path.join(runDir, file), evaluation);
}

// ---- rows that train nothing (baselines) ------------------------------------------------------------

/** runs/<experiment>/<label>/: the folder of a seed-free row that trains nothing (the BM25 baseline). */
export function baselineFolder(runsRoot: string, experiment: string, label: string): string {
  return path.join(runsRoot, experiment, folderSafe(label));
}

/** A baseline's result.json, valid while its key (what was scored, and how) is unchanged. */
export interface StoredBaseline {
  key: string;
  label: string;
  /** Scores of the splits it was scored on, in order. */
  scores: SplitScore[];
  wallSeconds: number;
  [extra: string]: unknown;
}

/** The baseline's result.json in `dir` when its key equals `key`, else undefined. */
export function readBaselineResult(dir: string, key: string): StoredBaseline | undefined {
  const f = path.join(dir, 'result.json');
  if (!fs.existsSync(f)) return undefined;
  const prev = readJson<StoredBaseline>(f, 'a baseline result.json');
  return prev.key === key ? prev : undefined;
}

/** Writes the baseline's result.json (atomically; the folder's last file, so a killed baseline is scored again). */
export function writeBaselineResult(dir: string, result: StoredBaseline): void {
  writeJsonAtomic(path.join(dir, 'result.json'), result);
}
