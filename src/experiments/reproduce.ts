/**
 * `reproduce`: the paper's comparison on one dataset, end to end and resumable at every stage.
 *
 *   data       resolve the dataset folder and its profile (datasets.ts): splits and metrics.
 *   train      runExperiment with its baselines: the BM25 row (scored once, reused while unchanged)
 *              and the zero-shot row (the initial encoders, a 0-step run); the initial cache is
 *              built once on disk and reused while the encoder fingerprint matches; every strategy ×
 *              seed trains, resumes from its checkpoint, or is reused when finished with the same
 *              config. A run trained now scores the dataset's metrics in its final evaluation, with
 *              the one encoding of the corpus it makes for dev anyway.
 *   evaluate   per finished run: the scores of its final evaluation, or (for a run trained earlier)
 *              the trained encoders restored from the run's final checkpoint and scored once
 *              (train/score.ts: the corpus encoded once, every evaluation split searched exactly,
 *              top 100, top 1000 on MS MARCO). The TREC run files `reproduce-<split>.trec` and
 *              `reproduce-eval.json` go into the run folder; reused while the run's result.json and
 *              the evaluation settings are unchanged.
 *   table      our rows (mean over seeds, in percent) and the published numbers, marked "(quoted)",
 *              in results/<name>/reproduction.{md,json,csv}; results/<name>/stages.json records
 *              which stage finished and what was reused.
 */
import * as path from 'path';
import { InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { writeJsonAtomic } from '../util/atomic';
import { sha256, sha256File } from '../util/hash';
import { disposeEncoderPair, type EncoderPair } from '../encoders/types';
import { loadDataset } from '../data/beir';
import { resolveDatasetPaths } from '../data/dataset';
import { loadGlove, type Glove } from '../data/glove';
import type { Answers } from '../eval/types';
import { DEFAULT_TRAIN_CONFIG, resolveConfig, type TrainConfigInput } from '../train/config';
import { loadTrainData, type TrainData } from '../train/data';
import { encoderFactory } from '../train/encoders';
import type { TrainResult } from '../train/loop';
import { scoreEncoders, type ScoredSplit, type SplitScore } from '../train/score';
import type { ExperimentSummaryRow } from '../report/experiment-table';
import { runExperiment } from './experiment';
import { loadTrainedEncoders, readRunEvaluation, runFolderName, writeRunEvaluation } from './run-folder';
import {
  QUICK_SETTINGS, encoderConfigOf, reproductionProfile, reproductionStrategies, resolveReproductionDataset,
  type DatasetKind, type EvalSplitSpec, type ReproductionProfile,
} from './datasets';
import { formatReproductionTable, reproductionTable, writeReproductionTable, type MeasuredSystem, type ReproductionTable } from './reproduction-table';

export interface ReproduceOptions {
  /** 'wordnet' | 'nq' | 'msmarco' | a dataset folder. */
  dataset: string;
  /** Where wordnet / nq / msmarco live (default 'data'). */
  dataDir?: string;
  /** Override the detected dataset kind of a folder. */
  kind?: DatasetKind;
  /** 'glove' (default: the GloVe bag of embeddings) or a Hugging Face BERT checkpoint folder. */
  encoder?: string;
  /** Default: reproductionStrategies(kind, steps). */
  strategies?: string[];
  /** src/eval metric names in place of the profile's (reproductionProfile). */
  metrics?: readonly string[];
  seeds?: number[];
  steps?: number;
  /** QUICK_SETTINGS (overridden by `steps` and `base`). */
  quick?: boolean;
  /** Further training-config overrides (batch size, lr, corrector, ...). */
  base?: TrainConfigInput;
  /** Experiment name: runs/<name>/ and results/<name>/ (default `reproduce-<dataset>[-quick]`). */
  name?: string;
  runsDir?: string;
  resultsDir?: string;
  /** Recompute finished runs and evaluations. */
  fresh?: boolean;
  /** A word-vector table in place of GloVe (tests). */
  glove?: Glove;
  progress?: ProgressFn;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface ReproduceResult {
  dir: string;
  kind: DatasetKind;
  profile: ReproductionProfile;
  table: ReproductionTable;
  markdown: string;
  /** Experiment summary (dev metrics of the training loop, re-embedding cost). */
  summary: ExperimentSummaryRow[];
  /** Per run (`<label>-s<seed>`): split → scores. */
  evaluations: Record<string, Record<string, SplitScore>>;
  files: string[];
  /** Stages not redone: finished runs and evaluations reused from disk. */
  reused: { runs: number; evaluations: number };
  /** Seconds this call took. */
  wallSeconds: number;
}

/** Version of what reproduce-eval.json holds; part of its key. */
const EVAL_VERSION = 1;
const EVAL_FILE = 'reproduce-eval.json';

/** The profile's evaluation splits as scoring specs (run files `reproduce-<split>.trec`, named relative to the run folder). */
function scoredSplits(profile: ReproductionProfile, answers: Record<string, Answers>): ScoredSplit[] {
  return profile.evalSplits.map((s: EvalSplitSpec) => ({
    split: s.split, metrics: s.metrics, qrels: s.qrels, depth: profile.depth, runFile: `reproduce-${s.split}.trec`,
    ...(s.answers ? { answers: answers[s.split] } : {}),
  }));
}

/**
 * Scores a trained run once: its encoders rebuilt by `makeEncoders` and loaded from the run's final
 * checkpoint (at `result.steps`), the corpus encoded once for every split. Split run files named
 * relative to the run folder are written there.
 */
export async function scoreTrainedRun(o: {
  runDir: string; result: TrainResult; makeEncoders: () => Promise<EncoderPair>; data: TrainData; splits: readonly ScoredSplit[];
  corpusFile?: string; tag?: string; progress?: ProgressFn; signal?: AbortSignal;
}): Promise<SplitScore[]> {
  const { encoders } = await loadTrainedEncoders(o.runDir, o.makeEncoders, { steps: o.result.steps });
  try {
    return await scoreEncoders({
      data: o.data, encoders, corpusFile: o.corpusFile, tag: o.tag, progress: o.progress, signal: o.signal, stage: `score ${path.basename(o.runDir)}`,
      splits: o.splits.map((s) => (s.runFile ? { ...s, runFile: path.join(o.runDir, s.runFile) } : s)),
    });
  } finally {
    disposeEncoderPair(encoders);
  }
}

/** Runs (or resumes) the reproduction on one dataset; see the module comment for the stages. */
export async function reproduce(o: ReproduceOptions): Promise<ReproduceResult> {
  const started = Date.now();
  const log = o.log ?? (() => {});
  const dataDir = o.dataDir ?? 'data';
  const runsRoot = o.runsDir ?? 'runs';
  const resultsRoot = o.resultsDir ?? 'results';
  const resolved = await resolveReproductionDataset(o.dataset, dataDir, { progress: o.progress, signal: o.signal });
  const dir = resolved.dir;
  const kind = o.kind ?? resolved.kind;
  const profile = reproductionProfile(dir, kind, o.metrics);
  const datasetLabel = ['wordnet', 'nq', 'msmarco'].includes(o.dataset) ? o.dataset : path.basename(path.resolve(dir));
  const name = o.name ?? `reproduce-${datasetLabel.replace(/[^\w.-]+/g, '_')}${o.quick ? '-quick' : ''}`;
  const resultsDir = path.join(resultsRoot, name);
  const stagesFile = path.join(resultsDir, 'stages.json');
  const stages: Record<string, unknown> = { version: 1, name, dataset: dir, kind, profile };
  const saveStages = (stage: string, value: Record<string, unknown>) => {
    stages[stage] = { ...value, finishedAt: new Date().toISOString() };
    writeJsonAtomic(stagesFile, stages);
  };
  saveStages('data', { done: true, dir, kind });

  // ---- data: train / dev (+ qrels eval splits) as training data; answers-only splits beside ----
  const qrelsSplits = [...new Set([profile.trainSplit, profile.devSplit, ...profile.evalSplits.filter((s) => s.qrels).map((s) => s.split)])];
  const data: TrainData = await loadTrainData(dir, qrelsSplits, { progress: o.progress, signal: o.signal });
  const answersBySplit: Record<string, Answers> = {};
  for (const s of profile.evalSplits.filter((x) => x.answers)) {
    const ds = await loadDataset(dir, { split: s.split, checkCorpusIds: false, signal: o.signal, progress: o.progress });
    if (!ds.answers || ds.answers.size === 0) throw new InputError(`${dir}: split '${s.split}' has no answers in answers.jsonl (top-k answer accuracy needs them)`);
    answersBySplit[s.split] = ds.answers;
    // an answers-only split is searched like the others: its queries join the training view with no positives
    if (!data.splits[s.split]) data.splits[s.split] = { queryIds: ds.queries.map((q) => q.id), queryTexts: ds.queries.map((q) => q.text), positives: ds.queries.map(() => new Int32Array(0)) };
  }
  const splits = scoredSplits(profile, answersBySplit);
  const corpusFile = resolveDatasetPaths(dir).corpus;

  // ---- train: runExperiment (initial cache and finished runs reused; new runs score the dataset's metrics) ----
  const base: TrainConfigInput = {
    ...(o.quick ? QUICK_SETTINGS : {}),
    ...encoderConfigOf(o.encoder),
    ...(o.steps !== undefined ? { steps: o.steps } : {}),
    trainSplit: profile.trainSplit, devSplit: profile.devSplit, testSplit: null,
    ...(o.base ?? {}),
  };
  base.encoder = { ...encoderConfigOf(o.encoder).encoder, ...(o.base?.encoder ?? {}) };
  // one GloVe table for every run and evaluation (a BERT encoder needs none)
  const glove = o.glove ?? (resolveConfig(base).encoder.kind === 'glove-bag' ? await loadGlove({ progress: o.progress }) : undefined);
  const steps = (base.steps ?? DEFAULT_TRAIN_CONFIG.steps) as number;
  const strategies = o.strategies ?? reproductionStrategies(kind, steps);
  const seeds = o.seeds ?? [1];
  const exp = await runExperiment({
    name, dataset: dir, strategies, seeds, base, runsDir: runsRoot, resultsDir: resultsRoot, fresh: o.fresh, data, glove, baselines: true,
    evaluation: { splits, corpusFile }, progress: o.progress, signal: o.signal, log,
  });
  const reusedRuns = exp.rows.filter((r) => r.reused).length;
  saveStages('train', {
    done: true, runs: exp.rows.map((r) => runFolderName(r.label, r.seed)), reused: reusedRuns, experimentTable: path.join(resultsDir, 'table.md'),
    ...(exp.bm25 ? { bm25: { dir: exp.bm25.dir, reused: exp.bm25.reused } } : {}),
  });

  // ---- evaluate: every finished run with the dataset's metrics ----
  const evaluations: Record<string, Record<string, SplitScore>> = {};
  let reusedEvals = 0;
  for (const row of exp.rows) {
    throwIfAborted(o.signal, 'reproduction');
    const runName = runFolderName(row.label, row.seed);
    const key = sha256(JSON.stringify({ version: EVAL_VERSION, evalSplits: profile.evalSplits, depth: profile.depth, result: await sha256File(path.join(row.dir, 'result.json')) }));
    const stored = o.fresh ? undefined : readRunEvaluation(row.dir, EVAL_FILE, key);
    if (stored) {
      log(`${runName}: reusing ${path.join(row.dir, EVAL_FILE)}`);
      evaluations[runName] = stored.splits;
      reusedEvals++;
      continue;
    }
    let scores = !row.reused ? row.result.evaluation : undefined; // scored in the run's final evaluation
    if (!scores) {
      log(`${runName}: evaluating ${profile.evalSplits.map((s) => s.split).join(', ')}`);
      scores = await scoreTrainedRun({
        runDir: row.dir, result: row.result, makeEncoders: encoderFactory(row.result.config.encoder, data, row.seed, glove), data, splits, corpusFile,
        tag: row.label, progress: o.progress, signal: o.signal,
      });
    }
    evaluations[runName] = Object.fromEntries(scores.map((s) => [s.split, s]));
    writeRunEvaluation(row.dir, EVAL_FILE, { key, dataset: dir, kind, depth: profile.depth, splits: evaluations[runName] });
  }
  saveStages('evaluate', { done: true, runs: Object.keys(evaluations), reused: reusedEvals });

  // ---- table ----
  const encoderName = o.encoder === undefined || o.encoder === 'glove' || o.encoder === 'glove-bag' ? 'glove-bag' : `bert:${path.basename(path.resolve(o.encoder))}`;
  const systems: MeasuredSystem[] = [
    ...(exp.bm25 ? [{ label: exp.bm25.label, runs: [Object.fromEntries((exp.bm25.evaluation ?? []).map((s) => [s.split, s]))] }] : []),
    ...[...new Set(exp.rows.map((r) => r.label))].map((label) => ({ label, runs: exp.rows.filter((r) => r.label === label).map((r) => evaluations[runFolderName(r.label, r.seed)]) })),
  ];
  const table = reproductionTable({ name, dataset: dir, kind, encoder: encoderName, profile, systems, summary: exp.summary });
  const markdown = formatReproductionTable(table);
  const files = writeReproductionTable(resultsDir, table, markdown);
  saveStages('table', { done: true, files });
  return {
    dir, kind, profile, table, markdown, summary: exp.summary, evaluations, files: [...exp.files, ...files, stagesFile], reused: { runs: reusedRuns, evaluations: reusedEvals },
    wallSeconds: (Date.now() - started) / 1000,
  };
}
