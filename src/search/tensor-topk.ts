/**
 * Exact top-k of a block of scores on the tensor backend, and the merge of block winners there, so
 * that a blocked search reads results back once at its end.
 *
 * Why grouped: a sorted `tf.topk` over a [queries, rows] block costs about 8 ns per score on the
 * native CPU backend, four times the matMul that made the scores (bench/search-vs-faiss.ts). Here
 * the block is cut into contiguous groups of `g` rows; a max over each group (vectorised, about
 * 0.4 ns per score) leaves g times fewer values for `tf.topk`, which picks the k best groups; only
 * their k·g scores are ranked again.
 *
 * Exactness (ties included): rank scores by (value desc, row asc) and groups by (max desc, group
 * asc). Take x, the r-th score (r ≤ k), in group G. Every group ranked ahead of G holds a score
 * ranked ahead of x: its max is larger than x, or equal to x in a group of lower rows. Those scores
 * are distinct and fewer than r, so G is among the k best groups. The chosen groups are put back in
 * row order before their scores are ranked, and `tf.topk` keeps the lower index first on equal
 * values (TensorFlow's documented tie rule), so ties come back lower row first.
 */
import { tf } from '../tensor';

/** Block winners: keys [nq, w] sorted (key desc, row asc), their global rows (int32) and, when sampling, raw scores. */
export interface BlockWinners {
  keys: tf.Tensor2D;
  rows: tf.Tensor2D;
  raw?: tf.Tensor2D;
}

/** Group size for a block of `n` rows of which `k` are wanted: about √(n / k), a power of two in [8, 128]; 1 = plain topk. */
export function groupSizeFor(n: number, k: number): number {
  if (n < 64 * k) return 1;
  const g = 2 ** Math.round(Math.log2(Math.sqrt(n / k)));
  return Math.max(8, Math.min(128, g));
}

/**
 * The k best columns of each row of `keys` [nq, n] by (value desc, column asc), as positions
 * [nq, min(k, n)] (int32) and their values, sorted. `group` overrides the group size (1: plain topk).
 * Keys must not be NaN (a NaN makes tf.topk's order undefined).
 */
export function topKColumns(keys: tf.Tensor2D, k: number, group?: number): { values: tf.Tensor2D; indices: tf.Tensor2D } {
  const [nq, n] = keys.shape;
  const kk = Math.min(k, n);
  const g = group ?? groupSizeFor(n, kk);
  if (g <= 1 || n <= kk * g) return tf.topk(keys, kk, true) as { values: tf.Tensor2D; indices: tf.Tensor2D };
  return tf.tidy(() => {
    const ng = Math.ceil(n / g);
    // the last group is padded with -Infinity; a pad never ranks ahead of a finite key (and
    // comes after the real columns on a tie with -Infinity)
    const padded = ng * g === n ? keys : tf.pad(keys, [[0, 0], [0, ng * g - n]], -Infinity);
    const grouped = tf.reshape(padded, [nq, ng, g]) as tf.Tensor3D;
    const kg = Math.min(kk, ng);
    const best = tf.topk(tf.max(grouped, 2) as tf.Tensor2D, kg, true).indices;
    // the chosen groups in ascending order, so that candidate positions follow the rows
    const groups = tf.cast(tf.neg(tf.topk(tf.neg(tf.cast(best, 'float32')), kg, true).values), 'int32') as tf.Tensor2D;
    const cand = tf.reshape(tf.gather(grouped, groups, 1, 1), [nq, kg * g]) as tf.Tensor2D;
    const top = tf.topk(cand, kk, true);
    const gT = tf.scalar(g, 'int32');
    const groupOf = tf.gather(groups, tf.floorDiv(top.indices, gT), 1, 1);
    const indices = tf.add(tf.mul(groupOf, gT), tf.mod(top.indices, gT)) as tf.Tensor2D;
    return { values: top.values as tf.Tensor2D, indices };
  });
}

/**
 * Winners of one block: the best `k` columns of `keys` [nq, n] (rows start + column), with the
 * matching `raw` scores when given (sampling ranks by noisy keys but reports raw scores). Entries
 * whose row is in `excluded` [nq, m] (int32, -1 padded) get key -Infinity (so they sort last).
 */
export function blockWinners(keys: tf.Tensor2D, k: number, start: number, opts: { raw?: tf.Tensor2D; excluded?: tf.Tensor2D; group?: number } = {}): BlockWinners {
  return tf.tidy(() => {
    const { values, indices } = topKColumns(keys, k, opts.group);
    const rows = tf.add(indices, tf.scalar(start, 'int32')) as tf.Tensor2D;
    let out = values;
    if (opts.excluded) {
      const hit = tf.any(tf.equal(tf.expandDims(rows, 2), tf.expandDims(opts.excluded, 1)), 2);
      out = tf.where(hit, tf.fill(out.shape, -Infinity), out) as tf.Tensor2D;
    }
    const raw = opts.raw ? (tf.gather(opts.raw, indices, 1, 1) as tf.Tensor2D) : undefined;
    return raw ? { keys: out, rows, raw } : { keys: out, rows };
  });
}

/**
 * The best `k` of two winner lists where every row of `a` is below every row of `b` (blocks are
 * scanned in row order): `a` first in the concatenation, so equal keys keep the lower row. Disposes
 * neither input.
 */
export function mergeWinners(a: BlockWinners, b: BlockWinners, k: number): BlockWinners {
  return tf.tidy(() => {
    const keys = tf.concat([a.keys, b.keys], 1) as tf.Tensor2D;
    const top = tf.topk(keys, Math.min(k, keys.shape[1]), true);
    const rows = tf.gather(tf.concat([a.rows, b.rows], 1), top.indices, 1, 1) as tf.Tensor2D;
    if (!a.raw || !b.raw) return { keys: top.values as tf.Tensor2D, rows };
    const raw = tf.gather(tf.concat([a.raw, b.raw], 1), top.indices, 1, 1) as tf.Tensor2D;
    return { keys: top.values as tf.Tensor2D, rows, raw };
  });
}

export function disposeWinners(w: BlockWinners | null): void {
  if (w) tf.dispose([w.keys, w.rows, ...(w.raw ? [w.raw] : [])]);
}
