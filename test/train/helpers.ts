import { Rng } from '../../src/util/rng';
import type { Glove } from '../../src/data/glove';
import type { TrainData } from '../../src/train/data';
import type { Encoder, EncoderPair } from '../../src/encoders/types';
import { resolveConfig, type TrainConfig, type TrainConfigInput } from '../../src/train/config';

/**
 * A tiny word-sense-like task: 40 words with random 8-d vectors; 90 passages of 5 words; each query
 * is 3 words of its passage plus 2 random ones. Small enough that a step takes milliseconds.
 */
export function tinyTask(seed = 3): { data: TrainData; glove: Glove } {
  const rng = new Rng(seed);
  const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
  const dim = 8;
  const matrix = new Float32Array(words.length * dim).map(() => rng.normal());
  const glove: Glove = { words, index: new Map(words.map((w, i) => [w, i])), dim, matrix };
  const pick = () => words[rng.int(words.length)];
  const corpusTexts = Array.from({ length: 90 }, () => Array.from({ length: 5 }, pick).join(' '));
  const split = (from: number, to: number) => {
    const s = { queryIds: [] as string[], queryTexts: [] as string[], positives: [] as Int32Array[] };
    for (let r = from; r < to; r++) {
      const w = corpusTexts[r].split(' ');
      s.queryIds.push(`q${r}`);
      s.queryTexts.push([w[0], w[2], w[4], pick(), pick()].join(' '));
      s.positives.push(Int32Array.from([r]));
    }
    return s;
  };
  return { data: { corpusIds: corpusTexts.map((_, i) => `d${i}`), corpusTexts, splits: { train: split(0, 60), dev: split(60, 80), test: split(80, 90) } }, glove };
}


/** A training config sized for `tinyTask` (20 steps of batch 8, an MLP corrector of width 16), overlaid with `over`. */
export function tinyConfig(over: TrainConfigInput): TrainConfig {
  return resolveConfig({
    steps: 20, batchSize: 8, negatives: 3, logEvery: 5, checkpointEvery: 0, probeRows: 50, probeQueries: 10,
    lr: 5e-2, beta: 5, blockRows: 32, dataset: 'tiny', encoder: { pooling: 'mean', projection: 'linear', normalize: true },
    ...over,
    corrector: { kind: 'mlp', width: 16, ...(over.corrector ?? {}) },
  });
}

/** Wraps the target encoder of the pairs `make` builds so every text it encodes is counted in `counter`. */
export function spying(make: () => Promise<EncoderPair>, counter: { n: number }): () => Promise<EncoderPair> {
  return async () => {
    const pair = await make();
    const t = pair.target;
    const spy: Encoder = Object.create(t);
    spy.encode = (texts, o) => {
      counter.n += texts.length;
      return t.encode(texts, o);
    };
    return { query: pair.query, target: spy };
  };
}
