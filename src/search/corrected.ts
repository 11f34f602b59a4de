/**
 * Amortised corrected selection: negatives are chosen by ⟨q, h(g′(y))⟩ without applying h to the
 * whole cache every step.
 *
 * Every `every` (K) steps the corrected cache h(g′) is materialised: one pass of the current h over
 * every cached row (no encoder). Between materialisations, each query's `candidates` (C) best rows
 * on that materialised cache are re-scored with the current h (h applied only to the union of the
 * candidates), and the top-k (or Gumbel-top-k) is taken over them. On a step that materialises, the
 * materialised cache already is h(g′) for the current h, so selection is the exact search over it:
 * with K = 1 every step equals whole-cache correction (`exactSearch` with h as the transform), row
 * for row and score for score.
 *
 * Combined with an ANN index over g′ (for the largest corpora): the index proposes `ann.pool` rows per
 * query, the materialised cache ranks them (stored vectors, no h) down to C, and those are re-scored
 * by the current h; no step scans the whole cache.
 *
 * Each selection reports the rows h was applied to (the materialisation pass, rows changed since,
 * and the re-scored candidates), which the cost ledger's corrector-FLOPs column counts.
 */
import { tf } from '../tensor';
import { MemoryEmbeddings } from '../cache/memory';
import { HalfEmbeddings } from '../cache/half';
import { toFloat16 } from '../util/f16';
import { InputError, throwIfAborted } from '../util/errors';
import { DEFAULT_BLOCK_ROWS, blockReader, exactSearch } from './exact';
import { rescorePool, readRows } from './pool';
import type { AnnIndex } from './ann';
import {
  checkBeta, checkK, queryShape, queriesToArray, resolveSeed,
  type BlockTransform, type EmbeddingSource, type SearchOptionsBase, type SearchResult,
} from './types';

export interface AmortisedSelectionOptions {
  /** K: materialise h(g′) every K steps (1 = every step, i.e. whole-cache correction). */
  every: number;
  /** C: candidates per query from the materialised cache, re-scored by the current h (≥ k; more = closer to whole-cache). */
  candidates: number;
  /** Combined mode: an ANN index over g′ proposes `pool` rows per query (≥ C), ranked by the materialised cache. */
  ann?: { index: AnnIndex; pool: number; threads?: number };
  /** Rows per block of the materialisation pass and of the exact scans (default 16384; the same as exactSearch's for K = 1 to match it exactly). */
  blockRows?: number;
  /** How h(g′) is held: 'f32' (default; K = 1 then equals whole-cache correction exactly) or 'f16' (half the memory, rounded). */
  storage?: 'f32' | 'f16';
}

export interface AmortisedSelectOptions extends SearchOptionsBase {
  /** h: the current corrector, applied block by block (required). */
  transform: BlockTransform;
  /** The training step: materialises when no materialisation is at least K steps younger. */
  step: number;
}

export interface CorrectedSelection {
  result: SearchResult;
  /** Rows h was applied to by this selection (materialisation pass + changed rows + re-scored candidates). */
  correctedRows: number;
  /** True when this step materialised h(g′). */
  materialised: boolean;
}

/** State to checkpoint for an exact resume: the materialised cache, its step and the rows changed since. */
export interface AmortisedSnapshot {
  at: number;
  dim: number;
  /** h(g′), row-major: float32 values, or float16 bits with storage 'f16'. */
  data: Float32Array | Uint16Array;
  pending: number[];
}

/** The materialised h(g′): float32 rows, or float16 bits converted as blocks are read. */
type CorrectedRows = MemoryEmbeddings | HalfEmbeddings;

/** The amortised selection of one training run (it holds the materialised cache between steps). */
export class AmortisedSelection {
  readonly every: number;
  readonly candidates: number;
  private readonly blockRows: number;
  private corrected: CorrectedRows | null = null;
  private at = -1;
  private pending = new Set<number>();
  private stale = true;

  constructor(private readonly o: AmortisedSelectionOptions) {
    checkK(o.every, 'amortised every (K)');
    checkK(o.candidates, 'amortised candidates (C)');
    this.every = o.every;
    this.candidates = o.candidates;
    this.blockRows = o.blockRows ?? DEFAULT_BLOCK_ROWS;
    checkK(this.blockRows, 'blockRows');
    if (o.ann) {
      checkK(o.ann.pool, 'amortised ann pool');
      if (o.ann.pool < o.candidates) throw new InputError(`amortised ann pool: ${o.ann.pool} rows per query, fewer than the ${o.candidates} candidates to keep`);
    }
  }

  /** Step of the last materialisation (null before the first). */
  get materialisedAt(): number | null {
    return this.at < 0 ? null : this.at;
  }

  /**
   * Cached rows changed (refresh-on-use wrote them, or 'all' after a full refresh): their corrected
   * rows are recomputed with the current h at the next selection ('all': a new materialisation).
   */
  rowsChanged(rows: ArrayLike<number> | 'all'): void {
    if (rows === 'all') {
      this.stale = true;
      this.pending.clear();
      return;
    }
    for (let i = 0; i < rows.length; i++) this.pending.add(rows[i]);
  }

  /** Top-k (or Gumbel-top-k) of ⟨q, h(e)⟩ for this step, and the rows h was applied to. */
  async select(o: AmortisedSelectOptions): Promise<CorrectedSelection> {
    const { source, queries, k, transform, sample, signal } = o;
    checkK(k);
    if (this.candidates < k) throw new InputError(`amortised candidates (C): ${this.candidates} is fewer than k = ${k}`);
    if (!Number.isInteger(o.step) || o.step < 0) throw new InputError(`step: expected a non-negative integer, got ${o.step}`);
    if (this.corrected && source.rows !== this.corrected.rows) this.stale = true;
    // one uint32 drawn per selection whichever path runs (as exactSearch draws it), so the RNG
    // stream is the same as whole-cache correction's
    let resolved: { beta: number; seed: number } | undefined;
    if (sample) {
      checkBeta(sample.beta);
      resolved = { beta: sample.beta, seed: resolveSeed(sample.seed) };
    }
    let correctedRows = 0;
    const due = this.stale || !this.corrected || o.step - this.at >= this.every || o.step < this.at;
    if (due) {
      this.corrected = await materialise(source, transform, this.blockRows, this.o.storage ?? 'f32', o);
      correctedRows += source.rows;
      this.at = o.step;
      this.stale = false;
      this.pending.clear();
    } else if (this.pending.size) {
      correctedRows += await this.updateRows(source, transform);
    }
    const corrected = this.corrected!;
    const fresh = this.at === o.step;
    const [, d] = queryShape(queries, o.queryDim ?? corrected.dim);
    if (d !== corrected.dim) throw new InputError(`queries: dimension ${d} does not match the corrector's output dimension ${corrected.dim}`);
    const common = { queries, exclude: o.exclude, blockRows: this.blockRows, progress: o.progress, signal };
    if (!this.o.ann && fresh) {
      const result = await exactSearch({ ...common, source: corrected, k, sample: resolved });
      return { result, correctedRows, materialised: due };
    }
    // candidates on the materialised cache
    let pool: SearchResult;
    if (this.o.ann) {
      const { index, pool: width, threads } = this.o.ann;
      throwIfAborted(signal, 'search');
      const qa = await queriesToArray(queries);
      const proposed = index.search(qa, width, { exclude: o.exclude, threads });
      if (fresh) {
        const { result } = await rescorePool({ source: corrected, queries: qa, queryDim: d, pool: proposed, k, sample: resolved, signal });
        return { result, correctedRows, materialised: due };
      }
      pool = (await rescorePool({ source: corrected, queries: qa, queryDim: d, pool: proposed, k: this.candidates, signal })).result;
    } else {
      pool = await exactSearch({ ...common, source: corrected, k: this.candidates });
    }
    // re-scored by the current h
    const { result, transformedRows } = await rescorePool({ source, queries, queryDim: d, pool, k, transform, sample: resolved, blockRows: this.blockRows, signal });
    return { result, correctedRows: correctedRows + transformedRows, materialised: due };
  }

  /** Recomputes the corrected rows of `pending` with the current h; returns how many. */
  private async updateRows(source: EmbeddingSource, transform: BlockTransform): Promise<number> {
    const rows = Int32Array.from(this.pending).sort();
    this.pending.clear();
    const corrected = this.corrected!;
    const stale = readRows(source, rows);
    const out = await applyInBlocks(stale, rows.length, source.dim, corrected.dim, transform, this.blockRows);
    if (corrected instanceof HalfEmbeddings) corrected.refresh(rows, out);
    else for (let i = 0; i < rows.length; i++) corrected.data.set(out.subarray(i * corrected.dim, (i + 1) * corrected.dim), rows[i] * corrected.dim);
    return rows.length;
  }

  /** The state a checkpoint needs to resume selections exactly (null before the first materialisation). */
  snapshot(): AmortisedSnapshot | null {
    if (!this.corrected || this.stale) return null;
    const data = this.corrected instanceof HalfEmbeddings ? this.corrected.bits : this.corrected.data;
    return { at: this.at, dim: this.corrected.dim, data, pending: Array.from(this.pending).sort((a, b) => a - b) };
  }

  /** Restores a snapshot (the next selection continues as the run that took it would have). */
  restore(s: AmortisedSnapshot | null): void {
    if (!s) {
      this.corrected = null;
      this.stale = true;
      this.at = -1;
      this.pending.clear();
      return;
    }
    this.corrected = s.data instanceof Uint16Array ? new HalfEmbeddings(s.data, s.dim) : new MemoryEmbeddings(s.data, s.dim);
    this.at = s.at;
    this.stale = false;
    this.pending = new Set(s.pending);
  }
}

/** h over every row of `source`, block by block, as an in-memory cache [rows, h's output width]. */
async function materialise(source: EmbeddingSource, transform: BlockTransform, blockRows: number, storage: 'f32' | 'f16', o: { progress?: SearchOptionsBase['progress']; signal?: AbortSignal }): Promise<CorrectedRows> {
  const read = blockReader(source, blockRows);
  let data: Float32Array | Uint16Array | null = null;
  let dim = 0;
  for (let start = 0; start < source.rows; start += blockRows) {
    throwIfAborted(o.signal, 'materialise corrected cache');
    const end = Math.min(source.rows, start + blockRows);
    const out = await applyInBlocks(read(start, end), end - start, source.dim, data ? dim : null, transform, end - start);
    if (!data) {
      dim = out.length / (end - start);
      data = storage === 'f16' ? new Uint16Array(source.rows * dim) : new Float32Array(source.rows * dim);
    }
    if (data instanceof Uint16Array) toFloat16(out, data.subarray(start * dim, end * dim));
    else data.set(out, start * dim);
    o.progress?.({ stage: 'materialise corrected cache', done: end, total: source.rows, unit: 'rows' });
    if (o.signal) await new Promise((r) => setImmediate(r));
  }
  if (!data) throw new InputError('amortised selection: the cache has no rows');
  return data instanceof Uint16Array ? new HalfEmbeddings(data, dim) : new MemoryEmbeddings(data, dim);
}

/** h over `n` rows (row-major, width `inDim`) in blocks; checks h keeps the row count (and the width `outDim` when known). */
async function applyInBlocks(rows: Float32Array, n: number, inDim: number, outDim: number | null, transform: BlockTransform, blockRows: number): Promise<Float32Array> {
  let out: Float32Array | null = null;
  let width = outDim ?? 0;
  for (let s = 0; s < n; s += blockRows) {
    const e = Math.min(n, s + blockRows);
    const t = tf.tidy(() => transform(tf.tensor2d(rows.subarray(s * inDim, e * inDim), [e - s, inDim])));
    try {
      if (t.rank !== 2 || t.shape[0] !== e - s || (outDim !== null && t.shape[1] !== outDim)) {
        throw new InputError(`transform: returned shape [${t.shape}] for a block of ${e - s} rows; expected [${e - s}, ${outDim ?? 'width'}]`);
      }
      if (!out) {
        width = t.shape[1];
        out = new Float32Array(n * width);
      }
      out.set((await t.data()) as Float32Array, s * width);
    } finally {
      t.dispose();
    }
  }
  return out ?? new Float32Array(0);
}

/**
 * K for a cost budget: the smallest K with materialiseCost / K ≤ fraction · stepCost, i.e.
 * K = ⌈materialiseCost / (fraction · stepCost)⌉ (costs in any one unit: seconds or FLOPs).
 */
export function amortisationPeriod(materialiseCost: number, stepCost: number, fraction: number): number {
  if (!(materialiseCost >= 0) || !(stepCost > 0) || !(fraction > 0)) {
    throw new InputError(`amortisationPeriod: expected costs ≥ 0, a step cost > 0 and a fraction > 0, got ${materialiseCost}, ${stepCost}, ${fraction}`);
  }
  return Math.max(1, Math.ceil(materialiseCost / (fraction * stepCost)));
}
