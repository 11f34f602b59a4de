/**
 * The zero-shot encoder: the encoder every training run starts from, by name. For the GloVe bag
 * (the default) it is a pure function of the dataset and the encoder config: a table of the GloVe
 * 6B 100d vectors of every word in the corpus passages (`title: text`) and the queries
 * (queries.jsonl, all of them), IDF weights over those same texts, and a linear projection that
 * starts as the identity, L2-normalised. `build-cache`, `search` and `data check` build it by this
 * name (`--encoder zero-shot`, their default) and training builds it the same way, so a cache built
 * by `build-cache` carries the fingerprint of a run's initial target encoder.
 *
 * The seed enters the fingerprint only where it changes the weights (a residual-MLP projection's
 * random first layer); with the default linear projection the zero-shot encoder is the same for
 * every seed.
 */
import { loadGlove, type Glove } from '../data/glove';
import { loadQueries, readCorpus } from '../data/beir';
import { resolveDatasetPaths } from '../data/dataset';
import { gloveBagFromGlove, type GloveBagEncoder } from '../encoders/glove-bag';
import { countTruncated, type Truncation } from '../encoders/truncation';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { DEFAULT_TRAIN_CONFIG, type EncoderConfig } from './config';
import { passageText } from './data';

/** The name `--encoder` takes for it. */
export const ZERO_SHOT_ENCODER = 'zero-shot';

/** The texts that define a dataset's zero-shot vocabulary and IDF: passages, then queries. */
export interface ZeroShotTexts {
  corpusTexts: readonly string[];
  queryTexts: readonly string[];
}

/** The zero-shot GloVe bag of `texts` under `cfg` (see the module comment). */
export function zeroShotGloveBag(glove: Glove, texts: ZeroShotTexts, cfg: EncoderConfig, seed: number): GloveBagEncoder {
  if (cfg.kind !== 'glove-bag') throw new InputError(`encoder.kind: the zero-shot GloVe bag needs kind 'glove-bag', got ${JSON.stringify(cfg.kind)}`);
  return gloveBagFromGlove(glove, {
    vocabTexts: [...texts.corpusTexts, ...texts.queryTexts],
    pooling: cfg.pooling,
    projection: cfg.projection,
    normalize: cfg.normalize,
    trainEmbeddings: cfg.trainEmbeddings,
    trainProjection: cfg.projection !== 'none',
    ...(cfg.maxTokens !== undefined ? { maxTokens: cfg.maxTokens } : {}),
    seed: cfg.projection === 'residual-mlp' ? seed : 0,
  });
}

/** Reads a dataset folder's passage and query texts (every passage, every query). */
export async function readZeroShotTexts(datasetDir: string, opts: { signal?: AbortSignal; progress?: ProgressFn } = {}): Promise<ZeroShotTexts> {
  const paths = resolveDatasetPaths(datasetDir);
  const corpusTexts: string[] = [];
  for await (const d of readCorpus(paths.corpus, opts)) corpusTexts.push(passageText(d.title, d.text));
  const queryTexts = (await loadQueries(paths.queries, opts)).map((q) => q.text);
  return { corpusTexts, queryTexts };
}

/**
 * The zero-shot encoder of a dataset folder (default encoder config unless `encoder` overrides
 * it), with how many passages it cuts at its token limit.
 */
export async function zeroShotEncoder(
  datasetDir: string,
  opts: { encoder?: Partial<EncoderConfig>; seed?: number; glove?: Glove; signal?: AbortSignal; progress?: ProgressFn } = {},
): Promise<{ encoder: GloveBagEncoder; truncation?: Truncation }> {
  const cfg = { ...DEFAULT_TRAIN_CONFIG.encoder, ...opts.encoder } as EncoderConfig;
  const texts = await readZeroShotTexts(datasetDir, opts);
  const encoder = zeroShotGloveBag(opts.glove ?? (await loadGlove()), texts, cfg, opts.seed ?? DEFAULT_TRAIN_CONFIG.seed);
  return { encoder, truncation: countTruncated(encoder, texts.corpusTexts) };
}
