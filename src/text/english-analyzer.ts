/**
 * The text analysis of Lucene's `EnglishAnalyzer`, which Pyserini's BM25 uses by default
 * (Anserini's DefaultEnglishAnalyzer is the same chain):
 *
 *   StandardTokenizer (Unicode UAX #29 word boundaries) → EnglishPossessiveFilter (drop a final
 *   's / ’s) → LowerCaseFilter → StopFilter (Lucene's 33 English stop words) → PorterStemFilter.
 *
 * The tokenizer follows UAX #29 for alphabetic and numeric text: a word is a run of letters and
 * digits; `.`, `'`, `’` and `:` join two letters (`U.S.A`, `don't`, `rock'n'roll`), `.` `,` `;` and
 * `'` join two digits (`3.5`, `1,000`), `_` joins anything, combining marks stay with their letter,
 * and each Han or Hiragana character and each emoji is a word of its own. Lucene's special cases for Katakana,
 * Hebrew, South-East Asian scripts and emoji sequences are not reproduced, nor its split of words longer than
 * 255 characters. test/search/lucene/ compares this analyzer with Lucene's on real text.
 */
import { porterStem } from './porter';

/** Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET. */
export const LUCENE_ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not', 'of', 'on',
  'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with',
]);

/** Word-break classes of UAX #29 that the tokenizer distinguishes. */
const enum Cls {
  Other,
  Letter,
  Numeric,
  /** Each character is a word of its own (Han, Hiragana, emoji). */
  Ideo,
  /** Combining marks and format characters: stay with the character before. */
  Extend,
  /** `_` and other connector punctuation: join anything on either side. */
  ExtendNumLet,
  /** Joins two letters: `:` `·` ... */
  MidLetter,
  /** Joins two letters or two digits: `.` `'` `’` ... */
  MidNumLet,
  /** Joins two digits: `,` `;` ... */
  MidNum,
}

const MID_LETTER = new Set([0x3a, 0xb7, 0x387, 0x5f4, 0x2027, 0xfe13, 0xfe55, 0xff1a]);
const MID_NUM_LET = new Set([0x27, 0x2e, 0x2018, 0x2019, 0x2024, 0xfe52, 0xff07, 0xff0e]);
const MID_NUM = new Set([0x2c, 0x3b, 0x37e, 0x589, 0x60c, 0x60d, 0x66c, 0x7f8, 0x2044, 0xfe10, 0xfe14, 0xfe50, 0xfe54, 0xff0c, 0xff1b]);

function classOf(ch: string, cp: number): Cls {
  if (cp < 0x80) {
    if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a)) return Cls.Letter;
    if (cp >= 0x30 && cp <= 0x39) return Cls.Numeric;
    if (cp === 0x5f) return Cls.ExtendNumLet;
    if (cp === 0x27 || cp === 0x2e) return Cls.MidNumLet;
    if (cp === 0x3a) return Cls.MidLetter;
    if (cp === 0x2c || cp === 0x3b) return Cls.MidNum;
    return Cls.Other;
  }
  if (/\p{Script=Han}|\p{Script=Hiragana}|\p{Extended_Pictographic}/u.test(ch)) return Cls.Ideo;
  if (/[\p{M}\p{Cf}]/u.test(ch)) return Cls.Extend;
  if (/\p{Nd}/u.test(ch)) return Cls.Numeric;
  if (/\p{Alphabetic}/u.test(ch)) return Cls.Letter;
  if (/\p{Pc}/u.test(ch)) return Cls.ExtendNumLet;
  if (MID_LETTER.has(cp)) return Cls.MidLetter;
  if (MID_NUM_LET.has(cp)) return Cls.MidNumLet;
  if (MID_NUM.has(cp)) return Cls.MidNum;
  return Cls.Other;
}

/** Words of `text` by StandardTokenizer's rules (see the module comment); case kept. */
export function standardTokenize(text: string): string[] {
  const chars = [...text];
  const n = chars.length;
  const cls = chars.map((c) => classOf(c, c.codePointAt(0)!));
  /** Class of the next non-Extend character at or after i. */
  const nextCore = (i: number): Cls => {
    while (i < n && cls[i] === Cls.Extend) i++;
    return i < n ? cls[i] : Cls.Other;
  };
  const out: string[] = [];
  let i = 0;
  while (i < n) {
    const c = cls[i];
    if (c === Cls.Ideo) {
      let j = i + 1;
      while (j < n && cls[j] === Cls.Extend) j++;
      out.push(chars.slice(i, j).join(''));
      i = j;
      continue;
    }
    if (c !== Cls.Letter && c !== Cls.Numeric && c !== Cls.ExtendNumLet) {
      i++;
      continue;
    }
    let last = c;
    let hasWordChar = c !== Cls.ExtendNumLet;
    let j = i + 1;
    while (j < n) {
      const cj = cls[j];
      if (cj === Cls.Extend) {
        j++;
      } else if (cj === Cls.Letter || cj === Cls.Numeric || cj === Cls.ExtendNumLet) {
        if (cj !== Cls.ExtendNumLet) hasWordChar = true;
        last = cj;
        j++;
      } else if (cj === Cls.MidLetter || cj === Cls.MidNumLet || cj === Cls.MidNum) {
        const next = nextCore(j + 1);
        const joins =
          (last === Cls.Letter && next === Cls.Letter && cj !== Cls.MidNum) ||
          (last === Cls.Numeric && next === Cls.Numeric && cj !== Cls.MidLetter);
        if (!joins) break;
        j++;
      } else {
        break;
      }
    }
    if (hasWordChar) out.push(chars.slice(i, j).join(''));
    i = j;
  }
  return out;
}

/** Drops a final `'s` (or `’s`, `＇s`; either case of s), as EnglishPossessiveFilter does. */
function dropPossessive(token: string): string {
  const n = token.length;
  if (n >= 2 && (token[n - 1] === 's' || token[n - 1] === 'S') && (token[n - 2] === "'" || token[n - 2] === '\u2019' || token[n - 2] === '\uff07')) {
    return token.slice(0, n - 2);
  }
  return token;
}

/** Lower-cases code point by code point, as Java's Character.toLowerCase (no context rules). */
function lowerCase(token: string): string {
  let out = '';
  for (const ch of token) {
    // a one-to-many lower case (İ → i̇) keeps its first code point, as Java's char mapping gives
    out += [...ch.toLowerCase()][0];
  }
  return out;
}

/** The terms Lucene's EnglishAnalyzer indexes for `text`, in order (stop words removed). */
export function analyzeEnglish(text: string): string[] {
  const out: string[] = [];
  for (const word of standardTokenize(text)) {
    const t = lowerCase(dropPossessive(word));
    if (t === '' || LUCENE_ENGLISH_STOP_WORDS.has(t)) continue;
    out.push(porterStem(t));
  }
  return out;
}
