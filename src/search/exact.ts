/**
 * Exact blocked search over a whole cache: scores ⟨q, T(e)⟩ for every cached row e, block by block,
 * so memory is bounded by the block size and not by the cache size. Per block: read rows, apply the
 * transform T (e.g. the corrector), tf.matMul against the queries, tf.topk; the block winners are
 * merged in JS with a running top-k. Ties go to the lower row index (tf.topk keeps the lower index
 * first on equal values; the merge compares rows), so results do not depend on the block size.
 * With `sample`, rows are ranked by β·s + Gumbel noise instead (Gumbel-top-k; see gumbel.ts).
 */
import { tf, readTensors } from '../tensor';
import { InputError, throwIfAborted } from '../util/errors';
import { Exclusions, RunningTopK } from './topk';
import { gumbelTensor } from './noise';
import {
  checkBeta, checkK, queryShape, resolveSeed,
  type EmbeddingSource, type SearchOptionsBase, type SearchResult,
} from './types';

export interface ExactSearchOptions extends SearchOptionsBase {
  /** Cached rows scored per block (default 16384). Memory ≈ blockRows·(dim + nq)·4 bytes. */
  blockRows?: number;
}

export const DEFAULT_BLOCK_ROWS = 16384;

/**
 * Top-k rows by s(q, e) = ⟨q, T(e)⟩ over every row of `source` (T = identity when no transform),
 * for each query; excluded rows never come back; k > rows gives -1 / -Infinity padding. With
 * `sample`, k rows drawn without replacement from softmax(β·s) instead (Gumbel-top-k).
 */
export async function exactSearch(options: ExactSearchOptions): Promise<SearchResult> {
  const { source, queries, k, transform, progress, signal, sample } = options;
  checkK(k);
  const blockRows = options.blockRows ?? DEFAULT_BLOCK_ROWS;
  checkK(blockRows, 'blockRows');
  const [nq, d] = queryShape(queries, options.queryDim ?? source.dim);
  if (!transform && d !== source.dim) {
    throw new InputError(`queries: dimension ${d} does not match the cache dimension ${source.dim}`);
  }
  let seed = 0;
  if (sample) {
    checkBeta(sample.beta);
    seed = resolveSeed(sample.seed);
  }
  const excl = new Exclusions(options.exclude, nq);
  const top = new RunningTopK(nq, k);
  const q = queries instanceof Float32Array ? tf.tensor2d(queries, [nq, d]) : queries;
  const rows = source.rows;
  const readBlock = blockReader(source, blockRows);
  try {
    for (let start = 0; start < rows; start += blockRows) {
      throwIfAborted(signal, 'search');
      const end = Math.min(rows, start + blockRows);
      const n = end - start;
      const data = readBlock(start, end);
      if (data.length !== n * source.dim) {
        throw new Error(`source.read(${start}, ${end}) returned ${data.length} values, expected ${n * source.dim}`);
      }
      const kb = Math.min(n, k + excl.maxIn(start, end));
      const out = tf.tidy(() => {
        const block = tf.tensor2d(data, [n, source.dim]);
        const e = transform ? transform(block) : block;
        if (e.rank !== 2 || e.shape[0] !== n || e.shape[1] !== d) {
          throw new InputError(`transform: returned shape [${e.shape}] for a block of ${n} rows; expected [${n}, ${d}] (query dimension ${d})`);
        }
        const s = tf.matMul(q, e, false, true) as tf.Tensor2D;
        if (!sample) return tf.topk(s, kb, true);
        const key = tf.add(tf.mul(s, sample.beta), gumbelTensor(seed, nq, start, end)) as tf.Tensor2D;
        const { values, indices } = tf.topk(key, kb, true);
        return { values, indices, raw: tf.gather(s, indices, 1, 1) };
      });
      let keyVals: Float32Array, idx: Int32Array, rawVals: Float32Array;
      try {
        const host = await readTensors('raw' in out ? [out.values, out.indices, out.raw] : [out.values, out.indices]);
        [keyVals, idx] = [host[0] as Float32Array, host[1] as Int32Array];
        rawVals = (host[2] as Float32Array | undefined) ?? keyVals;
      } finally {
        tf.dispose(out);
      }
      for (let qi = 0; qi < nq; qi++) {
        const base = qi * kb;
        for (let j = 0; j < kb; j++) {
          const row = start + idx[base + j];
          if (excl.has(qi, row)) continue;
          top.offer(qi, keyVals[base + j], row, rawVals[base + j]);
        }
      }
      progress?.({ stage: sample ? 'sample cache' : 'search cache', done: end, total: rows, unit: 'rows' });
    }
  } finally {
    if (q !== queries) q.dispose();
  }
  const result: SearchResult = { nq, k, indices: top.rows, scores: top.scores };
  if (sample) result.keys = Float32Array.from(top.keys);
  return result;
}

/**
 * Block reads for a scan: into one reused buffer when the source has `readInto` (CacheReader), a
 * zero-copy view when it has `view` (MemoryEmbeddings), else `read`. The returned array is valid
 * until the next call.
 */
export function blockReader(source: EmbeddingSource, blockRows: number): (start: number, end: number) => Float32Array {
  const s = source as EmbeddingSource & Partial<RowsView & RowsInto>;
  if (typeof s.view === 'function') return (a, b) => s.view!(a, b);
  if (typeof s.readInto === 'function') {
    const buf = new Float32Array(Math.min(blockRows, source.rows) * source.dim);
    return (a, b) => s.readInto!(a, b, buf).subarray(0, (b - a) * source.dim);
  }
  return (a, b) => source.read(a, b);
}

interface RowsView {
  view(start: number, end: number): Float32Array;
}
interface RowsInto {
  readInto(start: number, end: number, out: Float32Array): Float32Array;
}
