/**
 * Scaling benchmark: how cache building, exact and HNSW search, and the negative selection of one
 * training step grow with the corpus, at about 117k (the default task itself), 500k, 1M and 2M rows
 * of the corpus made by bench/scale-corpus.ts (real WordNet passages, then passages made from them),
 * embedded by the GloVe bag encoder (100-d, L2-normalised; `build-cache --encoder glove`).
 *
 * Per size, three child processes (each its own peak RSS):
 *   build   buildCache of the corpus: seconds, rows/s, peak RSS;
 *   search  exact top-10 of the first `queries` dev queries over the on-disk cache (streamed, f32),
 *           then a usearch HNSW index (inner product, M, ef_construction) built, saved beside the
 *           cache, and swept over ef_search: q/s and recall@10 against exact, q/s at recall 0.95;
 *   select  the selection of one training step: `batch` training queries, `negatives` per query,
 *           gold positives excluded, the cache in memory (as training keeps it), a default-size
 *           corrector h (MLP 100→256→100, untrained: timing only). Variants (VARIANTS below):
 *           stale (no h), corrector (h on every row, exactSearch), pool (HNSW pool of `pool` rows,
 *           h on the pool), amortised (h(g′) materialised every K steps, top `candidates` on it
 *           re-scored by the current h) and amortised+ANN (the HNSW pool ranked on the
 *           materialised cache). K is chosen per size as the smallest K whose materialisation,
 *           spread over K steps, costs at most `fraction` of a step (amortisationPeriod), the step
 *           taken as `--step-seconds` (the stale training step measured by the train-step bench at
 *           117k). Amortised per-step time = median re-scoring step + materialisation / K.
 * Whole training steps per variant (encoders, loss, corrector update) are phase 2: the loop's
 * `stepSeconds` fill the same records (see VARIANTS); until then the report estimates step time as
 * (the measured stale step at 117k − the stale selection at 117k) + the variant's selection.
 *
 * Writes results/bench-scale.json and, with --save-dir (default bench/results), scale.json, scale.md
 * (table), scale-steps.json (plotly spec) and scale-steps.png (log-log plot, when chromium is there).
 *
 *   node --import tsx bench/scale.ts [flags]   (--help lists them: SCALE_OPTIONS)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeJsonAtomic } from '../src/util/atomic';
import { InputError } from '../src/util/errors';
import { defineOptions, defaultsOf, type Values } from '../src/util/options';
import type { tf } from '../src/tensor';
import { benchMain, median, peakRssMiB, qpsAtRecall, timeIt, writeBenchRecord } from './harness';
import { cpuSecondsOf } from './search-vs-faiss';
import { loadCorpusBase, scaleCorpus } from './scale-corpus';
import { writeScaleReport } from './scale-report';

export const SCALE_OPTIONS = defineOptions({
  sizes: { type: 'list', of: 'int', help: 'corpus rows per size', default: [117791, 500000, 1000000, 2000000], min: 1 },
  queries: { type: 'int', help: 'dev queries of the search phase', default: 1000, min: 1 },
  threads: { type: 'int', help: 'threads (tfjs intra-op, usearch)', default: 2, min: 1, max: 1024 },
  M: { type: 'int', help: 'HNSW graph degree', flag: 'M', default: 16, min: 2, max: 1024 },
  efConstruction: { type: 'int', help: 'HNSW ef_construction', default: 64, min: 1, max: 1_000_000 },
  efs: { type: 'list', of: 'int', help: 'ef_search values of the sweep', flag: 'ef', default: [16, 32, 64, 128, 256], min: 1, max: 1_000_000 },
  annMaxRows: { type: 'int', help: 'largest size that gets an HNSW index', default: 2000000, min: 0 },
  batch: { type: 'int', help: 'training queries per selection step', default: 64, min: 1 },
  negatives: { type: 'int', help: 'negatives selected per query', default: 4, min: 1, max: 100_000 },
  pool: { type: 'int', help: 'HNSW candidate pool per query', default: 256, min: 1, max: 1_000_000 },
  candidates: { type: 'int', help: 'amortised: candidates per query ranked on h(g′), re-scored by the current h', default: 32, min: 1, max: 1_000_000 },
  fraction: { type: 'number', help: 'amortised: materialisation cost per step as a fraction of a step (sets K)', default: 0.1, min: 0, minExclusive: true },
  stepSeconds: { type: 'number', help: 'the stale training step at 117k (train-step bench), seconds', default: 0.211, min: 0, minExclusive: true },
  selectSteps: { type: 'int', help: 'timed selection steps per variant (after one warm-up)', default: 5, min: 1, max: 10_000 },
  saveDir: { type: 'string', help: 'folder for scale.{json,md}, scale-steps.{json,png} (none: skip)', default: path.join(__dirname, 'results'), nullable: true, placeholder: 'dir' },
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-scale.json'), placeholder: 'file' },
  work: { type: 'string', help: 'folder for the caches', defaultText: 'a temporary folder', placeholder: 'dir' },
  keep: { type: 'boolean', help: 'keep the caches and indexes', default: false },
  // one phase in a child process (runScale starts them)
  phase: { type: 'string', help: 'internal: run one phase', choices: ['build', 'search', 'select'] },
  rows: { type: 'int', help: 'internal: the phase\'s corpus rows', min: 1 },
  result: { type: 'string', help: 'internal: the phase\'s JSON result', placeholder: 'file' },
});
export type ScaleOptions = Omit<Values<typeof SCALE_OPTIONS>, 'phase' | 'rows' | 'result' | 'work'> & { work: string };

/** One selection variant of a training step; phase 2 adds the whole step's time under the loop. */
export interface VariantRecord {
  name: string;
  /** Median seconds of the step's selection (amortised: re-scoring step + materialisation / K). */
  selectSeconds: number;
  /** The same in CPU seconds of this process (all threads): the work, which waiting for a core on a loaded machine does not inflate. */
  selectCpuSeconds: number;
  /** Rows h was applied to per step (amortised: materialisation rows / K + re-scored rows). */
  correctedRowsPerStep: number;
  /** K of the amortised variants. */
  every?: number;
  materialiseSeconds?: number;
  materialiseCpuSeconds?: number;
  /** Phase 2: the whole training step under the loop (null until measured). */
  stepSeconds: number | null;
}

export interface SizeRecord {
  rows: number;
  dim: number;
  build: { seconds: number; cpuSeconds: number; rowsPerSecond: number; peakRssMiB: number; cacheMiB: number };
  search: {
    exact: { queries: number; seconds: number[]; cpuSeconds: number[]; queriesPerSecond: number; queriesPerCpuSecond: number; peakRssMiB: number };
    hnsw: null | {
      M: number; efConstruction: number; buildSeconds: number; buildCpuSeconds: number;
      sweep: { ef: number; qps: number; qpsPerCpu: number; recall: number }[]; qpsAtRecall095: number | null; qpsPerCpuAtRecall095: number | null;
    };
  };
  select: { peakRssMiB: number; variants: VariantRecord[] } | null;
}

/** Which selections the select phase times (in this order); `ann` ones need the HNSW index. */
export const VARIANTS = ['stale', 'corrector', 'pool', 'amortised', 'amortised+ann'] as const;

function childJson(phase: string, rows: number, o: ScaleOptions, log: (l: string) => void): any {
  const file = path.join(o.work, `${phase}-${rows}.json`);
  const args = ['--import', 'tsx', __filename, '--phase', phase, '--rows', String(rows), '--work', o.work, '--result', file, ...optionArgs(o)];
  log(`[scale] ${phase} ${rows} rows`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, TF_NUM_INTRAOP_THREADS: String(o.threads), TF_NUM_INTEROP_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`scale ${phase} at ${rows} rows failed (exit ${r.status})`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Runs every size and phase; writes the JSON record and the report. */
export async function runScale(partial: Partial<ScaleOptions> = {}, log = (l: string) => process.stderr.write(l + '\n')): Promise<Record<string, unknown>> {
  const o: ScaleOptions = { ...defaultsOf(SCALE_OPTIONS), work: '', ...partial };
  const ownWork = !o.work;
  if (ownWork) o.work = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-scale-'));
  const started = Date.now();
  const sizes: SizeRecord[] = [];
  try {
    for (const rows of o.sizes) {
      const build = childJson('build', rows, o, log);
      const search = childJson('search', rows, o, log);
      const select = childJson('select', rows, o, log);
      sizes.push({ rows, dim: build.dim, build: build.build, search: search.search, select: select.select });
      if (!o.keep) fs.rmSync(path.join(o.work, `cache-${rows}`), { recursive: true, force: true });
    }
  } finally {
    if (ownWork && !o.keep) fs.rmSync(o.work, { recursive: true, force: true });
  }
  const { work: _w, saveDir: _s, out: _o, ...settings } = o;
  const record = writeBenchRecord(o.out, 'scale', {
    seconds: (Date.now() - started) / 1000, loadAvgAtEnd: os.loadavg(), settings, sizes,
  }, log);
  if (o.saveDir) await writeScaleReport(record, o.saveDir, log);
  log(`[scale] wrote ${o.out}${o.saveDir ? ` and ${o.saveDir}/scale.{json,md}, scale-steps.{json,png}` : ''}`);
  return record;
}

// ---- the phases (each in its own process) ----

/** Wall and CPU seconds (this process, every thread) of fn. */
async function timeWithCpu(fn: () => Promise<unknown> | unknown): Promise<{ wall: number; cpu: number }> {
  const c0 = cpuSecondsOf();
  const wall = await timeIt(fn);
  return { wall, cpu: cpuSecondsOf() - c0 };
}

async function phaseBuild(rows: number, o: ScaleOptions) {
  const { buildCache } = await import('../src/cache/build');
  const { cacheEncoder, encodeFnFor } = await import('../src/cache/from-file');
  const { passageText } = await import('../src/train/data');
  const { initBackend } = await import('../src/tensor');
  await initBackend();
  const base = await loadCorpusBase();
  const encoder = await cacheEncoder('glove');
  const dir = path.join(o.work, `cache-${rows}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const fingerprint = await encoder.fingerprint();
  const { wall: seconds, cpu: cpuSeconds } = await timeWithCpu(() => buildCache({
    dir, corpus: scaleCorpus(base, { rows }), encode: encodeFnFor(encoder), dim: encoder.dim, normalized: encoder.normalized,
    encoder: { kind: encoder.kind, fingerprint, config: encoder.config() }, totalRows: rows,
    textOf: (d) => passageText(d.title ?? '', d.text),
  }));
  const bytes = fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
  return { dim: encoder.dim, build: { seconds, cpuSeconds, rowsPerSecond: rows / seconds, peakRssMiB: peakRssMiB(), cacheMiB: bytes / 2 ** 20 } };
}

/** The task's queries of `split` with their positive rows (rows of the real passages come first in every size). */
async function taskQueries(split: string) {
  const { loadTrainData } = await import('../src/train/data');
  const { ensureDefaultTask } = await import('../src/data/wordnet');
  return (await loadTrainData(await ensureDefaultTask(), [split])).splits[split];
}

async function phaseSearch(rows: number, o: ScaleOptions) {
  const { initBackend } = await import('../src/tensor');
  const { openCache } = await import('../src/cache/reader');
  const { cacheEncoder, encodeFnFor } = await import('../src/cache/from-file');
  const { exactSearch, buildAnnIndex, openAnnIndex, recallAtK } = await import('../src/search');
  await initBackend();
  const dir = path.join(o.work, `cache-${rows}`);
  const cache = await openCache(dir);
  const encoder = await cacheEncoder('glove');
  const dev = await taskQueries('dev');
  const queries = await encodeFnFor(encoder)(dev.queryTexts.slice(0, o.queries));
  const nq = queries.length / cache.dim;
  let ref = await exactSearch({ source: cache, queries, k: 10 }); // warm-up (page cache)
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = await timeWithCpu(async () => { ref = await exactSearch({ source: cache, queries, k: 10 }); });
    seconds.push(t.wall);
    cpuSeconds.push(t.cpu);
  }
  const exact = { queries: nq, seconds, cpuSeconds, queriesPerSecond: nq / median(seconds), queriesPerCpuSecond: nq / median(cpuSeconds), peakRssMiB: peakRssMiB() };
  let hnsw: SizeRecord['search']['hnsw'] = null;
  if (rows <= o.annMaxRows) {
    const built = await timeWithCpu(async () => {
      const idx = await buildAnnIndex({ source: cache, settings: { metric: 'ip', connectivity: o.M, expansionAdd: o.efConstruction }, threads: o.threads, cacheDir: dir });
      idx.save(dir);
    });
    const sweep: { ef: number; qps: number; qpsPerCpu: number; recall: number }[] = [];
    for (const ef of o.efs) {
      const idx = await openAnnIndex({ dir, mode: 'load', expansionSearch: ef });
      let recall = NaN;
      const once = await timeIt(() => { recall = recallAtK(idx.search(queries, 10, { threads: o.threads }), ref); });
      const reps = Math.max(1, Math.min(20, Math.ceil(0.5 / Math.max(once, 1e-3))));
      const t: { wall: number; cpu: number }[] = [];
      for (let r = 0; r < 3; r++) t.push(await timeWithCpu(() => { for (let i = 0; i < reps; i++) idx.search(queries, 10, { threads: o.threads }); }));
      sweep.push({ ef, qps: (nq * reps) / median(t.map((x) => x.wall)), qpsPerCpu: (nq * reps) / median(t.map((x) => x.cpu)), recall });
    }
    hnsw = {
      M: o.M, efConstruction: o.efConstruction, buildSeconds: built.wall, buildCpuSeconds: built.cpu, sweep,
      qpsAtRecall095: qpsAtRecall(sweep, 0.95), qpsPerCpuAtRecall095: qpsAtRecall(sweep.map((p) => ({ ...p, qps: p.qpsPerCpu })), 0.95),
    };
  }
  cache.close();
  return { search: { exact, hnsw } };
}

async function phaseSelect(rows: number, o: ScaleOptions) {
  const { initBackend } = await import('../src/tensor');
  const { openCache } = await import('../src/cache/reader');
  const { MemoryEmbeddings } = await import('../src/cache/memory');
  const { cacheEncoder, encodeFnFor } = await import('../src/cache/from-file');
  const { buildCorrector } = await import('../src/corrector/networks');
  const { exactSearch, candidatePoolSearch, openAnnIndex, AmortisedSelection, amortisationPeriod } = await import('../src/search');
  const { Rng } = await import('../src/util/rng');
  await initBackend();
  const dir = path.join(o.work, `cache-${rows}`);
  const reader = await openCache(dir);
  const source = await MemoryEmbeddings.fromSource(reader);
  const index = fs.existsSync(path.join(dir, 'index.usearch')) ? await openAnnIndex({ dir, mode: 'load', expansionSearch: o.pool }) : null;
  reader.close();
  const encode = encodeFnFor(await cacheEncoder('glove'));
  const train = await taskQueries('train');
  const rng = new Rng(7);
  const steps = o.selectSteps + 1; // step 0 is the warm-up (and the amortised materialisation)
  const batches = await Promise.all(Array.from({ length: steps }, async () => {
    const qi = Array.from({ length: o.batch }, () => rng.int(train.queryIds.length));
    return { queries: await encode(qi.map((i) => train.queryTexts[i])), exclude: qi.map((i) => train.positives[i]) };
  }));
  const h = buildCorrector({ dim: source.dim, kind: 'mlp', depth: 1, width: 256, activation: 'relu', seed: 1 });
  const transform = (b: tf.Tensor2D) => h.apply(b);
  const k = o.negatives;
  const variants: VariantRecord[] = [];
  const timeSteps = async (fn: (s: number) => Promise<number>) => {
    const t: number[] = [];
    const c: number[] = [];
    let rowsSum = 0;
    for (let s = 0; s < steps; s++) {
      let rowsHere = 0;
      const x = await timeWithCpu(async () => { rowsHere = await fn(s); });
      if (s > 0) { t.push(x.wall); c.push(x.cpu); rowsSum += rowsHere; }
    }
    return { seconds: median(t), cpuSeconds: median(c), rowsPerStep: rowsSum / (steps - 1) };
  };
  for (const name of VARIANTS) {
    if (name.includes('ann') || name === 'pool') if (!index) continue;
    if (name === 'stale' || name === 'corrector') {
      const r = await timeSteps(async (s) => {
        await exactSearch({ source, k, ...batches[s], transform: name === 'corrector' ? transform : undefined });
        return name === 'corrector' ? source.rows : 0;
      });
      variants.push({ name, selectSeconds: r.seconds, selectCpuSeconds: r.cpuSeconds, correctedRowsPerStep: r.rowsPerStep, stepSeconds: null });
    } else if (name === 'pool') {
      const r = await timeSteps(async (s) => {
        await candidatePoolSearch({ index: index!, source, k, ...batches[s], transform, poolSize: o.pool, threads: 1 });
        return Math.min(source.rows, o.batch * o.pool);
      });
      variants.push({ name, selectSeconds: r.seconds, selectCpuSeconds: r.cpuSeconds, correctedRowsPerStep: r.rowsPerStep, stepSeconds: null });
    } else {
      const ann = name === 'amortised+ann' ? { index: index!, pool: o.pool, threads: 1 } : undefined;
      // the materialisation alone sets K; then K-1 re-scoring steps are timed
      const probe = new AmortisedSelection({ every: 1, candidates: o.candidates, ann });
      const m = await timeWithCpu(() => probe.select({ step: 0, source, k, transform, ...batches[0] }));
      const every = amortisationPeriod(m.wall, o.stepSeconds, o.fraction);
      const sel = new AmortisedSelection({ every: Math.max(every, steps), candidates: o.candidates, ann });
      const r = await timeSteps(async (s) => (await sel.select({ step: s, source, k, transform, ...batches[s] })).correctedRows);
      variants.push({
        name, every, materialiseSeconds: m.wall, materialiseCpuSeconds: m.cpu, selectSeconds: r.seconds + m.wall / every,
        selectCpuSeconds: r.cpuSeconds + m.cpu / every, correctedRowsPerStep: r.rowsPerStep + source.rows / every, stepSeconds: null,
      });
    }
  }
  h.dispose();
  return { select: { peakRssMiB: peakRssMiB(), variants } };
}

// ---- command line ----

/** The options a phase's child process needs, as flags. */
function optionArgs(o: ScaleOptions): string[] {
  return ['--queries', o.queries, '--threads', o.threads, '--M', o.M, '--ef-construction', o.efConstruction, '--ef', o.efs.join(','),
    '--ann-max-rows', o.annMaxRows, '--batch', o.batch, '--negatives', o.negatives, '--pool', o.pool, '--candidates', o.candidates,
    '--fraction', o.fraction, '--step-seconds', o.stepSeconds, '--select-steps', o.selectSteps].map(String);
}

if (require.main === module) {
  benchMain('bench/scale.ts', 'cache build, exact and HNSW search, and per-step negative selection as the corpus grows', SCALE_OPTIONS, async (a) => {
    const { phase, rows, result, work, ...rest } = a;
    if (!phase) return runScale({ ...rest, work: work ?? '' });
    if (!rows || !result || !work) throw new InputError('--phase needs --rows, --result and --work');
    const phases = { build: phaseBuild, search: phaseSearch, select: phaseSelect };
    writeJsonAtomic(result, await phases[phase as keyof typeof phases](rows, { ...rest, work }));
  });
}
