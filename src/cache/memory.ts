import type { EmbeddingSource } from './types';

/**
 * Embeddings held in memory as one row-major Float32Array, with optional ids and per-row
 * embedded-at steps: for tests, small corpora, and training loops that keep the cache in memory
 * and refresh rows in place.
 */
export class MemoryEmbeddings implements EmbeddingSource {
  readonly rows: number;
  /** Training step at which each row was embedded. */
  readonly embeddedAt: Int32Array;
  /** Row ids, when known. */
  readonly ids?: string[];

  constructor(
    readonly data: Float32Array,
    readonly dim: number,
    opts: { ids?: string[]; embeddedAt?: Int32Array; step?: number } = {},
  ) {
    if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`MemoryEmbeddings: dim must be a positive integer, got ${dim}`);
    if (data.length % dim !== 0) throw new RangeError(`MemoryEmbeddings: data length ${data.length} is not a multiple of dim ${dim}`);
    this.rows = data.length / dim;
    if (opts.ids && opts.ids.length !== this.rows) throw new RangeError(`MemoryEmbeddings: ${opts.ids.length} ids for ${this.rows} rows`);
    this.ids = opts.ids;
    if (opts.embeddedAt && opts.embeddedAt.length !== this.rows) throw new RangeError(`MemoryEmbeddings: ${opts.embeddedAt.length} embedded-at steps for ${this.rows} rows`);
    this.embeddedAt = opts.embeddedAt ?? new Int32Array(this.rows).fill(opts.step ?? 0);
  }

  /** Rows [start, end) as a new row-major Float32Array. */
  read(start: number, end: number): Float32Array {
    checkRange(start, end, this.rows);
    return this.data.slice(start * this.dim, end * this.dim);
  }

  /** Rows [start, end) without copying (a view; do not keep it across refreshes if that matters). */
  view(start: number, end: number): Float32Array {
    checkRange(start, end, this.rows);
    return this.data.subarray(start * this.dim, end * this.dim);
  }

  /**
   * Overwrites `rows[i]` with `embeddings[i*dim .. (i+1)*dim)` and sets its embedded-at step to
   * `step` (a row listed twice gets its last embedding).
   */
  refresh(rows: Int32Array | number[], embeddings: Float32Array, step: number): void {
    checkRefresh(rows, embeddings, this.dim, this.rows);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      this.data.set(embeddings.subarray(i * this.dim, (i + 1) * this.dim), r * this.dim);
      this.embeddedAt[r] = step;
    }
  }

  /** Loads every row of `source` into memory (with the ids / embedded-at it has, if any). */
  static async fromSource(source: EmbeddingSource & { ids?: string[] | (() => string[]); embeddedAt?: Int32Array | (() => Int32Array) }, blockRows = 65536): Promise<MemoryEmbeddings> {
    const data = new Float32Array(source.rows * source.dim);
    for (let s = 0; s < source.rows; s += blockRows) {
      const e = Math.min(source.rows, s + blockRows);
      data.set(source.read(s, e), s * source.dim);
    }
    const ids = typeof source.ids === 'function' ? source.ids() : source.ids;
    const at = typeof source.embeddedAt === 'function' ? source.embeddedAt() : source.embeddedAt;
    return new MemoryEmbeddings(data, source.dim, { ids, embeddedAt: at ? Int32Array.from(at) : undefined });
  }
}

/** Throws a RangeError unless [start, end) is an integer range inside [0, rows). */
export function checkRange(start: number, end: number, rows: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > rows || start > end) {
    throw new RangeError(`row range [${start}, ${end}) is not inside [0, ${rows})`);
  }
}

/** Validates a refresh request: rows in range, embeddings of rows.length × dim finite values. */
export function checkRefresh(rows: ArrayLike<number>, embeddings: Float32Array, dim: number, total: number): void {
  if (embeddings.length !== rows.length * dim) {
    throw new RangeError(`refresh: ${embeddings.length} values for ${rows.length} rows of dim ${dim} (expected ${rows.length * dim})`);
  }
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!Number.isInteger(r) || r < 0 || r >= total) throw new RangeError(`refresh: row ${r} is not inside [0, ${total})`);
  }
}

/** The rows `rows` (any order, repeats allowed) of `source`, row-major: reads each distinct contiguous run once. */
export function gatherRows(source: EmbeddingSource, rows: ArrayLike<number>): Float32Array {
  const dim = source.dim;
  const out = new Float32Array(rows.length * dim);
  const order = Array.from({ length: rows.length }, (_, i) => i).sort((a, b) => rows[a] - rows[b]);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && rows[order[j + 1]] - rows[order[j]] <= 1) j++;
    const lo = rows[order[i]];
    const hi = rows[order[j]] + 1;
    const block = source.read(lo, hi);
    for (let k = i; k <= j; k++) {
      const r = rows[order[k]];
      out.set(block.subarray((r - lo) * dim, (r - lo + 1) * dim), order[k] * dim);
    }
    i = j + 1;
  }
  return out;
}
