/**
 * Searching a cache folder from files: queries as text (BEIR queries.jsonl, encoded by a saved
 * query encoder) or as precomputed embeddings (jsonl of {"_id", "embedding": [...]}), exact or
 * through the ANN index saved beside the cache. What `freshcache search` calls.
 */
import * as fs from 'fs';
import * as path from 'path';
import { inputErrorAt, InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { readJsonlObjects, loadQueries } from '../data/beir';
import { idProblem } from '../data/dataset';
import { openCache } from '../cache/reader';
import { cacheEncoder, encodeFnFor } from '../cache/from-file';
import { checkCacheEncoder, type ExpectedEncoder } from '../cache/encoder-match';
import type { Encoder } from '../encoders/types';
import { exactSearch } from './exact';
import { buildAnnIndex, openAnnIndex, candidatePoolSearch, ANN_META_FILE, type AnnSettings } from './ann';
import type { SearchResult } from './types';

/** Reads `{"_id": string, "embedding": number[]}` lines; every embedding must have `dim` values. */
export async function readQueryEmbeddings(file: string, dim: number, opts: { signal?: AbortSignal; progress?: ProgressFn } = {}): Promise<{ ids: string[]; embeddings: Float32Array }> {
  const ids: string[] = [];
  const rows: number[][] = [];
  for await (const { obj, lineNo } of readJsonlObjects(file, 'query embeddings: {"_id", "embedding"}', opts)) {
    const id = obj._id;
    const why = idProblem(id);
    if (why) throw inputErrorAt(file, lineNo, `"_id": ${why}`);
    const e = obj.embedding;
    if (!Array.isArray(e) || e.length !== dim || !e.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw inputErrorAt(file, lineNo, `expected "embedding" to be an array of ${dim} finite numbers (the cache dimension)`);
    }
    ids.push(id as string);
    rows.push(e as number[]);
  }
  const embeddings = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => embeddings.set(r, i * dim));
  return { ids, embeddings };
}

export interface SearchCacheFolderOptions {
  cacheDir: string;
  /** BEIR queries.jsonl (`_id`, `text`), encoded with `encoder`. */
  queries?: string;
  /** Query encoder (with `queries`), as build-cache names it: random | glove | a saved encoder folder. */
  encoder?: string;
  /**
   * Instead of `encoder`: an encoder already built (e.g. the zero-shot one), with the fingerprint of
   * the target encoder it pairs with.
   */
  queryEncoder?: { encoder: Encoder } & ExpectedEncoder;
  /** Search even when the cache was built by another encoder than the one `encoder` pairs with. */
  allowEncoderMismatch?: boolean;
  /** jsonl of `{"_id", "embedding"}` (instead of `queries` + `encoder`). */
  queryEmbeddings?: string;
  k: number;
  /** 'exact' (blocked, whole cache) or 'ann' (the index in the cache folder). */
  method: 'exact' | 'ann';
  /** With 'ann': candidates per query re-scored exactly (default k: the index's own top-k). */
  poolSize?: number;
  /** With 'ann': build (and save) the index when there is none. */
  buildIndex?: boolean;
  /** With 'ann': settings for a new index, and expansionSearch at open time. */
  annSettings?: Partial<AnnSettings>;
  blockRows?: number;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

export interface CacheFolderSearch {
  queryIds: string[];
  /** Row id of every cache row (result.indices index into it). */
  rowIds: string[];
  result: SearchResult;
}

/** Top-k cache rows for every query of a file (exact or ANN). */
export async function searchCacheFolder(options: SearchCacheFolderOptions): Promise<CacheFolderSearch> {
  const { cacheDir, k, progress, signal } = options;
  const cache = await openCache(cacheDir);
  try {
    let queryIds: string[];
    let queries: Float32Array;
    if (options.queryEmbeddings) {
      ({ ids: queryIds, embeddings: queries } = await readQueryEmbeddings(options.queryEmbeddings, cache.dim, { signal, progress }));
    } else if (options.queries) {
      let named = options.queryEncoder;
      if (!named) {
        if (!options.encoder) throw new InputError('--queries needs --encoder (random, glove or a saved encoder folder), or give --query-embeddings');
        const seed = cache.manifest.encoder.config.seed;
        const encoder = await cacheEncoder(options.encoder, { dim: cache.dim, seed: typeof seed === 'number' ? seed : 0 });
        named = { encoder, name: `--encoder ${options.encoder}`, targetFingerprint: await encoder.fingerprint() };
      }
      const { encoder } = named;
      try {
        checkCacheEncoder(cacheDir, cache.manifest.encoder, named, options.allowEncoderMismatch);
        if (encoder.dim !== cache.dim) throw new InputError(`${named.name}: encoder dimension ${encoder.dim} does not match the cache dimension ${cache.dim}`);
        const list = await loadQueries(options.queries, { signal, progress });
        const encode = encodeFnFor(encoder);
        queries = new Float32Array(list.length * cache.dim);
        for (let s = 0; s < list.length; s += 256) {
          throwIfAborted(signal, 'encoding queries');
          const e = Math.min(list.length, s + 256);
          queries.set(await encode(list.slice(s, e).map((q) => q.text)), s * cache.dim);
          progress?.({ stage: 'encode queries', done: e, total: list.length, unit: 'queries' });
        }
        queryIds = list.map((q) => q.id);
      } finally {
        if (!options.queryEncoder) encoder.dispose();
      }
    } else {
      throw new InputError('give --queries (with --encoder) or --query-embeddings');
    }
    let result: SearchResult;
    if (options.method === 'exact') {
      result = await exactSearch({ source: cache, queries, k, blockRows: options.blockRows, progress, signal });
    } else {
      let index;
      const hasIndex = fs.existsSync(path.join(cacheDir, ANN_META_FILE));
      if (!hasIndex && options.buildIndex) {
        index = await buildAnnIndex({ source: cache, cacheDir, settings: options.annSettings, progress, signal });
        index.save(cacheDir);
      } else {
        index = await openAnnIndex({ dir: cacheDir, expansionSearch: options.annSettings?.expansionSearch });
      }
      result = options.poolSize && options.poolSize > k
        ? await candidatePoolSearch({ index, source: cache, queries, k, poolSize: options.poolSize, signal })
        : index.search(queries, k);
    }
    return { queryIds, rowIds: cache.ids, result };
  } finally {
    cache.close();
  }
}

/** Query id → [{docId, score}] best first (a run, as eval's writeRun takes it); padding dropped. */
export function searchToRun(s: CacheFolderSearch): Map<string, { docId: string; score: number }[]> {
  const run = new Map<string, { docId: string; score: number }[]>();
  const { k, indices, scores } = s.result;
  s.queryIds.forEach((qid, q) => {
    const list: { docId: string; score: number }[] = [];
    for (let j = 0; j < k; j++) {
      const r = indices[q * k + j];
      if (r >= 0) list.push({ docId: s.rowIds[r], score: scores[q * k + j] });
    }
    run.set(qid, list);
  });
  return run;
}
