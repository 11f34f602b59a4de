import type { Command } from '../command';
import { InputError } from '../../util/errors';
import { buildCacheFromFile, cacheEncoder } from '../../cache/from-file';
import type { CacheDtype } from '../../cache/types';
import { shardFromEnvironment } from '../../cache/shard-env';

/** Parses `--shard i/n` (0 <= i < n). */
export function parseShardFlag(value: string | undefined): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new InputError(`--shard: expected i/n with 0 <= i < n (e.g. 0/4), got '${value}'`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

export const buildCacheCommand: Command = {
  name: 'build-cache',
  summary: 'encode a corpus into an embedding cache (resumable; --shard i/n builds one part)',
  usage: '--corpus data/wordnet/corpus.jsonl --out caches/x [--encoder random|glove|<dir>] [--dtype f32|f16] [--shard i/n]',
  flags: {
    corpus: { type: 'string', help: 'corpus.jsonl (or .gz), or a dataset folder holding one', placeholder: 'file', required: true },
    out: { type: 'string', help: 'cache folder to write (rerun the same command to resume a killed build)', placeholder: 'dir', required: true },
    encoder: { type: 'string', help: 'random (fixed random projection), glove (GloVe bag) or a saved encoder folder', default: 'random', placeholder: 'random|glove|dir' },
    dim: { type: 'int', help: 'output dimension of the random encoder', default: 128 },
    seed: { type: 'int', help: 'seed of the random encoder', default: 0 },
    dtype: { type: 'string', help: 'storage type of the shards', default: 'f32', choices: ['f32', 'f16'] },
    shard: { type: 'string', help: 'build part i of n (0-based); without it, from SLURM_ARRAY_TASK_ID/COUNT, JOB_COMPLETION_INDEX/FRESHCACHE_SHARD_COUNT or FRESHCACHE_SHARD (0/1: the whole corpus); join the parts with merge-cache', placeholder: 'i/n' },
    totalRows: { type: 'int', help: 'corpus rows (sharded builds count them when not given)' },
    batchSize: { type: 'int', help: 'texts per encoder call', default: 256 },
    shardRows: { type: 'int', help: 'rows per shard file (the same for every part)', default: 65536 },
    step: { type: 'int', help: 'training step of the encoder, recorded as each row\'s embedded-at', default: 0 },
    checkDuplicates: { type: 'boolean', help: 'refuse repeated corpus ids (keeps all ids in memory)', default: true },
  },
  async run(opts, ctx) {
    const fromEnv = opts.shard === undefined ? shardFromEnvironment(process.env) : undefined;
    if (fromEnv) ctx.log(`build-cache: part ${fromEnv.index}/${fromEnv.count} from ${fromEnv.from} (--shard 0/1 builds the whole corpus)`);
    const spec = String(opts.encoder);
    if (spec !== 'random') await ctx.backend();
    const encoder = await cacheEncoder(spec, { dim: opts.dim as number, seed: opts.seed as number });
    try {
      const m = await buildCacheFromFile({
        corpus: String(opts.corpus),
        dir: String(opts.out),
        encoder,
        dtype: opts.dtype as CacheDtype,
        shard: parseShardFlag(opts.shard as string | undefined) ?? fromEnv,
        totalRows: opts.totalRows as number | undefined,
        batchSize: opts.batchSize as number,
        shardRows: opts.shardRows as number,
        step: opts.step as number,
        checkDuplicates: opts.checkDuplicates as boolean,
        progress: ctx.progress,
        signal: ctx.signal,
      });
      const part = m.part ? ` (part ${m.part.index}/${m.part.count}: rows ${m.part.start}..${m.part.end} of ${m.part.totalRows})` : '';
      ctx.out(`${opts.out}: ${m.rows} rows × ${m.dim} ${m.dtype} in ${m.shards.length} shard(s), encoder ${m.encoder.kind} ${m.encoder.fingerprint.slice(0, 12)}${part}`);
    } finally {
      encoder.dispose();
    }
  },
};
