import type { Command } from '../command';
import { bm25SearchFiles, PYSERINI_BM25, searchCacheFolder, searchToRun, type AnnSettings } from '../../search';
import { writeRun } from '../../eval';
import { InputError } from '../../util/errors';
import { readManifest } from '../../cache/manifest';
import { datasetFolderOf, resolveEncoderSpec } from '../../train/encoder-spec';
import { ZERO_SHOT_ENCODER } from '../../train/zero-shot';

/** The random encoder's dimension and seed are the cache's own (a random projection is defined by them). */
function randomEncoderOf(cacheDir: string): { dim?: number; seed?: number } {
  const m = readManifest(cacheDir);
  const seed = m.encoder.config.seed;
  return { dim: m.dim, seed: typeof seed === 'number' ? seed : 0 };
}

export const searchCommand: Command = {
  name: 'search',
  summary: 'top-k passages for every query as a TREC run: exact or ANN search of a cache, or BM25 over the corpus text',
  usage: [
    '--cache dir (--queries q.jsonl --encoder glove|random|dir | --query-embeddings e.jsonl) --out run.trec [--k 10] [--exact | --ann [--pool-size 100] [--build-index]]',
    '       | --bm25 --corpus data/x --queries data/x/queries.jsonl --out run.trec [--k 10] [--k1 0.9] [--b 0.4]',
  ].join('\n'),
  flags: {
    cache: { type: 'string', help: 'cache folder (manifest.json + shards); not with --bm25', placeholder: 'dir' },
    queries: { type: 'string', help: 'queries.jsonl (_id, text), encoded with --encoder', placeholder: 'file' },
    encoder: { type: 'string', help: 'query encoder (with --queries), as in build-cache: zero-shot, random, glove, a saved encoder folder, or a run folder (its query encoder); it must pair with the encoder that built the cache', default: ZERO_SHOT_ENCODER, placeholder: 'name|dir' },
    dataset: { type: 'string', help: 'dataset folder the zero-shot encoder is built from (default: the folder of --queries)', placeholder: 'dir' },
    allowEncoderMismatch: { type: 'boolean', help: 'search a cache built by another encoder on purpose (e.g. a trained query encoder against the stale zero-shot cache)', default: false },
    queryEmbeddings: { type: 'string', help: 'jsonl of {"_id", "embedding": [...]} instead of --queries', placeholder: 'file' },
    out: { type: 'string', help: 'run file to write (TREC: qid Q0 docid rank score tag)', placeholder: 'file', required: true },
    k: { type: 'int', help: 'rows per query', default: 10 },
    exact: { type: 'boolean', help: 'exact blocked search over the whole cache (the default)', default: false },
    ann: { type: 'boolean', help: 'search the usearch index saved in the cache folder', default: false },
    bm25: { type: 'boolean', help: "BM25 over the corpus text instead of a cache (Lucene's BM25, EnglishAnalyzer terms)", default: false },
    corpus: { type: 'string', help: 'with --bm25: corpus.jsonl (or .gz) or a dataset folder holding one', placeholder: 'file' },
    k1: { type: 'number', help: 'with --bm25: term-frequency saturation k1 (Pyserini default)', default: PYSERINI_BM25.k1 },
    b: { type: 'number', help: 'with --bm25: length normalisation b (Pyserini default)', default: PYSERINI_BM25.b },
    poolSize: { type: 'int', help: 'with --ann: candidates per query from the index, re-scored exactly' },
    buildIndex: { type: 'boolean', help: 'with --ann: build and save the index if the cache has none', default: false },
    metric: { type: 'string', help: 'new index: metric (default ip: scores are inner products)', choices: ['ip', 'cos', 'l2sq'] },
    quantization: { type: 'string', help: 'new index: stored scalar type (default f32)', choices: ['f32', 'f16', 'i8'] },
    connectivity: { type: 'int', help: 'new index: HNSW graph degree M (default 16)' },
    expansionAdd: { type: 'int', help: 'new index: candidate list while adding, ef_construction (default 128)' },
    expansionSearch: { type: 'int', help: 'candidate list while searching, ef_search (default: the saved one, 64 for a new index); higher = better recall, slower' },
    blockRows: { type: 'int', help: 'exact search: cache rows scored per block', default: 16384 },
    tag: { type: 'string', help: 'run tag (6th TREC column)', default: 'freshcache' },
  },
  async run(opts, ctx) {
    if ([opts.exact, opts.ann, opts.bm25].filter(Boolean).length > 1) throw new InputError('--exact, --ann and --bm25: give one of them');
    if (opts.bm25) {
      if (opts.cache) throw new InputError('--bm25 searches the corpus text: give --corpus instead of --cache');
      if (!opts.corpus) throw new InputError('--bm25 needs --corpus (corpus.jsonl or a dataset folder)');
      if (!opts.queries) throw new InputError('--bm25 needs --queries (queries.jsonl)');
      const run = await bm25SearchFiles({
        corpus: opts.corpus as string, queries: opts.queries as string, k: opts.k as number,
        k1: opts.k1 as number, b: opts.b as number, progress: ctx.progress, signal: ctx.signal,
      });
      writeRun(opts.out as string, run, { tag: opts.tag as string });
      ctx.log(`${opts.out}: ${run.size} queries × top-${opts.k} (bm25 k1 ${opts.k1} b ${opts.b})`);
      return;
    }
    if (!opts.cache) throw new InputError('--cache is required (or --bm25 with --corpus)');
    await ctx.backend();
    const annSettings: Partial<AnnSettings> = {
      metric: opts.metric as AnnSettings['metric'] | undefined,
      quantization: opts.quantization as AnnSettings['quantization'] | undefined,
      connectivity: opts.connectivity as number | undefined,
      expansionAdd: opts.expansionAdd as number | undefined,
      expansionSearch: opts.expansionSearch as number | undefined,
    };
    const queries = opts.queries as string | undefined;
    const named = queries && !opts.queryEmbeddings
      ? await resolveEncoderSpec(String(opts.encoder), {
        dataset: (opts.dataset as string | undefined) ?? datasetFolderOf(queries),
        ...randomEncoderOf(opts.cache as string),
        progress: ctx.progress, signal: ctx.signal,
      })
      : undefined;
    const found = await searchCacheFolder({
      cacheDir: opts.cache as string,
      queries,
      queryEncoder: named,
      allowEncoderMismatch: opts.allowEncoderMismatch as boolean,
      queryEmbeddings: opts.queryEmbeddings as string | undefined,
      k: opts.k as number,
      method: opts.ann ? 'ann' : 'exact',
      poolSize: opts.poolSize as number | undefined,
      buildIndex: opts.buildIndex as boolean,
      annSettings,
      blockRows: opts.blockRows as number,
      progress: ctx.progress,
      signal: ctx.signal,
    }).finally(() => named?.encoder.dispose());
    writeRun(opts.out as string, searchToRun(found), { tag: opts.tag as string });
    ctx.log(`${opts.out}: ${found.queryIds.length} queries × top-${opts.k} (${opts.ann ? 'ann' : 'exact'})`);
  },
};
