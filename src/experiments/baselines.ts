/**
 * The rows of the experiment tables that train nothing, beside the strategies:
 *
 * - **zero-shot**: the initial encoders (the `zero-shot` encoder of `build-cache` and `search`),
 *   evaluated without training. It is a 0-step run of a cache strategy, so it lives in the run
 *   folders as the strategies do (reused, resumed, scored by `reproduce`), re-embeds nothing, and
 *   its one corpus pass (the cache it searches, which every cache strategy pays as its initial
 *   cache) is counted as such.
 * - **BM25**: lexical retrieval (search/bm25.ts: Lucene's BM25, Pyserini's k1 0.9, b 0.4, Lucene
 *   EnglishAnalyzer terms of the passage text), not a dense strategy: no encoder, so no target
 *   encodes. It is scored on the same splits, queries, depth and metrics as a run's final evaluation
 *   (train/score.ts scoreBm25), so its numbers compare with the runs'. It has no seed: one result
 *   in runs/<experiment>/BM25/, reused while what it scored is unchanged.
 */
import * as fs from 'fs';
import * as path from 'path';
import { sha256 } from '../util/hash';
import type { ProgressFn } from '../util/progress';
import { PYSERINI_BM25 } from '../search/bm25';
import { corpusBm25Index } from '../train/bm25-table';
import type { TrainConfig, TrainConfigInput } from '../train/config';
import type { TrainData } from '../train/data';
import type { RetrievalMetrics } from '../train/log';
import { finalEvaluation, type TrainOptions } from '../train/loop';
import { scoreBm25, type SplitScore } from '../train/score';
import { baselineFolder, readBaselineResult, writeBaselineResult } from './run-folder';

export const ZERO_SHOT_LABEL = 'zero-shot';
export const BM25_LABEL = 'BM25';

/** The zero-shot row as a run of the experiment (a Variant): the initial encoders, 0 steps, searching the initial cache's encoder's corpus. */
export const ZERO_SHOT_RUN: { label: string; strategy: string; config: TrainConfigInput } = { label: ZERO_SHOT_LABEL, strategy: 'stale', config: { steps: 0 } };

/** The BM25 row's measurements: what a run's result holds of its final evaluation, and its time. */
export interface LexicalRow {
  label: string;
  /** runs/<experiment>/BM25: result.json and the TREC run files. */
  dir: string;
  dev: RetrievalMetrics;
  test?: RetrievalMetrics;
  /** Scores of the further evaluation splits (reproduce's dataset metrics), in order. */
  evaluation?: SplitScore[];
  /** Indexing, searching and scoring. */
  wallSeconds: number;
  /** Read from result.json rather than computed now. */
  reused: boolean;
}

/** Bumped when what a stored BM25 result means changes. */
const BM25_RESULT_VERSION = 1;

/** One folder spelled two ways is one dataset. */
function canonicalPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * The BM25 row of an experiment: the corpus indexed, every split of the runs' final evaluation
 * (`cfg`'s dev and test, then `evaluation`'s splits) searched and scored; reused from
 * runs/<experiment>/BM25/result.json when it scored the same splits of the same dataset.
 */
export async function bm25Row(o: {
  runsRoot: string; experiment: string; dataset: string; cfg: TrainConfig; data: TrainData; evaluation?: TrainOptions['evaluation'];
  fresh?: boolean; progress?: ProgressFn; signal?: AbortSignal; log?: (line: string) => void;
}): Promise<LexicalRow> {
  const dir = baselineFolder(o.runsRoot, o.experiment, BM25_LABEL);
  const final = finalEvaluation(o.cfg, o.data, dir, o.evaluation);
  const key = sha256(JSON.stringify({
    version: BM25_RESULT_VERSION, params: PYSERINI_BM25, dataset: canonicalPath(o.dataset), corpusRows: o.data.corpusIds.length,
    splits: final.splits.map((s) => ({
      split: s.split, metrics: s.metrics, qrels: s.qrels ?? true, answers: !!s.answers, depth: s.depth, maxQueries: s.maxQueries,
      queries: o.data.splits[s.split]?.queryIds.length, runFile: s.runFile && path.basename(s.runFile),
    })),
  }));
  const stored = o.fresh ? undefined : readBaselineResult(dir, key);
  if (stored) {
    o.log?.(`${BM25_LABEL}: reusing ${path.join(dir, 'result.json')}`);
    return { label: BM25_LABEL, dir, ...final.results(stored.scores), wallSeconds: stored.wallSeconds, reused: true };
  }
  o.log?.(`${BM25_LABEL}: indexing ${o.data.corpusIds.length} passages, scoring ${[...new Set(final.splits.map((s) => s.split))].join(', ')}`);
  const started = Date.now();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const index = await corpusBm25Index(o.data, { signal: o.signal, progress: o.progress });
  const scores = await scoreBm25({
    data: o.data, index, splits: final.splits, corpusFile: o.evaluation?.corpusFile, tag: 'bm25', progress: o.progress, stage: `score ${BM25_LABEL}`, signal: o.signal,
  });
  const wallSeconds = (Date.now() - started) / 1000;
  writeBaselineResult(dir, { key, label: BM25_LABEL, params: PYSERINI_BM25, scores, wallSeconds });
  return { label: BM25_LABEL, dir, ...final.results(scores), wallSeconds, reused: false };
}
