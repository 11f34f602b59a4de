import type { JudgedRanking } from '../ranking';

/**
 * Average precision = (1/|relevant|) · Σ_{relevant d retrieved in the top k} P@rank(d), relevant
 * meaning grade >= threshold and |relevant| counting every relevant qrels document (unretrieved ones
 * add 0). k = Infinity is trec_eval `map` (m_map.c); a finite k is trec_eval `map_cut.k` (m_map_cut.c).
 * 0 when the query has no relevant document. MAP is its mean over queries.
 */
export function averagePrecisionAt(q: JudgedRanking, k = Infinity): number {
  if (q.numRel === 0) return 0;
  let relSoFar = 0;
  let sum = 0;
  for (const j of q.judged) {
    if (j.rank > k) break;
    if (j.rel >= q.threshold) {
      relSoFar++;
      sum += relSoFar / j.rank;
    }
  }
  return sum / q.numRel;
}
