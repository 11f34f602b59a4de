import type { JudgedRanking } from '../ranking';

/**
 * Reciprocal rank@k = 1 / rank of the first relevant document (grade >= threshold) if that rank is
 * <= k, else 0; k = Infinity gives trec_eval `recip_rank` (m_recip_rank.c). Ranks are trec_eval
 * ranks (score descending, ties by document id descending). MRR@k is its mean over queries.
 */
export function reciprocalRankAt(q: JudgedRanking, k = Infinity): number {
  for (const j of q.judged) {
    if (j.rank > k) break;
    if (j.rel >= q.threshold) return 1 / j.rank;
  }
  return 0;
}

/**
 * MS MARCO MRR@10 per query, as the official ms_marco_eval.py (microsoft/MSMARCO-Passage-Ranking,
 * compute_metrics): walks the slots of the run's RANK column 1..10 (not the scores; for a rank given
 * twice the later line wins) and scores 1/r for the first slot holding a relevant passage. The mean
 * over queries divides by the number of queries in the qrels (6,980 for dev.small), which is what
 * `evaluate` does by default (queries missing from the run score 0).
 * Differences from the script, on inputs it mishandles: a relevant passage is one with grade >=
 * threshold (the script takes every qrels line; MS MARCO's qrels are all grade 1, so the same); an
 * empty slot holds nothing (the script fills it with passage id 0).
 */
export function msmarcoReciprocalRank(q: JudgedRanking): number {
  return q.firstRelevantFileRank === undefined ? 0 : 1 / q.firstRelevantFileRank;
}
