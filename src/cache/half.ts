/**
 * Embeddings held in memory as float16 bits (half the memory of MemoryEmbeddings), converted to
 * float32 block by block as they are read: a 21M × 768 cache is 32 GB this way instead of 64 GB,
 * and no full float32 copy is ever made. Exact search reads it through `readInto` into one reused
 * block buffer. Values are rounded to the nearest float16 on the way in (round to nearest even),
 * as in an f16 cache shard.
 */
import { fromFloat16, toFloat16 } from '../util/f16';
import { checkRange, checkRefresh } from './memory';
import type { EmbeddingSource } from './types';

export class HalfEmbeddings implements EmbeddingSource {
  readonly rows: number;

  constructor(readonly bits: Uint16Array, readonly dim: number) {
    if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`HalfEmbeddings: dim must be a positive integer, got ${dim}`);
    if (bits.length % dim !== 0) throw new RangeError(`HalfEmbeddings: ${bits.length} values is not a multiple of dim ${dim}`);
    this.rows = bits.length / dim;
  }

  /** Rows [start, end) as a new row-major Float32Array. */
  read(start: number, end: number): Float32Array {
    return this.readInto(start, end, new Float32Array((end - start) * this.dim));
  }

  /** Rows [start, end) converted into `out` (length ≥ (end − start)·dim); returns it. */
  readInto(start: number, end: number, out: Float32Array): Float32Array {
    checkRange(start, end, this.rows);
    const n = (end - start) * this.dim;
    if (out.length < n) throw new RangeError(`readInto: buffer of ${out.length} values for ${n}`);
    fromFloat16(this.bits.subarray(start * this.dim, end * this.dim), out.subarray(0, n));
    return out;
  }

  /** Overwrites rows[i] with embeddings[i·dim .. (i+1)·dim), rounded to float16. */
  refresh(rows: ArrayLike<number>, embeddings: Float32Array): void {
    checkRefresh(rows, embeddings, this.dim, this.rows);
    for (let i = 0; i < rows.length; i++) toFloat16(embeddings.subarray(i * this.dim, (i + 1) * this.dim), this.bits.subarray(rows[i] * this.dim, (rows[i] + 1) * this.dim));
  }

  /** Every row of `source`, read block by block and rounded to float16. */
  static fromSource(source: EmbeddingSource, blockRows = 65536): HalfEmbeddings {
    const bits = new Uint16Array(source.rows * source.dim);
    for (let s = 0; s < source.rows; s += blockRows) {
      const e = Math.min(source.rows, s + blockRows);
      toFloat16(source.read(s, e), bits.subarray(s * source.dim, e * source.dim));
    }
    return new HalfEmbeddings(bits, source.dim);
  }
}
