/**
 * A cache is only meaningful with the encoder that built it: scores between a query encoder and a
 * cache built by an unrelated target encoder are noise, yet search runs and returns near-zero
 * metrics without a word. `search` and `train` check the cache's recorded fingerprint against the
 * target encoder they expect and refuse a mismatch in one line; `--allow-encoder-mismatch` searches
 * a stale cache deliberately (a trained query encoder against the zero-shot cache, as training's
 * stale strategies do).
 */
import { InputError } from '../util/errors';
import type { EncoderMeta } from './types';

/** What a cache is expected to have been built with. */
export interface ExpectedEncoder {
  /** What the user asked for, for messages: `--encoder zero-shot`, `the run's initial target encoder`. */
  name: string;
  /** Fingerprint of the target encoder that pairs with the query encoder in use. */
  targetFingerprint: string;
}

function describe(m: EncoderMeta): string {
  return `${m.name ? `${m.name} (${m.kind})` : m.kind} ${m.fingerprint.slice(0, 12)}`;
}

/** Throws a one-line InputError unless the cache's encoder is the expected one (or `allowMismatch`). */
export function checkCacheEncoder(cacheDir: string, cached: EncoderMeta, expected: ExpectedEncoder, allowMismatch: boolean | undefined): void {
  if (allowMismatch || cached.fingerprint === expected.targetFingerprint) return;
  throw new InputError(
    `${cacheDir}: built by encoder ${describe(cached)}, but ${expected.name} pairs with a cache built by ${expected.targetFingerprint.slice(0, 12)}; ` +
      `use the encoder that built it${cached.name ? ` (build-cache --encoder ${cached.name})` : ''}, rebuild the cache, or pass --allow-encoder-mismatch to use it stale on purpose`,
  );
}
