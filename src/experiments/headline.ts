/**
 * The headline experiment: runs the `headline` grid (headline-grid.ts) through runExperiment, so
 * finished runs are reused, a killed grid resumes and Ctrl-C stops within a step, then writes the
 * summary the repository carries (src/report/headline.ts: every run's metrics, costs and
 * telemetry, the rows over seeds, the reduction factors), its Markdown tables and its figure.
 *
 *   npm start -- --sweep headline              the full grid, summary to results-committed/headline/
 *   npm start -- --sweep headline --plan       the plan only: runs, finished, estimated time left
 *   npm start -- --sweep headline --quick --seeds 1   the same grid at 40 steps (results/headline-quick/)
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { mean } from '../util/stats';
import { bertFlopsPerText, DEFAULT_BERT_CONFIG } from '../encoders/bert';
import { readManifest, MANIFEST_FILE } from '../cache';
import type { Glove } from '../data/glove';
import { resolveConfig, type TrainConfigInput } from '../train/config';
import { loadTrainData, type TrainData } from '../train/data';
import type { TrainResult } from '../train/loop';
import { readLog, type LogRecord } from '../train/log';
import {
  headlineSummary, headlineFigure, TELEMETRY_KEYS, formatFactorTable, formatKnobTable, formatHeadlineRows, findChromium, exportFigures,
  type HeadlineRun, type HeadlineSummary, type HeadlineTelemetry, type FigureSpec,
} from '../report';
import { runExperiment, runConfig, type ExperimentRow } from './experiment';
import { initialCacheFolder, runFolderPath, runFolderState } from './run-folder';
import { HEADLINE_EXPERIMENT, headlineGrid, type HeadlinePart, estimateRunSeconds, formatPlan, readRunTimes, type HeadlineSpec, type PlannedRun, type RunTimes } from './headline-grid';

/** Tokens per text of the BERT-base projection: a 100-word passage as WordPiece tokens (DPR's passages), rounded to the usual maximum length. */
export const PROJECTION_TOKENS = 128;

export interface HeadlineOptions {
  /** runs/<name>/ and results/<name>/ (default `headline`). */
  name?: string;
  dataset: string;
  /** Settings of every run (steps, probes, ...); the grid's variants go over them. */
  base: TrainConfigInput;
  seeds: number[];
  /** Where summary.json, tables.md and the figure go. */
  summaryDir: string;
  /** The command that regenerates the summary, recorded in it. */
  command: string;
  /** Print the plan and stop. */
  planOnly?: boolean;
  /** Summarise the runs already finished and train nothing (a partial grid: each row says its seeds). */
  finishedOnly?: boolean;
  /** The parts of the grid to run and summarise (default: all). */
  parts?: readonly HeadlinePart[];
  fresh?: boolean;
  runsDir?: string;
  resultsDir?: string;
  /** Run-time measurements for the plan (default: results-committed/headline/run-times.json when present). */
  times?: RunTimes;
  progress?: ProgressFn;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Preloaded data and word vectors (tests). */
  data?: TrainData;
  glove?: Glove;
}

/** Each run of the grid × seeds, finished or with its estimated seconds. */
export function planHeadline(specs: readonly HeadlineSpec[], o: { base: TrainConfigInput; seeds: readonly number[]; dataset: string; name: string; runsDir: string; times?: RunTimes }): PlannedRun[] {
  const out: PlannedRun[] = [];
  for (const seed of o.seeds) {
    for (const s of specs) {
      if (s.seeds && !s.seeds.includes(seed)) continue;
      const cfg = runConfig(o.base, s, seed, o.dataset);
      const finished = runFolderState(runFolderPath(o.runsDir, o.name, s.label, seed), cfg).kind === 'finished';
      out.push({ label: s.label, seed, finished, ...(o.times ? { seconds: estimateRunSeconds(s, cfg.steps, o.times) } : {}) });
    }
  }
  return out;
}

/** Prints the plan, runs (or reuses) the grid, and writes the summary; returns the plan text, the summary and the files written. */
export async function runHeadline(o: HeadlineOptions): Promise<{ plan: string; summary?: HeadlineSummary; files: string[] }> {
  const name = o.name ?? HEADLINE_EXPERIMENT;
  const runsDir = o.runsDir ?? 'runs';
  const log = o.log ?? (() => {});
  const { steps, lr } = resolveConfig(o.base);
  const specs = headlineGrid(steps, lr, o.parts);
  const times = o.times ?? readRunTimes();
  const plan = formatPlan(specs, planHeadline(specs, { base: o.base, seeds: o.seeds, dataset: o.dataset, name, runsDir, times }), times);
  log(plan);
  if (o.planOnly) return { plan, files: [] };
  const splits = resolveConfig(o.base);
  const data = o.data ?? (await loadTrainData(o.dataset, [splits.trainSplit, splits.devSplit, ...(splits.testSplit ? [splits.testSplit] : [])], { progress: o.progress, signal: o.signal }));
  const rows = o.finishedOnly
    ? finishedRows(specs, { base: o.base, seeds: o.seeds, dataset: o.dataset, name, runsDir })
    : (await runExperiment({
        name, dataset: o.dataset, strategies: [], variants: specs, seeds: o.seeds, base: o.base, fresh: o.fresh, runsDir, resultsDir: o.resultsDir,
        progress: o.progress, signal: o.signal, log, data, glove: o.glove,
      })).rows;
  if (rows.length === 0) throw new InputError(`${path.join(runsDir, name)}: no finished run of the grid to summarise`);
  const corpusSize = data.corpusTexts.length;
  const dim = embeddingDim(runsDir, name, o.seeds);
  const projection = { encoder: 'BERT-base', tokens: PROJECTION_TOKENS, flopsPerText: bertFlopsPerText(DEFAULT_BERT_CONFIG, PROJECTION_TOKENS), correctorScale: DEFAULT_BERT_CONFIG.hiddenSize / dim };
  const bySpec = new Map(specs.map((s) => [s.label, s]));
  const runs = rows.map((r) => headlineRun(r, bySpec.get(r.label)!, corpusSize, projection));
  const summary = headlineSummary({ command: o.command, experiment: name, dataset: o.dataset, corpusSize, steps, defaultLr: lr, embeddingDim: dim, projection, generated: new Date().toISOString() }, runs);
  const files = await writeHeadline(o.summaryDir, summary, { signal: o.signal, log });
  return { plan, summary, files };
}

/** The grid's runs that are finished, as runExperiment would reuse them (same settings), without training any. */
function finishedRows(specs: readonly HeadlineSpec[], o: { base: TrainConfigInput; seeds: readonly number[]; dataset: string; name: string; runsDir: string }): ExperimentRow[] {
  const rows: ExperimentRow[] = [];
  for (const seed of o.seeds) {
    for (const spec of specs) {
      if (spec.seeds && !spec.seeds.includes(seed)) continue;
      const dir = runFolderPath(o.runsDir, o.name, spec.label, seed);
      const state = runFolderState(dir, runConfig(o.base, spec, seed, o.dataset));
      if (state.kind === 'finished') rows.push({ label: spec.label, strategy: spec.strategy, seed, dir, result: state.result, reused: true });
    }
  }
  return rows;
}

/** The embedding dimension of the initial cache of the first seed that has one. */
function embeddingDim(runsDir: string, name: string, seeds: readonly number[]): number {
  for (const s of seeds) {
    const dir = initialCacheFolder(runsDir, name, s);
    if (fs.existsSync(path.join(dir, MANIFEST_FILE))) return readManifest(dir).dim;
  }
  return NaN;
}

/** The probe's measures at the last logged step with any, and their mean over the logged steps after step 0. */
function telemetryOf(records: readonly LogRecord[]): { last: HeadlineTelemetry; mean: HeadlineTelemetry } {
  const last: HeadlineTelemetry = {};
  const avg: HeadlineTelemetry = {};
  for (const k of TELEMETRY_KEYS) {
    const v = records.filter((r) => r.step > 0 && typeof r[k] === 'number' && Number.isFinite(r[k])).map((r) => r[k] as number);
    if (v.length) (last[k] = v[v.length - 1]), (avg[k] = mean(v));
  }
  return { last, mean: avg };
}

/** One finished run as the summary holds it: metrics, the four cost measures, telemetry. */
export function headlineRun(row: ExperimentRow, spec: HeadlineSpec, corpusSize: number, projection: { flopsPerText: number; correctorScale: number }): HeadlineRun {
  const r: TrainResult = row.result;
  const c = r.cost;
  const logFile = path.join(row.dir, 'log.jsonl');
  const metrics = (m: TrainResult['dev']) => ({ mrr10: m.mrr10, success1: m.success1, success10: m.success10, success100: m.success100 });
  return {
    label: row.label, seed: row.seed, strategy: row.strategy, group: spec.group, lr: r.config.lr,
    dev: metrics(r.dev), ...(r.test ? { test: metrics(r.test) } : {}),
    cost: {
      corpusPasses: (c.byKind['initial-cache'] + c.reembed) / corpusSize,
      targetEncodes: c.totalTargetEncodes / corpusSize,
      flops: c.totalFlops,
      bertFlops: c.totalTargetEncodes * projection.flopsPerText + c.correctorFlops * projection.correctorScale,
    },
    reembedCorpusPasses: c.reembedCorpusPasses, correctorFlops: c.correctorFlops, wallSeconds: r.wallSeconds,
    telemetry: fs.existsSync(logFile) ? telemetryOf(readLog(logFile)) : { last: {}, mean: {} },
  };
}

/** Writes summary.json, tables.md and the figure specs (and PNGs when Chromium is installed) into `dir`. */
export async function writeHeadline(dir: string, summary: HeadlineSummary, o: { signal?: AbortSignal; log?: (line: string) => void } = {}): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const json = path.join(dir, 'summary.json');
  writeJsonAtomic(json, summary);
  files.push(json);
  const md = path.join(dir, 'tables.md');
  const m = summary.meta;
  writeFileAtomic(md, [
    `# The headline grid: ${m.experiment}`, '',
    `Regenerate: \`${m.command}\` (${m.steps} steps, default encoder lr ${m.defaultLr}, corpus ${m.corpusSize} passages, generated ${m.generated}).`, '',
    '## Reduction factor per drift speed', '', formatFactorTable(summary), '',
    '## The corrector\'s knobs at the default drift', '', formatKnobTable(summary), '',
    '## Every row', '', formatHeadlineRows(summary), '',
  ].join('\n'));
  files.push(md);
  const figures: { file: string; spec: FigureSpec }[] = [{ file: 'accuracy-vs-reembedding', spec: headlineFigure(summary) }];
  if (summary.rows.some((r) => r.group.regime !== 'default')) figures.push({ file: 'accuracy-vs-reembedding-hard', spec: headlineFigure(summary, { regime: 'hard' }) });
  for (const f of figures) {
    writeJsonAtomic(path.join(dir, `${f.file}.json`), f.spec);
    files.push(path.join(dir, `${f.file}.json`));
  }
  if (findChromium()) {
    const done = await exportFigures(figures.map((f) => ({ spec: f.spec, file: path.join(dir, `${f.file}.png`), width: 1200, height: 460 })), { signal: o.signal });
    files.push(...done.map((d) => d.file));
  } else o.log?.(`figures: wrote plotly specs to ${dir}; PNG export needs Debian chromium (apt-get install chromium), then \`freshcache plot\``);
  return files;
}
