/**
 * Re-scoring a candidate pool: each query's candidate rows (from an ANN index, or from a corrected
 * cache materialised some steps ago) are scored exactly with ⟨q, T(e)⟩, T applied only to the rows
 * of the pools' union, and the top-k (or Gumbel-top-k) taken over the pool. One implementation
 * for the ANN candidate pool and the amortised corrected selection.
 */
import { tf } from '../tensor';
import { InputError, throwIfAborted } from '../util/errors';
import { RunningTopK } from './topk';
import { gumbelAt, queryKeys } from './noise';
import { DEFAULT_BLOCK_ROWS } from './exact';
import { queriesToArray, type BlockTransform, type EmbeddingSource, type QueryInput, type SearchResult } from './types';

export interface RescorePoolOptions {
  /** The rows the pool's indices point into (read only for the pool's union). */
  source: EmbeddingSource;
  queries: QueryInput;
  /** Width of a query row (= T's output width, or source.dim without T). */
  queryDim: number;
  /** Candidate rows per query ([nq, pool.k], -1 = none); excluded rows must already be left out. */
  pool: SearchResult;
  k: number;
  transform?: BlockTransform;
  /** Gumbel-top-k from softmax(β·s) over the pool, with a resolved uint32 seed (the noise of exact sampling). */
  sample?: { beta: number; seed: number };
  /** Pool rows transformed per tensor call (default 16384). */
  blockRows?: number;
  signal?: AbortSignal;
}

/** The pool's top-k by exact scores, and how many rows T was applied to (the union of the pools; 0 without T). */
export async function rescorePool(o: RescorePoolOptions): Promise<{ result: SearchResult; transformedRows: number }> {
  const { source, queries, pool, k, transform, sample } = o;
  const d = o.queryDim;
  const nq = pool.nq;
  const kp = pool.k;
  // union of the pools, read in runs of nearby rows
  const union = Int32Array.from(new Set(Array.from(pool.indices).filter((r) => r >= 0))).sort();
  const position = new Map<number, number>();
  union.forEach((r, i) => position.set(r, i));
  const rowsData = readRows(source, union);
  const blockRows = o.blockRows ?? DEFAULT_BLOCK_ROWS;
  let scored: Float32Array = rowsData;
  if (transform) {
    scored = new Float32Array(union.length * d);
    for (let s = 0; s < union.length; s += blockRows) {
      throwIfAborted(o.signal, 'search');
      const e = Math.min(union.length, s + blockRows);
      const out = tf.tidy(() => {
        const t = transform(tf.tensor2d(rowsData.subarray(s * source.dim, e * source.dim), [e - s, source.dim]));
        if (t.rank !== 2 || t.shape[0] !== e - s || t.shape[1] !== d) {
          throw new InputError(`transform: returned shape [${t.shape}] for a block of ${e - s} rows; expected [${e - s}, ${d}]`);
        }
        return t;
      });
      try {
        scored.set((await out.data()) as Float32Array, s * d);
      } finally {
        out.dispose();
      }
    }
  } else if (source.dim !== d) {
    throw new InputError(`queries: dimension ${d} does not match the cache dimension ${source.dim}`);
  }
  const qa = await queriesToArray(queries);
  const top = new RunningTopK(nq, k);
  for (let q = 0; q < nq; q++) {
    const [ka, kb] = sample ? queryKeys(sample.seed, q) : [0, 0];
    for (let j = 0; j < kp; j++) {
      const row = pool.indices[q * kp + j];
      if (row < 0) continue;
      const p = position.get(row)! * d;
      let s = 0;
      for (let i = 0; i < d; i++) s += qa[q * d + i] * scored[p + i];
      const score = Math.fround(s);
      const key = sample ? Math.fround(sample.beta * score + gumbelAt(ka, kb, row)) : score;
      top.offer(q, key, row, score);
    }
  }
  const result: SearchResult = { nq, k, indices: top.rows, scores: top.scores };
  if (sample) result.keys = Float32Array.from(top.keys);
  return { result, transformedRows: transform ? union.length : 0 };
}

/** Rows `sortedRows` (ascending, distinct) of `source`, row-major; nearby rows are read in one call. */
export function readRows(source: EmbeddingSource, sortedRows: Int32Array, maxGap = 16): Float32Array {
  const dim = source.dim;
  const out = new Float32Array(sortedRows.length * dim);
  let i = 0;
  while (i < sortedRows.length) {
    let j = i;
    while (j + 1 < sortedRows.length && sortedRows[j + 1] - sortedRows[j] <= maxGap) j++;
    const start = sortedRows[i];
    const block = source.read(start, sortedRows[j] + 1);
    for (let t = i; t <= j; t++) out.set(block.subarray((sortedRows[t] - start) * dim, (sortedRows[t] - start + 1) * dim), t * dim);
    i = j + 1;
  }
  return out;
}

