/**
 * Approximate nearest-neighbour index over a cache (usearch HNSW), saved next to the cache, and
 * candidate-pool search: the index (built on the stale cache g′) proposes K′ rows per query, which
 * are then re-scored exactly with ⟨q, T(e)⟩ (T = the corrector) reading only those rows.
 *
 * Scores: usearch's 'ip' distance is 1 − ⟨a, b⟩, so scores are 1 − distance = the inner product;
 * for 'cos' 1 − distance is the cosine; for 'l2sq' the score is −‖a − b‖².
 */
import * as fs from 'fs';
import * as path from 'path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { InputError, throwIfAborted } from '../util/errors';
import { sha256File } from '../util/hash';
import { tempPathFor, writeJsonAtomic } from '../util/atomic';
import type { ProgressFn } from '../util/progress';
import type { EmbeddingSource } from '../cache/types';
import { Exclusions, RunningTopK, type ExcludeSets } from './topk';
import { rescorePool } from './pool';
import {
  checkBeta, checkK, queryShape, queriesToArray, resolveSeed,
  type BlockTransform, type QueryInput, type SampleOptions, type SearchResult,
} from './types';

export type AnnMetric = 'ip' | 'cos' | 'l2sq';
export type AnnQuantization = 'f32' | 'f16' | 'bf16' | 'i8';

/** HNSW settings: graph degree M (connectivity) and the candidate-list sizes for add and search. */
export interface AnnSettings {
  metric: AnnMetric;
  quantization: AnnQuantization;
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
}

/** usearch's own defaults (M 16, ef_construction 128, ef_search 64) with the inner product. */
export const DEFAULT_ANN_SETTINGS: Readonly<AnnSettings> = {
  metric: 'ip', quantization: 'f32', connectivity: 16, expansionAdd: 128, expansionSearch: 64,
};

export const ANN_INDEX_FILE = 'index.usearch';
export const ANN_META_FILE = 'index.json';
const CACHE_MANIFEST_FILE = 'manifest.json';

/** `index.json` beside `index.usearch`. */
export interface AnnIndexMeta {
  format: 'freshcache-ann';
  version: 1;
  rows: number;
  dim: number;
  settings: AnnSettings;
  /** sha256 of the cache's manifest.json when the index was built (null: not built from a cache folder). */
  cacheManifestSha256: string | null;
  created: string;
}

const METRICS: Record<AnnMetric, MetricKind> = { ip: MetricKind.IP, cos: MetricKind.Cos, l2sq: MetricKind.L2sq };
const SCALARS: Record<AnnQuantization, ScalarKind> = { f32: ScalarKind.F32, f16: ScalarKind.F16, bf16: ScalarKind.BF16, i8: ScalarKind.I8 };

/** Settings with defaults filled and values checked. */
export function resolveAnnSettings(s: Partial<AnnSettings> = {}): AnnSettings {
  const r = { ...DEFAULT_ANN_SETTINGS, ...dropUndefined(s) };
  if (!(r.metric in METRICS)) throw new InputError(`ann metric: expected one of ${Object.keys(METRICS).join(', ')}, got '${r.metric}'`);
  if (!(r.quantization in SCALARS)) throw new InputError(`ann quantization: expected one of ${Object.keys(SCALARS).join(', ')}, got '${r.quantization}'`);
  checkK(r.connectivity, 'ann connectivity');
  checkK(r.expansionAdd, 'ann expansionAdd');
  checkK(r.expansionSearch, 'ann expansionSearch');
  return r;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function newUsearch(dim: number, s: AnnSettings): Index {
  return new Index({
    dimensions: dim, metric: METRICS[s.metric], quantization: SCALARS[s.quantization],
    connectivity: s.connectivity, expansion_add: s.expansionAdd, expansion_search: s.expansionSearch, multi: false,
  });
}

/** An HNSW index whose keys are cache row indices. */
export class AnnIndex {
  /**
   * @param searchThreads most threads a search may use: usearch reserves one search context per
   *   thread of the build, and a search on more threads fails ("Reserve capacity ahead of
   *   searches!"); 0 = any (the index was built or loaded with all cores).
   */
  constructor(private readonly index: Index, readonly meta: AnnIndexMeta, readonly searchThreads = 0) {}

  get rows(): number {
    return this.meta.rows;
  }
  get dim(): number {
    return this.meta.dim;
  }
  get settings(): AnnSettings {
    return this.meta.settings;
  }

  /**
   * Approximate top-k rows per query by the index's metric; `scores` are inner products for 'ip'
   * (1 − usearch distance), cosines for 'cos', −‖q − e‖² for 'l2sq'. Excluded rows are dropped
   * (k + |exclude| are asked for). Missing slots: -1 / -Infinity.
   */
  search(queries: Float32Array, k: number, opts: { exclude?: ExcludeSets; threads?: number } = {}): SearchResult {
    checkK(k);
    const [nq, qd] = queryShape(queries, this.dim);
    if (qd !== this.dim) throw new InputError(`queries: dimension ${qd} does not match the index dimension ${this.dim}`);
    const excl = new Exclusions(opts.exclude, nq);
    let maxEx = 0;
    for (let q = 0; q < nq; q++) maxEx = Math.max(maxEx, excl.size(q));
    const top = new RunningTopK(nq, k);
    if (nq === 0 || this.rows === 0) return { nq, k, indices: top.rows, scores: top.scores };
    const kk = Math.min(k + maxEx, this.rows);
    const flat = queries;
    const cap = this.searchThreads;
    const threads = cap > 0 ? Math.min(opts.threads || cap, cap) : opts.threads ?? 0;
    const raw = this.index.search(flat, kk, threads) as unknown as { keys: BigUint64Array; distances: Float32Array; counts?: BigUint64Array };
    const metric = this.settings.metric;
    for (let q = 0; q < nq; q++) {
      const count = raw.counts ? Number(raw.counts[q]) : raw.keys.length;
      for (let j = 0; j < count; j++) {
        const row = Number(raw.keys[q * kk + j]);
        if (excl.has(q, row)) continue;
        const dist = raw.distances[q * kk + j];
        const score = metric === 'l2sq' ? -dist : 1 - dist;
        top.offer(q, score, row, score);
      }
    }
    return { nq, k, indices: top.rows, scores: top.scores };
  }

  /** Number of vectors held by the underlying usearch index. */
  size(): number {
    return this.index.size();
  }

  /**
   * Writes `<dir>/index.usearch` then `<dir>/index.json` (each temp + rename; the JSON, written
   * last, marks a complete index).
   */
  save(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, ANN_INDEX_FILE);
    const tmp = tempPathFor(file);
    try {
      this.index.save(tmp);
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    writeJsonAtomic(path.join(dir, ANN_META_FILE), this.meta);
  }
}

export interface BuildAnnOptions {
  source: EmbeddingSource;
  settings?: Partial<AnnSettings>;
  /** The cache folder the source was opened from: its manifest checksum is recorded (stale-index check). */
  cacheDir?: string;
  /** Rows added per call (default 65536). */
  blockRows?: number;
  /** usearch threads (0 = all cores). */
  threads?: number;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** Builds an HNSW index over every row of `source`, block by block (keys = row indices). */
export async function buildAnnIndex(options: BuildAnnOptions): Promise<AnnIndex> {
  const { source, progress, signal } = options;
  const settings = resolveAnnSettings(options.settings);
  const blockRows = options.blockRows ?? 65536;
  checkK(blockRows, 'blockRows');
  const checksum = options.cacheDir ? await manifestChecksum(options.cacheDir) : null;
  const index = newUsearch(source.dim, settings);
  for (let start = 0; start < source.rows; start += blockRows) {
    throwIfAborted(signal, 'index build');
    const end = Math.min(source.rows, start + blockRows);
    const keys = new BigUint64Array(end - start);
    for (let i = 0; i < keys.length; i++) keys[i] = BigInt(start + i);
    index.add(keys, source.read(start, end), options.threads ?? 0);
    progress?.({ stage: 'build index', done: end, total: source.rows, unit: 'rows' });
    await new Promise((r) => setImmediate(r)); // let an abort (Ctrl-C) through between blocks
  }
  return new AnnIndex(index, {
    format: 'freshcache-ann', version: 1, rows: source.rows, dim: source.dim, settings,
    cacheManifestSha256: checksum, created: new Date().toISOString(),
  }, options.threads ?? 0);
}

async function manifestChecksum(dir: string): Promise<string | null> {
  const f = path.join(dir, CACHE_MANIFEST_FILE);
  return fs.existsSync(f) ? sha256File(f) : null;
}

export interface OpenAnnOptions {
  /** Folder holding index.usearch and index.json (normally the cache folder). */
  dir: string;
  /** 'load' reads the index into memory; 'view' memory-maps it (read-only, no load time). Default 'load'. */
  mode?: 'load' | 'view';
  /** Search-time candidate list (ef_search); the saved value when omitted. */
  expansionSearch?: number;
  /** Refuse an index whose recorded cache manifest checksum differs from `<dir>/manifest.json` (default true). */
  checkStale?: boolean;
}

/** Opens a saved index, checking its format, size, dimension and (by default) that the cache has not changed. */
export async function openAnnIndex(options: OpenAnnOptions): Promise<AnnIndex> {
  const { dir } = options;
  const metaFile = path.join(dir, ANN_META_FILE);
  const file = path.join(dir, ANN_INDEX_FILE);
  if (!fs.existsSync(metaFile) || !fs.existsSync(file)) {
    throw new InputError(`${dir}: no ANN index (${ANN_INDEX_FILE} + ${ANN_META_FILE}); build one with \`freshcache search --build-index\``);
  }
  const meta = readMeta(metaFile);
  if (options.checkStale !== false && meta.cacheManifestSha256) {
    const now = await manifestChecksum(dir);
    if (now !== meta.cacheManifestSha256) {
      throw new InputError(`${metaFile}: the index was built for a different cache (manifest.json ${now ? 'changed' : 'missing'} since); rebuild the index`);
    }
  }
  const settings = { ...meta.settings };
  if (options.expansionSearch !== undefined) settings.expansionSearch = options.expansionSearch;
  const s = resolveAnnSettings(settings);
  const index = newUsearch(meta.dim, s);
  try {
    if (options.mode === 'view') index.view(file);
    else index.load(file);
  } catch (e) {
    throw new InputError(`${file}: not a readable usearch index (${e instanceof Error ? e.message : e}); rebuild it`);
  }
  if (index.size() !== meta.rows || index.dimensions() !== meta.dim) {
    throw new InputError(`${file}: holds ${index.size()} vectors of dim ${index.dimensions()}, but ${ANN_META_FILE} says ${meta.rows} of dim ${meta.dim}; rebuild it`);
  }
  return new AnnIndex(index, { ...meta, settings: s });
}

function readMeta(file: string): AnnIndexMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${e instanceof Error ? e.message : e})`);
  }
  const m = raw as AnnIndexMeta;
  if (!m || m.format !== 'freshcache-ann') throw new InputError(`${file}: expected "format": "freshcache-ann"`);
  if (m.version !== 1) throw new InputError(`${file}: index format version ${m.version} is not supported (expected 1)`);
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.dim) || !m.settings) throw new InputError(`${file}: expected integer "rows", "dim" and a "settings" object`);
  return m;
}

export interface CandidatePoolOptions {
  index: AnnIndex;
  /** The cache the index was built on (rows of the pool are read from it). */
  source: EmbeddingSource;
  /** Queries, of the index's dimension (they probe the index on g′ and score T(e)). */
  queries: QueryInput;
  k: number;
  /** Candidates K′ per query from the index (≥ k). */
  poolSize: number;
  transform?: BlockTransform;
  exclude?: ExcludeSets;
  /** Gumbel-top-k from softmax(β·s) over the pool instead of the top-k (same noise as exact sampling). */
  sample?: SampleOptions;
  /** Pool rows transformed per tensor call (default 16384). */
  blockRows?: number;
  threads?: number;
  signal?: AbortSignal;
}

/**
 * Top-k (or Gumbel-top-k) of ⟨q, T(e)⟩ over each query's candidate pool: the index's top-K′ rows
 * for q on the stale cache, re-scored exactly (only the pool's rows are read and transformed).
 */
export async function candidatePoolSearch(options: CandidatePoolOptions): Promise<SearchResult> {
  const { index, source, queries, k, poolSize, transform, sample } = options;
  checkK(k);
  checkK(poolSize, 'poolSize');
  if (source.rows !== index.rows || source.dim !== index.dim) {
    throw new InputError(`ANN index holds ${index.rows} rows of dim ${index.dim}, the cache ${source.rows} of dim ${source.dim}; rebuild the index`);
  }
  const [nq, d] = queryShape(queries, index.dim);
  let seed = 0;
  if (sample) {
    checkBeta(sample.beta);
    seed = resolveSeed(sample.seed);
  }
  throwIfAborted(options.signal, 'search');
  const qa = await queriesToArray(queries);
  const pool = index.search(qa, Math.max(poolSize, k), { exclude: options.exclude, threads: options.threads });
  return (await rescorePool({
    source, queries: qa, queryDim: d, pool, k, transform, blockRows: options.blockRows, signal: options.signal,
    sample: sample ? { beta: sample.beta, seed } : undefined,
  })).result;
}

/**
 * recall@k of `approx` against `exact`: mean over queries of |approx_q ∩ exact_q| / |exact_q|
 * (rows −1 ignored; queries with no exact rows skipped).
 */
export function recallAtK(approx: SearchResult, exact: SearchResult): number {
  if (approx.nq !== exact.nq) throw new InputError(`recallAtK: ${approx.nq} approximate vs ${exact.nq} exact queries`);
  let sum = 0;
  let n = 0;
  for (let q = 0; q < exact.nq; q++) {
    const want = new Set(Array.from(exact.indices.subarray(q * exact.k, (q + 1) * exact.k)).filter((r) => r >= 0));
    if (want.size === 0) continue;
    let hit = 0;
    for (let j = 0; j < approx.k; j++) if (want.has(approx.indices[q * approx.k + j])) hit++;
    sum += hit / want.size;
    n++;
  }
  return n ? sum / n : 1;
}
