import type { Command } from '../command';
import { searchCacheFolder, searchToRun, type AnnSettings } from '../../search';
import { writeRun } from '../../eval';
import { InputError } from '../../util/errors';

export const searchCommand: Command = {
  name: 'search',
  summary: 'top-k cache rows for every query (exact blocked search or the ANN index) as a TREC run',
  usage: '--cache dir (--queries q.jsonl --encoder glove|random|dir | --query-embeddings e.jsonl) --out run.trec [--k 10] [--exact | --ann [--pool-size 100] [--build-index]]',
  flags: {
    cache: { type: 'string', help: 'cache folder (manifest.json + shards)', placeholder: 'dir', required: true },
    queries: { type: 'string', help: 'queries.jsonl (_id, text), encoded with --encoder', placeholder: 'file' },
    encoder: { type: 'string', help: 'query encoder (with --queries): random, glove or a saved encoder folder, as in build-cache', placeholder: 'random|glove|dir' },
    queryEmbeddings: { type: 'string', help: 'jsonl of {"_id", "embedding": [...]} instead of --queries', placeholder: 'file' },
    out: { type: 'string', help: 'run file to write (TREC: qid Q0 docid rank score tag)', placeholder: 'file', required: true },
    k: { type: 'int', help: 'rows per query', default: 10 },
    exact: { type: 'boolean', help: 'exact blocked search over the whole cache (the default)', default: false },
    ann: { type: 'boolean', help: 'search the usearch index saved in the cache folder', default: false },
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
    if (opts.exact && opts.ann) throw new InputError('--exact and --ann: give one of them');
    await ctx.backend();
    const annSettings: Partial<AnnSettings> = {
      metric: opts.metric as AnnSettings['metric'] | undefined,
      quantization: opts.quantization as AnnSettings['quantization'] | undefined,
      connectivity: opts.connectivity as number | undefined,
      expansionAdd: opts.expansionAdd as number | undefined,
      expansionSearch: opts.expansionSearch as number | undefined,
    };
    const found = await searchCacheFolder({
      cacheDir: opts.cache as string,
      queries: opts.queries as string | undefined,
      encoder: opts.encoder as string | undefined,
      queryEmbeddings: opts.queryEmbeddings as string | undefined,
      k: opts.k as number,
      method: opts.ann ? 'ann' : 'exact',
      poolSize: opts.poolSize as number | undefined,
      buildIndex: opts.buildIndex as boolean,
      annSettings,
      blockRows: opts.blockRows as number,
      progress: ctx.progress,
      signal: ctx.signal,
    });
    writeRun(opts.out as string, searchToRun(found), { tag: opts.tag as string });
    ctx.log(`${opts.out}: ${found.queryIds.length} queries × top-${opts.k} (${opts.ann ? 'ann' : 'exact'})`);
  },
};
