/**
 * GloVe bag-of-embeddings encoder: tokens → rows of an embedding table initialised from GloVe →
 * weighted mean → optional projection (linear or residual MLP, initialised so the output starts
 * equal to the pooled GloVe vector) → optional L2 normalisation.
 *
 *   pooled(x) = (1/n) Σ_{i=1..n} w(t_i) E[t_i]     (n = number of in-vocabulary tokens, 0 vector if n = 0)
 *   w(t) = 1 (mean) | a / (a + p(t)) (SIF, Arora et al. 2017) | idf(t) = ln((N + 1) / (df(t) + 1)) + 1 (idf)
 *   linear:        y = pooled W + b                          (W = I, b = 0 at start)
 *   residual-mlp:  y = pooled + act(pooled W1 + b1) W2 + b2  (W2 = 0, b2 = 0 at start)
 *   normalize:     y / max(‖y‖₂, 1e-12)
 *
 * Out-of-vocabulary tokens are dropped. The table holds only the words it was built with (a
 * corpus + queries vocabulary, or GloVe's top-N), which keeps it small.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, readTensors } from '../tensor';
import { l2NormalizeRows } from '../tensor/ops';
import type { Encoder } from './types';
import { type Glove, loadGlove } from '../data/glove';
import { tokenizeWords } from '../text/word-tokenizer';
import { InputError, warnOnStderr, type WarnFn } from '../util/errors';
import { sha256 } from '../util/hash';
import { Rng } from '../util/rng';
import { writeFileAtomic, writeJsonAtomic, replaceDir } from '../util/atomic';

export const GLOVE_BAG_FORMAT = 'freshcache-glove-bag';
export const GLOVE_BAG_VERSION = 1;

export const GLOVE_BAG_POOLINGS = ['mean', 'sif', 'idf'] as const;
export type GloveBagPooling = (typeof GLOVE_BAG_POOLINGS)[number];
export const GLOVE_BAG_PROJECTIONS = ['none', 'linear', 'residual-mlp'] as const;
export type GloveBagProjection = (typeof GLOVE_BAG_PROJECTIONS)[number];
/** In-vocabulary tokens pooled per text unless `maxTokens` says otherwise. */
export const GLOVE_BAG_DEFAULT_MAX_TOKENS = 64;

/** Plain-data configuration of a GloVe bag encoder (what `config()` returns and `save` writes). */
export interface GloveBagConfig {
  kind: 'glove-bag';
  /** Rows of the embedding table (words). */
  vocabSize: number;
  /** Width of the word vectors (100 for GloVe 6B 100d). */
  embedDim: number;
  /** Output dimension: embedDim unless a linear projection changes it. */
  outDim: number;
  pooling: GloveBagPooling;
  /** SIF constant a (pooling 'sif'). */
  sifA: number;
  /** How token weights were derived: 'ones', 'sif-zipf' (p from GloVe rank), 'sif-counts', 'idf-df' (document frequencies). */
  weightSource: string;
  trainEmbeddings: boolean;
  projection: GloveBagProjection;
  /** Hidden width of the residual MLP. */
  hidden: number;
  activation: 'relu' | 'tanh' | 'gelu';
  trainProjection: boolean;
  normalize: boolean;
  /** At most this many in-vocabulary tokens per text are pooled (the first ones). */
  maxTokens: number;
  /** Seed of the MLP's random first layer. */
  seed: number;
}

export interface GloveBagOptions {
  /** Use this table (default: `loadGlove()`, the converted GloVe 6B 100d). */
  glove?: Glove;
  /** Restrict the table to the words occurring in these texts (corpus + queries). Default: GloVe's top-N. */
  vocabTexts?: Iterable<string>;
  /** Keep GloVe's N most frequent words (applied when `vocabTexts` is not given). Default 50,000. */
  topN?: number;
  pooling?: GloveBagPooling;
  /** SIF constant a; default 1e-3. */
  sifA?: number;
  /** For 'sif': p(w) from token counts over `vocabTexts` ('counts', default when vocabTexts is given) or Zipf on GloVe rank ('zipf'). */
  sifProbability?: 'counts' | 'zipf';
  /** For 'idf': texts whose document frequencies define idf (default `vocabTexts`). */
  idfTexts?: Iterable<string>;
  trainEmbeddings?: boolean;
  projection?: GloveBagProjection;
  /** Output dimension of a linear projection (W starts as the rectangular identity). Default embedDim. */
  outDim?: number;
  hidden?: number;
  activation?: 'relu' | 'tanh' | 'gelu';
  trainProjection?: boolean;
  normalize?: boolean;
  maxTokens?: number;
  seed?: number;
  /** Gets the count of `vocabTexts` whose words are all outside GloVe (they embed to zero); default stderr. */
  warn?: WarnFn;
}

/** Texts whose token ids an encoder remembers (about 100 bytes each): a 1M-passage corpus fits. */
const MAX_MEMO_TEXTS = 2_000_000;

/** Clitics that GloVe 6B splits off but the packaged vocabulary lacks: looked up as these words instead. */
const CLITIC_ALIASES: Record<string, string> = { "n't": 'not', "'re": 'are', "'ll": 'will', "'ve": 'have', "'m": 'am' };

interface Weights {
  table: tf.Variable;
  tokenWeights: Float32Array;
  w?: tf.Variable;
  b?: tf.Variable;
  w1?: tf.Variable;
  b1?: tf.Variable;
  w2?: tf.Variable;
  b2?: tf.Variable;
}

/** The GloVe bag-of-embeddings encoder (see the module comment for the formulas). */
export class GloveBagEncoder implements Encoder {
  readonly kind = 'glove-bag';
  readonly dim: number;
  readonly normalized: boolean;
  readonly vocab: string[];
  private readonly index: Map<string, number>;
  private readonly cfg: GloveBagConfig;
  private readonly weights: Weights;
  private disposed = false;
  /**
   * Token ids per text, remembered: training re-encodes the same corpus texts many times (cache,
   * refreshes, oracle, evaluation), and tokenizing is most of a GloVe bag's encode time.
   */
  private readonly idMemo = new Map<string, Int32Array>();

  /** Low-level constructor: prefer `createGloveBagEncoder` or `loadGloveBagEncoder`. Takes ownership of the tensors. */
  constructor(cfg: GloveBagConfig, vocab: string[], weights: Weights) {
    if (vocab.length !== cfg.vocabSize) throw new InputError(`glove-bag: vocabulary has ${vocab.length} words, config says ${cfg.vocabSize}`);
    this.cfg = { ...cfg };
    this.vocab = vocab;
    this.index = new Map(vocab.map((w, i) => [w, i]));
    this.weights = weights;
    this.dim = cfg.outDim;
    this.normalized = cfg.normalize;
  }

  /** Row ids of the in-vocabulary tokens of `text`, in order, before any cut. */
  private *vocabIds(text: string): Generator<number> {
    for (const tok of tokenizeWords(text, { keepCompound: (c) => this.index.has(c) })) {
      let id = this.index.get(tok);
      if (id === undefined && CLITIC_ALIASES[tok] !== undefined) id = this.index.get(CLITIC_ALIASES[tok]);
      if (id !== undefined) yield id;
    }
  }

  /** Row ids of the in-vocabulary tokens of `text` (at most maxTokens: the rest is cut). */
  tokenIds(text: string): number[] {
    const ids: number[] = [];
    for (const id of this.vocabIds(text)) {
      ids.push(id);
      if (ids.length >= this.cfg.maxTokens) break;
    }
    return ids;
  }

  /** Tokens pooled per text at most; a text with more is cut to its first maxTokens. */
  get maxTokens(): number {
    return this.cfg.maxTokens;
  }

  /** In-vocabulary tokens of `text` before the maxTokens cut (what truncation counts compare). */
  countTokens(text: string): number {
    let n = 0;
    for (const _ of this.vocabIds(text)) n++;
    return n;
  }

  private memoTokenIds(text: string): Int32Array {
    let ids = this.idMemo.get(text);
    if (!ids) {
      ids = Int32Array.from(this.tokenIds(text));
      if (this.idMemo.size >= MAX_MEMO_TEXTS) this.idMemo.clear();
      this.idMemo.set(text, ids);
    }
    return ids;
  }

  encode(texts: string[], _opts: { training?: boolean } = {}): tf.Tensor2D {
    if (this.disposed) throw new Error('glove-bag encoder used after dispose()');
    const n = texts.length;
    const idLists = texts.map((t) => this.memoTokenIds(t));
    // ragged batch: only real tokens are gathered (a padded [n, maxLen] batch wastes ~5x on WordNet)
    let total = 0;
    for (const l of idLists) total += l.length;
    const ids = new Int32Array(total);
    const tw = new Float32Array(total);
    const seg = new Int32Array(total);
    let t = 0;
    for (let i = 0; i < n; i++) {
      const l = idLists[i];
      const inv = l.length > 0 ? 1 / l.length : 0;
      for (let j = 0; j < l.length; j++, t++) {
        ids[t] = l[j];
        tw[t] = this.weights.tokenWeights[l[j]] * inv;
        seg[t] = i;
      }
    }
    const W = this.weights;
    const cfg = this.cfg;
    return tf.tidy(() => {
      const emb = tf.gather(W.table, tf.tensor1d(ids, 'int32')); // [T, e]
      const weighted = tf.mul(emb, tf.tensor2d(tw, [total, 1]));
      let x = tf.unsortedSegmentSum(weighted, tf.tensor1d(seg, 'int32'), n) as tf.Tensor2D;
      if (cfg.projection === 'linear') {
        x = tf.add(tf.matMul(x, W.w!), W.b!) as tf.Tensor2D;
      } else if (cfg.projection === 'residual-mlp') {
        const h = activate(tf.add(tf.matMul(x, W.w1!), W.b1!), cfg.activation);
        x = tf.add(x, tf.add(tf.matMul(h, W.w2!), W.b2!)) as tf.Tensor2D;
      }
      if (cfg.normalize) {
        x = l2NormalizeRows(x);
      }
      return x;
    });
  }

  trainableVariables(): tf.Variable[] {
    const W = this.weights;
    const out: tf.Variable[] = [];
    if (this.cfg.trainEmbeddings) out.push(W.table);
    if (this.cfg.trainProjection) for (const v of [W.w, W.b, W.w1, W.b1, W.w2, W.b2]) if (v) out.push(v);
    return out;
  }

  config(): Record<string, unknown> {
    return { ...this.cfg };
  }

  /** Named weight tensors in a fixed order (what save and fingerprint cover). */
  private namedTensors(): [string, tf.Variable][] {
    const W = this.weights;
    const out: [string, tf.Variable][] = [['table', W.table]];
    for (const name of ['w', 'b', 'w1', 'b1', 'w2', 'b2'] as const) if (W[name]) out.push([name, W[name]!]);
    return out;
  }

  /** The named weights' values on the host, in namedTensors() order (one awaited read). */
  private async namedValues(): Promise<[string, number[], Float32Array][]> {
    const named = this.namedTensors();
    const host = await readTensors(named.map(([, v]) => v));
    return named.map(([name, v], i) => [name, v.shape, host[i] as Float32Array]);
  }

  private fingerprintOf(values: [string, number[], Float32Array][]): string {
    const parts = [sha256(JSON.stringify(this.cfg)), sha256(this.vocab.join('\n')), sha256(bytesOf(this.weights.tokenWeights))];
    for (const [name, , data] of values) parts.push(name + ':' + sha256(bytesOf(data)));
    return sha256(parts.join('\n'));
  }

  async fingerprint(): Promise<string> {
    return this.fingerprintOf(await this.namedValues());
  }

  parameterCount(): number {
    return this.namedTensors().reduce((s, [, v]) => s + v.size, 0);
  }

  flopsPerText(tokens: number): number {
    const e = this.cfg.embedDim;
    const t = Math.min(tokens, this.cfg.maxTokens);
    let f = 2 * t * e + e; // weighted sum + scale
    if (this.cfg.projection === 'linear') f += 2 * e * this.cfg.outDim + this.cfg.outDim;
    if (this.cfg.projection === 'residual-mlp') f += 2 * e * this.cfg.hidden + 2 * this.cfg.hidden * e + 2 * this.cfg.hidden + 2 * e;
    if (this.cfg.normalize) f += 3 * this.cfg.outDim;
    return f;
  }

  async save(dir: string): Promise<void> {
    const target = path.resolve(dir);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = path.join(path.dirname(target), `.tmp-${path.basename(target)}.${process.pid}.${Date.now().toString(36)}`);
    fs.mkdirSync(tmp);
    try {
      const tensors: { name: string; shape: number[]; offset: number; length: number }[] = [];
      const chunks: Float32Array[] = [];
      let offset = 0;
      const add = (name: string, shape: number[], data: Float32Array) => {
        tensors.push({ name, shape, offset, length: data.length });
        chunks.push(data);
        offset += data.length;
      };
      add('tokenWeights', [this.cfg.vocabSize], this.weights.tokenWeights);
      const values = await this.namedValues();
      for (const [name, shape, data] of values) add(name, shape, data);
      const all = new Float32Array(offset);
      let o = 0;
      for (const c of chunks) {
        all.set(c, o);
        o += c.length;
      }
      writeFileAtomic(path.join(tmp, 'weights.f32'), bytesOf(all));
      writeFileAtomic(path.join(tmp, 'vocab.txt'), this.vocab.join('\n') + '\n');
      writeJsonAtomic(path.join(tmp, 'config.json'), {
        format: GLOVE_BAG_FORMAT,
        version: GLOVE_BAG_VERSION,
        config: this.cfg,
        weights: { file: 'weights.f32', dtype: 'f32', byteOrder: 'LE', tensors },
        fingerprint: this.fingerprintOf(values),
      });
      replaceDir(tmp, target);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * An independent copy (same config, vocabulary, token weights and current weights, its own
   * variables): building from GloVe tokenizes every vocabulary text, a copy does not.
   */
  clone(): GloveBagEncoder {
    if (this.disposed) throw new Error('glove-bag encoder used after dispose()');
    const W = this.weights;
    const copy = (v: tf.Variable | undefined) => {
      if (!v) return undefined;
      const t = v.clone();
      const out = tf.variable(t, v.trainable);
      t.dispose(); // the variable holds its own reference to the data
      return out;
    };
    const weights: Weights = { table: copy(W.table)!, tokenWeights: W.tokenWeights.slice(), w: copy(W.w), b: copy(W.b), w1: copy(W.w1), b1: copy(W.b1), w2: copy(W.w2), b2: copy(W.b2) };
    return new GloveBagEncoder(this.cfg, this.vocab, weights);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const [, v] of this.namedTensors()) v.dispose();
  }
}

function activate(x: tf.Tensor, act: GloveBagConfig['activation']): tf.Tensor {
  if (act === 'tanh') return tf.tanh(x);
  if (act === 'gelu') {
    // tanh approximation: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  }
  return tf.relu(x);
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Builds a GloVe bag encoder. The table is GloVe restricted to the words of `vocabTexts` (corpus +
 * queries) when given, else GloVe's top-N words; token weights follow `pooling`.
 */
export async function createGloveBagEncoder(opts: GloveBagOptions = {}): Promise<GloveBagEncoder> {
  const glove = opts.glove ?? (await loadGlove({ topN: opts.vocabTexts ? undefined : opts.topN ?? 50000 }));
  return gloveBagFromGlove(glove, opts);
}

/** Synchronous core of `createGloveBagEncoder` for a table already in memory. */
export function gloveBagFromGlove(glove: Glove, opts: GloveBagOptions = {}): GloveBagEncoder {
  const pooling = opts.pooling ?? 'mean';
  const sifA = opts.sifA ?? 1e-3;
  const e = glove.dim;
  // vocabulary (rows kept in GloVe frequency order) and token counts over vocabTexts
  let rows: number[];
  let counts: Map<string, number> | undefined;
  let docTexts: string[] | undefined;
  const keepCompound = (c: string) => glove.index.has(c);
  if (opts.vocabTexts) {
    docTexts = Array.isArray(opts.vocabTexts) ? (opts.vocabTexts as string[]) : [...opts.vocabTexts];
    counts = new Map();
    const unknownOnly: string[] = []; // texts with words, none of them in GloVe
    for (const t of docTexts) {
      let words = 0;
      let known = 0;
      for (let tok of tokenizeWords(t, { keepCompound })) {
        if (!glove.index.has(tok) && CLITIC_ALIASES[tok] !== undefined) tok = CLITIC_ALIASES[tok];
        counts.set(tok, (counts.get(tok) ?? 0) + 1);
        words++;
        if (glove.index.has(tok)) known++;
      }
      if (words > 0 && known === 0) unknownOnly.push(t);
    }
    if (unknownOnly.length > 0) {
      const eg = unknownOnly.slice(0, 2).map((t) => JSON.stringify(t.length > 40 ? t.slice(0, 40) + '…' : t)).join(', ');
      (opts.warn ?? warnOnStderr)(`glove-bag: ${unknownOnly.length} of ${docTexts.length} texts have no word GloVe knows (${eg}${unknownOnly.length > 2 ? ', …' : ''}); they embed to the zero vector`);
    }
    rows = [...counts.keys()].map((w) => glove.index.get(w)).filter((i): i is number => i !== undefined).sort((a, b) => a - b);
  } else {
    const n = Math.min(glove.words.length, opts.topN ?? 50000);
    rows = Array.from({ length: n }, (_, i) => i);
  }
  if (rows.length === 0) throw new InputError('glove-bag: no word of the given texts is in the GloVe vocabulary');
  const vocab = rows.map((r) => glove.words[r]);
  const V = vocab.length;
  const tableData = new Float32Array(V * e);
  rows.forEach((r, i) => tableData.set(glove.matrix.subarray(r * e, (r + 1) * e), i * e));

  const tokenWeights = new Float32Array(V).fill(1);
  let weightSource = 'ones';
  if (pooling === 'sif') {
    const useCounts = (opts.sifProbability ?? (counts ? 'counts' : 'zipf')) === 'counts';
    if (useCounts) {
      if (!counts) throw new InputError('glove-bag: sifProbability "counts" needs vocabTexts');
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      vocab.forEach((w, i) => (tokenWeights[i] = sifA / (sifA + (counts!.get(w) ?? 0) / total)));
      weightSource = 'sif-counts';
    } else {
      // Zipf: p(rank r, 0-based) = 1 / ((r + 1) H_N), H_N ≈ ln N + 0.5772
      const H = Math.log(glove.words.length) + 0.5772156649;
      rows.forEach((r, i) => (tokenWeights[i] = sifA / (sifA + 1 / ((r + 1) * H))));
      weightSource = 'sif-zipf';
    }
  } else if (pooling === 'idf') {
    const texts = opts.idfTexts ? [...opts.idfTexts] : docTexts;
    if (!texts) throw new InputError('glove-bag: pooling "idf" needs idfTexts or vocabTexts');
    const df = new Map<string, number>();
    for (const t of texts) {
      for (let tok of new Set(tokenizeWords(t, { keepCompound }))) {
        if (!glove.index.has(tok) && CLITIC_ALIASES[tok] !== undefined) tok = CLITIC_ALIASES[tok];
        df.set(tok, (df.get(tok) ?? 0) + 1);
      }
    }
    const N = texts.length;
    vocab.forEach((w, i) => (tokenWeights[i] = Math.log((N + 1) / ((df.get(w) ?? 0) + 1)) + 1));
    weightSource = 'idf-df';
  }

  const projection = opts.projection ?? 'none';
  const outDim = projection === 'linear' ? opts.outDim ?? e : e;
  if (projection !== 'linear' && opts.outDim !== undefined && opts.outDim !== e) {
    throw new InputError(`glove-bag: outDim ${opts.outDim} needs projection 'linear' (other projections keep the GloVe width ${e})`);
  }
  const hidden = opts.hidden ?? 2 * e;
  const seed = opts.seed ?? 0;
  const cfg: GloveBagConfig = {
    kind: 'glove-bag',
    vocabSize: V,
    embedDim: e,
    outDim,
    pooling,
    sifA,
    weightSource,
    trainEmbeddings: opts.trainEmbeddings ?? true,
    projection,
    hidden: projection === 'residual-mlp' ? hidden : 0,
    activation: opts.activation ?? 'relu',
    trainProjection: opts.trainProjection ?? true,
    normalize: opts.normalize ?? true,
    maxTokens: opts.maxTokens ?? GLOVE_BAG_DEFAULT_MAX_TOKENS,
    seed,
  };
  const data: Record<string, { shape: number[]; data: Float32Array }> = { table: { shape: [V, e], data: tableData } };
  if (projection === 'linear') {
    const w = new Float32Array(e * outDim);
    for (let i = 0; i < Math.min(e, outDim); i++) w[i * outDim + i] = 1;
    data.w = { shape: [e, outDim], data: w };
    data.b = { shape: [outDim], data: new Float32Array(outDim) };
  } else if (projection === 'residual-mlp') {
    const rng = new Rng(seed);
    const std = Math.sqrt(2 / (e + hidden));
    data.w1 = { shape: [e, hidden], data: Float32Array.from({ length: e * hidden }, () => rng.normal() * std) };
    data.b1 = { shape: [hidden], data: new Float32Array(hidden) };
    data.w2 = { shape: [hidden, e], data: new Float32Array(hidden * e) };
    data.b2 = { shape: [e], data: new Float32Array(e) };
  }
  return new GloveBagEncoder(cfg, vocab, makeWeights(cfg, tokenWeights, data));
}

function makeWeights(cfg: GloveBagConfig, tokenWeights: Float32Array, data: Record<string, { shape: number[]; data: Float32Array }>): Weights {
  const v = (name: string, trainable: boolean) =>
    data[name] ? tf.variable(tf.tensor(data[name].data, data[name].shape, 'float32'), trainable) : undefined;
  // tf.variable copies its initial value: dispose the temporary via tidy
  return tf.tidy(() => ({
    table: v('table', cfg.trainEmbeddings)!,
    tokenWeights,
    w: v('w', cfg.trainProjection),
    b: v('b', cfg.trainProjection),
    w1: v('w1', cfg.trainProjection),
    b1: v('b1', cfg.trainProjection),
    w2: v('w2', cfg.trainProjection),
    b2: v('b2', cfg.trainProjection),
  })) as Weights;
}

/** Loads an encoder written by `GloveBagEncoder.save`; refuses other formats or versions and mis-sized weights. */
export function loadGloveBagEncoder(dir: string): GloveBagEncoder {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new InputError(`${file}: not found (not a saved glove-bag encoder)`);
  let meta: {
    format: string;
    version: number;
    config: GloveBagConfig;
    weights: { file: string; tensors: { name: string; shape: number[]; offset: number; length: number }[] };
  };
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new InputError(`${file}: expected JSON`);
  }
  if (meta.format !== GLOVE_BAG_FORMAT || meta.version !== GLOVE_BAG_VERSION) {
    throw new InputError(`${file}: expected format '${GLOVE_BAG_FORMAT}' version ${GLOVE_BAG_VERSION}, got '${meta.format}' version ${meta.version}`);
  }
  const cfg = meta.config;
  const wFile = path.join(dir, meta.weights.file);
  const buf = fs.readFileSync(wFile);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const data: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const t of meta.weights.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.length || t.offset + t.length > all.length) {
      throw new InputError(`${wFile}: tensor '${t.name}' shape [${t.shape}] does not fit (offset ${t.offset}, length ${t.length}, file ${all.length} floats)`);
    }
    data[t.name] = { shape: t.shape, data: all.subarray(t.offset, t.offset + t.length) };
  }
  if (!data.table || !data.tokenWeights) throw new InputError(`${file}: expected tensors 'table' and 'tokenWeights'`);
  const vocab = fs.readFileSync(path.join(dir, 'vocab.txt'), 'utf8').split('\n').slice(0, cfg.vocabSize);
  return new GloveBagEncoder(cfg, vocab, makeWeights(cfg, data.tokenWeights.data.slice(), data));
}
