/**
 * WordPiece tokenization compatible with Hugging Face's BertTokenizer (bert-base-uncased):
 * BasicTokenizer (clean text, CJK splitting, NFC, lower-casing, NFD accent stripping, punctuation
 * split) then greedy longest-match-first WordPiece with `##` continuations, `[CLS] … [SEP]`,
 * truncation and padding.
 */
import { Vocab } from './vocab';
import { InputError } from '../util/errors';

export interface BasicTokenizeOptions {
  /** Lower-case (default true, as bert-base-uncased). */
  lowerCase?: boolean;
  /** Strip accents (NFD, drop Mn marks). Default: same as lowerCase, as in the original BERT. */
  stripAccents?: boolean;
  /** Put spaces around CJK ideographs (default true). */
  tokenizeChineseChars?: boolean;
}

const PUNCT_CAT = /^\p{P}$/u;
const CONTROL_CAT = /^\p{C}$/u;
const SPACE_SEP = /^\p{Zs}$/u;
const NONSPACING_MARK = /\p{Mn}/gu;

/** BERT's _is_punctuation: ASCII non-alphanumeric symbols, or Unicode category P*. */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return PUNCT_CAT.test(ch);
}

/** BERT's _is_whitespace: space, \t, \n, \r, or category Zs. */
export function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || SPACE_SEP.test(ch);
}

/** BERT's _is_control: category C* except \t, \n, \r. */
export function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return CONTROL_CAT.test(ch);
}

/** BERT's _is_chinese_char: code point in the CJK Unified Ideographs blocks. */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Python's str.split(): splits on runs of Unicode whitespace, dropping empty pieces. */
function whitespaceSplit(text: string): string[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/\s+/u);
}

/** Removes accents: NFD, then drops non-spacing marks (category Mn). */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(NONSPACING_MARK, '');
}

/**
 * BERT's BasicTokenizer: removes NUL, U+FFFD and control characters, maps whitespace to spaces,
 * spaces out CJK ideographs, NFC-normalises, splits on whitespace, lower-cases and strips accents
 * per word, then splits every punctuation character off as its own token.
 */
export function basicTokenize(text: string, opts: BasicTokenizeOptions = {}): string[] {
  const lowerCase = opts.lowerCase ?? true;
  const strip = opts.stripAccents ?? lowerCase;
  const cjk = opts.tokenizeChineseChars ?? true;
  let cleaned = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    if (isWhitespace(ch)) cleaned += ' ';
    else if (cjk && isChineseChar(cp)) cleaned += ' ' + ch + ' ';
    else cleaned += ch;
  }
  const out: string[] = [];
  for (let word of whitespaceSplit(cleaned.normalize('NFC'))) {
    if (lowerCase) word = word.toLowerCase();
    if (strip) word = stripAccents(word);
    let cur = '';
    for (const ch of word) {
      if (isPunctuation(ch)) {
        if (cur) out.push(cur);
        cur = '';
        out.push(ch);
      } else cur += ch;
    }
    if (cur) out.push(cur);
  }
  // HF re-splits the joined pieces on whitespace (lower-casing never makes whitespace; kept for parity)
  return out.flatMap((t) => whitespaceSplit(t));
}

/**
 * Greedy longest-match-first WordPiece of one word: the longest prefix in the vocabulary, then the
 * longest `##`-prefixed continuation, and so on. A word longer than `maxCharsPerWord` code points, or
 * one that cannot be covered, becomes the single `unkToken`.
 */
export function wordpieceWord(word: string, vocab: Vocab, unkToken = '[UNK]', maxCharsPerWord = 100): string[] {
  const chars = Array.from(word);
  if (chars.length > maxCharsPerWord) return [unkToken];
  const pieces: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let found: string | null = null;
    while (start < end) {
      let sub = chars.slice(start, end).join('');
      if (start > 0) sub = '##' + sub;
      if (vocab.has(sub)) {
        found = sub;
        break;
      }
      end--;
    }
    if (found === null) return [unkToken];
    pieces.push(found);
    start = end;
  }
  return pieces;
}

export interface WordPieceOptions extends BasicTokenizeOptions {
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
  maskToken?: string;
  /** Words longer than this (code points) become [UNK] (default 100). */
  maxCharsPerWord?: number;
  /** Keep special tokens written in the text (e.g. "[MASK]") as single tokens, as HF does (default true). */
  splitSpecialTokens?: boolean;
}

/** A padded batch of token ids, row-major [batch, length]. */
export interface EncodedBatch {
  batch: number;
  /** Padded length: the longest sequence in the batch (or `padTo`). */
  length: number;
  inputIds: Int32Array;
  /** 1 for real tokens (incl. [CLS]/[SEP]), 0 for padding. */
  attentionMask: Int32Array;
  /** All 0 (single-segment inputs). */
  tokenTypeIds: Int32Array;
  /** Unpadded length of each row. */
  lengths: Int32Array;
}

/** BERT's full tokenizer over a vocabulary. */
export class WordPieceTokenizer {
  readonly unkToken: string;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  private readonly specials: string[];
  private readonly specialRe: RegExp | null;

  constructor(readonly vocab: Vocab, readonly opts: WordPieceOptions = {}) {
    this.unkToken = opts.unkToken ?? '[UNK]';
    const need = (tok: string): number => {
      const id = vocab.idOf(tok);
      if (id === undefined) throw new InputError(`vocabulary has no special token ${tok}; expected it in vocab.txt`);
      return id;
    };
    this.unkId = need(this.unkToken);
    this.clsId = need(opts.clsToken ?? '[CLS]');
    this.sepId = need(opts.sepToken ?? '[SEP]');
    this.padId = need(opts.padToken ?? '[PAD]');
    this.specials = [this.unkToken, opts.clsToken ?? '[CLS]', opts.sepToken ?? '[SEP]', opts.padToken ?? '[PAD]', opts.maskToken ?? '[MASK]'].filter((t) =>
      vocab.has(t),
    );
    this.specialRe =
      opts.splitSpecialTokens === false
        ? null
        : new RegExp(`(${this.specials.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`);
  }

  /** Word pieces of `text` (no [CLS]/[SEP]). */
  tokenize(text: string): string[] {
    const parts = this.specialRe ? text.split(this.specialRe) : [text];
    const out: string[] = [];
    parts.forEach((part, i) => {
      if (i % 2 === 1) {
        out.push(part); // a special token written in the text
        return;
      }
      for (const word of basicTokenize(part, this.opts)) {
        for (const p of wordpieceWord(word, this.vocab, this.unkToken, this.opts.maxCharsPerWord ?? 100)) out.push(p);
      }
    });
    return out;
  }

  /** Ids of `text`'s pieces (no [CLS]/[SEP]). */
  tokenIds(text: string): number[] {
    return this.tokenize(text).map((t) => this.vocab.idOf(t) ?? this.unkId);
  }

  /** `[CLS] pieces [SEP]` ids, with the pieces truncated so the whole fits `maxLength` (≥ 2). */
  encode(text: string, maxLength = 512): number[] {
    if (!(maxLength >= 2)) throw new InputError(`maxLength ${maxLength}: expected at least 2 (room for [CLS] and [SEP])`);
    const ids = this.tokenIds(text);
    if (ids.length > maxLength - 2) ids.length = maxLength - 2;
    return [this.clsId, ...ids, this.sepId];
  }

  /** Encodes a batch, padding with [PAD] to the longest row (or to `padTo` when given). */
  encodeBatch(texts: string[], opts: { maxLength?: number; padTo?: number } = {}): EncodedBatch {
    const rows = texts.map((t) => this.encode(t, opts.maxLength ?? 512));
    const length = Math.max(opts.padTo ?? 0, ...rows.map((r) => r.length), 0);
    const n = rows.length;
    const inputIds = new Int32Array(n * length).fill(this.padId);
    const attentionMask = new Int32Array(n * length);
    const lengths = new Int32Array(n);
    rows.forEach((r, i) => {
      inputIds.set(r, i * length);
      attentionMask.fill(1, i * length, i * length + r.length);
      lengths[i] = r.length;
    });
    return { batch: n, length, inputIds, attentionMask, tokenTypeIds: new Int32Array(n * length), lengths };
  }
}
