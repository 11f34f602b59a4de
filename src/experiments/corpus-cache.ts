/**
 * The corpus as an encoder embeds it, kept on disk as an embedding cache (src/cache) and rebuilt
 * only when the encoder changes: the initial target encoder's cache that every strategy of a seed
 * starts from, and a trained run's final target encoder's cache (notebook 05 pairs the two).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ProgressFn } from '../util/progress';
import { InputError } from '../util/errors';
import { disposeEncoderPair, encodeFnOf, type Encoder, type EncoderPair } from '../encoders/types';
import { buildCache, openCache, readManifest, MemoryEmbeddings, MANIFEST_FILE } from '../cache';
import type { Glove } from '../data/glove';
import type { TrainConfig } from '../train/config';
import type { TrainData } from '../train/data';
import { encoderFactory } from '../train/encoders';
import { loadTrainedEncoders } from './run-folder';

/**
 * Builds the cache of `data`'s corpus by `encoder` in `dir`, unless `dir` already holds one by an
 * encoder with the same fingerprint and as many rows (then it is reused; any other is replaced).
 */
export async function corpusCacheOnDisk(dir: string, data: TrainData, encoder: Encoder, opts: { progress?: ProgressFn; signal?: AbortSignal } = {}): Promise<{ dir: string; built: boolean }> {
  return textCacheOnDisk(dir, { ids: data.corpusIds, texts: data.corpusTexts }, encoder, opts);
}

/** The same for any texts (e.g. queries): the cache of `texts` by `encoder` in `dir`, reused while it holds the same encoder's rows. */
export async function textCacheOnDisk(dir: string, rows: { ids: readonly string[]; texts: readonly string[] }, encoder: Encoder, opts: { progress?: ProgressFn; signal?: AbortSignal } = {}): Promise<{ dir: string; built: boolean }> {
  const fingerprint = await encoder.fingerprint();
  if (fs.existsSync(path.join(dir, MANIFEST_FILE))) {
    const m = readManifest(dir);
    if (m.encoder.fingerprint === fingerprint && m.rows === rows.texts.length) return { dir, built: false };
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await buildCache({
    dir, corpus: rows.ids.map((id, i) => ({ id, title: '', text: rows.texts[i] })), textOf: (d) => d.text,
    encode: encodeFnOf(encoder), encoder: { kind: encoder.kind, fingerprint, config: encoder.config() },
    dim: encoder.dim, normalized: encoder.normalized, batchSize: 4096, totalRows: rows.ids.length, progress: opts.progress, signal: opts.signal,
  });
  return { dir, built: true };
}

/** Every row of the cache in `dir`, row-major, in memory. */
export async function readCacheRows(dir: string): Promise<Float32Array> {
  const reader = await openCache(dir);
  try {
    return (await MemoryEmbeddings.fromSource(reader)).data;
  } finally {
    reader.close();
  }
}

/** The initial target encoder's embeddings of the corpus (what the never-refreshed cache g′ holds), through the cache in `dir`. */
export async function initialCorpusEmbeddings(dir: string, data: TrainData, makeEncoders: () => Promise<EncoderPair>, opts: { progress?: ProgressFn; signal?: AbortSignal } = {}): Promise<Float32Array> {
  const enc = await makeEncoders();
  try {
    await corpusCacheOnDisk(dir, data, enc.target, opts);
  } finally {
    disposeEncoderPair(enc);
  }
  return readCacheRows(dir);
}

/**
 * The corpus encoded by the final target encoder of a trained run, as a cache in `cacheDir` (built
 * once; reused while it holds the same encoder's embeddings), and, with `queries`, those queries
 * encoded by its final query encoder in `queries.dir`. The encoders are rebuilt from the run's
 * config.json and loaded from its last checkpoint.
 */
export async function trainedTargetCache(o: { runDir: string; cacheDir: string; data: TrainData; queries?: { dir: string; ids: readonly string[]; texts: readonly string[] }; glove?: Glove; progress?: ProgressFn; signal?: AbortSignal }): Promise<{ dir: string; step: number; built: boolean }> {
  const cfgFile = path.join(o.runDir, 'config.json');
  if (!fs.existsSync(cfgFile)) throw new InputError(`${o.runDir}: no config.json (train the run first)`);
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as TrainConfig;
  const { encoders, step } = await loadTrainedEncoders(o.runDir, encoderFactory(cfg.encoder, o.data, cfg.seed, o.glove));
  try {
    const { built } = await corpusCacheOnDisk(o.cacheDir, o.data, encoders.target, o);
    if (o.queries) await textCacheOnDisk(o.queries.dir, o.queries, encoders.query, o);
    return { dir: o.cacheDir, step, built };
  } finally {
    disposeEncoderPair(encoders);
  }
}
