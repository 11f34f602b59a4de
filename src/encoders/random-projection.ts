/**
 * A fixed random-projection encoder: words (BERT basic tokenization, punctuation dropped) and
 * optionally word bigrams are hashed into `buckets`, and each bucket owns a row of a seeded
 * Gaussian matrix [buckets, dim] (entries N(0, 1/dim)); a text's embedding is the mean of its
 * tokens' rows, optionally L2-normalised. Deterministic, no training, no tensors kept: the cheap
 * encoder of tests and benchmarks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../tensor';
import { Encoder } from './types';
import { basicTokenize, isPunctuation } from '../text/wordpiece';
import { InputError } from '../util/errors';
import { writeJsonAtomic } from '../util/atomic';
import { sha256 } from '../util/hash';
import { Rng, hashString } from '../util/rng';

export interface RandomProjectionConfig {
  kind: 'random-projection';
  /** Output dimension. */
  dim: number;
  /** Number of hash buckets (rows of the projection matrix). */
  buckets: number;
  /** Seed of the projection matrix and the hash. */
  seed: number;
  /** 1: words; 2: words and adjacent word pairs. */
  ngram: 1 | 2;
  normalize: boolean;
  lowerCase: boolean;
}

export const DEFAULT_RANDOM_PROJECTION_CONFIG: RandomProjectionConfig = {
  kind: 'random-projection',
  dim: 64,
  buckets: 4096,
  seed: 0,
  ngram: 1,
  normalize: true,
  lowerCase: true,
};

function checkConfig(c: RandomProjectionConfig, source: string): void {
  for (const k of ['dim', 'buckets'] as const) {
    if (!(Number.isInteger(c[k]) && c[k] > 0)) throw new InputError(`${source}: ${k} = ${JSON.stringify(c[k])}; expected a positive integer`);
  }
  if (c.buckets * c.dim > 2 ** 28) throw new InputError(`${source}: buckets × dim = ${c.buckets * c.dim} is too large (limit 2^28)`);
  if (c.ngram !== 1 && c.ngram !== 2) throw new InputError(`${source}: ngram = ${JSON.stringify(c.ngram)}; expected 1 or 2`);
  if (!Number.isInteger(c.seed)) throw new InputError(`${source}: seed = ${JSON.stringify(c.seed)}; expected an integer`);
}

/** The random-projection encoder (see module comment). */
export class RandomProjectionEncoder implements Encoder {
  readonly kind = 'random-projection';
  private matrix: Float32Array | null = null;
  private readonly hashSeed: number;

  constructor(readonly cfg: RandomProjectionConfig) {
    checkConfig(cfg, 'random-projection config');
    this.hashSeed = hashString(`rp-hash:${cfg.seed}`);
  }

  get dim(): number {
    return this.cfg.dim;
  }

  get normalized(): boolean {
    return this.cfg.normalize;
  }

  private projection(): Float32Array {
    if (!this.matrix) {
      const { buckets, dim, seed } = this.cfg;
      const rng = new Rng(`rp-matrix:${seed}`);
      const m = new Float32Array(buckets * dim);
      const s = 1 / Math.sqrt(dim);
      for (let i = 0; i < m.length; i++) m[i] = rng.normal() * s;
      this.matrix = m;
    }
    return this.matrix;
  }

  /** Hash features of a text: bucket indices of its words (and bigrams when ngram is 2). */
  features(text: string): number[] {
    const words = basicTokenize(text, { lowerCase: this.cfg.lowerCase }).filter((w) => !(Array.from(w).length === 1 && isPunctuation(w)));
    const feats = words.map((w) => this.bucket(w));
    if (this.cfg.ngram === 2) for (let i = 0; i + 1 < words.length; i++) feats.push(this.bucket(words[i] + '\u0000' + words[i + 1]));
    return feats;
  }

  private bucket(token: string): number {
    // FNV-1a of the token, xor-ed with the seed's hash
    return ((hashString(token) ^ this.hashSeed) >>> 0) % this.cfg.buckets;
  }

  /** Embeddings as plain row-major floats [texts.length × dim]. A text with no words maps to zeros. */
  encodeToArray(texts: string[]): Float32Array {
    const { dim, normalize } = this.cfg;
    const m = this.projection();
    const out = new Float32Array(texts.length * dim);
    texts.forEach((t, r) => {
      const feats = this.features(t).sort((x, y) => x - y); // fixed order: same bag → same bits
      const row = out.subarray(r * dim, (r + 1) * dim);
      for (const b of feats) {
        const off = b * dim;
        for (let j = 0; j < dim; j++) row[j] += m[off + j];
      }
      if (feats.length === 0) return;
      let scale = 1 / feats.length;
      if (normalize) {
        let ss = 0;
        for (let j = 0; j < dim; j++) ss += row[j] * row[j];
        scale = ss > 0 ? 1 / Math.sqrt(ss) : 0;
      }
      for (let j = 0; j < dim; j++) row[j] *= scale;
    });
    return out;
  }

  encode(texts: string[]): tf.Tensor2D {
    return tf.tensor2d(this.encodeToArray(texts), [texts.length, this.cfg.dim], 'float32');
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  config(): Record<string, unknown> {
    return { ...this.cfg };
  }

  /** sha256 of the config: the weights are a pure function of it. */
  async fingerprint(): Promise<string> {
    const c = this.cfg;
    return sha256(JSON.stringify(['random-projection/v1', c.dim, c.buckets, c.seed, c.ngram, c.normalize, c.lowerCase]));
  }

  parameterCount(): number {
    return this.cfg.buckets * this.cfg.dim;
  }

  /** 2·features·dim: each hashed feature adds one row (counted as a sparse matmul), bigrams included. */
  flopsPerText(tokens: number): number {
    const feats = this.cfg.ngram === 2 ? Math.max(0, 2 * tokens - 1) : tokens;
    return 2 * feats * this.cfg.dim;
  }

  /** Writes `config.json` (atomically); the matrix is regenerated from the seed on load. */
  async save(dir: string): Promise<void> {
    writeJsonAtomic(path.join(dir, 'config.json'), { ...this.cfg, format: 1 });
  }

  dispose(): void {
    this.matrix = null;
  }
}

/** A random-projection encoder with defaults for the fields not given. */
export function createRandomProjectionEncoder(config: Partial<Omit<RandomProjectionConfig, 'kind'>> = {}): RandomProjectionEncoder {
  return new RandomProjectionEncoder({ ...DEFAULT_RANDOM_PROJECTION_CONFIG, ...config, kind: 'random-projection' });
}

/** Loads an encoder saved by `RandomProjectionEncoder.save`. */
export function loadRandomProjectionEncoder(dir: string): RandomProjectionEncoder {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new InputError(`${file}: not found (not a saved random-projection encoder)`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (raw.kind !== 'random-projection' || raw.format !== 1) throw new InputError(`${file}: expected kind 'random-projection' format 1`);
  const cfg = { ...DEFAULT_RANDOM_PROJECTION_CONFIG, ...raw, kind: 'random-projection' } as RandomProjectionConfig & { format?: number };
  delete cfg.format;
  checkConfig(cfg, file);
  return new RandomProjectionEncoder(cfg);
}
