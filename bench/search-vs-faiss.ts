/**
 * Our search against FAISS on the same data, queries and thread count, measured interleaved
 * (ours, FAISS, ours, FAISS, ...) in one run:
 *   - exact top-k: src/search exactSearch (tfjs blocked matMul + running top-k) over an in-memory
 *     [rows, dim] float32 matrix vs faiss.IndexFlatIP (queries/s, and the overlap of the two top-k);
 *   - approximate top-k: usearch HNSW (src/search buildAnnIndex, inner product, M / ef_construction
 *     as given) vs faiss.IndexHNSWFlat(M, METRIC_INNER_PRODUCT) with the same efConstruction, both
 *     swept over ef_search (usearch expansion_search / FAISS efSearch); queries/s compared at equal
 *     recall@k (each side's fastest setting that reaches the target recall).
 * Datasets: 'synthetic' (rows × dim in 1000 Gaussian clusters, as bench/search.ts generates them;
 * 'synthetic:2000000x100' names its own size) and 'wordnet' (the offline default task's 117,791
 * passages embedded by the GloVe bag encoder, queries its first `queries` queries). Data goes to
 * FAISS through raw float32 files in os.tmpdir(). Writes results/bench-search-faiss.json.
 *
 * Besides wall time, each measurement records the CPU seconds it used (ours: process.cpuUsage; the
 * peer: utime + stime of its process from /proc), so the ratio can also be read as work per query,
 * which load from other processes on a shared machine does not inflate the way it inflates wall time.
 * The usearch index's vectors are stored as `--quantization` (f32 default; f16 / bf16 halve the
 * memory the graph walk reads; recall is always measured against exact f32 search).
 *
 *   node --import tsx bench/search-vs-faiss.ts [flags]   (--help lists them: SEARCH_VS_FAISS_OPTIONS)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rng } from '../src/util/rng';
import { InputError } from '../src/util/errors';
import { defineOptions, defaultsOf, type Values } from '../src/util/options';
import { summarize, ratioOfMedians, measureInterleaved, peakRssMiB, timeIt, qpsAtRecall, benchMain, writeBenchRecord, type SweepPoint } from './harness';
import { startPeer, type PeerProcess } from './peer-client';
import { clusteredRows, queriesNearRows, wordnetEmbeddings } from './vectors';
import type { AnnQuantization } from '../src/search';

const SIZED_SYNTHETIC = /^synthetic(?::(\d+)x(\d+))?$/;

function checkDataset(name: string, where: string): void {
  if (name !== 'wordnet' && !SIZED_SYNTHETIC.test(name)) throw new InputError(`${where}: unknown dataset '${name}'; expected synthetic, synthetic:<rows>x<dim> or wordnet`);
}

export const SEARCH_VS_FAISS_OPTIONS = defineOptions({
  rows: { type: 'int', help: 'synthetic rows', default: 1_000_000, min: 1 },
  dim: { type: 'int', help: 'synthetic dimension', default: 128, min: 1, max: 65536 },
  queries: { type: 'int', help: 'queries', default: 1000, min: 1 },
  k: { type: 'int', help: 'top-k', default: 10, min: 1, max: 100_000 },
  threads: { type: 'int', help: 'threads for ours and FAISS', default: 2, min: 1, max: 1024 },
  rounds: { type: 'int', help: 'interleaved rounds', default: 3, min: 1, max: 1000 },
  datasets: { type: 'list', of: 'string', help: 'data to search: synthetic (--rows × --dim), synthetic:<rows>x<dim>, wordnet', default: ['synthetic', 'wordnet'], check: checkDataset },
  annRows: { type: 'int', help: 'synthetic rows indexed by HNSW', defaultText: 'rows', min: 1 },
  M: { type: 'int', help: 'HNSW graph degree', flag: 'M', default: 16, min: 2, max: 1024 },
  efConstruction: { type: 'int', help: 'HNSW ef_construction', default: 128, min: 1, max: 1_000_000 },
  efs: { type: 'list', of: 'int', help: 'ef_search values of the sweep', flag: 'ef', default: [16, 24, 32, 48, 64, 96, 128, 192, 256, 512], min: 1, max: 1_000_000 },
  ann: { type: 'boolean', help: 'compare the HNSW indexes too (--no-ann: exact search only)', default: true },
  targets: { type: 'list', of: 'number', help: 'recalls at which queries/s are compared', default: [0.9, 0.95, 0.99], min: 0, minExclusive: true, max: 1 },
  quantization: { type: 'string', help: 'storage of the usearch index\'s vectors', default: 'f32', choices: ['f32', 'f16', 'bf16'] },
  python: { type: 'string', help: 'peer python with faiss-cpu', placeholder: 'path', defaultText: '$FRESHCACHE_PYTHON, else bench/peers/.venv/bin/python' },
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-search-faiss.json'), placeholder: 'file' },
});
export type SearchVsFaissOptions = Partial<Values<typeof SEARCH_VS_FAISS_OPTIONS>> & { log?: (line: string) => void };

/** Mean over queries of |A_q ∩ B_q| / k for two [nq, k] id lists (recall@k of A against B). */
export function overlapAtK(a: ArrayLike<number>, b: ArrayLike<number>, nq: number, k: number): number {
  let hits = 0;
  for (let q = 0; q < nq; q++) {
    const set = new Set<number>();
    for (let j = 0; j < k; j++) set.add(Number(b[q * k + j]));
    for (let j = 0; j < k; j++) if (set.has(Number(a[q * k + j]))) hits++;
  }
  return hits / (nq * k);
}

/**
 * For each target recall, each side's queries/s at exactly that recall (qpsAtRecall: linear between
 * the two sweep points around it), the fastest sweep point reaching it, and the ratio ours / peer of
 * the interpolated queries/s; null where a side never reaches the target.
 */
export function atEqualRecall(ours: SweepPoint[], peer: SweepPoint[], targets: number[]) {
  const best = (pts: SweepPoint[], t: number) => pts.filter((p) => p.recall >= t).sort((x, y) => y.qps - x.qps)[0] ?? null;
  return targets.map((t) => {
    const o = qpsAtRecall(ours, t);
    const p = qpsAtRecall(peer, t);
    return { targetRecall: t, oursQps: o, peerQps: p, ours: best(ours, t), peer: best(peer, t), ratio: o !== null && p !== null ? o / p : null };
  });
}

/** CPU seconds (user + system) used so far by this process, or by process `pid` (Linux /proc; 10 ms ticks). */
export function cpuSecondsOf(pid?: number): number {
  if (pid === undefined) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * Wraps contestants so each run's CPU seconds (per search: divided by `per`) are recorded too; the
 * first run of each is the warm-up (measureInterleaved runs one warm-up round first) and is dropped.
 */
function withCpu(contestants: { name: string; run: () => Promise<number>; pid?: number; per?: number }[]) {
  const cpu: Record<string, number[]> = {};
  const wrapped = contestants.map((c) => ({
    name: c.name,
    run: async () => {
      const c0 = cpuSecondsOf(c.pid);
      const s = await c.run();
      (cpu[c.name] ??= []).push((cpuSecondsOf(c.pid) - c0) / (c.per ?? 1));
      return s;
    },
  }));
  return { wrapped, cpu: () => Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v.slice(1)])) };
}

function writeF32(file: string, a: Float32Array): void {
  fs.writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Runs the comparison and writes its JSON; returns the record. */
export async function runSearchVsFaiss(opts: SearchVsFaissOptions = {}): Promise<Record<string, unknown>> {
  const o = { ...defaultsOf(SEARCH_VS_FAISS_OPTIONS), ...opts };
  const { rows, dim, queries: nq, k, threads, rounds, datasets, M, efConstruction: efC, targets, quantization, out } = o;
  const efs = o.ann ? o.efs : [];
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  process.env.TF_NUM_INTEROP_THREADS = '1';
  const { initBackend } = await import('../src/tensor');
  const { MemoryEmbeddings } = await import('../src/cache/memory');
  const { exactSearch, buildAnnIndex, openAnnIndex, recallAtK } = await import('../src/search');
  const backend = await initBackend(process.env.FRESHCACHE_BACKEND ? undefined : 'tensorflow');
  log(backend.summary);
  const python = o.python ?? process.env.FRESHCACHE_PYTHON ?? path.join('bench', 'peers', '.venv', 'bin', 'python');
  const peerOrWhy = startPeer(python, path.join(__dirname, 'peers', 'faiss_search.py'), threads);
  const peer: PeerProcess | null = typeof peerOrWhy === 'string' ? null : peerOrWhy;
  if (!peer) log(`FAISS peer skipped: ${peerOrWhy}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-bench-faiss-'));
  const results: Record<string, unknown>[] = [];
  try {
    for (const name of datasets) {
      let data: Float32Array;
      let queries: Float32Array;
      let d = dim;
      const sized = SIZED_SYNTHETIC.exec(name);
      if (sized) {
        d = sized[2] ? Number(sized[2]) : dim;
        const rng = new Rng(1);
        data = clusteredRows(rng, sized[1] ? Number(sized[1]) : rows, d, 1000, 0.35);
        queries = queriesNearRows(rng, data, d, nq, 0.1);
      } else {
        checkDataset(name, 'datasets');
        ({ data, queries, dim: d } = await wordnetEmbeddings(nq, log));
      }
      const n = data.length / d;
      const q = queries.length / d;
      log(`${name}: ${n} × ${d}, ${q} queries, top-${k}, ${threads} threads`);
      const dataFile = path.join(tmp, `${name}.f32`);
      const queryFile = path.join(tmp, `${name}-queries.f32`);
      writeF32(dataFile, data);
      writeF32(queryFile, queries);
      if (peer) await peer.request({ cmd: 'load', data: dataFile, queries: queryFile, dim: d });
      const source = new MemoryEmbeddings(data, d);

      // exact
      let ref: Awaited<ReturnType<typeof exactSearch>> | null = null;
      const flatOut = path.join(tmp, `${name}-flat.i64`);
      const contestants = withCpu([
        { name: 'ours', run: () => timeIt(async () => { ref = await exactSearch({ source, queries, k }); }) },
        ...(peer ? [{ name: 'faiss', pid: peer.proc.pid, run: async () => (await peer.request({ cmd: 'flat', k, out: flatOut })).seconds as number }] : []),
      ]);
      const t = await measureInterleaved(contestants.wrapped, { rounds, warmup: 1, log });
      const cpu = contestants.cpu();
      let agreement: number | null = null;
      if (peer && ref) {
        const b = fs.readFileSync(flatOut);
        const ids = new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        agreement = overlapAtK((ref as { indices: Int32Array }).indices, Array.from(ids, Number), q, k);
      }
      const exact = {
        ours: { ...summarize(t.ours), queriesPerSecond: q / summarize(t.ours).median, seconds: t.ours, cpuSeconds: cpu.ours },
        faiss: peer ? { ...summarize(t.faiss), queriesPerSecond: q / summarize(t.faiss).median, seconds: t.faiss, cpuSeconds: cpu.faiss } : null,
        ratioQpsOursOverFaiss: peer ? ratioOfMedians(t.faiss, t.ours) : null,
        ratioCpuFaissOverOurs: peer ? ratioOfMedians(cpu.faiss, cpu.ours) : null,
        peakRssMiBAfter: peakRssMiB(),
        topkAgreement: agreement,
      };
      log(`  exact: ours ${exact.ours.queriesPerSecond.toFixed(1)} q/s` + (exact.faiss ? `, faiss ${exact.faiss.queriesPerSecond.toFixed(1)} q/s, ratio ${exact.ratioQpsOursOverFaiss!.toFixed(2)} (CPU time: ${exact.ratioCpuFaissOverOurs!.toFixed(2)}), top-${k} agreement ${agreement?.toFixed(4)}` : ''));

      // approximate
      let ann: Record<string, unknown> | null = null;
      const annRows = Math.min(n, sized ? (o.annRows ?? n) : n);
      if (efs.length) {
        const annSource = annRows === n ? source : new MemoryEmbeddings(data.subarray(0, annRows * d), d);
        const annRef = annRows === n && ref ? ref : await exactSearch({ source: annSource, queries, k });
        if (peer && annRows !== n) {
          writeF32(dataFile, data.subarray(0, annRows * d));
          await peer.request({ cmd: 'load', data: dataFile, queries: queryFile, dim: d });
        }
        const idxDir = path.join(tmp, `${name}-usearch`);
        let oursBuild = 0;
        oursBuild = await timeIt(async () => {
          const idx = await buildAnnIndex({ source: annSource, settings: { metric: 'ip', quantization: quantization as AnnQuantization, connectivity: M, expansionAdd: efC }, threads });
          idx.save(idxDir);
        });
        log(`  usearch build (M ${M}, ef_construction ${efC}, ${quantization}, ${annRows} rows): ${oursBuild.toFixed(1)} s`);
        let peerBuild: number | null = null;
        if (peer) {
          peerBuild = (await peer.request({ cmd: 'hnsw_build', M, efConstruction: efC })).seconds as number;
          log(`  faiss HNSW build: ${peerBuild.toFixed(1)} s`);
        }
        const oursPts: (SweepPoint & { seconds: number[]; cpuSecondsPerQuery: number; searchesPerMeasurement?: number })[] = [];
        const peerPts: { ef: number; qps: number; recall: number; seconds: number[]; cpuSecondsPerQuery: number }[] = [];
        for (const ef of efs) {
          const idx = await openAnnIndex({ dir: idxDir, mode: 'load', expansionSearch: ef, checkStale: false });
          let recall = NaN;
          let peerRecall = NaN;
          // each measurement repeats the search until it takes about 0.3 s (both sides the same count)
          const once = await timeIt(() => { recall = recallAtK(idx.search(queries, k, { threads }), annRef); });
          const reps = Math.max(1, Math.min(50, Math.ceil(0.3 / Math.max(once, 1e-4))));
          const cs = withCpu([
            { name: 'ours', per: reps * q, run: async () => (await timeIt(() => { for (let r = 0; r < reps; r++) idx.search(queries, k, { threads }); })) / reps },
            ...(peer ? [{ name: 'faiss', pid: peer.proc.pid, per: reps * q, run: async () => { const r = await peer.request({ cmd: 'hnsw', k, efSearch: ef, reps }); peerRecall = r.recall; return r.seconds as number; } }] : []),
          ]);
          const tt = await measureInterleaved(cs.wrapped, { rounds, warmup: 1 });
          const cpu = cs.cpu();
          oursPts.push({ ef, qps: q / summarize(tt.ours).median, recall, seconds: tt.ours, cpuSecondsPerQuery: summarize(cpu.ours).median, searchesPerMeasurement: reps });
          if (peer) peerPts.push({ ef, qps: q / summarize(tt.faiss).median, recall: peerRecall, seconds: tt.faiss, cpuSecondsPerQuery: summarize(cpu.faiss).median });
          const us = (x: number) => `${(x * 1e6).toFixed(0)} CPU-µs/q`;
          log(`  ef ${ef}: usearch ${oursPts.at(-1)!.qps.toFixed(0)} q/s ${us(oursPts.at(-1)!.cpuSecondsPerQuery)} recall ${recall.toFixed(4)}` + (peer ? ` | faiss ${peerPts.at(-1)!.qps.toFixed(0)} q/s ${us(peerPts.at(-1)!.cpuSecondsPerQuery)} recall ${peerRecall.toFixed(4)}` : ''));
        }
        fs.rmSync(idxDir, { recursive: true, force: true });
        // the same comparison on CPU time: queries per CPU-second as the "q/s" of each point
        const perCpu = (pts: { ef: number; recall: number; cpuSecondsPerQuery: number }[]) => pts.map((p) => ({ ef: p.ef, recall: p.recall, qps: 1 / p.cpuSecondsPerQuery }));
        ann = {
          rows: annRows, M, efConstruction: efC, quantization,
          atEqualRecallCpu: peer ? atEqualRecall(perCpu(oursPts), perCpu(peerPts), targets) : null,
          buildSeconds: { ours: oursBuild, faiss: peerBuild },
          sweep: { ours: oursPts, faiss: peer ? peerPts : null },
          atEqualRecall: peer ? atEqualRecall(oursPts, peerPts, targets) : null,
        };
      }
      results.push({ dataset: name, rows: n, dim: d, queries: q, k, exact, ann });
    }
  } finally {
    peer?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return writeBenchRecord(out, 'search-vs-faiss', {
    backend: backend.summary,
    threads,
    rounds,
    peakRssMiB: peakRssMiB(),
    loadAvgAtEnd: os.loadavg(),
    timed: 'one search of all queries per measurement; ours and FAISS interleaved per round; medians',
    results,
  }, log);
}

if (require.main === module) {
  benchMain('bench/search-vs-faiss.ts', 'exact and HNSW search against FAISS at equal recall, interleaved', SEARCH_VS_FAISS_OPTIONS, runSearchVsFaiss);
}
