/** Types shared by the search paths (exact, Gumbel sampling, ANN candidate pools). */
import { tf } from '../tensor';
import type { EmbeddingSource } from '../cache/types';
import type { ProgressFn } from '../util/progress';
import type { ExcludeSets } from './topk';
import type { Rng } from '../util/rng';
import { InputError } from '../util/errors';

export type { EmbeddingSource, ExcludeSets };

/**
 * A transform applied to each block of cached rows before scoring, e.g. the corrector h: maps a
 * [rows, dim] block of stale embeddings to [rows, queryDim]. Called inside tf.tidy; it must not
 * keep references to the tensors it is given.
 */
export type BlockTransform = (block: tf.Tensor2D) => tf.Tensor2D;

/** Queries: a row-major Float32Array [nq * queryDim] or a [nq, queryDim] tensor (never disposed here). */
export type QueryInput = Float32Array | tf.Tensor2D;

/**
 * Gumbel-top-k sampling instead of top-k: k rows without replacement from softmax(β·s) over the
 * candidates (rows ranked by β·s + G, G ~ Gumbel(0,1) i.i.d., keyed by (seed, query, row)).
 */
export interface SampleOptions {
  /** Inverse temperature β (> 0). */
  beta: number;
  /** uint32 seed, or an Rng from which one uint32 is drawn (advancing its checkpointed state). */
  seed: number | Rng;
}

/** Result of any search: row-major [nq, k]; missing slots are row -1 with score -Infinity. */
export interface SearchResult {
  nq: number;
  k: number;
  /** Row indices into the cache, best first. */
  indices: Int32Array;
  /** ⟨q, T(e)⟩ of each returned row (unperturbed, no β). */
  scores: Float32Array;
  /** Ranking keys when sampling: β·score + Gumbel noise (absent for plain top-k). */
  keys?: Float32Array;
}

/** Options common to searches over a cache. */
export interface SearchOptionsBase {
  source: EmbeddingSource;
  queries: QueryInput;
  /** Rows per query to return (positive integer; may exceed the rows available). */
  k: number;
  /** Width of a query row when `queries` is a Float32Array; default: the transform's output = source.dim. */
  queryDim?: number;
  transform?: BlockTransform;
  /** Per-query rows never to return (the gold positives). */
  exclude?: ExcludeSets;
  /** Sample with Gumbel-top-k instead of taking the top-k. */
  sample?: SampleOptions;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** Checks k is a positive integer. */
export function checkK(k: number, what = 'k'): void {
  if (!Number.isInteger(k) || k < 1) throw new InputError(`${what}: expected a positive integer, got ${k}`);
}

/** [nq, d] of a query input, validating a flat array against d. */
export function queryShape(queries: QueryInput, queryDim: number): [number, number] {
  if (queries instanceof Float32Array) {
    if (!Number.isInteger(queryDim) || queryDim < 1) throw new InputError(`queryDim: expected a positive integer, got ${queryDim}`);
    if (queries.length % queryDim !== 0) {
      throw new InputError(`queries: length ${queries.length} is not a multiple of the query dimension ${queryDim}`);
    }
    return [queries.length / queryDim, queryDim];
  }
  if (queries.rank !== 2) throw new InputError(`queries: expected a 2-d tensor [nq, dim], got shape [${queries.shape}]`);
  return [queries.shape[0], queries.shape[1]];
}

/** The queries as a flat Float32Array (a tensor's data, read with an awaited copy). */
export async function queriesToArray(queries: QueryInput): Promise<Float32Array> {
  return queries instanceof Float32Array ? queries : ((await queries.data()) as Float32Array);
}

/** Resolves a sampling seed to a uint32 (drawing from an Rng advances it). */
export function resolveSeed(seed: number | Rng): number {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new InputError(`sample.seed: expected a number, got ${seed}`);
    return seed >>> 0;
  }
  return seed.nextUint32();
}

/** Checks β is a finite positive number. */
export function checkBeta(beta: number): void {
  if (!(beta > 0) || !Number.isFinite(beta)) throw new InputError(`sample.beta: expected a positive number, got ${beta}`);
}
