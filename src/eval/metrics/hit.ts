import type { JudgedRanking } from '../ranking';

/**
 * Success@k (hit@k) = 1 if any relevant document (grade >= threshold) is in the top k, else 0.
 * trec_eval `success.k` (m_success.c).
 */
export function successAt(q: JudgedRanking, k: number): number {
  for (const j of q.judged) {
    if (j.rank > k) break;
    if (j.rel >= q.threshold) return 1;
  }
  return 0;
}
