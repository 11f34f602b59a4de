/**
 * Retrieval evaluation inside training: encode the whole corpus with the current target encoder
 * (ledger: eval, a measurement), search exactly for the split's queries, and score the run with
 * src/eval (the same code as `freshcache evaluate`). "Recall@k" in the tables is success@k: a
 * relevant passage in the top k (one relevant passage per query on the default task, where the two
 * coincide).
 */
import { MemoryEmbeddings } from '../cache/memory';
import { exactSearch } from '../search/exact';
import { evaluate } from '../eval/evaluate';
import { writeRun } from '../eval/runfile';
import type { Qrels, Run } from '../eval/types';
import { Rng } from '../util/rng';
import type { CostLedger } from './ledger';
import type { TrainData } from './data';
import type { EncoderPair } from '../encoders/types';
import type { ProgressFn } from '../util/progress';
import type { RetrievalMetrics } from './log';

export type { RetrievalMetrics };

export const TABLE_METRICS = ['mrr@10', 'success@1', 'success@10', 'success@100'] as const;

export interface EvaluateSplitOptions {
  data: TrainData;
  split: string;
  encoders: EncoderPair;
  /** Evaluate a seeded sample of this many queries (default: all). */
  maxQueries?: number;
  seed?: number;
  ledger?: CostLedger;
  /** Also write the run as a TREC file here. */
  runFile?: string;
  tag?: string;
  /** Fresh corpus embeddings to reuse (e.g. already computed for this step). */
  corpusEmbeddings?: Float32Array;
  batch?: number;
  /** Reports passages encoded plus queries searched, under `stage` (default 'evaluate <split>'). */
  progress?: ProgressFn;
  stage?: string;
}

/** `onRows(done)` is called after each batch with the passages encoded so far. */
export async function encodeCorpus(data: TrainData, encoders: EncoderPair, ledger?: CostLedger, batch = 4096, onRows?: (done: number) => void): Promise<Float32Array> {
  const dim = encoders.target.dim;
  const out = new Float32Array(data.corpusTexts.length * dim);
  for (let s = 0; s < data.corpusTexts.length; s += batch) {
    const texts = data.corpusTexts.slice(s, s + batch);
    const t = ledger ? ledger.encodeTargets('eval', texts) : encoders.target.encode(texts);
    out.set((await t.data()) as Float32Array, s * dim);
    t.dispose();
    onRows?.(Math.min(s + batch, data.corpusTexts.length));
  }
  return out;
}

export async function evaluateSplit(o: EvaluateSplitOptions): Promise<RetrievalMetrics> {
  const split = o.data.splits[o.split];
  let qIdx = Array.from({ length: split.queryIds.length }, (_, i) => i);
  if (o.maxQueries !== undefined && o.maxQueries < qIdx.length) {
    qIdx = new Rng(`${o.seed ?? 0}/eval/${o.split}`).sampleWithoutReplacement(qIdx.length, o.maxQueries).sort((a, b) => a - b);
  }
  const dim = o.encoders.target.dim;
  const encodeRows = o.corpusEmbeddings ? 0 : o.data.corpusTexts.length;
  const report = (done: number) => o.progress?.({ stage: o.stage ?? `evaluate ${o.split}`, done, total: encodeRows + qIdx.length, unit: 'texts' });
  const corpus = o.corpusEmbeddings ?? (await encodeCorpus(o.data, o.encoders, o.ledger, undefined, report));
  const source = new MemoryEmbeddings(corpus, dim);
  const k = Math.min(100, source.rows);
  const run: Run = new Map();
  const qrels: Qrels = new Map();
  const batch = o.batch ?? 1024;
  for (let s = 0; s < qIdx.length; s += batch) {
    const part = qIdx.slice(s, s + batch);
    const q = o.encoders.query.encode(part.map((i) => split.queryTexts[i]));
    const res = await exactSearch({ source, queries: q, k });
    q.dispose();
    part.forEach((qi, j) => {
      const entries = [];
      for (let r = 0; r < k; r++) {
        const row = res.indices[j * k + r];
        if (row >= 0) entries.push({ docId: o.data.corpusIds[row], score: res.scores[j * k + r] });
      }
      const qid = split.queryIds[qi];
      run.set(qid, entries);
      qrels.set(qid, new Map(Array.from(split.positives[qi]).map((row) => [o.data.corpusIds[row], 1])));
    });
    report(encodeRows + s + part.length);
  }
  if (o.runFile) writeRun(o.runFile, run, { tag: (o.tag ?? 'freshcache').replace(/[^\w.:+-]/g, '_') });
  const r = await evaluate({ run, qrels, metrics: [...TABLE_METRICS] });
  return {
    queries: qIdx.length,
    mrr10: r.aggregate['mrr@10'],
    recall1: r.aggregate['success@1'],
    recall10: r.aggregate['success@10'],
    recall100: r.aggregate['success@100'],
  };
}
