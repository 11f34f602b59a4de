/**
 * Exact blocked search over a whole cache: scores ⟨q, T(e)⟩ for every cached row e, block by block,
 * so memory is bounded by the block size and not by the cache size. Per block: read rows, apply the
 * transform T (e.g. the corrector), tf.matMul against the queries, the block's exact top-k on the
 * backend (grouped, see tensor-topk.ts), merged there with the winners so far; the winners are read
 * back once, at the end. Ties go to the lower row index, so results do not depend on the block size.
 * With `sample`, rows are ranked by β·s + Gumbel noise instead (Gumbel-top-k; see gumbel.ts).
 */
import { tf, readTensors } from '../tensor';
import { InputError, throwIfAborted } from '../util/errors';
import { Exclusions } from './topk';
import { gumbelTensor } from './noise';
import { blockWinners, disposeWinners, mergeWinners, type BlockWinners } from './tensor-topk';
import {
  checkBeta, checkK, queryShape, resolveSeed,
  type EmbeddingSource, type SearchOptionsBase, type SearchResult,
} from './types';

export interface ExactSearchOptions extends SearchOptionsBase {
  /** Cached rows scored per block (default: defaultBlockRows(queries)). Memory ≈ blockRows·(dim + nq)·4 bytes. */
  blockRows?: number;
  /** Rows per group of the grouped top-k (1: plain tf.topk; default: chosen per block, groupSizeFor). */
  topkGroup?: number;
}

export const DEFAULT_BLOCK_ROWS = 16384;

/**
 * Rows per block for `nq` queries: the largest power of two in [4096, 65536] whose score block
 * (nq × rows floats) stays within 128 MiB. Fewer, larger blocks mean fewer tensor calls, each of
 * which waits for every thread of the backend's pool (on a loaded machine, a wait for the slowest):
 * at 1M × 128 rows and 1000 queries, 65536-row blocks took 19% less CPU than 16384-row ones.
 */
export function defaultBlockRows(nq: number): number {
  const fit = 2 ** Math.floor(Math.log2(Math.max(1, (128 * 2 ** 20) / 4 / Math.max(1, nq))));
  return Math.max(4096, Math.min(65536, fit));
}

/**
 * Top-k rows by s(q, e) = ⟨q, T(e)⟩ over every row of `source` (T = identity when no transform),
 * for each query; excluded rows never come back; k > rows gives -1 / -Infinity padding. With
 * `sample`, k rows drawn without replacement from softmax(β·s) instead (Gumbel-top-k). Scores must
 * be finite: queries or transformed rows holding NaN or ±Infinity are refused (InputError).
 */
export async function exactSearch(options: ExactSearchOptions): Promise<SearchResult> {
  const { source, queries, k, transform, progress, signal, sample } = options;
  checkK(k);
  const [nq, d] = queryShape(queries, options.queryDim ?? source.dim);
  const blockRows = options.blockRows ?? defaultBlockRows(nq);
  checkK(blockRows, 'blockRows');
  if (!transform && d !== source.dim) {
    throw new InputError(`queries: dimension ${d} does not match the cache dimension ${source.dim}`);
  }
  let seed = 0;
  if (sample) {
    checkBeta(sample.beta);
    seed = resolveSeed(sample.seed);
  }
  const excl = new Exclusions(options.exclude, nq);
  const q = queries instanceof Float32Array ? tf.tensor2d(queries, [nq, d]) : queries;
  const rows = source.rows;
  const readBlock = blockReader(source, blockRows);
  let best: BlockWinners | null = null;
  // Σ of the queries and of every transformed row, read once at the end: NaN or ±Infinity
  // anywhere makes it non-finite (a NaN score would make tf.topk's order undefined)
  let checksum = tf.sum(q);
  try {
    for (let start = 0; start < rows; start += blockRows) {
      throwIfAborted(signal, 'search');
      const end = Math.min(rows, start + blockRows);
      const n = end - start;
      const data = readBlock(start, end);
      if (data.length !== n * source.dim) {
        throw new Error(`source.read(${start}, ${end}) returned ${data.length} values, expected ${n * source.dim}`);
      }
      const maxEx = excl.maxIn(start, end);
      const excluded = maxEx > 0 ? excludedInBlock(excl, nq, start, end, maxEx) : undefined;
      let block: BlockWinners & { sum: tf.Scalar };
      try {
        block = tf.tidy(() => {
          const rowsT = tf.tensor2d(data, [n, source.dim]);
          const e = transform ? transform(rowsT) : rowsT;
          if (e.rank !== 2 || e.shape[0] !== n || e.shape[1] !== d) {
            throw new InputError(`transform: returned shape [${e.shape}] for a block of ${n} rows; expected [${n}, ${d}] (query dimension ${d})`);
          }
          const s = tf.matMul(q, e, false, true) as tf.Tensor2D;
          const keys = sample ? (tf.add(tf.mul(s, sample.beta), gumbelTensor(seed, nq, start, end)) as tf.Tensor2D) : s;
          const w = blockWinners(keys, k + maxEx, start, { raw: sample ? s : undefined, excluded, group: options.topkGroup });
          return { ...w, sum: tf.add(checksum, tf.sum(e)) as tf.Scalar };
        });
      } finally {
        excluded?.dispose();
      }
      checksum.dispose();
      checksum = block.sum;
      if (!best) best = block;
      else {
        const merged = mergeWinners(best, block, k);
        disposeWinners(best);
        disposeWinners(block);
        best = merged;
      }
      progress?.({ stage: sample ? 'sample cache' : 'search cache', done: end, total: rows, unit: 'rows' });
      // let an abort (Ctrl-C) through between blocks
      if (signal) await new Promise((r) => setImmediate(r));
    }
    // one awaited read-back: the checksum and the winners together
    const winners = best ? (best.raw ? [best.keys, best.rows, best.raw] : [best.keys, best.rows]) : [];
    const [sum, ...host] = await readTensors([checksum, ...winners]);
    if (!Number.isFinite(sum[0])) {
      throw new InputError('exactSearch: the queries or the (transformed) cache rows hold NaN or ±Infinity; scores would not be finite');
    }
    return winnersResult(best ? { width: best.keys.shape[1], keys: host[0] as Float32Array, rows: host[1] as Int32Array, raw: host[2] as Float32Array | undefined } : null, excl, nq, k, !!sample);
  } finally {
    disposeWinners(best);
    checksum.dispose();
    if (q !== queries) q.dispose();
  }
}

/** Per query, its excluded rows inside [start, end) as an int32 [nq, m] tensor padded with -1. */
function excludedInBlock(excl: Exclusions, nq: number, start: number, end: number, m: number): tf.Tensor2D {
  const a = new Int32Array(nq * m).fill(-1);
  for (let qi = 0; qi < nq; qi++) {
    let j = 0;
    for (const r of excl.rowsIn(qi, start, end)) a[qi * m + j++] = r;
  }
  return tf.tensor2d(a, [nq, m], 'int32');
}

/** The final winners (read back: [nq, width] each) as a SearchResult: excluded rows (keyed -Infinity) dropped, -1 / -Infinity padding. */
function winnersResult(
  best: { width: number; keys: Float32Array; rows: Int32Array; raw?: Float32Array } | null, excl: Exclusions, nq: number, k: number, sampled: boolean,
): SearchResult {
  const indices = new Int32Array(nq * k).fill(-1);
  const scores = new Float32Array(nq * k).fill(-Infinity);
  const keys = sampled ? new Float32Array(nq * k).fill(-Infinity) : undefined;
  if (best) {
    const w = best.width;
    const keyVals = best.keys;
    const rowVals = best.rows;
    const rawVals = best.raw ?? keyVals;
    for (let qi = 0; qi < nq; qi++) {
      let j = 0;
      for (let i = 0; i < w && j < k; i++) {
        const row = rowVals[qi * w + i];
        if (excl.has(qi, row)) continue;
        indices[qi * k + j] = row;
        scores[qi * k + j] = rawVals[qi * w + i];
        if (keys) keys[qi * k + j] = keyVals[qi * w + i];
        j++;
      }
    }
  }
  return keys ? { nq, k, indices, scores, keys } : { nq, k, indices, scores };
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
