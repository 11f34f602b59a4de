import { defineCommand } from '../command';
import { InputError } from '../../util/errors';
import { buildCacheFromFile } from '../../cache/from-file';
import { datasetFolderOf, resolveEncoderSpec } from '../../train/encoder-spec';
import { ZERO_SHOT_ENCODER } from '../../train/zero-shot';
import { CACHE_DTYPES } from '../../cache/types';
import { SEED_RANGE } from '../../train/config';
import { shardFromEnvironment } from '../../cache/shard-env';

/** Parses `--shard i/n` (0 <= i < n). */
export function parseShardFlag(value: string | undefined): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new InputError(`--shard: expected i/n with 0 <= i < n (e.g. 0/4), got '${value}'`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

export const buildCacheCommand = defineCommand({
  name: 'build-cache',
  resumes: true,
  summary: 'encode a corpus into an embedding cache (resumable; --shard i/n builds one part)',
  usage: '--corpus data/my-task --out caches/x [--encoder zero-shot|random|glove|<dir>] [--dtype f32|f16] [--shard i/n]',
  flags: {
    corpus: { type: 'string', help: 'corpus.jsonl (or .gz), or a dataset folder holding one', placeholder: 'file', required: true },
    out: { type: 'string', help: 'cache folder to write (rerun the same command to resume a killed build)', placeholder: 'dir', required: true },
    encoder: { type: 'string', help: 'zero-shot (the encoder training starts from: IDF-weighted GloVe bag of the dataset), random (fixed random projection), glove (uniform-mean GloVe bag), a saved encoder folder or a run folder', default: ZERO_SHOT_ENCODER, placeholder: 'name|dir' },
    dataset: { type: 'string', help: 'dataset folder the zero-shot encoder is built from', defaultText: 'the --corpus folder', placeholder: 'dir' },
    dim: { type: 'int', help: 'output dimension of the random encoder', default: 128, min: 1, max: 65536 },
    seed: { type: 'int', help: 'seed of the random encoder', default: 0, ...SEED_RANGE },
    dtype: { type: 'string', help: 'storage type of the shards', default: 'f32', choices: CACHE_DTYPES },
    shard: { type: 'string', help: 'build part i of n (0-based); without it, from SLURM_ARRAY_TASK_ID/COUNT, JOB_COMPLETION_INDEX/FRESHCACHE_SHARD_COUNT or FRESHCACHE_SHARD (0/1: the whole corpus); join the parts with merge-cache', placeholder: 'i/n' },
    totalRows: { type: 'int', help: 'corpus rows', defaultText: 'counted (sharded builds)', min: 1 },
    batchSize: { type: 'int', help: 'texts per encoder call', default: 256, min: 1, max: 1 << 20 },
    shardRows: { type: 'int', help: 'rows per shard file (the same for every part)', default: 65536, min: 1, max: 1 << 30 },
    step: { type: 'int', help: 'training step of the encoder, recorded as each row\'s embedded-at', default: 0, min: 0, max: 2 ** 31 - 1 },
    checkDuplicates: { type: 'boolean', help: 'refuse repeated corpus ids (keeps all ids in memory)', default: true },
  },
  async run(opts, ctx) {
    const fromEnv = opts.shard === undefined ? shardFromEnvironment(process.env) : undefined;
    if (fromEnv) ctx.log(`build-cache: part ${fromEnv.index}/${fromEnv.count} from ${fromEnv.from} (--shard 0/1 builds the whole corpus)`);
    const spec = opts.encoder;
    if (spec !== 'random') await ctx.backend();
    const dataset = opts.dataset ?? datasetFolderOf(opts.corpus);
    const named = await resolveEncoderSpec(spec, { dataset, dim: opts.dim, seed: opts.seed, progress: ctx.progress, signal: ctx.signal });
    const { encoder } = named;
    try {
      if (named.note) ctx.log(`note: ${named.note}`);
      const m = await buildCacheFromFile({
        corpus: opts.corpus,
        dir: opts.out,
        encoder,
        encoderName: spec,
        dtype: opts.dtype,
        shard: parseShardFlag(opts.shard) ?? fromEnv,
        totalRows: opts.totalRows,
        batchSize: opts.batchSize,
        shardRows: opts.shardRows,
        step: opts.step,
        checkDuplicates: opts.checkDuplicates,
        progress: ctx.progress,
        signal: ctx.signal,
      });
      const part = m.part ? ` (part ${m.part.index}/${m.part.count}: rows ${m.part.start}..${m.part.end} of ${m.part.totalRows})` : '';
      ctx.out(`${opts.out}: ${m.rows} rows × ${m.dim} ${m.dtype} in ${m.shards.length} shard(s), encoder ${spec} (${m.encoder.kind}) ${m.encoder.fingerprint.slice(0, 12)}${part}`);
    } finally {
      encoder.dispose();
    }
  },
});
