/**
 * An experiment: strategies (and sweep points) × seeds trained under the same loop, data and step
 * budget, then one table of accuracy against re-embedding cost. The default experiment behind
 * `npm start` runs every negative strategy on the offline WordNet task, beside the rows that train
 * nothing (baselines.ts: BM25, lexical; zero-shot, the initial encoders). Each run lives in
 * runs/<experiment>/<label>-s<seed>/ (run-folder.ts) and is resumed, extended, or (when finished
 * with the same settings) reused on the next call, so a killed experiment continues.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import type { ProgressFn } from '../util/progress';
import { throwIfAborted } from '../util/errors';
import { mean, sampleSd } from '../util/stats';
import type { EncoderPair } from '../encoders/types';
import type { Glove } from '../data/glove';
import { resolveConfig, type TrainConfig, type TrainConfigInput } from '../train/config';
import { loadTrainData, type TrainData } from '../train/data';
import { encoderFactory } from '../train/encoders';
import { trainRetriever, type TrainOptions, type TrainResult } from '../train/loop';
import { parseStrategy } from '../train/strategy';
import { formatConfigDifferences } from '../train/run-config';
import { formatExperimentTable, type ExperimentSummaryRow } from '../report/experiment-table';
import { initialCacheFolder, runFolderPath, runFolderState } from './run-folder';
import { initialCorpusEmbeddings } from './corpus-cache';
import { ZERO_SHOT_RUN, bm25Row, type LexicalRow } from './baselines';

/**
 * The strategies `npm start` and `reproduce` compare, in table order (a strategy added here is a row
 * of both tables); refresh:R refreshes about 3 times over the run.
 */
export function defaultStrategies(steps: number): string[] {
  return ['in-batch', 'bm25', 'stale', `refresh:${Math.max(1, Math.ceil(steps / 4))}`, 'refresh-on-use', 'corrector', 'oracle'];
}

/** A run of an experiment beyond its plain strategies: a label, the strategy, config overrides, and the seeds it runs at when not all of the experiment's. */
export type Variant = { label: string; strategy: string; config: TrainConfigInput; seeds?: readonly number[] };

/**
 * Sweeps beyond the strategy table:
 * - `cost`: refresh:R for R = T/2, T/4, T/8, T/16 and correctors of growing capacity (linear, MLP
 *   widths 64 / 256 / 1024): the accuracy-versus-re-embedding-cost curve the paper's 4–80x is about;
 * - `drift`: stale, corrector and refresh:T/4 at encoder learning rates ×0.25, ×1, ×4: how fast the
 *   cache goes stale decides whether a corrector can follow it.
 */
export function sweepVariants(kind: 'cost' | 'drift', steps: number, lr: number): Variant[] {
  if (kind === 'cost') {
    return [
      ...[2, 4, 8, 16].map((k) => Math.max(1, Math.ceil(steps / k))).map((R) => ({ label: `refresh:${R}`, strategy: `refresh:${R}`, config: {} })),
      { label: 'corrector[linear]', strategy: 'corrector', config: { corrector: { kind: 'linear' as const } } },
      ...[64, 256, 1024].map((w) => ({ label: `corrector[mlp w=${w}]`, strategy: 'corrector', config: { corrector: { kind: 'mlp' as const, width: w } } })),
    ];
  }
  const R = Math.max(1, Math.ceil(steps / 4));
  return [0.25, 1, 4].flatMap((f) =>
    ['stale', 'corrector', `refresh:${R}`].map((strategy) => ({ label: `${strategy}[lr=${+(lr * f).toPrecision(3)}]`, strategy, config: { lr: lr * f } })),
  );
}

export interface ExperimentOptions {
  /** Experiment name: runs/<name>/ and results/<name>/. */
  name: string;
  /** Dataset folder (canonical layout). */
  dataset: string;
  strategies: string[];
  seeds: number[];
  /** Overrides applied to every run's config (steps, batch size, lr, corrector, ...). */
  base: TrainConfigInput;
  /** Per-strategy overrides, e.g. a corrector size for a sweep point: label → config. */
  variants?: Variant[];
  runsDir?: string;
  resultsDir?: string;
  /** Recompute finished runs instead of reusing them. */
  fresh?: boolean;
  /** Further splits and metrics every newly trained run scores in its final evaluation (TrainOptions.evaluation). */
  evaluation?: TrainOptions['evaluation'];
  /** Also the rows that train nothing (baselines.ts): BM25 (lexical) and zero-shot (the initial encoders), first in the table. */
  baselines?: boolean;
  progress?: ProgressFn;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Preloaded training data (tests). */
  data?: TrainData;
  /** A word-vector table in place of GloVe (tests). */
  glove?: Glove;
}

export interface ExperimentRow {
  label: string;
  strategy: string;
  seed: number;
  /** The run folder. */
  dir: string;
  result: TrainResult;
  /** A finished run with the same settings, taken from its folder rather than trained now. */
  reused: boolean;
}

/** Runs (or resumes, extends, or reuses) every strategy × seed and writes the table under results/<name>/. */
export async function runExperiment(o: ExperimentOptions): Promise<{ rows: ExperimentRow[]; bm25?: LexicalRow; summary: ExperimentSummaryRow[]; files: string[] }> {
  const runsRoot = o.runsDir ?? 'runs';
  const resultsDir = path.join(o.resultsDir ?? 'results', o.name);
  const log = o.log ?? (() => {});
  const splits = resolveConfig(o.base);
  const data = o.data ?? (await loadTrainData(o.dataset, [splits.trainSplit, splits.devSplit, ...(splits.testSplit ? [splits.testSplit] : [])], { signal: o.signal }));
  const bm25 = o.baselines
    ? await bm25Row({ runsRoot, experiment: o.name, dataset: o.dataset, cfg: splits, data, evaluation: o.evaluation, fresh: o.fresh, progress: o.progress, signal: o.signal, log })
    : undefined;
  const runs: Variant[] = [];
  for (const v of [...(o.baselines ? [ZERO_SHOT_RUN] : []), ...o.strategies.map((s) => ({ label: parseStrategy(s).label, strategy: s, config: {} as TrainConfigInput })), ...(o.variants ?? [])]) {
    if (!runs.some((r) => r.label === v.label)) runs.push(v); // a sweep point equal to a table row runs once
  }
  const rows: ExperimentRow[] = [];
  const initialCaches = new Map<number, Float32Array>();
  const factories = new Map<string, () => Promise<EncoderPair>>();
  for (const seed of o.seeds) {
    for (const run of runs) {
      if (run.seeds && !run.seeds.includes(seed)) continue;
      throwIfAborted(o.signal, 'experiment');
      const cfg = runConfig(o.base, run, seed, o.dataset);
      const runDir = runFolderPath(runsRoot, o.name, run.label, seed);
      const state = o.fresh ? ({ kind: 'fresh' } as const) : runFolderState(runDir, cfg);
      if (state.kind === 'finished') {
        log(`${run.label} seed ${seed}: reusing ${path.join(runDir, 'result.json')}`);
        rows.push({ label: run.label, strategy: run.strategy, seed, dir: runDir, result: state.result, reused: true });
        continue;
      }
      if (state.kind === 'different') log(`${run.label} seed ${seed}: settings changed since ${runDir} was trained (${formatConfigDifferences(state.differences)}); starting it over`);
      if (state.kind === 'extend') log(`${run.label} seed ${seed}: extending ${runDir} from ${state.fromSteps} to ${cfg.steps} steps`);
      if (state.kind === 'fresh' || state.kind === 'different') fs.rmSync(runDir, { recursive: true, force: true });
      const factoryKey = `${JSON.stringify(cfg.encoder)}/${seed}`;
      if (!factories.has(factoryKey)) factories.set(factoryKey, encoderFactory(cfg.encoder, data, seed, o.glove));
      const makeEncoders = factories.get(factoryKey)!;
      // the never-refreshed cache g′ is the initial target encoder's, the same for every strategy of a seed
      let initialCache = initialCaches.get(seed);
      if (!initialCache && parseStrategy(run.strategy).usesCache && !parseStrategy(run.strategy).oracle) {
        initialCache = await initialCorpusEmbeddings(initialCacheFolder(runsRoot, o.name, seed), data, makeEncoders, { progress: o.progress, signal: o.signal });
        initialCaches.set(seed, initialCache);
      }
      log(`${run.label} seed ${seed}: training ${cfg.steps} steps`);
      const result = await trainRetriever({ config: cfg, data, makeEncoders, runDir, initialCache, evaluation: o.evaluation, progress: o.progress, signal: o.signal });
      rows.push({ label: run.label, strategy: run.strategy, seed, dir: runDir, result, reused: false });
    }
  }
  const summary = [...(bm25 ? [summarizeLexical(bm25)] : []), ...summarizeRuns(rows, data.corpusTexts.length)];
  const files = writeTables(resultsDir, summary, rows, bm25);
  return { rows, bm25, summary, files };
}

/** The config of one run of an experiment: the base overlaid with the variant's overrides, its strategy, the seed and the run's name. */
export function runConfig(base: TrainConfigInput, run: Variant, seed: number, dataset: string): TrainConfig {
  return resolveConfig({ ...base, ...run.config, encoder: { ...base.encoder, ...run.config.encoder }, corrector: { ...base.corrector, ...run.config.corrector }, strategy: run.strategy, seed, dataset, name: `${run.label}-s${seed}` });
}

/** One table row per label: the mean over its seeds (and the sd of dev MRR@10), costs in target passes and corpus passes. */
export function summarizeRuns(rows: readonly ExperimentRow[], corpusSize: number): ExperimentSummaryRow[] {
  const labels = [...new Set(rows.map((r) => r.label))];
  return labels.map((label) => {
    const rs = rows.filter((r) => r.label === label);
    const m = (f: (r: TrainResult) => number | undefined) => mean(rs.map((r) => f(r.result) ?? NaN));
    return {
      label,
      strategy: rs[0].strategy,
      seeds: rs.length,
      devMrr10: m((r) => r.dev.mrr10),
      devMrr10Sd: sampleSd(rs.map((r) => r.result.dev.mrr10)),
      devSuccess1: m((r) => r.dev.success1),
      devSuccess10: m((r) => r.dev.success10),
      devSuccess100: m((r) => r.dev.success100),
      testMrr10: m((r) => r.test?.mrr10),
      testSuccess1: m((r) => r.test?.success1),
      testSuccess10: m((r) => r.test?.success10),
      testSuccess100: m((r) => r.test?.success100),
      reembed: m((r) => r.cost.reembed),
      reembedCorpusPasses: m((r) => r.cost.reembedCorpusPasses),
      totalTargetEncodes: m((r) => r.cost.totalTargetEncodes),
      totalTargetEncodesCorpusPasses: m((r) => r.cost.totalTargetEncodes) / corpusSize,
      correctorGflops: m((r) => r.cost.correctorFlops) / 1e9,
      wallSeconds: m((r) => r.wallSeconds),
      lexical: false,
    };
  });
}

/** The BM25 row: its metrics; no target encodes (no encoder), no seeds. */
export function summarizeLexical(r: LexicalRow): ExperimentSummaryRow {
  return {
    label: r.label, strategy: r.label, seeds: 1,
    devMrr10: r.dev.mrr10, devMrr10Sd: NaN, devSuccess1: r.dev.success1, devSuccess10: r.dev.success10, devSuccess100: r.dev.success100,
    testMrr10: r.test?.mrr10 ?? NaN, testSuccess1: r.test?.success1 ?? NaN, testSuccess10: r.test?.success10 ?? NaN, testSuccess100: r.test?.success100 ?? NaN,
    reembed: 0, reembedCorpusPasses: 0, totalTargetEncodes: 0, totalTargetEncodesCorpusPasses: 0, correctorGflops: 0,
    wallSeconds: r.wallSeconds, lexical: true,
  };
}

function writeTables(dir: string, summary: ExperimentSummaryRow[], rows: ExperimentRow[], bm25: LexicalRow | undefined): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'table.json');
  const csv = path.join(dir, 'table.csv');
  const md = path.join(dir, 'table.md');
  writeJsonAtomic(json, {
    summary, runs: rows.map((r) => ({ label: r.label, seed: r.seed, dev: r.result.dev, test: r.result.test, cost: r.result.cost, wallSeconds: r.result.wallSeconds })),
    ...(bm25 ? { lexical: [{ label: bm25.label, dev: bm25.dev, test: bm25.test, wallSeconds: bm25.wallSeconds }] } : {}),
  });
  const keys = Object.keys(summary[0] ?? {}) as (keyof ExperimentSummaryRow)[];
  writeFileAtomic(csv, [keys.join(','), ...summary.map((r) => keys.map((k) => JSON.stringify(r[k])).join(','))].join('\n') + '\n');
  writeFileAtomic(md, formatExperimentTable(summary) + '\n');
  return [json, csv, md];
}
