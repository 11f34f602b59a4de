/**
 * BM25 hard negatives, mined once per query before training (static negatives: the DPR paper's
 * choice for Natural Questions, Karpukhin et al. 2020, §3.2): the top BM25 passages of each query
 * that are not among its judged-relevant passages. Mining encodes nothing, so a strategy that
 * trains on these negatives costs zero re-embedding; the negatives never change as the encoders
 * train (unlike negatives from a cache).
 */
import * as fs from 'fs';
import { InputError, throwIfAborted } from '../util/errors';
import { writeFileAtomic } from '../util/atomic';
import { sha256 } from '../util/hash';
import type { ProgressFn } from '../util/progress';
import type { Bm25Index } from './bm25';

export interface MineBm25NegativesOptions {
  index: Bm25Index;
  /** Query texts (analysed like the corpus). */
  queries: readonly string[];
  /** Corpus rows to exclude per query (its relevant passages), parallel to `queries`. */
  exclude: readonly ArrayLike<number>[];
  /** Negatives kept per query (fewer when fewer passages share a term with the query). */
  perQuery: number;
  signal?: AbortSignal;
  progress?: ProgressFn;
}

/** The top-`perQuery` BM25 rows of every query that are not excluded, best first. */
export function mineBm25Negatives(opts: MineBm25NegativesOptions): Int32Array[] {
  const { index, queries, exclude, perQuery } = opts;
  if (exclude.length !== queries.length) throw new InputError(`mineBm25Negatives: ${queries.length} queries but ${exclude.length} exclusion lists`);
  if (!Number.isInteger(perQuery) || perQuery < 1) throw new InputError(`mineBm25Negatives: perQuery must be a positive integer, got ${perQuery}`);
  const out: Int32Array[] = [];
  for (let i = 0; i < queries.length; i++) {
    if (i % 1000 === 0) {
      throwIfAborted(opts.signal, 'mining BM25 negatives');
      opts.progress?.({ stage: 'bm25 negatives', done: i, total: queries.length, unit: 'queries' });
    }
    out.push(index.search(queries[i], perQuery, new Set(Array.from(exclude[i]))).rows);
  }
  opts.progress?.({ stage: 'bm25 negatives', done: queries.length, total: queries.length, unit: 'queries' });
  return out;
}

/** The file a run keeps its mined negatives in: which corpus rows, by query id, and how they were mined. */
export interface Bm25NegativesFile {
  format: 'freshcache-bm25-negatives';
  version: 1;
  k1: number;
  b: number;
  perQuery: number;
  /** Rows of the corpus the negatives were mined from. */
  corpusRows: number;
  /** query id → corpus ids, best first. */
  negatives: Record<string, string[]>;
  /** sha256 of `negatives` as JSON (JSON.stringify, no spaces): an edited or damaged table is refused. */
  sha256: string;
}

/** How the negatives were mined: what a reader may require of a file (loadBm25Negatives `expect`). */
export type Bm25MiningParams = Pick<Bm25NegativesFile, 'k1' | 'b' | 'perQuery' | 'corpusRows'>;

const tableChecksum = (negatives: Bm25NegativesFile['negatives']) => sha256(JSON.stringify(negatives));

/** Writes mined negatives (as corpus ids) atomically, with their checksum. */
export function saveBm25Negatives(file: string, index: Bm25Index, queryIds: readonly string[], negatives: readonly Int32Array[], perQuery: number): void {
  const table = Object.fromEntries(queryIds.map((q, i) => [q, Array.from(negatives[i], (r) => index.ids[r])]));
  const record: Bm25NegativesFile = {
    format: 'freshcache-bm25-negatives', version: 1, k1: index.params.k1, b: index.params.b, perQuery, corpusRows: index.size,
    negatives: table, sha256: tableChecksum(table),
  };
  // one line: indented, the default task's 38k queries × 30 ids would take 23 MB, not 14
  writeFileAtomic(file, JSON.stringify(record) + '\n');
}

/**
 * Reads negatives written by saveBm25Negatives back as rows of a corpus with the id → row map
 * `rowOf`; refuses another format, a table whose checksum differs, mining parameters other than
 * `expect`'s, and ids the corpus lacks.
 */
export function loadBm25Negatives(
  file: string, queryIds: readonly string[], rowOf: { get(id: string): number | undefined }, expect: Partial<Bm25MiningParams> = {},
): Int32Array[] {
  let rec: Bm25NegativesFile;
  try {
    rec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: cannot read BM25 negatives (${(e as Error).message})`);
  }
  if (rec === null || typeof rec !== 'object' || rec.format !== 'freshcache-bm25-negatives' || rec.version !== 1) throw new InputError(`${file}: expected format freshcache-bm25-negatives version 1`);
  if (rec.negatives === null || typeof rec.negatives !== 'object' || rec.sha256 !== tableChecksum(rec.negatives)) throw new InputError(`${file}: the negatives' sha256 differs from the one recorded (the table was edited or damaged)`);
  for (const [key, want] of Object.entries(expect) as [keyof Bm25MiningParams, number][]) {
    if (rec[key] !== want) throw new InputError(`${file}: mined with ${key} ${JSON.stringify(rec[key])}, expected ${want}`);
  }
  return queryIds.map((q) => {
    const ids = Object.hasOwn(rec.negatives, q) ? rec.negatives[q] : undefined;
    if (!Array.isArray(ids)) throw new InputError(`${file}: no negatives for query ${JSON.stringify(q)} (mined for another query set?)`);
    return Int32Array.from(ids, (id) => {
      const r = rowOf.get(id);
      if (r === undefined) throw new InputError(`${file}: negative ${JSON.stringify(id)} of query ${JSON.stringify(q)} is not in the corpus`);
      return r;
    });
  });
}
