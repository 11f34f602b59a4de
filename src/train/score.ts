/**
 * The one scoring path of trained (or training) encoders: the target encoder encodes the corpus
 * once, whatever the number of splits; each split's queries are encoded by the query encoder and
 * searched exactly (top `depth` by inner product, search/exact.ts); each run is scored by src/eval
 * with the metrics it names. The training loop's evaluations, `reproduce`, the notebooks and the
 * CLI all score through `scoreEncoders`; the BM25 baseline of the tables is scored the same way
 * (`scoreBm25`: the same queries, depth, qrels and metrics), so its row compares with theirs.
 *
 * Metric names are src/eval's (trec_eval's where it has one): `mrr@10`; `success@k`, a relevant
 * passage in the top k (trec_eval's success_k; our tables used to call it "R@k"; with one relevant
 * passage per query, as on the WordNet task, it equals recall@k); `recall@k`; MS MARCO's
 * `mrr_msmarco@10`; DPR top-k answer accuracy `acc@k` (answers matched in the corpus file's passages);
 * `ndcg@k` with the qrels grades as gains (graded relevance respected).
 */
import type { tf } from '../tensor';
import { MemoryEmbeddings } from '../cache/memory';
import { exactSearch } from '../search/exact';
import { encodeAll, type EncoderPair } from '../encoders/types';
import { evaluate } from '../eval/evaluate';
import { writeRun } from '../eval/runfile';
import type { Answers, Qrels, Run, RunEntry } from '../eval/types';
import { InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { Rng } from '../util/rng';
import type { Bm25Index } from '../search/bm25';
import type { SplitData, TrainData } from './data';
import type { RetrievalMetrics } from './log';

/** The metrics of the experiment tables and the training log (see RetrievalMetrics). */
export const TABLE_METRICS = ['mrr@10', 'success@1', 'success@10', 'success@100'] as const;

/** One split to score and how. */
export interface ScoredSplit {
  /** A split of `data.splits`. */
  split: string;
  /** src/eval metric names. */
  metrics: readonly string[];
  /** Score against the split's relevant passages (its positives); default true. */
  qrels?: boolean;
  /** Answers for top-k answer accuracy (`acc@k`); needs ScoreOptions.corpusFile. */
  answers?: Answers;
  /** Score a seeded sample of this many queries (default: all); the sample depends on ScoreOptions.seed and the split. */
  maxQueries?: number;
  /** Passages retrieved per query, capped at the corpus size (default 100). */
  depth?: number;
  /** Also write the run here as a TREC file. */
  runFile?: string;
}

export interface ScoreOptions {
  data: TrainData;
  encoders: EncoderPair;
  splits: readonly ScoredSplit[];
  /** corpus.jsonl(.gz) whose passages answers are matched in (DPR: the passage text). */
  corpusFile?: string;
  /** The corpus already encoded by this target encoder (row-major, corpus order): then none is encoded. */
  corpusEmbeddings?: Float32Array;
  /** Encodes corpus texts, e.g. through the cost ledger as `eval`; default the target encoder. */
  encodeTargets?: (texts: string[]) => tf.Tensor2D;
  /** Seed of the query samples (maxQueries). */
  seed?: number;
  /** Run tag of the TREC files. */
  tag?: string;
  /** Progress over texts (corpus passages encoded, then queries searched) under `stage` (default 'score'). */
  progress?: ProgressFn;
  stage?: string;
  signal?: AbortSignal;
}

/** Metrics of one scored split. */
export interface SplitScore {
  split: string;
  /** Queries scored. */
  queries: number;
  /** Metric name → value in [0, 1]. */
  metrics: Record<string, number>;
}

/** Corpus passages per encoder call and queries per search call (fixed: the numbers depend on neither, but they stay reproducible). */
const CORPUS_BATCH = 4096;
const QUERY_BATCH = 1024;

/** A split to score with the rows of its queries that are scored. */
interface PickedSplit {
  spec: ScoredSplit;
  split: SplitData;
  rows: number[];
}

/** Each spec's split and the queries it scores (a seeded sample when `maxQueries` is set). */
function pickSplits(data: TrainData, specs: readonly ScoredSplit[], seed: number | undefined, corpusFile: string | undefined): PickedSplit[] {
  return specs.map((spec) => {
    const split = data.splits[spec.split];
    if (!split) throw new InputError(`scoring: split '${spec.split}' is not loaded (have ${Object.keys(data.splits).join(', ')})`);
    if (spec.answers && !corpusFile) throw new InputError(`scoring split '${spec.split}': top-k answer accuracy needs the corpus file`);
    let rows = Array.from({ length: split.queryIds.length }, (_, i) => i);
    if (spec.maxQueries !== undefined && spec.maxQueries < rows.length) {
      rows = new Rng(`${seed ?? 0}/eval/${spec.split}`).sampleWithoutReplacement(rows.length, spec.maxQueries).sort((a, b) => a - b);
    }
    return { spec, split, rows };
  });
}

/**
 * Scores one split's ranking (query id → passages, best first) with the spec's metrics: against the
 * split's relevant passages with their qrels grades (nDCG's gains; trec_eval's relevance threshold
 * 1 for the others), and against answers for `acc@k`. Writes the spec's run file when it names one.
 */
async function scoreRanking(p: PickedSplit, run: Run, data: TrainData, o: { corpusFile?: string; tag?: string; signal?: AbortSignal }): Promise<SplitScore> {
  const { spec, split, rows } = p;
  const useQrels = spec.qrels ?? true;
  const qrels: Qrels = new Map();
  if (useQrels) {
    for (const qi of rows) qrels.set(split.queryIds[qi], new Map(Array.from(split.positives[qi], (row, j) => [data.corpusIds[row], split.grades?.[qi][j] ?? 1])));
  }
  if (spec.runFile) writeRun(spec.runFile, run, { tag: (o.tag ?? 'freshcache').replace(/[^\w.:+-]/g, '_') });
  const answers = spec.answers ? new Map(rows.map((i) => split.queryIds[i]).filter((id) => spec.answers!.has(id)).map((id) => [id, spec.answers!.get(id)!])) : undefined;
  const r = await evaluate({
    run, metrics: spec.metrics, signal: o.signal,
    ...(useQrels ? { qrels } : {}),
    ...(answers ? { answers, corpus: o.corpusFile } : {}),
  });
  return { split: spec.split, queries: r.counts.queries, metrics: r.aggregate };
}

/** Scores `encoders` on every split (one result per split, in order), encoding the corpus once. */
export async function scoreEncoders(o: ScoreOptions): Promise<SplitScore[]> {
  const { data } = o;
  const dim = o.encoders.target.dim;
  const picked = pickSplits(data, o.splits, o.seed, o.corpusFile);
  const encodeRows = o.corpusEmbeddings ? 0 : data.corpusTexts.length;
  const total = encodeRows + picked.reduce((a, p) => a + p.rows.length, 0);
  const report = (done: number) => o.progress?.({ stage: o.stage ?? 'score', done, total, unit: 'texts' });
  const corpus = o.corpusEmbeddings ?? (await encodeAll(o.encodeTargets ?? ((t) => o.encoders.target.encode(t)), data.corpusTexts, dim, CORPUS_BATCH, report));
  if (corpus.length !== data.corpusTexts.length * dim) throw new InputError(`scoring: corpus embeddings hold ${corpus.length / dim} rows, the corpus ${data.corpusTexts.length}`);
  const source = new MemoryEmbeddings(corpus, dim);
  let done = encodeRows;
  const out: SplitScore[] = [];
  for (const p of picked) {
    const { spec, split, rows } = p;
    throwIfAborted(o.signal, `scoring ${spec.split}`);
    const k = Math.min(spec.depth ?? 100, source.rows);
    const run: Run = new Map();
    for (let s = 0; s < rows.length; s += QUERY_BATCH) {
      const part = rows.slice(s, s + QUERY_BATCH);
      const q = o.encoders.query.encode(part.map((i) => split.queryTexts[i]));
      const res = await exactSearch({ source, queries: q, k, signal: o.signal });
      q.dispose();
      part.forEach((qi, j) => {
        const entries: RunEntry[] = [];
        for (let r = 0; r < k; r++) {
          const row = res.indices[j * k + r];
          if (row >= 0) entries.push({ docId: data.corpusIds[row], score: res.scores[j * k + r] });
        }
        run.set(split.queryIds[qi], entries);
      });
      done += part.length;
      report(done);
    }
    out.push(await scoreRanking(p, run, data, o));
  }
  return out;
}

export interface ScoreBm25Options {
  data: TrainData;
  /** A BM25 index of `data`'s corpus, row for row. */
  index: Bm25Index;
  splits: readonly ScoredSplit[];
  corpusFile?: string;
  seed?: number;
  tag?: string;
  progress?: ProgressFn;
  stage?: string;
  signal?: AbortSignal;
}

/**
 * Scores BM25 on every split as scoreEncoders scores encoders (the same queries, depth, metrics,
 * qrels grades and run files): the lexical baseline of the experiment tables.
 */
export async function scoreBm25(o: ScoreBm25Options): Promise<SplitScore[]> {
  const { data, index } = o;
  if (index.size !== data.corpusIds.length) throw new InputError(`scoring BM25: the index holds ${index.size} passages, the corpus ${data.corpusIds.length}`);
  const picked = pickSplits(data, o.splits, o.seed, o.corpusFile);
  const total = picked.reduce((a, p) => a + p.rows.length, 0);
  let done = 0;
  const out: SplitScore[] = [];
  for (const p of picked) {
    const k = Math.min(p.spec.depth ?? 100, index.size);
    const run: Run = new Map();
    for (const qi of p.rows) {
      if (done % 1000 === 0) {
        throwIfAborted(o.signal, `scoring BM25 on ${p.spec.split}`);
        o.progress?.({ stage: o.stage ?? 'score bm25', done, total, unit: 'queries' });
      }
      const hits = index.search(p.split.queryTexts[qi], k);
      run.set(p.split.queryIds[qi], Array.from(hits.rows, (row, j) => ({ docId: data.corpusIds[row], score: hits.scores[j] })));
      done++;
    }
    out.push(await scoreRanking(p, run, data, o));
  }
  o.progress?.({ stage: o.stage ?? 'score bm25', done, total, unit: 'queries' });
  return out;
}

/** The table metrics of a split scored with TABLE_METRICS. */
export function retrievalMetrics(s: SplitScore): RetrievalMetrics {
  return { queries: s.queries, mrr10: s.metrics['mrr@10'], success1: s.metrics['success@1'], success10: s.metrics['success@10'], success100: s.metrics['success@100'] };
}

/** Metrics of a run that stopped before its evaluation: nothing measured. */
export function unmeasuredMetrics(): RetrievalMetrics {
  return { queries: 0, mrr10: NaN, success1: NaN, success10: NaN, success100: NaN };
}
