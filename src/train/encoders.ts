/**
 * Builds the query and target encoders a run starts from. The default is the GloVe
 * bag-of-embeddings encoder (the "unsupervised pre-trained" starting point of the offline
 * experiments): both encoders start from the same GloVe vectors, restricted to the task's
 * vocabulary, and drift apart as they train.
 */
import { loadGlove, type Glove } from '../data/glove';
import { gloveBagFromGlove } from '../encoders/glove-bag';
import type { EncoderConfig } from './config';
import type { TrainData } from './data';
import type { EncoderPair } from './loop';

/** Returns a factory of fresh encoder pairs (one GloVe load, shared by every pair it makes; `table` replaces GloVe, for tests). */
export function encoderFactory(cfg: EncoderConfig, data: TrainData, seed: number, table?: Glove): () => Promise<EncoderPair> {
  let glove: Glove | undefined = table;
  const vocabTexts = [...data.corpusTexts, ...Object.values(data.splits).flatMap((s) => s.queryTexts)];
  return async () => {
    glove ??= await loadGlove();
    const make = () =>
      gloveBagFromGlove(glove!, {
        vocabTexts, pooling: cfg.pooling, projection: cfg.projection, normalize: cfg.normalize,
        trainEmbeddings: cfg.trainEmbeddings, trainProjection: cfg.projection !== 'none', seed,
      });
    const query = make();
    return { query, target: cfg.shared ? query : make() };
  };
}
