/**
 * The default experiment behind `npm start`: every negative strategy trained under the same loop,
 * data, seed and step budget on the offline WordNet task, then one table of accuracy against
 * re-embedding cost. Each run lives in runs/<experiment>/<strategy>-s<seed>/ and is resumed (or,
 * when finished with the same config, reused) on the next call, so a killed experiment continues.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import type { ProgressFn } from '../util/progress';
import { throwIfAborted } from '../util/errors';
import { resolveConfig, type TrainConfigInput } from './config';
import { loadTrainData, type TrainData } from './data';
import { encoderFactory } from './encoders';
import { trainRetriever, type TrainResult } from './loop';
import { buildCache, openCache, readManifest, MemoryEmbeddings, MANIFEST_FILE } from '../cache';
import { encodeFnOf, type EncoderPair } from '../encoders/types';
import type { Glove } from '../data/glove';
import { parseStrategy } from './strategy';
import { readLog, type LogRecord } from './log';

/** The strategies `npm start` compares; refresh:R refreshes about 3 times over the run. */
export function defaultStrategies(steps: number): string[] {
  return ['in-batch', 'stale', `refresh:${Math.max(1, Math.ceil(steps / 4))}`, 'refresh-on-use', 'corrector', 'oracle'];
}

export type Variant = { label: string; strategy: string; config: TrainConfigInput };

/**
 * Sweeps beyond the strategy table:
 * - `cost`: refresh:R for R = T/2, T/4, T/8, T/16 and correctors of growing capacity (linear, MLP
 *   widths 64 / 256 / 1024): the accuracy-versus-re-embedding-cost curve the paper's 4–80x is about;
 * - `drift`: stale, corrector and refresh:T/4 at encoder learning rates ×0.25, ×1, ×4: how fast the
 *   cache goes stale decides whether a corrector can follow it.
 */
export function sweepVariants(kind: 'cost' | 'drift', steps: number, lr: number): Variant[] {
  if (kind === 'cost') {
    return [
      ...[2, 4, 8, 16].map((k) => Math.max(1, Math.ceil(steps / k))).map((R) => ({ label: `refresh:${R}`, strategy: `refresh:${R}`, config: {} })),
      { label: 'corrector[linear]', strategy: 'corrector', config: { corrector: { kind: 'linear' as const } } },
      ...[64, 256, 1024].map((w) => ({ label: `corrector[mlp w=${w}]`, strategy: 'corrector', config: { corrector: { kind: 'mlp' as const, width: w } } })),
    ];
  }
  const R = Math.max(1, Math.ceil(steps / 4));
  return [0.25, 1, 4].flatMap((f) =>
    ['stale', 'corrector', `refresh:${R}`].map((strategy) => ({ label: `${strategy}[lr=${+(lr * f).toPrecision(3)}]`, strategy, config: { lr: lr * f } })),
  );
}

export interface ExperimentOptions {
  /** Experiment name: runs/<name>/ and results/<name>/. */
  name: string;
  /** Dataset folder (canonical layout). */
  dataset: string;
  strategies: string[];
  seeds: number[];
  /** Overrides applied to every run's config (steps, batch size, lr, corrector, ...). */
  base: TrainConfigInput;
  /** Per-strategy overrides, e.g. a corrector size for a sweep point: label → config. */
  variants?: Variant[];
  runsDir?: string;
  resultsDir?: string;
  /** Recompute finished runs instead of reusing them. */
  fresh?: boolean;
  progress?: ProgressFn;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Preloaded training data (tests). */
  data?: TrainData;
  /** A word-vector table in place of GloVe (tests). */
  glove?: Glove;
}

export interface ExperimentRow {
  label: string;
  strategy: string;
  seed: number;
  result: TrainResult;
}

export interface ExperimentSummaryRow {
  label: string;
  strategy: string;
  seeds: number;
  devMrr10: number;
  devMrr10Sd: number;
  devRecall1: number;
  devRecall10: number;
  devRecall100: number;
  testMrr10: number;
  testRecall1: number;
  testRecall10: number;
  testRecall100: number;
  /** Corpus re-encodes beyond the initial cache, in target forward passes and in corpus passes. */
  reembed: number;
  reembedCorpusPasses: number;
  /** Every target forward pass of the run, the initial cache included. */
  totalTargetEncodes: number;
  totalTargetEncodesCorpusPasses: number;
  correctorGflops: number;
  wallSeconds: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

/** Runs (or resumes, or reuses) every strategy × seed and writes the table under results/<name>/. */
export async function runExperiment(o: ExperimentOptions): Promise<{ rows: ExperimentRow[]; summary: ExperimentSummaryRow[]; files: string[] }> {
  const runsDir = path.join(o.runsDir ?? 'runs', o.name);
  const resultsDir = path.join(o.resultsDir ?? 'results', o.name);
  const log = o.log ?? (() => {});
  const splits = resolveConfig(o.base);
  const data = o.data ?? (await loadTrainData(o.dataset, [splits.trainSplit, splits.devSplit, ...(splits.testSplit ? [splits.testSplit] : [])], { signal: o.signal }));
  const runs: Variant[] = [];
  for (const v of [...o.strategies.map((s) => ({ label: parseStrategy(s).label, strategy: s, config: {} as TrainConfigInput })), ...(o.variants ?? [])]) {
    if (!runs.some((r) => r.label === v.label)) runs.push(v); // a sweep point equal to a table row runs once
  }
  const rows: ExperimentRow[] = [];
  const initialCaches = new Map<number, Float32Array>();
  const factories = new Map<string, () => Promise<EncoderPair>>();
  for (const seed of o.seeds) {
    for (const run of runs) {
      throwIfAborted(o.signal, 'experiment');
      const cfg = resolveConfig({ ...o.base, ...run.config, encoder: { ...o.base.encoder, ...run.config.encoder }, corrector: { ...o.base.corrector, ...run.config.corrector }, strategy: run.strategy, seed, dataset: o.dataset, name: `${run.label}-s${seed}` });
      const runDir = path.join(runsDir, `${run.label.replace(/[^\w.-]+/g, '_')}-s${seed}`);
      const finished = path.join(runDir, 'result.json');
      if (!o.fresh && fs.existsSync(finished)) {
        const prev = JSON.parse(fs.readFileSync(finished, 'utf8')) as TrainResult;
        if (JSON.stringify(prev.config) === JSON.stringify(cfg)) {
          log(`${run.label} seed ${seed}: reusing ${finished}`);
          rows.push({ label: run.label, strategy: run.strategy, seed, result: prev });
          continue;
        }
      }
      const cfgFile = path.join(runDir, 'config.json');
      const changed = fs.existsSync(cfgFile) && JSON.stringify(JSON.parse(fs.readFileSync(cfgFile, 'utf8'))) !== JSON.stringify(cfg);
      if (changed) log(`${run.label} seed ${seed}: settings changed since ${runDir} was trained; starting it over`);
      if (o.fresh || changed) fs.rmSync(runDir, { recursive: true, force: true });
      const factoryKey = `${JSON.stringify(cfg.encoder)}/${seed}`;
      if (!factories.has(factoryKey)) factories.set(factoryKey, encoderFactory(cfg.encoder, data, seed, o.glove));
      const makeEncoders = factories.get(factoryKey)!;
      // the never-refreshed cache g′ is the initial target encoder's, the same for every strategy of a seed
      let initialCache = initialCaches.get(seed);
      if (!initialCache && parseStrategy(run.strategy).usesCache && !parseStrategy(run.strategy).oracle) {
        initialCache = await initialCacheOnDisk(path.join(runsDir, `initial-cache-s${seed}`), data, makeEncoders, o.progress, o.signal);
        initialCaches.set(seed, initialCache);
      }
      log(`${run.label} seed ${seed}: training ${cfg.steps} steps`);
      const result = await trainRetriever({ config: cfg, data, makeEncoders, runDir, initialCache, progress: o.progress, signal: o.signal });
      rows.push({ label: run.label, strategy: run.strategy, seed, result });
    }
  }
  const summary = summarize(rows, data.corpusTexts.length);
  const files = writeTables(resultsDir, summary, rows);
  return { rows, summary, files };
}

/**
 * The initial target encoder's embeddings of the corpus, as an on-disk cache (src/cache) built once
 * and reused while the encoder's fingerprint matches (a changed encoder config rebuilds it).
 */
async function initialCacheOnDisk(dir: string, data: TrainData, makeEncoders: () => Promise<EncoderPair>, progress?: ProgressFn, signal?: AbortSignal): Promise<Float32Array> {
  const enc = await makeEncoders();
  try {
    const fingerprint = enc.target.fingerprint();
    if (fs.existsSync(path.join(dir, MANIFEST_FILE))) {
      if (readManifest(dir).encoder.fingerprint === fingerprint) {
        const reader = await openCache(dir);
        const mem = await MemoryEmbeddings.fromSource(reader);
        reader.close();
        if (mem.rows === data.corpusTexts.length) return mem.data;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await buildCache({
      dir, corpus: data.corpusIds.map((id, i) => ({ id, title: '', text: data.corpusTexts[i] })), textOf: (d) => d.text,
      encode: encodeFnOf(enc.target), encoder: { kind: enc.target.kind, fingerprint, config: enc.target.config() },
      dim: enc.target.dim, normalized: enc.target.normalized, batchSize: 4096, progress, signal,
    });
    const reader = await openCache(dir);
    const mem = await MemoryEmbeddings.fromSource(reader);
    reader.close();
    return mem.data;
  } finally {
    enc.query.dispose();
    if (enc.target !== enc.query) enc.target.dispose();
  }
}

/** Each run's log, for figures: label → records (first seed). */
export function experimentLogs(rows: ExperimentRow[], runsDir: string, name: string): { label: string; log: LogRecord[] }[] {
  const out: { label: string; log: LogRecord[] }[] = [];
  for (const r of rows) {
    if (out.some((o) => o.label === r.label)) continue;
    const file = path.join(runsDir, name, `${r.label.replace(/[^\w.-]+/g, '_')}-s${r.seed}`, 'log.jsonl');
    if (fs.existsSync(file)) out.push({ label: r.label, log: readLog(file) });
  }
  return out;
}

export function summarize(rows: ExperimentRow[], corpusSize: number): ExperimentSummaryRow[] {
  const labels = [...new Set(rows.map((r) => r.label))];
  return labels.map((label) => {
    const rs = rows.filter((r) => r.label === label);
    const m = (f: (r: TrainResult) => number | undefined) => mean(rs.map((r) => f(r.result) ?? NaN));
    return {
      label,
      strategy: rs[0].strategy,
      seeds: rs.length,
      devMrr10: m((r) => r.dev.mrr10),
      devMrr10Sd: sd(rs.map((r) => r.result.dev.mrr10)),
      devRecall1: m((r) => r.dev.recall1),
      devRecall10: m((r) => r.dev.recall10),
      devRecall100: m((r) => r.dev.recall100),
      testMrr10: m((r) => r.test?.mrr10),
      testRecall1: m((r) => r.test?.recall1),
      testRecall10: m((r) => r.test?.recall10),
      testRecall100: m((r) => r.test?.recall100),
      reembed: m((r) => r.cost.reembed),
      reembedCorpusPasses: m((r) => r.cost.reembedCorpusPasses),
      totalTargetEncodes: m((r) => r.cost.totalTargetEncodes),
      totalTargetEncodesCorpusPasses: m((r) => r.cost.totalTargetEncodes) / corpusSize,
      correctorGflops: m((r) => r.cost.correctorFlops) / 1e9,
      wallSeconds: m((r) => r.wallSeconds),
    };
  });
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');

/** The table as Markdown (what `npm start` prints and the README quotes). */
export function formatTable(summary: ExperimentSummaryRow[]): string {
  const head = ['strategy', 'seeds', 'dev MRR@10', 'dev R@1', 'dev R@10', 'dev R@100', 'test MRR@10', 'test R@100', 're-embed (corpus passes)', 'all target encodes (passes)', 'corrector GFLOP', 'wall s'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 1 ? '---' : '---:')).join('|')}|`];
  for (const r of summary) {
    lines.push(`| ${[
      r.label, String(r.seeds), r.seeds > 1 ? `${f3(r.devMrr10)} ± ${f3(r.devMrr10Sd)}` : f3(r.devMrr10), f3(r.devRecall1), f3(r.devRecall10), f3(r.devRecall100),
      f3(r.testMrr10), f3(r.testRecall100), `${Math.round(r.reembed)} (${r.reembedCorpusPasses.toFixed(2)})`,
      `${Math.round(r.totalTargetEncodes)} (${r.totalTargetEncodesCorpusPasses.toFixed(2)})`, r.correctorGflops.toFixed(1), r.wallSeconds.toFixed(0),
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

function writeTables(dir: string, summary: ExperimentSummaryRow[], rows: ExperimentRow[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'table.json');
  const csv = path.join(dir, 'table.csv');
  const md = path.join(dir, 'table.md');
  writeJsonAtomic(json, { summary, runs: rows.map((r) => ({ label: r.label, seed: r.seed, dev: r.result.dev, test: r.result.test, cost: r.result.cost, wallSeconds: r.result.wallSeconds })) });
  const keys = Object.keys(summary[0] ?? {}) as (keyof ExperimentSummaryRow)[];
  writeFileAtomic(csv, [keys.join(','), ...summary.map((r) => keys.map((k) => JSON.stringify(r[k])).join(','))].join('\n') + '\n');
  writeFileAtomic(md, formatTable(summary) + '\n');
  return [json, csv, md];
}
