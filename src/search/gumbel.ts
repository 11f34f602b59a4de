/**
 * Gumbel-top-k sampling over a whole cache: k rows without replacement from
 * P(y|x) = exp(β s(x,y)) / Σ_y' exp(β s(x,y')), s(x,y) = ⟨q, T(e_y)⟩, by ranking β·s + G_y with
 * i.i.d. standard Gumbel G_y (Gumbel-max trick; keeping the k largest perturbed values samples
 * without replacement, in draw order). Blocked exactly like exact search; the noise is keyed by
 * (seed, query index, row), so a seed gives the same sample for any block size, run or backend
 * (up to float32 ties in the scores).
 */
import { exactSearch, type ExactSearchOptions } from './exact';
import type { Rng } from '../util/rng';
import type { SearchResult } from './types';

export { gumbelAt, gumbelBlock, gumbelTensor, queryKeys } from './noise';

export interface GumbelSearchOptions extends Omit<ExactSearchOptions, 'sample'> {
  /** Inverse temperature β (> 0). */
  beta: number;
  /** uint32 seed, or an Rng from which one uint32 is drawn. */
  seed: number | Rng;
}

/**
 * k rows per query sampled without replacement from softmax(β·⟨q, T(e)⟩) over every non-excluded
 * row of the cache. `indices` are in draw order; `scores` are the unperturbed ⟨q, T(e)⟩; `keys`
 * the perturbed β·s + G that ranked them.
 */
export async function gumbelTopK(options: GumbelSearchOptions): Promise<SearchResult> {
  const { beta, seed, ...rest } = options;
  return exactSearch({ ...rest, sample: { beta, seed } });
}

/** softmax(β·logits) in float64: p_i = exp(β l_i − m) / Σ_j exp(β l_j − m), m = max β l. */
export function softmax(logits: ArrayLike<number>, beta = 1): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) m = Math.max(m, beta * logits[i]);
  const p = new Float64Array(logits.length);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += p[i] = Math.exp(beta * logits[i] - m);
  for (let i = 0; i < p.length; i++) p[i] /= z;
  return p;
}
