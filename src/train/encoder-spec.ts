/**
 * Encoders by the names the CLI takes (`--encoder`): `zero-shot` (the encoder training starts from,
 * built from a dataset: zero-shot.ts), `random`, `glove` (uniform-mean GloVe bag), a saved encoder
 * folder, or a run folder (its query encoder, paired with its target encoder). What `build-cache`,
 * `search` and `data check` call.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cacheEncoder } from '../cache/from-file';
import type { ExpectedEncoder } from '../cache/encoder-match';
import { loadEncoder, truncationNote, type Encoder } from '../encoders';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import type { EncoderConfig } from './config';
import { ZERO_SHOT_ENCODER, zeroShotEncoder } from './zero-shot';

export interface EncoderSpecOptions {
  /** Dataset folder (`zero-shot` is built from its passages and queries). */
  dataset?: string;
  /** `random`: output dimension and seed. */
  dim?: number;
  seed?: number;
  /** `zero-shot`: encoder config overrides (e.g. maxTokens). */
  encoder?: Partial<EncoderConfig>;
  signal?: AbortSignal;
  progress?: ProgressFn;
}

/** An encoder resolved from its name, with the fingerprint of the target encoder it pairs with. */
export interface NamedEncoder extends ExpectedEncoder {
  encoder: Encoder;
  /** What the user should know about it (how many passages it cuts), when there is something. */
  note?: string;
}

/** The dataset folder a file sits in (queries.jsonl, corpus.jsonl), when that folder is a dataset. */
export function datasetFolderOf(file: string | undefined): string | undefined {
  if (!file || !fs.existsSync(file)) return undefined;
  const dir = fs.statSync(file).isDirectory() ? file : path.dirname(file);
  const has = (name: string) => fs.existsSync(path.join(dir, name)) || fs.existsSync(path.join(dir, name + '.gz'));
  return has('corpus.jsonl') && has('queries.jsonl') ? dir : undefined;
}

/** Resolves `--encoder` (see the module comment); the caller disposes `encoder`. */
export async function resolveEncoderSpec(spec: string, opts: EncoderSpecOptions = {}): Promise<NamedEncoder> {
  if (spec === ZERO_SHOT_ENCODER) {
    if (!opts.dataset) throw new InputError(`--encoder ${ZERO_SHOT_ENCODER} is built from a dataset's passages and queries: give --dataset <folder> (or name another --encoder: random, glove, a saved encoder folder)`);
    const { encoder, truncation } = await zeroShotEncoder(opts.dataset, { encoder: opts.encoder, seed: opts.seed, signal: opts.signal, progress: opts.progress });
    const note = truncationNote(truncation, 'passages');
    return { encoder, name: `--encoder ${ZERO_SHOT_ENCODER}`, targetFingerprint: await encoder.fingerprint(), ...(note ? { note } : {}) };
  }
  const targetDir = path.join(spec, 'target-encoder');
  if (fs.existsSync(targetDir) && fs.statSync(targetDir).isDirectory()) {
    // a run folder: queries go through its query encoder, the cache pairs with its target encoder
    const queryDir = path.join(spec, 'query-encoder');
    const target = await loadEncoder(targetDir);
    if (!fs.existsSync(queryDir)) return { encoder: target, name: `--encoder ${spec}`, targetFingerprint: await target.fingerprint() };
    const targetFingerprint = await target.fingerprint();
    target.dispose();
    return { encoder: await loadEncoder(queryDir), name: `--encoder ${spec}`, targetFingerprint };
  }
  const encoder = await cacheEncoder(spec, { dim: opts.dim, seed: opts.seed });
  return { encoder, name: `--encoder ${spec}`, targetFingerprint: await encoder.fingerprint() };
}
