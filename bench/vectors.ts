/**
 * Data of the search benchmarks: clustered synthetic rows, queries near them, and the WordNet
 * default task embedded by the GloVe bag encoder (bench/search.ts and bench/search-vs-faiss.ts).
 */
import * as path from 'path';
import type { Rng } from '../src/util/rng';

/** Clustered float32 rows: centre (norm ≈ 1) + Gaussian noise of norm ≈ spread. */
export function clusteredRows(rng: Rng, rows: number, dim: number, centres: number, spread: number): Float32Array {
  const c = new Float32Array(centres * dim);
  for (let i = 0; i < c.length; i++) c[i] = rng.normal() / Math.sqrt(dim);
  const a = new Float32Array(rows * dim);
  const s = spread / Math.sqrt(dim);
  for (let r = 0; r < rows; r++) {
    const ci = rng.int(centres) * dim;
    for (let j = 0; j < dim; j++) a[r * dim + j] = c[ci + j] + rng.normal() * s;
  }
  return a;
}

/** Queries = randomly chosen rows + Gaussian noise of norm ≈ noise. */
export function queriesNearRows(rng: Rng, data: Float32Array, dim: number, nq: number, noise: number): Float32Array {
  const rows = data.length / dim;
  const q = new Float32Array(nq * dim);
  for (let i = 0; i < nq; i++) {
    const r = rng.int(rows);
    for (let j = 0; j < dim; j++) q[i * dim + j] = data[r * dim + j] + (rng.normal() * noise) / Math.sqrt(dim);
  }
  return q;
}

/** The WordNet default task embedded by the GloVe bag encoder (wink 100-d, mean pooling, normalised). */
export interface WordnetEmbeddings {
  /** The task's folder (data/wordnet). */
  dir: string;
  /** [passages, dim] rows of `defaultTextOf` (title and text, as buildCache embeds them). */
  data: Float32Array;
  /** [queries, dim]: the task's first `nq` queries. */
  queries: Float32Array;
  dim: number;
  passages: number;
  queryCount: number;
  /** Seconds to encode the passages. */
  encodeSeconds: number;
}

/** Embeds the WordNet default task (built on first use) and its first `nq` queries. */
export async function wordnetEmbeddings(nq: number, log: (line: string) => void): Promise<WordnetEmbeddings> {
  const { ensureDefaultTask } = await import('../src/data/wordnet');
  const { loadCorpus, loadQueries } = await import('../src/data/beir');
  const { createGloveBagEncoder } = await import('../src/encoders/glove-bag');
  const { encodeFnOf } = await import('../src/encoders/types');
  const { defaultTextOf } = await import('../src/cache/build');
  const dir = await ensureDefaultTask();
  const corpus = await loadCorpus(path.join(dir, 'corpus.jsonl'));
  const queryList = (await loadQueries(path.join(dir, 'queries.jsonl'))).slice(0, nq);
  const encoder = await createGloveBagEncoder();
  const encode = encodeFnOf(encoder);
  const texts = corpus.ids.map((id, i) => defaultTextOf({ id, title: corpus.titles[i], text: corpus.texts[i] }));
  const dim = encoder.dim;
  const t0 = performance.now();
  const data = new Float32Array(texts.length * dim);
  for (let s = 0; s < texts.length; s += 4096) data.set(await encode(texts.slice(s, s + 4096)), s * dim);
  const encodeSeconds = (performance.now() - t0) / 1000;
  const queries = await encode(queryList.map((x) => x.text));
  encoder.dispose();
  log(`wordnet: ${texts.length} passages × ${dim} (GloVe bag) encoded in ${encodeSeconds.toFixed(1)} s, ${queryList.length} queries`);
  return { dir, data, queries, dim, passages: texts.length, queryCount: queryList.length, encodeSeconds };
}
