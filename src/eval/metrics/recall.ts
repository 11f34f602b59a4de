import type { JudgedRanking } from '../ranking';

/**
 * Recall@k = |relevant ∩ top-k| / |relevant|, relevant meaning grade >= threshold; |relevant| counts
 * every relevant qrels document, retrieved or not. trec_eval `recall.k` (m_recall.c): 0 when the
 * query has no relevant document. R@1000 is `recallAt(q, 1000)`.
 */
export function recallAt(q: JudgedRanking, k: number): number {
  if (q.numRel === 0) return 0;
  let rel = 0;
  for (const j of q.judged) {
    if (j.rank > k) break;
    if (j.rel >= q.threshold) rel++;
  }
  return rel / q.numRel;
}
