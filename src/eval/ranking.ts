/**
 * How a query's retrieved documents are put in order, and where the judged ones land.
 *
 * trec_eval ignores the rank column and orders by score descending, ties broken by document id
 * DEScending in strcmp (byte) order: `comp_sim_docno` in form_res_rels.c returns
 * `strcmp(p2->docno, p1->docno)` after comparing `sim` (usnistgov/trec_eval, form_res_rels.c, read
 * at commit 0e041ae). strcmp on UTF-8 bytes is Unicode code point order, which `compareCodePoints`
 * reproduces (plain JS `<` compares UTF-16 units and differs above U+FFFF).
 */
import type { Qrels, RunEntry } from './types';

/** Compares two strings in Unicode code point order (= strcmp on their UTF-8 bytes): <0, 0, >0. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (U+D800–DFFF) encodes a code point above U+FFFF: it sorts after every BMP unit.
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x - y;
  }
  return a.length - b.length;
}

/** trec_eval order: score descending, then document id descending (code point order). */
export function compareTrec(a: RunEntry, b: RunEntry): number {
  if (a.score > b.score) return -1;
  if (a.score < b.score) return 1;
  return compareCodePoints(b.docId, a.docId);
}

/** A copy of `entries` in trec_eval order. */
export function sortTrec(entries: readonly RunEntry[]): RunEntry[] {
  return entries.slice().sort(compareTrec);
}

/**
 * What every qrels metric needs of one query: the ranks of the retrieved judged documents (trec_eval
 * order) and the qrels' own counts.
 */
export interface JudgedRanking {
  /** Number of retrieved documents. */
  numRet: number;
  /** Retrieved documents that appear in the qrels: 1-based rank and grade, ascending rank. */
  judged: { rank: number; rel: number }[];
  /** Qrels documents with grade >= threshold (trec_eval `num_rel`). */
  numRel: number;
  /** Grades > 0 of all qrels documents, descending: the ideal ranking for nDCG. */
  idealGains: number[];
  /** A document is relevant when grade >= threshold (trec_eval `-l`, default 1). */
  threshold: number;
  /**
   * MS MARCO: the smallest rank r in 1..10 whose slot (the file's rank column; the last line with
   * that rank wins, as in ms_marco_eval.py) holds a relevant document; undefined if none.
   */
  firstRelevantFileRank?: number;
}

/** Qrels-side counts of one query: num_rel at `threshold` and the ideal gains. */
export function qrelsStats(judgements: Map<string, number> | undefined, threshold: number): { numRel: number; idealGains: number[] } {
  let numRel = 0;
  const idealGains: number[] = [];
  if (judgements) {
    for (const rel of judgements.values()) {
      if (rel >= threshold) numRel++;
      if (rel > 0) idealGains.push(rel);
    }
  }
  idealGains.sort((a, b) => b - a);
  return { numRel, idealGains };
}

/**
 * Ranks of the judged documents among `scores`/`docIds` (parallel arrays, file order), in trec_eval
 * order, without sorting the whole list: rank(d) = 1 + #{e : e ranks before d}. Falls back to a
 * full sort when many documents are judged.
 */
export function judgedRanks(
  scores: ArrayLike<number>,
  docIds: readonly string[],
  n: number,
  judgedIdx: readonly number[],
): number[] {
  const ranks = new Array<number>(judgedIdx.length);
  if (judgedIdx.length > 24) {
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((i, j) => (scores[i] > scores[j] ? -1 : scores[i] < scores[j] ? 1 : compareCodePoints(docIds[j], docIds[i])));
    const pos = new Int32Array(n);
    for (let r = 0; r < n; r++) pos[order[r]] = r + 1;
    for (let t = 0; t < judgedIdx.length; t++) ranks[t] = pos[judgedIdx[t]];
    return ranks;
  }
  for (let t = 0; t < judgedIdx.length; t++) {
    const d = judgedIdx[t];
    const s = scores[d];
    const id = docIds[d];
    let before = 0;
    for (let i = 0; i < n; i++) {
      const x = scores[i];
      if (x > s) before++;
      else if (x === s && i !== d && compareCodePoints(docIds[i], id) > 0) before++;
    }
    ranks[t] = before + 1;
  }
  return ranks;
}

/**
 * Builds the JudgedRanking of one query from parallel arrays in file order: document ids, scores
 * and (optionally) the file's rank column (missing: list position).
 */
export function judgeArrays(
  docIds: readonly string[],
  scores: ArrayLike<number>,
  ranks: ArrayLike<number> | undefined,
  judgements: Map<string, number> | undefined,
  threshold: number,
): JudgedRanking {
  const n = docIds.length;
  const judgedIdx: number[] = [];
  let firstRelevantFileRank: number | undefined;
  if (judgements && judgements.size > 0) {
    for (let i = 0; i < n; i++) {
      const rel = judgements.get(docIds[i]);
      if (rel === undefined) continue;
      judgedIdx.push(i);
      if (rel >= threshold) {
        const r = ranks ? ranks[i] : i + 1;
        if (r >= 1 && r <= 10 && (firstRelevantFileRank === undefined || r < firstRelevantFileRank)) {
          // ms_marco_eval.py: for a rank given twice the later line owns the slot
          let owner = i;
          if (ranks) for (let j = i + 1; j < n; j++) if (ranks[j] === r) owner = j;
          if (owner === i) firstRelevantFileRank = r;
        }
      }
    }
  }
  const rankOf = judgedRanks(scores, docIds, n, judgedIdx);
  const judged = judgedIdx.map((d, t) => ({ rank: rankOf[t], rel: judgements!.get(docIds[d])! }));
  judged.sort((a, b) => a.rank - b.rank);
  const { numRel, idealGains } = qrelsStats(judgements, threshold);
  return { numRet: n, judged, numRel, idealGains, threshold, firstRelevantFileRank };
}

/** Builds the JudgedRanking of one query from its retrieved entries (file order) and its qrels. */
export function judgeRanking(entries: readonly RunEntry[], judgements: Map<string, number> | undefined, threshold: number): JudgedRanking {
  const docIds = entries.map((e) => e.docId);
  const scores = entries.map((e) => e.score);
  const hasRanks = entries.every((e) => e.rank !== undefined);
  const ranks = hasRanks ? entries.map((e) => e.rank!) : undefined;
  return judgeArrays(docIds, scores, ranks, judgements, threshold);
}

/** Indices of the top `k` entries in trec_eval order (score descending, ties by id descending). */
export function topIndices(docIds: readonly string[], scores: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: docIds.length }, (_, i) => i);
  order.sort((i, j) => (scores[i] > scores[j] ? -1 : scores[i] < scores[j] ? 1 : compareCodePoints(docIds[j], docIds[i])));
  return order.length > k ? order.slice(0, k) : order;
}
