/**
 * Cache build throughput and memory: rows/s and peak RSS of `buildCache` at 100k and 1M rows of a
 * synthetic corpus, with a fixed cheap encoder (dim 128), each size in its own child process so
 * that `process.resourceUsage().maxRSS` is that build's peak. The goal: peak RSS at 1M within 1.2×
 * of that at 100k (memory flat in the corpus size). Writes results/bench-cache-build.json.
 *
 * Each size runs twice: with Node's default V8 flags, and with `--max-semi-space-size=1` (young
 * generation fixed at 1 MiB semi-spaces). V8 grows its young generation and old-space limits with
 * run time and allocation rate, not with live data, so with the defaults a 100k-row build (about a
 * second) ends before the heap reaches its steady size and the 1M/100k ratio mostly measures V8's
 * warm-up; the fixed young generation takes that out. Both are reported. Children run with
 * --expose-gc to report the live heap after a full GC at the end (what the build retains).
 *
 *   node --import tsx bench/cache-build.ts [--sizes 100000,1000000] [--dtype f32|f16] [--dim 128]
 *        [--batch 1024] [--shard-rows 65536] [--out results/bench-cache-build.json]
 *
 * Timed: the whole `buildCache` call (corpus generation, encoding, f16 conversion, sha256, writes
 * with an fsync per shard file). The encoder is a per-text xorshift generator seeded by a hash of
 * the text: cheap on purpose, so the numbers measure the cache machinery, not an encoder.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildCache, type CorpusDoc } from '../src/cache/build';
import { CACHE_DTYPES, type CacheDtype } from '../src/cache/types';
import { defineOptions } from '../src/util/options';
import { benchMain, writeBenchRecord, type BenchArgs } from './harness';

const CACHE_BUILD_OPTIONS = defineOptions({
  sizes: { type: 'list', of: 'int', help: 'corpus rows, each built in its own child process', default: [100_000, 1_000_000], min: 1 },
  dtype: { type: 'string', help: 'storage type of the shards', default: 'f32', choices: CACHE_DTYPES },
  dim: { type: 'int', help: 'embedding dimension', default: 128, min: 1, max: 65536 },
  batch: { type: 'int', help: 'texts per encoder call', default: 1024, min: 1, max: 1 << 20 },
  shardRows: { type: 'int', help: 'rows per shard file', default: 65536, min: 1, max: 1 << 30 },
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-cache-build.json'), placeholder: 'file' },
  child: { type: 'int', help: 'internal: build this many rows in this process and print its measurement', min: 1 },
});
type Options = BenchArgs<typeof CACHE_BUILD_OPTIONS>;

/** Deterministic cheap embedding of a text: xorshift32 stream seeded by FNV-1a of the text, values in [-1, 1). */
export function cheapEncode(dim: number) {
  return async (texts: string[]): Promise<Float32Array> => {
    const out = new Float32Array(texts.length * dim);
    for (let r = 0; r < texts.length; r++) {
      const t = texts[r];
      let h = 0x811c9dc5;
      for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
      let x = h | 1;
      for (let j = 0; j < dim; j++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[r * dim + j] = (x >>> 0) / 2147483648 - 1;
      }
    }
    return out;
  };
}

async function* syntheticCorpus(rows: number): AsyncGenerator<CorpusDoc> {
  for (let i = 0; i < rows; i++) yield { id: `doc${i}`, title: `title ${i % 997}`, text: `synthetic passage number ${i} about topic ${i % 1000} and subtopic ${(i * 7919) % 5003}` };
}

interface ChildResult {
  rows: number;
  dtype: CacheDtype;
  dim: number;
  batchSize: number;
  shardRows: number;
  seconds: number;
  rowsPerSecond: number;
  mbPerSecond: number;
  bytesWritten: number;
  rssBeforeMiB: number;
  peakRssMiB: number;
  heapUsedAfterMiB: number;
  /** Live heap after a forced full GC once the build returned: what it retains. */
  liveHeapAfterGcMiB: number;
  v8Flags: string[];
}

async function child(o: Options, rows: number): Promise<void> {
  const { dtype, dim, batch: batchSize, shardRows } = o;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cache-build-'));
  try {
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const m = await buildCache({
      dir,
      corpus: syntheticCorpus(rows),
      encode: cheapEncode(dim),
      encoder: { kind: 'bench-xorshift', fingerprint: `bench-xorshift-${dim}`, config: { dim } },
      dim,
      dtype,
      normalized: false,
      batchSize,
      shardRows,
    });
    const seconds = (performance.now() - t0) / 1000;
    const bytes = m.shards.reduce((n, s) => n + s.bytes + s.idsBytes + s.embeddedAtBytes, 0);
    const res: ChildResult = {
      rows: m.rows,
      dtype,
      dim,
      batchSize,
      shardRows,
      seconds: +seconds.toFixed(3),
      rowsPerSecond: Math.round(m.rows / seconds),
      mbPerSecond: +(bytes / 2 ** 20 / seconds).toFixed(1),
      bytesWritten: bytes,
      rssBeforeMiB: +(rssBefore / 2 ** 20).toFixed(1),
      peakRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
      heapUsedAfterMiB: +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1),
      liveHeapAfterGcMiB: NaN,
      v8Flags: process.execArgv.filter((a) => a.startsWith('--max') || a === '--expose-gc'),
    };
    (globalThis as { gc?: () => void }).gc?.();
    res.liveHeapAfterGcMiB = +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1);
    process.stdout.write(JSON.stringify(res) + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function parent(o: Options): Promise<void> {
  const { sizes, out } = o;
  const pass = ['--dtype', o.dtype, '--dim', String(o.dim), '--batch', String(o.batch), '--shard-rows', String(o.shardRows)];
  const configs: { name: string; flags: string[] }[] = [
    { name: 'default V8 flags', flags: [] },
    { name: 'young generation fixed (--max-semi-space-size=1)', flags: ['--max-semi-space-size=1'] },
  ];
  const runs = configs.map((cfg) => {
    const results: ChildResult[] = [];
    for (const n of sizes) {
      const r = spawnSync(process.execPath, [...cfg.flags, '--expose-gc', '--import', 'tsx', __filename, '--child', String(n), ...pass], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`child for ${n} rows failed: ${r.stderr}`);
      const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
      console.error(`[${cfg.name}] ${n} rows: ${res.rowsPerSecond} rows/s (${res.mbPerSecond} MiB/s) in ${res.seconds}s, peak RSS ${res.peakRssMiB} MiB (${res.rssBeforeMiB} MiB before the build; live heap after GC ${res.liveHeapAfterGcMiB} MiB)`);
      results.push(res);
    }
    const small = results[0];
    const large = results[results.length - 1];
    const ratio = +(large.peakRssMiB / small.peakRssMiB).toFixed(3);
    console.error(`[${cfg.name}] peak RSS ratio ${large.rows}/${small.rows} rows: ${ratio} (goal <= 1.2: ${ratio <= 1.2 ? 'met' : 'NOT met'})`);
    return { config: cfg.name, v8Flags: cfg.flags, results, peakRssRatioLargestToSmallest: ratio, goalMet: ratio <= 1.2 };
  });
  writeBenchRecord(out, 'cache-build', {
    encoder: 'xorshift stream seeded by FNV-1a of the text (cheap, fixed)',
    goal: 'peak RSS at the largest size within 1.2x of the smallest',
    runs,
  });
}

// imported (for cheapEncode): run nothing
if (require.main === module) {
  benchMain('bench/cache-build.ts', 'cache build rows/s and peak RSS at two corpus sizes, each in its own process', CACHE_BUILD_OPTIONS, (o) => (o.child ? child(o, o.child) : parent(o)));
}
