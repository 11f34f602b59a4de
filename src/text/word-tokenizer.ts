/**
 * Word-level tokenizer matching how GloVe 6B tokens look (lower-cased Stanford/PTB-style tokens):
 * lower-case; words are runs of letters and digits (any script); clitics split off as GloVe has
 * them (`don't` → `do n't`, `john's` → `john 's`, `we're` → `we 're`, `i'll`, `'ve`, `'m`, `'d`);
 * curly apostrophes count as `'`; numbers keep inner `.` and `,` (`3.5`, `1,000`); everything
 * else (punctuation, `___` masks, symbols) separates words and is dropped.
 * Hyphenated compounds are split into their parts unless `keepCompound` says to keep one
 * (GloVe has e.g. `well-known`).
 */

export interface WordTokenizerOptions {
  /** Keep a hyphenated compound (e.g. `well-known`) as one token when this returns true; default: split. */
  keepCompound?: (compound: string) => boolean;
  /** Lower-case (default true: GloVe 6B is uncased). */
  lowercase?: boolean;
}

const CLITICS = ["n't", "'s", "'re", "'ll", "'ve", "'m", "'d"];

// a word: letters/digits, with inner apostrophes, hyphens, or number separators
const TOKEN_RE = /[\p{L}\p{N}]+(?:(?:['’]|-|(?<=\p{N})[.,](?=\p{N}))[\p{L}\p{N}]+)*/gu;

/** Splits a word with an apostrophe into GloVe-style pieces: `don't` → [`do`, `n't`], `john's` → [`john`, `'s`]. */
function splitClitics(word: string): string[] {
  const w = word.replace(/’/g, "'");
  if (!w.includes("'")) return [w];
  for (const c of CLITICS) {
    if (w.endsWith(c) && w.length > c.length) {
      const stem = w.slice(0, -c.length);
      // can't → ca n't, won't → wo n't (as PTB tokens and GloVe 6B have them)
      return [...splitClitics(stem), c];
    }
  }
  // o'clock, rock'n'roll, d'art: GloVe keeps many as one token; otherwise the caller may split further
  return [w];
}

/** Tokenizes `text` into GloVe-style word tokens (see the module comment for the rules). */
export function tokenizeWords(text: string, opts: WordTokenizerOptions = {}): string[] {
  const src = opts.lowercase === false ? text : text.toLowerCase();
  const out: string[] = [];
  for (const m of src.matchAll(TOKEN_RE)) {
    const tok = m[0];
    if (tok.includes('-')) {
      if (opts.keepCompound?.(tok)) {
        out.push(tok);
        continue;
      }
      for (const part of tok.split('-')) if (part) out.push(...splitClitics(part));
      continue;
    }
    out.push(...splitClitics(tok));
  }
  return out;
}

/** Counts token occurrences over `texts` (what SIF/IDF weighting and vocabulary restriction need). */
export function countTokens(texts: Iterable<string>, opts: WordTokenizerOptions = {}): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of tokenizeWords(t, opts)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}
