/**
 * In-memory shapes of evaluation inputs. Kept deliberately plain (Maps of arrays) so notebooks and
 * tests can build them by hand.
 *
 * - `Qrels`: query id → (document id → relevance grade). A query is "in the qrels" when it has at
 *   least one line, whatever its grades (trec_eval's convention: queries with only non-relevant
 *   judgements are still evaluated, and score 0 on most metrics).
 * - `Run`: query id → retrieved documents in file order. `score` orders them the trec_eval way
 *   (score descending, ties by document id descending); `rank` is the rank column of the file, used
 *   only where a metric is defined on the file's rank order (MS MARCO MRR@10).
 * - `Answers`: query id → answer strings (DPR / NQ style), or regex patterns in regex mode.
 * - `Passage`: what answer matching needs of a corpus row.
 */
export type Qrels = Map<string, Map<string, number>>;

export interface RunEntry {
  docId: string;
  score: number;
  /** The file's rank column (TREC `rank`, MS MARCO `rank`); absent for runs built in memory. */
  rank?: number;
}

export type Run = Map<string, RunEntry[]>;

export type Answers = Map<string, string[]>;

export interface Passage {
  title: string;
  text: string;
}
