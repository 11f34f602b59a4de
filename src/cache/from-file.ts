/**
 * Building a cache from a BEIR corpus file with a named or saved encoder: what `freshcache
 * build-cache` calls.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../util/errors';
import { readLines } from '../util/lines';
import type { ProgressFn } from '../util/progress';
import { readCorpus } from '../data/beir';
import { createGloveBagEncoder, createRandomProjectionEncoder, encodeFnOf, loadEncoder, type EncodeFn, type Encoder } from '../encoders';
import { buildCache, type BuildCacheOptions } from './build';
import type { CacheManifest } from './types';

/**
 * The encoder named by `spec`: 'random' (fixed random projection of `dim`, default 128), 'glove'
 * (GloVe 6B 100d bag, mean pooling, L2-normalised) or the folder of a saved encoder.
 */
export async function cacheEncoder(spec: string, opts: { dim?: number; seed?: number } = {}): Promise<Encoder> {
  if (spec === 'random') return createRandomProjectionEncoder({ dim: opts.dim ?? 128, seed: opts.seed ?? 0 });
  if (spec === 'glove') return createGloveBagEncoder({ normalize: true });
  if (fs.existsSync(spec) && fs.statSync(spec).isDirectory()) return loadEncoder(spec);
  throw new InputError(`--encoder: expected zero-shot, random, glove, a saved encoder folder or a run folder, got '${spec}'`);
}

/** Texts → floats for an encoder, without tensors when it offers `encodeToArray`. */
export function encodeFnFor(encoder: Encoder): EncodeFn {
  const direct = (encoder as unknown as { encodeToArray?: (t: string[]) => Float32Array }).encodeToArray;
  if (typeof direct === 'function') return async (texts) => direct.call(encoder, texts);
  return encodeFnOf(encoder);
}

/** `corpus.jsonl` itself, or the one inside a dataset folder. */
export function corpusFileOf(p: string): string {
  if (fs.existsSync(p) && fs.statSync(p).isDirectory()) {
    for (const name of ['corpus.jsonl', 'corpus.jsonl.gz']) if (fs.existsSync(path.join(p, name))) return path.join(p, name);
    throw new InputError(`${p}: no corpus.jsonl in this folder`);
  }
  if (!fs.existsSync(p)) throw new InputError(`${p}: corpus file not found`);
  return p;
}

/** Number of non-blank lines of a (possibly gzipped) corpus file: its row count. */
export async function countCorpusRows(file: string, signal?: AbortSignal): Promise<number> {
  let n = 0;
  for await (const { line } of readLines(file)) {
    if (line.trim().length > 0) n++;
    if ((n & 0xffff) === 0 && signal?.aborted) break;
  }
  return n;
}

export interface BuildCacheFromFileOptions extends Omit<BuildCacheOptions, 'corpus' | 'encode' | 'encoder' | 'dim' | 'normalized'> {
  /** corpus.jsonl (or .gz) or a dataset folder holding one. */
  corpus: string;
  encoder: Encoder;
  /** How the user named the encoder (recorded in the manifest for messages). */
  encoderName?: string;
  /** Check ids for duplicates while reading (keeps every id in memory). Default true. */
  checkDuplicates?: boolean;
}

/**
 * Streams a BEIR corpus file through `encoder` into a cache (see buildCache); without `totalRows`,
 * counts the corpus rows first.
 */
export async function buildCacheFromFile(opts: BuildCacheFromFileOptions): Promise<CacheManifest> {
  const file = corpusFileOf(opts.corpus);
  const progress: ProgressFn | undefined = opts.progress;
  let totalRows = opts.totalRows;
  // Known row counts give a sharded build its slice and the progress bar its ETA (a fast pass).
  if (totalRows === undefined) totalRows = await countCorpusRows(file, opts.signal);
  const { encoder } = opts;
  return buildCache({
    ...opts,
    corpus: readCorpus(file, { checkDuplicates: opts.checkDuplicates ?? true, signal: opts.signal }),
    encode: encodeFnFor(encoder),
    encoder: { kind: encoder.kind, fingerprint: await encoder.fingerprint(), config: encoder.config(), ...(opts.encoderName ? { name: opts.encoderName } : {}) },
    dim: encoder.dim,
    normalized: encoder.normalized,
    totalRows,
    progress,
  });
}
