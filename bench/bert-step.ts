/**
 * One BERT dual-encoder training step, the workload that backends are compared on (bench/backends.ts,
 * the WebGPU parity tests, scripts/gpu-check): a shared BERT encoder embeds a batch of queries and a
 * batch of their positive targets (mean pooling), the loss is the in-batch softmax cross-entropy of
 * β·⟨q_i, t_j⟩ with target i the positive of query i, and a step is the loss, its gradients with
 * respect to every weight, and an Adam update. Inputs are random token ids (no tokenizer or vocabulary
 * file is needed, so the step also runs from a bundle on a machine without the npm packages).
 */
import { tf, copyFloats, readScalar } from '../src/tensor';
import { BertEncoder, createBertEncoder, type BertEncoderConfig } from '../src/encoders/bert';
import { Adam } from '../src/corrector/adam';
import { Vocab, BERT_SPECIAL_IDS } from '../src/text/vocab';
import type { EncodedBatch } from '../src/text/wordpiece';
import { Rng } from '../src/util/rng';

export interface BertSize {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
}

export const BERT_SIZES: Record<'tiny' | 'small' | 'base', BertSize> = {
  tiny: { layers: 2, hidden: 32, heads: 2, intermediate: 64, vocab: 500 },
  small: { layers: 4, hidden: 256, heads: 4, intermediate: 1024, vocab: 30522 },
  base: { layers: 12, hidden: 768, heads: 12, intermediate: 3072, vocab: 30522 },
};

/** A vocabulary of `size` placeholder tokens with BERT's special tokens at their usual ids. */
function placeholderVocab(size: number): Vocab {
  const tokens = Array.from({ length: Math.max(size, 104) }, (_, i) => `[unused${i}]`);
  for (const [t, id] of Object.entries(BERT_SPECIAL_IDS)) tokens[id] = t;
  return new Vocab(tokens.slice(0, Math.max(size, 104)));
}

/** A seeded BERT encoder of `size` without dropout (so a step is the same function on every backend). */
export function bertForStep(size: BertSize, seq: number, seed = 0): BertEncoder {
  const cfg: Partial<BertEncoderConfig> = {
    vocabSize: size.vocab, hiddenSize: size.hidden, numLayers: size.layers, numHeads: size.heads, intermediateSize: size.intermediate,
    maxPositions: Math.max(512, seq), maxLength: seq, hiddenDropout: 0, attentionDropout: 0, seed,
  };
  return createBertEncoder(cfg, { vocab: placeholderVocab(Math.min(size.vocab, 1000)) });
}

/** A [batch, seq] batch of random token ids: [CLS] … [SEP], the last `pad` positions of odd rows padded. */
export function randomBatch(batch: number, seq: number, vocab: number, seed: number, pad = 0): EncodedBatch {
  const rng = new Rng(`bert-step-batch:${seed}`);
  const inputIds = new Int32Array(batch * seq);
  const attentionMask = new Int32Array(batch * seq);
  const lengths = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const len = b % 2 === 1 ? seq - pad : seq;
    lengths[b] = len;
    for (let j = 0; j < len; j++) {
      inputIds[b * seq + j] = j === 0 ? BERT_SPECIAL_IDS['[CLS]'] : j === len - 1 ? BERT_SPECIAL_IDS['[SEP]'] : 104 + rng.int(vocab - 104);
      attentionMask[b * seq + j] = 1;
    }
  }
  return { batch, length: seq, inputIds, attentionMask, tokenTypeIds: new Int32Array(batch * seq), lengths };
}

/** In-batch softmax cross-entropy of β·Q Tᵀ, query i's positive being target i. */
export function inBatchLoss(enc: BertEncoder, queries: EncodedBatch, targets: EncodedBatch, beta: number): tf.Scalar {
  return tf.tidy(() => {
    const q = enc.encodeBatch(queries, { training: true });
    const t = enc.encodeBatch(targets, { training: true });
    const logits = tf.mul(tf.matMul(q, t, false, true), beta) as tf.Tensor2D;
    const logP = tf.logSoftmax(logits);
    const n = queries.batch;
    return tf.neg(tf.mean(tf.sum(tf.mul(logP, tf.oneHot(tf.range(0, n, 1, 'int32'), n)), 1))) as tf.Scalar;
  });
}

/** The loss and its gradient for every trainable weight (in trainableVariables() order), on the host. */
export async function lossAndGradients(enc: BertEncoder, queries: EncodedBatch, targets: EncodedBatch, beta: number): Promise<{ loss: number; grads: Float32Array[]; names: string[] }> {
  const vars = enc.trainableVariables();
  const { value, grads } = tf.variableGrads(() => inBatchLoss(enc, queries, targets, beta), vars);
  try {
    const host = await copyFloats([value, ...vars.map((v) => grads[v.name])]);
    return { loss: host[0][0], grads: host.slice(1), names: vars.map((v) => v.name) };
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}

/** A training-step runner: loss, gradients, Adam update; returns the loss (read on the host). */
export function trainStepper(enc: BertEncoder, queries: EncodedBatch, targets: EncodedBatch, beta: number, learningRate = 1e-4): { step(): Promise<number>; dispose(): void } {
  const vars = enc.trainableVariables();
  const adam = new Adam(vars, { learningRate }, vars.map((v) => v.name));
  return {
    async step() {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => inBatchLoss(enc, queries, targets, beta), vars);
        adam.apply(vars.map((v) => grads[v.name]));
        return value;
      });
      try {
        return await readScalar(loss);
      } finally {
        loss.dispose();
      }
    },
    dispose: () => adam.dispose(),
  };
}

/** Forward passes (pooled embeddings read back) of `batch`: seconds of each of `reps` passes after one warm-up. */
export async function timeForward(enc: BertEncoder, batch: EncodedBatch, reps: number): Promise<number[]> {
  const once = async () => {
    const e = enc.encodeBatch(batch);
    try {
      await e.data();
    } finally {
      e.dispose();
    }
  };
  await once();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await once();
    times.push((performance.now() - t0) / 1000);
  }
  return times;
}

/** Training steps: seconds of each of `reps` steps after one warm-up, and the losses. */
export async function timeTrainSteps(enc: BertEncoder, queries: EncodedBatch, targets: EncodedBatch, reps: number, beta = 20): Promise<{ times: number[]; losses: number[] }> {
  const s = trainStepper(enc, queries, targets, beta);
  try {
    const losses = [await s.step()];
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      losses.push(await s.step());
      times.push((performance.now() - t0) / 1000);
    }
    return { times, losses };
  } finally {
    s.dispose();
  }
}
