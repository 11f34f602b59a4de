/**
 * Staleness probes: how far the cached target embeddings g′(y) have drifted from the current
 * encoder's g_t(y) on a sample of rows, and how much that changes the ranking of those rows for
 * sample queries. Pure functions on row-major Float32Arrays.
 */
import { gatherRows } from './memory';
import type { EmbeddingSource } from './types';

export interface EmbeddingDrift {
  /** Rows compared. */
  n: number;
  /** mean_y ‖g_t(y) − g′(y)‖₂ */
  mean: number;
  /** max_y ‖g_t(y) − g′(y)‖₂ */
  max: number;
  /** mean_y ‖g_t(y) − g′(y)‖₂ / mean_y ‖g_t(y)‖₂ (0 when the fresh norms are all 0). */
  relative: number;
  /** mean_y ‖g_t(y)‖₂ */
  meanFreshNorm: number;
}

/**
 * Drift between fresh embeddings g_t(y) and cached ones g′(y) of the same rows (both n × dim):
 * mean and max of ‖g_t(y) − g′(y)‖₂, and relative = mean ‖diff‖ / mean ‖g_t(y)‖.
 */
export function embeddingDrift(fresh: Float32Array, cached: Float32Array, dim: number): EmbeddingDrift {
  if (fresh.length !== cached.length || fresh.length % dim !== 0) {
    throw new RangeError(`embeddingDrift: fresh (${fresh.length}) and cached (${cached.length}) must both be n × dim (dim ${dim})`);
  }
  const n = fresh.length / dim;
  let sumDiff = 0;
  let maxDiff = 0;
  let sumNorm = 0;
  for (let r = 0; r < n; r++) {
    let d2 = 0;
    let f2 = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      const d = fresh[j] - cached[j];
      d2 += d * d;
      f2 += fresh[j] * fresh[j];
    }
    const d = Math.sqrt(d2);
    sumDiff += d;
    if (d > maxDiff) maxDiff = d;
    sumNorm += Math.sqrt(f2);
  }
  const mean = n ? sumDiff / n : 0;
  const meanFreshNorm = n ? sumNorm / n : 0;
  return { n, mean, max: maxDiff, relative: meanFreshNorm > 0 ? mean / meanFreshNorm : 0, meanFreshNorm };
}

/** Ranks 1..n of `values` (ties get the average of the ranks they span). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman rank correlation ρ = Pearson correlation of the (tie-averaged) ranks of `a` and `b`.
 * NaN when either has no variance or fewer than 2 values.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`spearman: lengths ${a.length} and ${b.length} differ`);
  const n = a.length;
  if (n < 2) return NaN;
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const mean = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = ra[i] - mean;
    const y = rb[i] - mean;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/**
 * Indices of the k largest values, largest first, ties broken by lower index; `allow` filters
 * candidate indices. A size-k min-heap: O(n log k), so it serves whole-corpus logits as well as
 * probe samples.
 */
export function topKIndices(values: ArrayLike<number>, k: number, allow?: (i: number) => boolean): number[] {
  const heap: number[] = [];
  // heap ordered so the root is the "worst" kept index: smaller value, or equal value and larger index
  const worse = (a: number, b: number) => values[a] < values[b] || (values[a] === values[b] && a > b);
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  if (k <= 0) return [];
  for (let i = 0; i < values.length; i++) {
    if (allow && !allow(i)) continue;
    if (heap.length < k) {
      heap.push(i);
      up(heap.length - 1);
    } else if (worse(heap[0], i)) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort((a, b) => values[b] - values[a] || a - b);
}

/** Top-k overlap |topk(a) ∩ topk(b)| / k (k capped at the number of values). */
export function topKOverlap(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  if (a.length !== b.length) throw new RangeError(`topKOverlap: lengths ${a.length} and ${b.length} differ`);
  const kk = Math.min(k, a.length);
  if (kk <= 0) return NaN;
  const sa = new Set(topKIndices(a, kk));
  let hit = 0;
  for (const i of topKIndices(b, kk)) if (sa.has(i)) hit++;
  return hit / kk;
}

/**
 * Logits ⟨q, y⟩ of each of the nq queries against each of the n rows: nq × n row-major, summed in
 * float64 (exact up to the float32 inputs). theory/measure.ts has a float32 tensor twin for sweeps
 * over whole synthetic corpora, where this loop would dominate.
 */
export function logits(queries: Float32Array, rows: Float32Array, dim: number): Float64Array {
  const nq = queries.length / dim;
  const n = rows.length / dim;
  const out = new Float64Array(nq * n);
  for (let q = 0; q < nq; q++) {
    const qo = q * dim;
    for (let r = 0, ro = 0; r < n; r++, ro += dim) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += queries[qo + j] * rows[ro + j];
      out[q * n + r] = s;
    }
  }
  return out;
}

export interface LogitAgreement {
  /** Queries compared. */
  queries: number;
  k: number;
  /** Mean over queries of Spearman ρ between stale ⟨q, g′(y)⟩ and fresh ⟨q, g_t(y)⟩ over the sampled rows. */
  meanSpearman: number;
  /** Mean over queries of |topk_stale ∩ topk_fresh| / k. */
  meanTopKOverlap: number;
  perQuerySpearman: number[];
  perQueryTopKOverlap: number[];
}

/**
 * For each query q: Spearman ρ between its stale logits ⟨q, g′(y)⟩ and fresh logits ⟨q, g_t(y)⟩
 * over the sampled rows y, and the top-k overlap |topk_stale ∩ topk_fresh| / k; and their means.
 */
export function logitAgreement(queries: Float32Array, fresh: Float32Array, cached: Float32Array, dim: number, k = 10): LogitAgreement {
  if (queries.length % dim !== 0 || fresh.length !== cached.length || fresh.length % dim !== 0) {
    throw new RangeError(`logitAgreement: queries (${queries.length}), fresh (${fresh.length}) and cached (${cached.length}) must be multiples of dim ${dim}, fresh and cached the same size`);
  }
  const nq = queries.length / dim;
  const n = fresh.length / dim;
  const lf = logits(queries, fresh, dim);
  const ls = logits(queries, cached, dim);
  const rho: number[] = [];
  const ov: number[] = [];
  for (let q = 0; q < nq; q++) {
    const a = ls.subarray(q * n, (q + 1) * n);
    const b = lf.subarray(q * n, (q + 1) * n);
    rho.push(spearman(a, b));
    ov.push(topKOverlap(a, b, k));
  }
  const mean = (xs: number[]) => {
    const ok = xs.filter((x) => !Number.isNaN(x));
    return ok.length ? ok.reduce((s, x) => s + x, 0) / ok.length : NaN;
  };
  return { queries: nq, k: Math.min(k, n), meanSpearman: mean(rho), meanTopKOverlap: mean(ov), perQuerySpearman: rho, perQueryTopKOverlap: ov };
}

export interface StalenessReport {
  drift: EmbeddingDrift;
  /** Present when sample queries were given. */
  agreement?: LogitAgreement;
}

/**
 * Staleness of cached rows: drift of fresh vs cached embeddings and, given query embeddings, the
 * agreement of stale vs fresh logits (Spearman ρ, top-k overlap).
 */
export function stalenessProbe(opts: { fresh: Float32Array; cached: Float32Array; dim: number; queries?: Float32Array; k?: number }): StalenessReport {
  const drift = embeddingDrift(opts.fresh, opts.cached, opts.dim);
  const agreement = opts.queries && opts.queries.length > 0 ? logitAgreement(opts.queries, opts.fresh, opts.cached, opts.dim, opts.k ?? 10) : undefined;
  return agreement ? { drift, agreement } : { drift };
}

/**
 * Staleness probe against a cache: reads the cached embeddings of `rows` from `cache` and compares
 * them with `fresh` (the current encoder's embeddings of the same rows, in the same order).
 */
export function probeCacheStaleness(opts: { cache: EmbeddingSource; rows: ArrayLike<number>; fresh: Float32Array; queries?: Float32Array; k?: number }): StalenessReport {
  const cached = gatherRows(opts.cache, opts.rows);
  return stalenessProbe({ fresh: opts.fresh, cached, dim: opts.cache.dim, queries: opts.queries, k: opts.k });
}
