/**
 * Builds the query and target encoders a run starts from. The default is the GloVe
 * bag-of-embeddings encoder (the "unsupervised pre-trained" starting point of the offline
 * experiments): both encoders start as the dataset's zero-shot encoder (zero-shot.ts: GloVe vectors
 * restricted to the task's vocabulary) and drift apart as they train. With `kind: 'bert'` both start from one Hugging Face
 * BERT checkpoint folder (Contriever, DPR, MiniLM, bert-base: the paper's setting), loaded twice
 * unless `shared`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadGlove, type Glove } from '../data/glove';
import type { GloveBagEncoder } from '../encoders/glove-bag';
import { loadBertEncoder } from '../encoders/bert-load';
import { InputError } from '../util/errors';
import type { EncoderConfig } from './config';
import type { TrainData } from './data';
import type { EncoderPair } from '../encoders/types';
import { zeroShotGloveBag } from './zero-shot';

/**
 * Returns a factory of fresh encoder pairs. GloVe bag: one GloVe load, shared by every pair it
 * makes (`table` replaces GloVe, for tests). BERT: every call loads `cfg.checkpoint` again (the
 * pair starts from the checkpoint's weights each time); dropout is seeded by `seed`.
 */
export function encoderFactory(cfg: EncoderConfig, data: TrainData, seed: number, table?: Glove): () => Promise<EncoderPair> {
  if (cfg.kind === 'bert') return bertEncoderFactory(cfg, seed);
  if (cfg.kind !== 'glove-bag') throw new InputError(`encoder.kind: expected 'glove-bag' or 'bert', got ${JSON.stringify(cfg.kind)}`);
  // built once from GloVe (tokenizing every text for the vocabulary and IDF), then copied per encoder
  let template: GloveBagEncoder | undefined;
  return async () => {
    if (!template) {
      const queryTexts = data.allQueryTexts ?? Object.values(data.splits).flatMap((s) => s.queryTexts);
      template = zeroShotGloveBag(table ?? (await loadGlove()), { corpusTexts: data.corpusTexts, queryTexts }, cfg, seed);
    }
    const query = template.clone();
    return { query, target: cfg.shared ? query : template.clone() };
  };
}

/** Checks that `dir` looks like a Hugging Face BERT folder; InputError naming what is missing. */
export function checkBertCheckpointDir(dir: string | undefined, where = 'encoder.checkpoint'): string {
  if (!dir) throw new InputError(`${where}: a BERT encoder needs a Hugging Face checkpoint folder (config.json + model.safetensors + vocab.txt)`);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError(`${where}: ${dir}: folder not found (expected a Hugging Face BERT checkpoint folder)`);
  for (const f of ['config.json', 'model.safetensors']) {
    if (!fs.existsSync(path.join(dir, f))) throw new InputError(`${where}: ${path.join(dir, f)}: file not found (expected a Hugging Face BERT checkpoint folder: config.json + model.safetensors + vocab.txt)`);
  }
  return dir;
}

function bertEncoderFactory(cfg: EncoderConfig, seed: number): () => Promise<EncoderPair> {
  const dir = checkBertCheckpointDir(cfg.checkpoint);
  const load = () => loadBertEncoder(dir, { normalize: cfg.normalize, seed, ...(cfg.maxLength !== undefined ? { maxLength: cfg.maxLength } : {}) });
  return async () => {
    const query = await load();
    return { query, target: cfg.shared ? query : await load() };
  };
}
