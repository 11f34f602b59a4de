import type { JudgedRanking } from '../ranking';

/**
 * nDCG@k = DCG@k / IDCG@k with linear gain and log2 discount:
 *   DCG@k  = Σ_{r=1..k} g(d_r) / log2(r + 1),  g = the document's qrels grade when > 0, else 0;
 *   IDCG@k = the same sum over the qrels' own grades > 0 sorted descending (judged-relevant
 *            documents, retrieved or not).
 * This is trec_eval `ndcg_cut.k` (m_ndcg_cut.c, usnistgov/trec_eval at commit dc0c991: `gain /
 * log2(i + 2)` for 0-based i, ideal from `rel_levels`); k = Infinity is trec_eval `ndcg` over the
 * whole ranking. As in trec_eval the gains are the raw grades and the relevance threshold (`-l`) does
 * not apply. 0 when no qrels document has a grade > 0.
 */
export function ndcgAt(q: JudgedRanking, k = Infinity): number {
  let dcg = 0;
  for (const j of q.judged) {
    if (j.rank > k) break;
    if (j.rel > 0) dcg += j.rel / Math.log2(j.rank + 1);
  }
  let idcg = 0;
  const m = Math.min(k, q.idealGains.length);
  for (let i = 0; i < m; i++) idcg += q.idealGains[i] / Math.log2(i + 2);
  return idcg > 0 ? dcg / idcg : 0;
}
