/**
 * The static negatives of a `bm25[:N]` run (strategy.ts). Before step 0 the run indexes the corpus
 * with BM25 (Lucene's formula, Pyserini's defaults k1 0.9, b 0.4: search/bm25.ts) and mines each
 * training query's top N passages that are not relevant to it (search/bm25-negatives.ts); every
 * step then draws the batch queries' negatives from that table with the run's RNG, and the step
 * encodes them fresh with the positives (ledger: `negatives`).
 *
 * The table is kept in the run folder (bm25-negatives.json, corpus ids with a checksum), so a
 * resumed run reads it instead of mining again; a damaged or edited table is refused, and a
 * missing one is mined again, which gives the same table (ties rank by corpus row). Mining encodes
 * nothing, so it adds no target encodes and no re-embedding; its time is in the run's wall time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Bm25Index, PYSERINI_BM25 } from '../search/bm25';
import { mineBm25Negatives, saveBm25Negatives, loadBm25Negatives } from '../search/bm25-negatives';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import type { Rng } from '../util/rng';
import type { TrainData, SplitData } from './data';

/** The table's file in the run folder. */
export const BM25_NEGATIVES_FILE = 'bm25-negatives.json';

export interface Bm25TableOptions {
  runDir: string;
  data: TrainData;
  /** The training split: its queries are mined, each excluding its relevant rows. */
  train: SplitData;
  /** Passages mined per query (the strategy's N). */
  depth: number;
  /** Read the table the run folder holds, when it holds one (a resume); otherwise mine it anew. */
  reuse: boolean;
  signal?: AbortSignal;
  progress?: ProgressFn;
}

/**
 * The BM25 index of a training view's corpus, row for row (what the bm25 strategy mines and the
 * experiments' BM25 row searches): the text the target encoder reads, `title: text`, analyses to
 * the same terms as Pyserini's `title text`.
 */
export function corpusBm25Index(data: TrainData, opts: { signal?: AbortSignal; progress?: ProgressFn } = {}): Promise<Bm25Index> {
  return Bm25Index.build(data.corpusTexts.map((text, i) => ({ id: data.corpusIds[i], text })), opts);
}

/** The run's mined negatives, one array of corpus rows (best first) per training query. */
export async function bm25NegativeTable(opts: Bm25TableOptions): Promise<Int32Array[]> {
  const { data, train, depth } = opts;
  const file = path.join(opts.runDir, BM25_NEGATIVES_FILE);
  if (opts.reuse && fs.existsSync(file)) return readTable(file, opts);
  const index = await corpusBm25Index(data, { signal: opts.signal, progress: opts.progress });
  const table = mineBm25Negatives({ index, queries: train.queryTexts, exclude: train.positives, perQuery: depth, signal: opts.signal, progress: opts.progress });
  saveBm25Negatives(file, index, train.queryIds, table, depth);
  return table;
}

function readTable(file: string, opts: Bm25TableOptions): Int32Array[] {
  const { data, train } = opts;
  const refuse = (why: string) => new InputError(`${why}; start over with --fresh, or delete ${file} to mine the negatives again`);
  let table: Int32Array[];
  try {
    const rowOf = new Map(data.corpusIds.map((id, i) => [id, i]));
    table = loadBm25Negatives(file, train.queryIds, rowOf, { ...PYSERINI_BM25, perQuery: opts.depth, corpusRows: data.corpusIds.length });
  } catch (e) {
    throw e instanceof InputError ? refuse(e.message) : e;
  }
  // the checksum vouches for the file, not for the dataset it is read against
  table.forEach((rows, qi) => {
    const relevant = new Set(train.positives[qi]);
    const r = rows.find((row) => relevant.has(row));
    if (r !== undefined) throw refuse(`${file}: negative ${JSON.stringify(data.corpusIds[r])} of query ${JSON.stringify(train.queryIds[qi])} is relevant to it (was the dataset changed?)`);
  });
  return table;
}

/**
 * A query's negatives for one step: `k` of its mined rows drawn without replacement by `rng`, in
 * BM25 order (DPR shuffles its list of BM25 negatives every time a question is batched and takes
 * the first k); all of them, without a draw, when it has no more than `k`.
 */
export function sampleBm25Negatives(mined: Int32Array, k: number, rng: Rng): number[] {
  if (k >= mined.length) return Array.from(mined);
  return rng.sampleWithoutReplacement(mined.length, k).sort((a, b) => a - b).map((i) => mined[i]);
}
