/**
 * BM25 retrieval from files: a BEIR corpus and queries file in, a run (query id → ranked corpus
 * ids) out. What `freshcache search --bm25` calls.
 */
import { throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { loadQueries, readCorpus } from '../data/beir';
import { corpusFileOf } from '../cache/from-file';
import { Bm25Index, type Bm25Params } from './bm25';

export interface Bm25SearchFilesOptions extends Partial<Bm25Params> {
  /** corpus.jsonl (or .gz), or a dataset folder holding one. */
  corpus: string;
  /** BEIR queries.jsonl (`_id`, `text`). */
  queries: string;
  k: number;
  signal?: AbortSignal;
  progress?: ProgressFn;
}

/** Indexes the corpus with BM25 (Lucene's formula, Pyserini's defaults) and ranks the top `k` for every query. */
export async function bm25SearchFiles(opts: Bm25SearchFilesOptions): Promise<Map<string, { docId: string; score: number }[]>> {
  const { signal, progress } = opts;
  const index = await Bm25Index.build(readCorpus(corpusFileOf(opts.corpus), { signal, progress }), { k1: opts.k1, b: opts.b, signal, progress });
  const queries = await loadQueries(opts.queries, { signal, progress });
  const run = new Map<string, { docId: string; score: number }[]>();
  queries.forEach((q, i) => {
    if (i % 1000 === 0) {
      throwIfAborted(signal, 'BM25 search');
      progress?.({ stage: 'bm25 search', done: i, total: queries.length, unit: 'queries' });
    }
    const hits = index.search(q.text, opts.k);
    run.set(q.id, Array.from(hits.rows, (r, j) => ({ docId: index.ids[r], score: hits.scores[j] })));
  });
  progress?.({ stage: 'bm25 search', done: queries.length, total: queries.length, unit: 'queries' });
  return run;
}
