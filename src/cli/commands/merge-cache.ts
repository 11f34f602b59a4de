import { defineCommand } from '../command';
import { InputError } from '../../util/errors';
import { mergeCache } from '../../cache/merge';

export const mergeCacheCommand = defineCommand({
  name: 'merge-cache',
  summary: 'join the parts of a sharded cache build (build-cache --shard i/n) into one cache',
  usage: '--out caches/x caches/x.part0 caches/x.part1 ...',
  flags: {
    out: { type: 'string', help: 'folder of the merged cache', placeholder: 'dir', required: true },
    move: { type: 'boolean', help: 'move the shard files out of the parts instead of copying them', default: false },
    verify: { type: 'boolean', help: 'check every part\'s sha256 checksums first', default: false },
  },
  async run(opts, ctx) {
    const parts = opts._;
    if (parts.length === 0) throw new InputError('merge-cache: give the part folders as arguments');
    const m = await mergeCache({ parts, out: opts.out, move: opts.move, verify: opts.verify, progress: ctx.progress, signal: ctx.signal });
    ctx.out(`${opts.out}: ${m.rows} rows × ${m.dim} ${m.dtype} in ${m.shards.length} shard(s) from ${parts.length} parts`);
  },
});
