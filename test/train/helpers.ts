import { Rng } from '../../src/util/rng';
import type { Glove } from '../../src/data/glove';
import type { TrainData } from '../../src/train/data';

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

