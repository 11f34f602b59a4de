import type { JudgedRanking } from '../ranking';

/**
 * Precision@k = |relevant ∩ top-k| / k, relevant meaning grade >= threshold.
 * trec_eval `P.k` (m_P.c): always divides by k, so a run that retrieves fewer than k documents is
 * filled with non-relevant ones (15 retrieved, 4 relevant → P@20 = 4/20).
 */
export function precisionAt(q: JudgedRanking, k: number): number {
  let rel = 0;
  for (const j of q.judged) {
    if (j.rank > k) break;
    if (j.rel >= q.threshold) rel++;
  }
  return rel / k;
}
