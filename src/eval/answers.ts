/**
 * NQ / TriviaQA / CuratedTREC top-k answer accuracy as DPR computes it (facebookresearch/DPR,
 * dpr/data/qa_validation.py `has_answer`, `calculate_matches`; dpr/utils/tokenizers.py
 * `SimpleTokenizer`, read at commit 10ca720). A question counts at k when any of its top-k passages
 * contains an answer. This is the "R@20 / R@100" of NQ tables; it is NOT qrels recall, so the toolkit
 * calls it `acc@k` ("Top-k answer accuracy").
 *
 * String mode (`has_answer(..., 'string')`): passage text and each answer are Unicode-NFD
 * normalised, tokenised by SimpleTokenizer (regex `([\p{L}\p{N}\p{M}]+)|([^\p{Z}\p{C}])`: runs of
 * letters/digits/marks, or any single other non-space, non-control character), lower-cased, and the
 * answer's token sequence must occur contiguously in the passage's. DPR checks the passage TEXT only
 * (`check_answer` uses `doc[0]`); `useTitle` reproduces `check_answer_from_meta(use_title=True)`,
 * which matches against `title + " . " + text`.
 * Quirk kept on purpose: an answer with no tokens (e.g. "" or "  ") matches every passage, as in DPR.
 *
 * Regex mode (`'regex'`, CuratedTREC): the NFD-normalised answer is a pattern searched in the
 * NFD-normalised text, case-insensitively and multiline (Python `regex` flags IGNORECASE | UNICODE |
 * MULTILINE); a pattern that does not compile matches nothing. JavaScript's RegExp (tried with the
 * `u` flag, then without) stands in for Python's `regex` module: the patterns in CuratedTREC use the
 * common subset.
 */

export type AnswerMatch = 'string' | 'regex';

const TOKEN_RE = /[\p{L}\p{N}\p{M}]+|[^\p{Z}\p{C}]/gu;

/** DPR SimpleTokenizer words, uncased: NFD-normalise, tokenise, lower-case. */
export function dprTokens(text: string): string[] {
  const norm = text.normalize('NFD');
  const out: string[] = [];
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN_RE.exec(norm)) !== null) out.push(m[0].toLowerCase());
  return out;
}

/** True when `needle` occurs as a contiguous run in `hay` (an empty needle always occurs). */
export function containsTokenSequence(hay: readonly string[], needle: readonly string[]): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const first = needle[0];
  outer: for (let i = 0; i + n <= hay.length; i++) {
    if (hay[i] !== first) continue;
    for (let j = 1; j < n; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Compiles a regex-mode answer as DPR would search it; null when it does not compile. */
export function compileAnswerPattern(pattern: string): RegExp | null {
  const p = pattern.normalize('NFD');
  try {
    return new RegExp(p, 'imu');
  } catch {
    try {
      return new RegExp(p, 'im');
    } catch {
      return null;
    }
  }
}

/**
 * An answer set prepared once per question and tested against many passages.
 */
export class AnswerMatcher {
  private readonly tokenAnswers: string[][] = [];
  private readonly patterns: RegExp[] = [];

  constructor(answers: readonly string[], readonly mode: AnswerMatch = 'string') {
    if (mode === 'string') this.tokenAnswers = answers.map(dprTokens);
    else for (const a of answers) {
      const re = compileAnswerPattern(a);
      if (re) this.patterns.push(re);
    }
  }

  /** DPR `has_answer` for pre-tokenised passage words (string mode). */
  matchesTokens(passageTokens: readonly string[]): boolean {
    for (const a of this.tokenAnswers) if (containsTokenSequence(passageTokens, a)) return true;
    return false;
  }

  /** DPR `has_answer` for NFD-normalised passage text (regex mode). */
  matchesNormalizedText(nfdText: string): boolean {
    for (const re of this.patterns) if (re.test(nfdText)) return true;
    return false;
  }

  /** DPR `has_answer` on raw passage text. */
  matches(text: string): boolean {
    return this.mode === 'string' ? this.matchesTokens(dprTokens(text)) : this.matchesNormalizedText(text.normalize('NFD'));
  }
}

/** DPR `has_answer(answers, text, tokenizer, match_type)`. */
export function hasAnswer(answers: readonly string[], text: string, mode: AnswerMatch = 'string'): boolean {
  return new AnswerMatcher(answers, mode).matches(text);
}

/** The text DPR matches against: the passage text, or `title . text` with `useTitle`. */
export function passageMatchText(p: { title?: string; text: string }, useTitle = false): string {
  return useTitle ? `${p.title ?? ''} . ${p.text}` : p.text;
}

/**
 * Top-k answer accuracy for one question from the 1-based rank of its first answer-bearing passage
 * (undefined when none): 1 if firstHitRank <= k, else 0. The dataset figure is the mean over all
 * questions (DPR divides `top_k_hits` by the number of questions).
 */
export function topKAccuracy(firstHitRank: number | undefined, k: number): number {
  return firstHitRank !== undefined && firstHitRank <= k ? 1 : 0;
}
