/**
 * Search benchmarks: exact blocked top-k over a large on-disk cache (f32 and f16 shards), with and
 * without a corrector transform, against the memory bandwidth measured in the same run; Gumbel-top-k
 * sampling; the usearch HNSW index (build time, queries/s, recall@k against exact search at default
 * and tuned settings); and the same recall measurement on a realistic cache (the WordNet default
 * task's 117,791 passages embedded by the GloVe bag encoder). Writes results/bench-search.json.
 *
 *   node --import tsx bench/search.ts [flags]   (--help lists them: SEARCH_OPTIONS)
 *
 * Synthetic data: `rows` × `dim` float32 in 1000 Gaussian clusters (centre norm ≈ 1, within-cluster
 * spread 0.35), queries = random rows plus noise 0.1; deterministic (seeded). The caches are built
 * with `buildCache` into a temp folder (removed at the end) and read back with `openCache`, so the
 * exact search times include the pread of every shard (from the page cache) and the f16 → f32
 * conversion. Memory bandwidth: best of a 512 MiB TypedArray copy (bytes read + written) and a
 * 4-accumulator JS sum (bytes read); the "fraction of bandwidth" is cache bytes read per second
 * over that. The corrector is h(e) = e + W2·relu(W1·e + b1) + b2 with a hidden width of 2·dim.
 * "Tuned" ANN settings: expansionSearch (ef_search) 128/256/512 on the same index (set at open
 * time), and with --wordnet-tuned-build a second WordNet index with M 32, ef_construction 256.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../src/tensor';
import { Rng } from '../src/util/rng';
import { defineOptions } from '../src/util/options';
import { buildCache } from '../src/cache/build';
import { openCache } from '../src/cache/reader';
import { MemoryEmbeddings } from '../src/cache/memory';
import type { CacheDtype, EmbeddingSource } from '../src/cache/types';
import {
  exactSearch, gumbelTopK, buildAnnIndex, openAnnIndex, recallAtK,
  type BlockTransform, type SearchResult, type AnnSettings, type AnnIndex,
} from '../src/search';
import { benchMain, writeBenchRecord, type BenchArgs } from './harness';
import { clusteredRows, queriesNearRows, wordnetEmbeddings } from './vectors';

const SECTIONS = ['bandwidth', 'exact', 'gumbel', 'ann', 'wordnet'] as const;
const SEARCH_OPTIONS = defineOptions({
  rows: { type: 'int', help: 'synthetic rows', default: 1_000_000, min: 1 },
  dim: { type: 'int', help: 'synthetic dimension', default: 128, min: 1, max: 65536 },
  queries: { type: 'int', help: 'queries', default: 1000, min: 1 },
  k: { type: 'int', help: 'top-k', default: 10, min: 1, max: 100_000 },
  blockRows: { type: 'int', help: 'cache rows scored per block', default: 16384, min: 1, max: 1 << 26 },
  sections: { type: 'list', of: 'string', help: 'parts to run', default: SECTIONS, choices: SECTIONS },
  annRows: { type: 'int', help: 'synthetic rows indexed by HNSW', defaultText: 'rows', min: 1 },
  wordnetQueries: { type: 'int', help: 'queries of the WordNet section', default: 1000, min: 1 },
  wordnetTunedBuild: { type: 'boolean', help: 'also build a WordNet index with M 32, ef_construction 256', default: false },
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-search.json'), placeholder: 'file' },
});
const log = (s: string) => process.stderr.write(s + '\n');
const round = (x: number, d = 3) => +x.toPrecision(d + 1);

async function timed<T>(fn: () => Promise<T> | T, reps: number): Promise<{ result: T; best: number; all: number[] }> {
  let result!: T;
  const all: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    result = await fn();
    all.push((performance.now() - t0) / 1000);
  }
  return { result, best: Math.min(...all), all: all.map((x) => round(x)) };
}

function measureBandwidth(): Record<string, number> {
  const n = 128 * 2 ** 20; // 512 MiB of float32
  const src = new Float32Array(n);
  for (let i = 0; i < n; i += 1024) src[i] = i;
  const dst = new Float32Array(n);
  dst.set(src);
  let copy = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    dst.set(src);
    copy = Math.min(copy, (performance.now() - t0) / 1000);
  }
  let sum = Infinity;
  let guard = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    let a = 0, b = 0, c = 0, d = 0;
    for (let i = 0; i < n; i += 4) {
      a += src[i]; b += src[i + 1]; c += src[i + 2]; d += src[i + 3];
    }
    guard += a + b + c + d;
    sum = Math.min(sum, (performance.now() - t0) / 1000);
  }
  const copyGBs = (2 * n * 4) / copy / 1e9;
  const sumGBs = (n * 4) / sum / 1e9;
  return { copyGBps: round(copyGBs), readSumGBps: round(sumGBs), bandwidthGBps: round(Math.max(copyGBs, sumGBs)), guard: guard === -1 ? 1 : 0 };
}

function corrector(dim: number, seed: number): { fn: BlockTransform; dispose: () => void; hidden: number } {
  const hidden = 2 * dim;
  const w1 = tf.randomNormal([dim, hidden], 0, 1 / Math.sqrt(dim), 'float32', seed);
  const b1 = tf.zeros([hidden]);
  const w2 = tf.randomNormal([hidden, dim], 0, 0.1 / Math.sqrt(hidden), 'float32', seed + 1);
  const b2 = tf.zeros([dim]);
  const fn: BlockTransform = (e) => tf.add(e, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(e, w1), b1)), w2), b2)) as tf.Tensor2D;
  return { fn, hidden, dispose: () => tf.dispose([w1, b1, w2, b2]) };
}

async function buildDiskCache(dir: string, data: Float32Array, dim: number, dtype: CacheDtype): Promise<number> {
  const rows = data.length / dim;
  const corpus = (function* () {
    for (let i = 0; i < rows; i++) yield { id: `r${i}`, title: '', text: String(i) };
  })();
  const encode = async (texts: string[]) => {
    const out = new Float32Array(texts.length * dim);
    texts.forEach((t, i) => out.set(data.subarray(Number(t) * dim, (Number(t) + 1) * dim), i * dim));
    return out;
  };
  const t0 = performance.now();
  await buildCache({ dir, corpus, encode, encoder: { kind: 'bench', fingerprint: 'bench', config: {} }, dim, dtype, normalized: false, batchSize: 8192, textOf: (d) => d.text });
  return (performance.now() - t0) / 1000;
}

/** Recall@k and queries/s of an index at several expansionSearch values (index saved in `dir`). */
async function annSweep(dir: string, queries: Float32Array, exact: SearchResult, k: number, efs: number[]) {
  const out = [];
  for (const ef of efs) {
    const idx = await openAnnIndex({ dir, mode: 'view', expansionSearch: ef, checkStale: false });
    idx.search(queries.subarray(0, idx.dim * 10), k); // warm the mapping
    const t = await timed(() => idx.search(queries, k), 2);
    const recall = recallAtK(t.result, exact);
    out.push({ expansionSearch: ef, seconds: round(t.best), queriesPerSecond: round(exact.nq / t.best), recallAtK: round(recall, 4) });
    log(`  ef_search ${ef}: ${round(exact.nq / t.best)} q/s, recall@${k} ${round(recall, 4)}`);
  }
  return out;
}

async function buildAndSave(source: EmbeddingSource, settings: Partial<AnnSettings>, dir: string) {
  let last = 0;
  const t = await timed(() => buildAnnIndex({
    source, settings, blockRows: 65536,
    progress: (e) => { if (e.done - last >= 250000 || e.done === e.total) { last = e.done; log(`  build: ${e.done}/${e.total}`); } },
  }), 1);
  const t0 = performance.now();
  (t.result as AnnIndex).save(dir);
  const saveSeconds = (performance.now() - t0) / 1000;
  const bytes = fs.statSync(path.join(dir, 'index.usearch')).size;
  return { settings: (t.result as AnnIndex).settings, buildSeconds: round(t.best), rowsPerSecond: round(source.rows / t.best), saveSeconds: round(saveSeconds), fileMiB: round(bytes / 2 ** 20) };
}

async function main(o: BenchArgs<typeof SEARCH_OPTIONS>) {
  const { rows, dim, queries: nq, k, blockRows, wordnetQueries: wnQueries, out } = o;
  const annRows = o.annRows ?? rows;
  const sections = new Set<string>(o.sections);
  const backend = await initBackend();
  log(backend.summary);
  const started = performance.now();
  const report: Record<string, unknown> = {
    machine: { backend: backend.summary, loadAvgAtStart: os.loadavg().map((x) => round(x)) },
    settings: { rows, dim, queries: nq, k, blockRows, data: '1000 Gaussian clusters, centre norm ~1, spread 0.35; queries = rows + noise 0.1 (seeded)' },
  };
  let bandwidth = NaN;
  if (sections.has('bandwidth') || sections.has('exact')) {
    const bw = measureBandwidth();
    bandwidth = bw.bandwidthGBps;
    delete (bw as Record<string, number>).guard;
    report.memoryBandwidth = bw;
    log(`bandwidth: copy ${bw.copyGBps} GB/s, read-sum ${bw.readSumGBps} GB/s`);
  }
  const needData = sections.has('exact') || sections.has('gumbel') || sections.has('ann');
  const rng = new Rng(1);
  const data = needData ? clusteredRows(rng, rows, dim, 1000, 0.35) : new Float32Array(0);
  const queries = needData ? queriesNearRows(rng, data, dim, nq, 0.1) : new Float32Array(0);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-bench-search-'));
  let exactRef: SearchResult | null = null;
  try {
    if (sections.has('exact') || sections.has('gumbel')) {
      const exact: Record<string, unknown>[] = [];
      const corr = corrector(dim, 3);
      const flopsScore = 2 * nq * rows * dim;
      const flopsCorr = rows * 2 * (2 * dim * corr.hidden);
      for (const dtype of ['f32', 'f16'] as CacheDtype[]) {
        const dir = path.join(tmp, `cache-${dtype}`);
        const buildSeconds = await buildDiskCache(dir, data, dim, dtype);
        const cache = await openCache(dir);
        log(`cache ${dtype}: built in ${round(buildSeconds)} s`);
        const bytes = rows * dim * (dtype === 'f16' ? 2 : 4);
        for (const withCorrector of [false, true]) {
          if (!sections.has('exact')) break;
          const t = await timed(() => exactSearch({ source: cache, queries, k, blockRows, transform: withCorrector ? corr.fn : undefined }), 2);
          if (dtype === 'f32' && !withCorrector) exactRef = t.result;
          const flops = flopsScore + (withCorrector ? flopsCorr : 0);
          const rec = {
            source: `on-disk cache ${dtype}`, corrector: withCorrector, queries: nq, blockRows, seconds: round(t.best), runs: t.all,
            queriesPerSecond: round(nq / t.best), cacheGBps: round(bytes / t.best / 1e9), fractionOfBandwidth: round(bytes / t.best / 1e9 / bandwidth),
            gflops: round(flops / t.best / 1e9),
          };
          exact.push(rec);
          log(`exact ${dtype}${withCorrector ? ' + corrector' : ''}: ${rec.queriesPerSecond} q/s, ${rec.cacheGBps} GB/s of cache (${rec.fractionOfBandwidth} of bandwidth), ${rec.gflops} GFLOP/s`);
        }
        if (sections.has('exact')) {
          // a small batch: scoring is cheap per row read, so this shows the read path's own speed
          const sq = Math.min(nq, 16);
          const t = await timed(() => exactSearch({ source: cache, queries: queries.subarray(0, sq * dim), k, blockRows: 65536 }), 2);
          const rec = {
            source: `on-disk cache ${dtype}`, corrector: false, queries: sq, blockRows: 65536, seconds: round(t.best), runs: t.all,
            queriesPerSecond: round(sq / t.best), cacheGBps: round(bytes / t.best / 1e9), fractionOfBandwidth: round(bytes / t.best / 1e9 / bandwidth),
            gflops: round((2 * sq * rows * dim) / t.best / 1e9),
          };
          exact.push(rec);
          log(`exact ${dtype}, ${sq} queries: ${rec.queriesPerSecond} q/s, ${rec.cacheGBps} GB/s of cache (${rec.fractionOfBandwidth} of bandwidth)`);
        }
        if (dtype === 'f32' && sections.has('gumbel')) {
          const gq = Math.min(nq, 100);
          const t = await timed(() => gumbelTopK({ source: cache, queries: queries.subarray(0, gq * dim), k, blockRows, beta: 20, seed: 1 }), 1);
          report.gumbel = { source: 'on-disk cache f32', queries: gq, k, beta: 20, seconds: round(t.best), queriesPerSecond: round(gq / t.best), nsPerScoredRow: round((t.best * 1e9) / (gq * rows)) };
          log(`gumbel-top-${k}: ${round(gq / t.best)} q/s`);
        }
        cache.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
      corr.dispose();
      if (exact.length) {
        const mem = new MemoryEmbeddings(data, dim);
        const t = await timed(() => exactSearch({ source: mem, queries, k, blockRows }), 2);
        exact.push({ source: 'in-memory f32', corrector: false, queries: nq, blockRows, seconds: round(t.best), runs: t.all, queriesPerSecond: round(nq / t.best), cacheGBps: round((rows * dim * 4) / t.best / 1e9), fractionOfBandwidth: round((rows * dim * 4) / t.best / 1e9 / bandwidth), gflops: round(flopsScore / t.best / 1e9) });
        log(`exact in-memory f32: ${round(nq / t.best)} q/s`);
        report.exact = exact;
      }
    }
    if (sections.has('ann')) {
      const annData = data.subarray(0, annRows * dim);
      const source = new MemoryEmbeddings(annData, dim);
      const ref = annRows === rows && exactRef ? exactRef : await exactSearch({ source, queries, k, blockRows });
      const dir = path.join(tmp, 'ann');
      log(`usearch: building on ${annRows} rows`);
      const build = await buildAndSave(source, {}, dir);
      log(`  built in ${build.buildSeconds} s, ${build.fileMiB} MiB`);
      const sweep = await annSweep(dir, queries, ref, k, [64, 128, 256, 512]);
      report.ann = { rows: annRows, queries: nq, k, build, search: sweep };
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (sections.has('wordnet')) report.wordnet = await wordnetSection(tmp, k, wnQueries, blockRows, o.wordnetTunedBuild);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  report.totalSeconds = round((performance.now() - started) / 1000);
  writeBenchRecord(out, 'search', report, log);
}

/** Recall of the index on GloVe-bag embeddings of the WordNet default task (data/wordnet). */
async function wordnetSection(tmp: string, k: number, nq: number, blockRows: number, tunedBuild: boolean) {
  const wn = await wordnetEmbeddings(nq, log);
  const q = wn.queries;
  const source = new MemoryEmbeddings(wn.data, wn.dim);
  const ref = await timed(() => exactSearch({ source, queries: q, k, blockRows }), 1);
  const runs = [];
  const builds: [string, Partial<AnnSettings>][] = [['default', {}]];
  if (tunedBuild) builds.push(['M32-efAdd256', { connectivity: 32, expansionAdd: 256 }]);
  for (const [name, settings] of builds) {
    const idxDir = path.join(tmp, `wn-${name}`);
    const build = await buildAndSave(source, settings, idxDir);
    log(`wordnet index ${name}: built in ${build.buildSeconds} s`);
    runs.push({ name, build, search: await annSweep(idxDir, q, ref.result, k, [64, 128, 256, 512]) });
    fs.rmSync(idxDir, { recursive: true, force: true });
  }
  return {
    task: wn.dir, passages: wn.passages, dim: wn.dim, encoder: 'glove-bag (wink 100-d, mean pooling, normalised)', queries: wn.queryCount, k,
    passageText: 'defaultTextOf (title and text, as buildCache embeds them)', encodeSeconds: round(wn.encodeSeconds), exactSeconds: round(ref.best), exactQueriesPerSecond: round(wn.queryCount / ref.best), indexes: runs,
  };
}

benchMain('bench/search.ts', 'exact blocked top-k against memory bandwidth, Gumbel-top-k, the HNSW index, recall on WordNet', SEARCH_OPTIONS, main);
