import type { tf } from '../tensor';

/**
 * One interface for every text encoder (query encoder f, target encoder g). Implementations:
 * GloVe bag-of-embeddings (glove-bag.ts), BERT-family transformer (bert.ts), fixed random
 * projection (for tests and benchmarks).
 */
export interface Encoder {
  /** Kind of encoder, e.g. 'glove-bag', 'bert'. */
  readonly kind: string;
  /** Output embedding dimension d. */
  readonly dim: number;
  /** Whether outputs are L2-normalised. */
  readonly normalized: boolean;
  /**
   * Encodes a batch of texts to a [n, dim] tensor. With `training: true` the result is meant to be
   * used inside an optimizer's loss function (dropout on, gradients flow to `trainableVariables`).
   * The caller owns (disposes) the result.
   */
  encode(texts: string[], opts?: { training?: boolean }): tf.Tensor2D;
  /** Variables updated by training (empty when frozen). */
  trainableVariables(): tf.Variable[];
  /** Plain-data configuration (enough, with the weights, to rebuild the encoder). */
  config(): Record<string, unknown>;
  /** sha256 over config and current weights (read with an awaited copy): the cache manifest records it. */
  fingerprint(): Promise<string>;
  /** Number of parameters (all weights, trainable or not). */
  parameterCount(): number;
  /** Estimated forward FLOPs to encode one text of `tokens` tokens (multiply-add = 2 FLOPs). */
  flopsPerText(tokens: number): number;
  /** Saves config + weights to a folder (atomically); `loadEncoder(dir)` reads it back. */
  save(dir: string): Promise<void>;
  /** Releases the weights. */
  dispose(): void;
}

/** The two encoders of a run: query encoder f and target encoder g (the same object when they share weights). */
export interface EncoderPair {
  query: Encoder;
  target: Encoder;
}

/** Encodes texts to plain row-major floats without keeping tensors: what cache building needs. */
export type EncodeFn = (texts: string[]) => Promise<Float32Array>;

export function encodeFnOf(encoder: Encoder): EncodeFn {
  return async (texts) => {
    const t = encoder.encode(texts);
    try {
      return (await t.data()) as Float32Array;
    } finally {
      t.dispose();
    }
  };
}

/**
 * Encodes texts in batches to one row-major [n, dim] array without keeping tensors: every
 * whole-corpus pass (initial cache, refresh, oracle, evaluation) goes through here. `onRows(done)`
 * is called after each batch with the texts encoded so far.
 */
export async function encodeAll(encode: (texts: string[]) => tf.Tensor2D, texts: string[], dim: number, batch = 2048, onRows?: (done: number) => void): Promise<Float32Array> {
  const out = new Float32Array(texts.length * dim);
  for (let s = 0; s < texts.length; s += batch) {
    const t = encode(texts.slice(s, s + batch));
    out.set((await t.data()) as Float32Array, s * dim);
    t.dispose();
    onRows?.(Math.min(s + batch, texts.length));
  }
  return out;
}

/** Releases a pair's weights (once when the two encoders are one object). */
export function disposeEncoderPair(pair: EncoderPair): void {
  pair.query.dispose();
  if (pair.target !== pair.query) pair.target.dispose();
}
