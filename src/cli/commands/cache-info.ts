import { defineCommand } from '../command';
import { InputError } from '../../util/errors';
import { openCache } from '../../cache/reader';
import { MANIFEST_FILE } from '../../cache/manifest';

export const cacheInfoCommand = defineCommand({
  name: 'cache-info',
  summary: 'show an embedding cache\'s manifest; --verify checks every shard\'s sha256',
  usage: '<cache dir> [--verify] [--json]',
  flags: {
    verify: { type: 'boolean', help: 'check the sha256 of every shard file', default: false },
    json: { type: 'boolean', help: 'print the manifest as JSON', default: false },
  },
  async run(opts, ctx) {
    const dir = opts._[0];
    if (!dir) throw new InputError('cache-info: give the cache folder as the argument');
    const r = await openCache(dir, { verify: opts.verify, allowPart: true });
    try {
      const m = r.manifest;
      if (opts.json) {
        ctx.out(JSON.stringify(m, null, 2));
        return;
      }
      const at = r.embeddedAt;
      let lo = Infinity;
      let hi = -Infinity;
      for (const s of at) {
        if (s < lo) lo = s;
        if (s > hi) hi = s;
      }
      const bytes = m.shards.reduce((n, s) => n + s.bytes, 0);
      ctx.out(`${dir}/${MANIFEST_FILE}: format v${m.version}, created ${m.created}`);
      ctx.out(`rows ${m.rows}, dim ${m.dim}, dtype ${m.dtype}, normalized ${m.normalized}, ${(bytes / 2 ** 20).toFixed(1)} MiB in ${m.shards.length} shard(s) of ${m.shardRows} rows`);
      ctx.out(`encoder ${m.encoder.kind} fingerprint ${m.encoder.fingerprint} step ${m.step}`);
      if (m.rows > 0) ctx.out(`embedded-at steps ${lo}..${hi}; refreshed shards ${m.shards.filter((s) => s.generation > 0).length}`);
      if (m.part) ctx.out(`part ${m.part.index}/${m.part.count} (0-based): rows ${m.part.start}..${m.part.end} of ${m.part.totalRows}; join with merge-cache`);
      if (opts.verify) ctx.out('checksums: ok');
    } finally {
      r.close();
    }
  },
});
