import { defineCommand } from '../command';
import { bm25SearchFiles, PYSERINI_BM25, searchCacheFolder, searchToRun, DEFAULT_ANN_SETTINGS } from '../../search';
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

export const searchCommand = defineCommand({
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
    dataset: { type: 'string', help: 'dataset folder the zero-shot encoder is built from', defaultText: 'the folder of --queries', placeholder: 'dir' },
    allowEncoderMismatch: { type: 'boolean', help: 'search a cache built by another encoder on purpose (e.g. a trained query encoder against the stale zero-shot cache)', default: false },
    queryEmbeddings: { type: 'string', help: 'jsonl of {"_id", "embedding": [...]} instead of --queries', placeholder: 'file' },
    out: { type: 'string', help: 'run file to write (TREC: qid Q0 docid rank score tag)', placeholder: 'file', required: true },
    k: { type: 'int', help: 'rows per query', default: 10, min: 1, max: 1_000_000 },
    exact: { type: 'boolean', help: 'exact blocked search over the whole cache (the default)', default: false },
    ann: { type: 'boolean', help: 'search the usearch index saved in the cache folder', default: false },
    bm25: { type: 'boolean', help: "BM25 over the corpus text instead of a cache (Lucene's BM25, EnglishAnalyzer terms)", default: false },
    corpus: { type: 'string', help: 'with --bm25: corpus.jsonl (or .gz) or a dataset folder holding one', placeholder: 'file' },
    k1: { type: 'number', help: 'with --bm25: term-frequency saturation k1 (Pyserini default)', default: PYSERINI_BM25.k1, min: 0, max: 1000 },
    b: { type: 'number', help: 'with --bm25: length normalisation b (Pyserini default)', default: PYSERINI_BM25.b, min: 0, max: 1 },
    poolSize: { type: 'int', help: 'with --ann: candidates per query from the index, re-scored exactly', defaultText: 'k', min: 1, max: 1_000_000 },
    buildIndex: { type: 'boolean', help: 'with --ann: build and save the index if the cache has none', default: false },
    metric: { type: 'string', help: 'new index: metric (ip: scores are inner products)', defaultText: DEFAULT_ANN_SETTINGS.metric, choices: ['ip', 'cos', 'l2sq'] },
    quantization: { type: 'string', help: 'new index: stored scalar type', defaultText: DEFAULT_ANN_SETTINGS.quantization, choices: ['f32', 'f16', 'i8'] },
    connectivity: { type: 'int', help: 'new index: HNSW graph degree M', defaultText: String(DEFAULT_ANN_SETTINGS.connectivity), min: 2, max: 1024 },
    expansionAdd: { type: 'int', help: 'new index: candidate list while adding, ef_construction', defaultText: String(DEFAULT_ANN_SETTINGS.expansionAdd), min: 1, max: 1_000_000 },
    expansionSearch: { type: 'int', help: 'candidate list while searching, ef_search; higher = better recall, slower', defaultText: `the saved one, ${DEFAULT_ANN_SETTINGS.expansionSearch} for a new index`, min: 1, max: 1_000_000 },
    blockRows: { type: 'int', help: 'exact search: cache rows scored per block', default: 16384, min: 1, max: 1 << 26 },
    tag: { type: 'string', help: 'run tag (6th TREC column)', default: 'freshcache' },
  },
  async run(opts, ctx) {
    if ([opts.exact, opts.ann, opts.bm25].filter(Boolean).length > 1) throw new InputError('--exact, --ann and --bm25: give one of them');
    if (opts.bm25) {
      if (opts.cache) throw new InputError('--bm25 searches the corpus text: give --corpus instead of --cache');
      if (!opts.corpus) throw new InputError('--bm25 needs --corpus (corpus.jsonl or a dataset folder)');
      if (!opts.queries) throw new InputError('--bm25 needs --queries (queries.jsonl)');
      const run = await bm25SearchFiles({ corpus: opts.corpus, queries: opts.queries, k: opts.k, k1: opts.k1, b: opts.b, progress: ctx.progress, signal: ctx.signal });
      writeRun(opts.out, run, { tag: opts.tag });
      ctx.log(`${opts.out}: ${run.size} queries × top-${opts.k} (bm25 k1 ${opts.k1} b ${opts.b})`);
      return;
    }
    if (!opts.cache) throw new InputError('--cache is required (or --bm25 with --corpus)');
    await ctx.backend();
    const annSettings = { metric: opts.metric, quantization: opts.quantization, connectivity: opts.connectivity, expansionAdd: opts.expansionAdd, expansionSearch: opts.expansionSearch };
    const queries = opts.queries;
    const cacheDir = opts.cache;
    const named = queries && !opts.queryEmbeddings
      ? await resolveEncoderSpec(opts.encoder, {
        dataset: opts.dataset ?? datasetFolderOf(queries),
        ...randomEncoderOf(cacheDir),
        progress: ctx.progress, signal: ctx.signal,
      })
      : undefined;
    const found = await searchCacheFolder({
      cacheDir,
      queries,
      queryEncoder: named,
      allowEncoderMismatch: opts.allowEncoderMismatch,
      queryEmbeddings: opts.queryEmbeddings,
      k: opts.k,
      method: opts.ann ? 'ann' : 'exact',
      poolSize: opts.poolSize,
      buildIndex: opts.buildIndex,
      annSettings,
      blockRows: opts.blockRows,
      progress: ctx.progress,
      signal: ctx.signal,
    }).finally(() => named?.encoder.dispose());
    writeRun(opts.out, searchToRun(found), { tag: opts.tag });
    ctx.log(`${opts.out}: ${found.queryIds.length} queries × top-${opts.k} (${opts.ann ? 'ann' : 'exact'})`);
  },
});
