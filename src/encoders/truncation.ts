/**
 * How many texts an encoder cuts: encoders that pool or attend over at most `maxTokens` tokens
 * (the GloVe bag: 64 in-vocabulary words by default) silently drop the rest of a longer text. Load
 * steps count this and say so, and `data check` reports it against the encoder's limit.
 */
import type { Encoder } from './types';

/** An encoder that can say how many tokens it would read of a text, before its cut. */
export interface TokenCountingEncoder extends Encoder {
  readonly maxTokens: number;
  countTokens(text: string): number;
}

export function countsTokens(encoder: Encoder): encoder is TokenCountingEncoder {
  const e = encoder as Partial<TokenCountingEncoder>;
  return typeof e.countTokens === 'function' && typeof e.maxTokens === 'number';
}

/** Texts longer than the encoder's limit, with the limit and the length distribution seen. */
export interface Truncation {
  maxTokens: number;
  texts: number;
  truncated: number;
  meanTokens: number;
  maxSeen: number;
}

/** Counts the texts `encoder` cuts; undefined for an encoder that cannot count its tokens. */
export function countTruncated(encoder: Encoder, texts: Iterable<string>): Truncation | undefined {
  if (!countsTokens(encoder)) return undefined;
  let n = 0;
  let truncated = 0;
  let sum = 0;
  let maxSeen = 0;
  for (const t of texts) {
    const c = encoder.countTokens(t);
    n++;
    sum += c;
    if (c > maxSeen) maxSeen = c;
    if (c > encoder.maxTokens) truncated++;
  }
  return { maxTokens: encoder.maxTokens, texts: n, truncated, meanTokens: n ? sum / n : 0, maxSeen };
}

/** One line for a load step, or undefined when nothing is cut. */
export function truncationNote(t: Truncation | undefined, what: string, flag = 'encoder.maxTokens'): string | undefined {
  if (!t || t.truncated === 0) return undefined;
  return `${t.truncated} of ${t.texts} ${what} (${((100 * t.truncated) / t.texts).toFixed(1)}%) have more than the encoder's ${t.maxTokens} tokens and are cut to their first ${t.maxTokens} ` +
    `(mean ${t.meanTokens.toFixed(1)}, longest ${t.maxSeen}; raise ${flag} to read more)`;
}
