/**
 * BERT-family transformer encoder in TensorFlow.js (plain tf ops over tf.Variables, no layers API):
 * word + position + token-type embeddings, post-LayerNorm blocks of multi-head self-attention with
 * padding masks and a GELU feed-forward, then mean (over non-padding tokens) or CLS pooling and
 * optional L2 normalisation. Loads and saves the Hugging Face layout (`config.json` +
 * `model.safetensors` with BERT tensor names, Linear weights [out, in]) so Contriever, DPR and
 * MiniLM checkpoints load as they are, and a saved encoder loads in `transformers.BertModel`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, readTensors, copyFloats } from '../tensor';
import { l2NormalizeRows } from '../tensor/ops';
import { Encoder } from './types';
import { FloatTensor, writeSafetensors } from './safetensors';
import { Vocab, bertBaseUncasedVocab } from '../text/vocab';
import { EncodedBatch, WordPieceTokenizer } from '../text/wordpiece';
import { InputError } from '../util/errors';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { sha256, sha256File } from '../util/hash';
import { Rng } from '../util/rng';

export type BertActivation = 'gelu' | 'gelu_new' | 'gelu_pytorch_tanh' | 'relu';
export type BertPooling = 'mean' | 'cls';

/** Everything (with the weights and the vocabulary) that defines a BERT encoder. */
export interface BertEncoderConfig {
  kind: 'bert';
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  /** Size of the position-embedding table (HF max_position_embeddings). */
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  hiddenAct: BertActivation;
  hiddenDropout: number;
  attentionDropout: number;
  pooling: BertPooling;
  normalize: boolean;
  /** Texts are truncated to this many tokens, [CLS] and [SEP] included (≤ maxPositions). */
  maxLength: number;
  /** Tokenizer lower-cases and strips accents (uncased models). */
  lowerCase: boolean;
  /** Seed of the initial weights (random init) and of dropout masks. */
  seed: number;
}

/** Defaults: bert-base shape with the bert-base-uncased vocabulary, mean pooling, 128 tokens. */
export const DEFAULT_BERT_CONFIG: BertEncoderConfig = {
  kind: 'bert',
  vocabSize: 30522,
  hiddenSize: 768,
  numLayers: 12,
  numHeads: 12,
  intermediateSize: 3072,
  maxPositions: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenAct: 'gelu',
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
  pooling: 'mean',
  normalize: false,
  maxLength: 128,
  lowerCase: true,
  seed: 0,
};

/** Validates a config (InputError naming the field and what was expected). */
export function checkBertConfig(c: BertEncoderConfig, source = 'bert config'): void {
  const posInt = ['vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'maxPositions', 'typeVocabSize', 'maxLength'] as const;
  for (const k of posInt) {
    if (!(Number.isInteger(c[k]) && c[k] > 0)) throw new InputError(`${source}: ${k} = ${JSON.stringify(c[k])}; expected a positive integer`);
  }
  if (c.hiddenSize % c.numHeads !== 0) throw new InputError(`${source}: hiddenSize ${c.hiddenSize} is not divisible by numHeads ${c.numHeads}`);
  if (c.maxLength > c.maxPositions) throw new InputError(`${source}: maxLength ${c.maxLength} exceeds maxPositions ${c.maxPositions}`);
  if (c.maxLength < 2) throw new InputError(`${source}: maxLength ${c.maxLength}; expected at least 2`);
  if (!['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu'].includes(c.hiddenAct)) {
    throw new InputError(`${source}: hidden activation '${c.hiddenAct}' unsupported; expected gelu, gelu_new, gelu_pytorch_tanh or relu`);
  }
  if (c.pooling !== 'mean' && c.pooling !== 'cls') throw new InputError(`${source}: pooling '${c.pooling}'; expected mean or cls`);
  for (const k of ['hiddenDropout', 'attentionDropout'] as const) {
    if (!(c[k] >= 0 && c[k] < 1)) throw new InputError(`${source}: ${k} = ${c[k]}; expected a rate in [0, 1)`);
  }
  if (!(c.layerNormEps > 0)) throw new InputError(`${source}: layerNormEps = ${c.layerNormEps}; expected > 0`);
}

/** Tensor names (HF BERT naming, no prefix) and shapes (HF layout: Linear weights are [out, in]). */
export function bertWeightShapes(c: BertEncoderConfig): Map<string, number[]> {
  const h = c.hiddenSize;
  const i = c.intermediateSize;
  const m = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [c.vocabSize, h]],
    ['embeddings.position_embeddings.weight', [c.maxPositions, h]],
    ['embeddings.token_type_embeddings.weight', [c.typeVocabSize, h]],
    ['embeddings.LayerNorm.weight', [h]],
    ['embeddings.LayerNorm.bias', [h]],
  ]);
  for (let l = 0; l < c.numLayers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const q of ['query', 'key', 'value']) {
      m.set(`${p}attention.self.${q}.weight`, [h, h]);
      m.set(`${p}attention.self.${q}.bias`, [h]);
    }
    m.set(`${p}attention.output.dense.weight`, [h, h]);
    m.set(`${p}attention.output.dense.bias`, [h]);
    m.set(`${p}attention.output.LayerNorm.weight`, [h]);
    m.set(`${p}attention.output.LayerNorm.bias`, [h]);
    m.set(`${p}intermediate.dense.weight`, [i, h]);
    m.set(`${p}intermediate.dense.bias`, [i]);
    m.set(`${p}output.dense.weight`, [h, i]);
    m.set(`${p}output.dense.bias`, [h]);
    m.set(`${p}output.LayerNorm.weight`, [h]);
    m.set(`${p}output.LayerNorm.bias`, [h]);
  }
  return m;
}

/** Linear weights are stored [out, in] in HF files and [in, out] in the tf variables. */
export function isLinearWeight(name: string): boolean {
  return name.endsWith('.weight') && !name.startsWith('embeddings.') && !name.includes('LayerNorm');
}

export function transpose2d(t: FloatTensor): FloatTensor {
  const [r, c] = t.shape;
  const out = new Float32Array(r * c);
  for (let a = 0; a < r; a++) for (let b = 0; b < c; b++) out[b * r + a] = t.data[a * c + b];
  return { shape: [c, r], data: out };
}

/**
 * Forward FLOPs for one text of `tokens` tokens (L), multiply-add = 2: per layer
 * QKV+output projections 4·L·h²·2, feed-forward 2·L·h·i·2, attention scores and mixing 2·L²·h·2.
 */
export function bertFlopsPerText(c: Pick<BertEncoderConfig, 'hiddenSize' | 'intermediateSize' | 'numLayers'>, tokens: number): number {
  const L = tokens;
  const h = c.hiddenSize;
  const i = c.intermediateSize;
  return c.numLayers * (4 * L * h * h * 2 + 2 * L * h * i * 2 + 2 * L * L * h * 2);
}

interface LayerVars {
  wq: tf.Variable; bq: tf.Variable; wk: tf.Variable; bk: tf.Variable; wv: tf.Variable; bv: tf.Variable;
  wo: tf.Variable; bo: tf.Variable; ln1g: tf.Variable; ln1b: tf.Variable;
  wi: tf.Variable; bi: tf.Variable; wf: tf.Variable; bf: tf.Variable; ln2g: tf.Variable; ln2b: tf.Variable;
}

/** The BERT encoder. Build with `createBertEncoder` (random init) or `loadBertEncoder` (a folder). */
export class BertEncoder implements Encoder {
  readonly kind = 'bert';
  readonly tokenizer: WordPieceTokenizer;
  private readonly vars: Map<string, tf.Variable>;
  private readonly layers: LayerVars[];
  private readonly dropoutRng: Rng;
  private disposed = false;

  /** `weights` are HF-named tensors in the tf layout ([in, out] Linear weights); ownership passes to the encoder. */
  constructor(readonly cfg: BertEncoderConfig, weights: Map<string, tf.Tensor>, readonly vocab: Vocab) {
    checkBertConfig(cfg);
    if (vocab.size > cfg.vocabSize) {
      throw new InputError(`vocabulary has ${vocab.size} tokens but the model's embedding table has ${cfg.vocabSize} rows`);
    }
    this.tokenizer = new WordPieceTokenizer(vocab, { lowerCase: cfg.lowerCase });
    this.vars = new Map();
    for (const [name, shape] of bertWeightShapes(cfg)) {
      const t = weights.get(name);
      if (!t) throw new InputError(`missing weight '${name}' (expected shape [${shape}])`);
      const want = isLinearWeight(name) ? [shape[1], shape[0]] : shape;
      if (t.shape.join() !== want.join()) throw new InputError(`weight '${name}' has shape [${t.shape}]; expected [${want}]`);
      this.vars.set(name, tf.variable(t, true, `bert/${name}`.replace(/[^A-Za-z0-9_./-]/g, '_') + `/${variableCounter++}`));
      t.dispose();
    }
    const v = (n: string) => this.vars.get(n)!;
    this.layers = [];
    for (let l = 0; l < cfg.numLayers; l++) {
      const p = `encoder.layer.${l}.`;
      this.layers.push({
        wq: v(`${p}attention.self.query.weight`), bq: v(`${p}attention.self.query.bias`),
        wk: v(`${p}attention.self.key.weight`), bk: v(`${p}attention.self.key.bias`),
        wv: v(`${p}attention.self.value.weight`), bv: v(`${p}attention.self.value.bias`),
        wo: v(`${p}attention.output.dense.weight`), bo: v(`${p}attention.output.dense.bias`),
        ln1g: v(`${p}attention.output.LayerNorm.weight`), ln1b: v(`${p}attention.output.LayerNorm.bias`),
        wi: v(`${p}intermediate.dense.weight`), bi: v(`${p}intermediate.dense.bias`),
        wf: v(`${p}output.dense.weight`), bf: v(`${p}output.dense.bias`),
        ln2g: v(`${p}output.LayerNorm.weight`), ln2b: v(`${p}output.LayerNorm.bias`),
      });
    }
    this.dropoutRng = new Rng(`bert-dropout:${cfg.seed}`);
  }

  get dim(): number {
    return this.cfg.hiddenSize;
  }

  get normalized(): boolean {
    return this.cfg.normalize;
  }

  /** Tokenizes texts to a padded batch (truncated to config.maxLength). */
  tokenize(texts: string[]): EncodedBatch {
    return this.tokenizer.encodeBatch(texts, { maxLength: this.cfg.maxLength });
  }

  /** Encodes texts to pooled [n, hiddenSize] embeddings (see Encoder.encode). */
  encode(texts: string[], opts: { training?: boolean } = {}): tf.Tensor2D {
    return this.encodeBatch(this.tokenize(texts), opts);
  }

  /** Pooled (and optionally normalised) embeddings of an already tokenized batch. */
  encodeBatch(batch: EncodedBatch, opts: { training?: boolean } = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const hidden = this.forward(batch, opts.training ?? false);
      const mask = tf.tensor2d(batch.attentionMask, [batch.batch, batch.length], 'float32');
      let pooled: tf.Tensor2D;
      if (this.cfg.pooling === 'cls') {
        pooled = tf.squeeze(tf.slice(hidden, [0, 0, 0], [-1, 1, -1]), [1]) as tf.Tensor2D;
      } else {
        const summed = tf.sum(tf.mul(hidden, tf.expandDims(mask, 2)), 1);
        pooled = tf.div(summed, tf.maximum(tf.sum(mask, 1, true), 1e-9)) as tf.Tensor2D;
      }
      if (this.cfg.normalize) {
        pooled = l2NormalizeRows(pooled as tf.Tensor2D);
      }
      return pooled;
    });
  }

  /** Last hidden state [batch, length, hiddenSize] of a tokenized batch. */
  forward(batch: EncodedBatch, training = false): tf.Tensor3D {
    if (this.disposed) throw new Error('BertEncoder: used after dispose()');
    const c = this.cfg;
    const B = batch.batch;
    const L = batch.length;
    const h = c.hiddenSize;
    const H = c.numHeads;
    const d = h / H;
    if (L > c.maxPositions) throw new InputError(`sequence length ${L} exceeds max_position_embeddings ${c.maxPositions}`);
    return tf.tidy(() => {
      const drop = (x: tf.Tensor, rate: number) => (training && rate > 0 ? tf.dropout(x, rate, undefined, this.dropoutRng.nextUint32()) : x);
      const ids = tf.tensor1d(batch.inputIds, 'int32');
      const types = tf.tensor1d(batch.tokenTypeIds, 'int32');
      const posIds = tf.range(0, L, 1, 'int32');
      const v = (n: string) => this.vars.get(n)!;
      const words = tf.reshape(tf.gather(v('embeddings.word_embeddings.weight'), ids), [B, L, h]);
      const pos = tf.gather(v('embeddings.position_embeddings.weight'), posIds); // [L, h] broadcasts
      const typ = tf.reshape(tf.gather(v('embeddings.token_type_embeddings.weight'), types), [B, L, h]);
      let x = tf.reshape(this.layerNorm(tf.add(tf.add(words, pos), typ), v('embeddings.LayerNorm.weight'), v('embeddings.LayerNorm.bias')), [B * L, h]);
      x = drop(x, c.hiddenDropout);
      const mask = tf.tensor2d(batch.attentionMask, [B, L], 'float32');
      // additive mask [B, 1, 1, L]: 0 for tokens, a large negative for padding
      const addMask = tf.reshape(tf.mul(tf.sub(1, mask), -3.4028234663852886e38 / 2), [B, 1, 1, L]);
      const scale = 1 / Math.sqrt(d);
      const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, L, H, d]), [0, 2, 1, 3]);
      for (const w of this.layers) {
        const q = heads(tf.mul(tf.add(tf.matMul(x, w.wq), w.bq), scale));
        const k = heads(tf.add(tf.matMul(x, w.wk), w.bk));
        const val = heads(tf.add(tf.matMul(x, w.wv), w.bv));
        const scores = tf.add(tf.matMul(q, k, false, true), addMask);
        const probs = drop(tf.softmax(scores), c.attentionDropout);
        const ctx = tf.reshape(tf.transpose(tf.matMul(probs, val), [0, 2, 1, 3]), [B * L, h]);
        const attn = drop(tf.add(tf.matMul(ctx, w.wo), w.bo), c.hiddenDropout);
        const a = this.layerNorm(tf.add(attn, x), w.ln1g, w.ln1b);
        const inter = this.activation(tf.add(tf.matMul(a, w.wi), w.bi));
        const out = drop(tf.add(tf.matMul(inter, w.wf), w.bf), c.hiddenDropout);
        x = this.layerNorm(tf.add(out, a), w.ln2g, w.ln2b);
      }
      return tf.reshape(x, [B, L, h]) as tf.Tensor3D;
    });
  }

  private layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.cfg.layerNormEps))), g), b);
  }

  private activation(x: tf.Tensor): tf.Tensor {
    switch (this.cfg.hiddenAct) {
      case 'gelu': // exact: x·Φ(x) = 0.5·x·(1 + erf(x/√2))
        return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
      case 'gelu_new':
      case 'gelu_pytorch_tanh': // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
      case 'relu':
        return tf.relu(x);
    }
  }

  trainableVariables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  config(): Record<string, unknown> {
    return { ...this.cfg, vocabSha256: this.vocab.hash() };
  }

  /** sha256 over the config (vocabulary hash included) and every weight's name, shape and bytes. */
  async fingerprint(): Promise<string> {
    const parts = [JSON.stringify(sortKeys(this.config()))];
    const names = [...this.vars.keys()].sort();
    const host = await readTensors(names.map((name) => this.vars.get(name)!));
    names.forEach((name, i) => {
      const data = host[i];
      parts.push(`${name}:${this.vars.get(name)!.shape.join('x')}:${sha256(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))}`);
    });
    return sha256(parts.join('\n'));
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  flopsPerText(tokens: number): number {
    return bertFlopsPerText(this.cfg, tokens);
  }

  /** Weights in HF naming and layout ([out, in] Linear weights), as plain data (one awaited read). */
  async hfWeights(): Promise<Map<string, FloatTensor>> {
    const out = new Map<string, FloatTensor>();
    const entries = [...this.vars];
    const host = await copyFloats(entries.map(([, t]) => t));
    entries.forEach(([name, t], i) => {
      const ft = { shape: t.shape.slice(), data: host[i] };
      out.set(name, isLinearWeight(name) ? transpose2d(ft) : ft);
    });
    return out;
  }

  /**
   * Saves `model.safetensors` (HF naming), `vocab.txt` and `config.json` (HF BertConfig fields plus
   * `kind` and a `freshcache` block), each atomically, config last and carrying the weights' sha256
   * so a torn save is detected on load. The folder also loads in `transformers.BertModel`.
   */
  async save(dir: string): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    const weightsFile = path.join(dir, 'model.safetensors');
    writeSafetensors(weightsFile, await this.hfWeights(), { metadata: { format: 'pt' } });
    writeFileAtomic(path.join(dir, 'vocab.txt'), this.vocab.toText());
    const c = this.cfg;
    writeJsonAtomic(path.join(dir, 'config.json'), {
      kind: 'bert',
      architectures: ['BertModel'],
      model_type: 'bert',
      vocab_size: c.vocabSize,
      hidden_size: c.hiddenSize,
      num_hidden_layers: c.numLayers,
      num_attention_heads: c.numHeads,
      intermediate_size: c.intermediateSize,
      hidden_act: c.hiddenAct,
      hidden_dropout_prob: c.hiddenDropout,
      attention_probs_dropout_prob: c.attentionDropout,
      max_position_embeddings: c.maxPositions,
      type_vocab_size: c.typeVocabSize,
      layer_norm_eps: c.layerNormEps,
      initializer_range: 0.02,
      pad_token_id: this.tokenizer.padId,
      position_embedding_type: 'absolute',
      freshcache: {
        format: 1,
        pooling: c.pooling,
        normalize: c.normalize,
        maxLength: c.maxLength,
        lowerCase: c.lowerCase,
        seed: c.seed,
        weightsSha256: await sha256File(weightsFile),
        vocabSha256: this.vocab.hash(),
      },
    });
  }

  dispose(): void {
    if (this.disposed) return;
    for (const v of this.vars.values()) v.dispose();
    this.disposed = true;
  }
}

let variableCounter = 0;

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/**
 * A randomly initialised encoder (HF's init: normal(0, 0.02) weights and embeddings, zero biases,
 * LayerNorm 1/0, the [PAD] embedding row zero), seeded by `config.seed`. The vocabulary defaults to
 * bert-base-uncased (then vocabSize must be ≥ 30522).
 */
export function createBertEncoder(config: Partial<BertEncoderConfig> = {}, opts: { vocab?: Vocab } = {}): BertEncoder {
  const vocab = opts.vocab ?? bertBaseUncasedVocab();
  const cfg: BertEncoderConfig = { ...DEFAULT_BERT_CONFIG, ...(opts.vocab && config.vocabSize === undefined ? { vocabSize: vocab.size } : {}), ...config, kind: 'bert' };
  checkBertConfig(cfg);
  const rng = new Rng(`bert-init:${cfg.seed}`);
  const padId = vocab.idOf('[PAD]') ?? 0;
  const weights = new Map<string, tf.Tensor>();
  for (const [name, shape] of bertWeightShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.includes('LayerNorm.weight')) data.fill(1);
    else if (name.endsWith('.weight')) {
      for (let j = 0; j < n; j++) data[j] = rng.normal() * 0.02;
      if (name === 'embeddings.word_embeddings.weight') data.fill(0, padId * shape[1], (padId + 1) * shape[1]);
    }
    const ft = isLinearWeight(name) ? transpose2d({ shape, data }) : { shape, data };
    weights.set(name, tf.tensor(ft.data, ft.shape, 'float32'));
  }
  return new BertEncoder(cfg, weights, vocab);
}

