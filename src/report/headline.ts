/**
 * The headline summary: what the `headline` grid measured (every run's metrics, costs and
 * telemetry), each label's mean and spread over seeds, and the reduction factors, in one small JSON
 * file the repository carries (results-committed/headline/summary.json; `npm start -- --sweep
 * headline` writes it, src/experiments/headline.ts builds the runs). The notebooks, the README
 * tables and the figure read it through `readHeadlineSummary`; nothing here trains.
 *
 * Cost measures of a run (`HeadlineRun.cost`), each a reduction factor's denominator and numerator:
 *   corpusPasses   corpus passes including the initial cache build: (initial cache + refreshes +
 *                  oracle passes) / corpus size. The corrector's is 1 (the cache built once); the
 *                  measure comparable to the paper's "4–80x less re-embedding".
 *   targetEncodes  every target-encoder forward pass, the per-step fresh encodes of positives,
 *                  negatives and extra corrector pairs included (in corpus passes).
 *   flops          total compute: target-encoder FLOPs plus the corrector's (applying h to the
 *                  cache each step and training it).
 *   bertFlops      a projection, not a measurement: the run's target encodes × the FLOPs of a
 *                  BERT-base target encoder at `projection.tokens` tokens per text, plus the
 *                  corrector's FLOPs scaled to BERT-base's width (× 768 / d: an MLP d→w→d costs
 *                  4·d·w per row).
 */
import * as fs from 'fs';
import { InputError } from '../util/errors';
import { mean, sampleSd } from '../util/stats';
import { factorRange, reductionFactor, type CurvePoint, type ReductionFactor } from './reduction-factor';
import type { StepRecord } from './experiment-figures';

export const HEADLINE_SUMMARY_FORMAT = 'freshcache-headline-summary';
export const HEADLINE_SUMMARY_VERSION = 1;

/** Where a run sits in the grid. */
export interface HeadlineGroup {
  /** `default`, or `hard`: the second regime (more hard negatives per query, a larger batch). */
  regime: string;
  /** The encoder learning rate as a multiple of the default: the drift speed. */
  drift: number;
  /** The corrector setting this row varies at the default drift (`loss=softmax`, ...); '' for the base rows. */
  knob: string;
  /** What the run is on the cost axis. */
  role: 'in-batch' | 'stale' | 'refresh' | 'corrector' | 'oracle';
  /** refresh:R (also corrector+refresh:R): R. */
  refreshEvery?: number;
}

export const COST_MEASURES = ['corpusPasses', 'targetEncodes', 'flops', 'bertFlops'] as const;
export type CostMeasure = (typeof COST_MEASURES)[number];

/** What each cost measure is, for table headers and notes. */
export const COST_MEASURE_NAMES: Readonly<Record<CostMeasure, { name: string; unit: string }>> = {
  corpusPasses: { name: 're-embedding incl. the initial cache', unit: 'corpus passes' },
  targetEncodes: { name: 'all target-encoder forward passes', unit: 'corpus passes' },
  flops: { name: 'total compute, corrector included', unit: 'FLOP' },
  bertFlops: { name: 'total compute projected for a BERT-base target encoder', unit: 'FLOP' },
};

export interface HeadlineMetrics {
  mrr10: number;
  success1: number;
  success10: number;
  success100: number;
}

/** What the staleness probe says about a run (src/train/probe.ts): the measures a log record holds (experiment-figures.ts StepRecord). */
export type HeadlineTelemetry = Omit<StepRecord, 'step'>;

/** The telemetry a run summary keeps, at its last logged step and as the mean over logged steps. */
export const TELEMETRY_KEYS: readonly (keyof HeadlineTelemetry)[] = ['staleness', 'correctorError', 'overlapStale', 'overlapCorrected', 'klStale', 'klCorrected'];

/** One run of the grid. */
export interface HeadlineRun {
  label: string;
  seed: number;
  strategy: string;
  group: HeadlineGroup;
  /** Encoder learning rate. */
  lr: number;
  dev: HeadlineMetrics;
  test?: HeadlineMetrics;
  /** The four cost measures; corpusPasses and targetEncodes in corpus passes. */
  cost: Record<CostMeasure, number>;
  /** Corpus re-encodes beyond the initial cache (refresh + oracle), in corpus passes. */
  reembedCorpusPasses: number;
  correctorFlops: number;
  wallSeconds: number;
  telemetry: { last: HeadlineTelemetry; mean: HeadlineTelemetry };
}

/** A label's seeds together. */
export interface HeadlineRow {
  label: string;
  strategy: string;
  group: HeadlineGroup;
  seeds: number[];
  devMrr10: { mean: number; sd: number; min: number; max: number };
  testMrr10: number;
  cost: Record<CostMeasure, number>;
  reembedCorpusPasses: number;
  wallSeconds: number;
  telemetry: HeadlineTelemetry;
}

/** The reduction factor of one corrector row on one cost measure: from the seed means, and the range of the per-seed factors. */
export interface HeadlineFactor {
  corrector: string;
  group: HeadlineGroup;
  measure: CostMeasure;
  /** Labels of the refresh curve (stale and the refresh:R rows of the same regime and drift). */
  curve: string[];
  mean: ReductionFactor;
  perSeed: { seed: number; factor: ReductionFactor }[];
  range?: { min: ReductionFactor; max: ReductionFactor };
}

/** Facts of the grid the numbers depend on. */
export interface HeadlineMeta {
  command: string;
  experiment: string;
  dataset: string;
  corpusSize: number;
  steps: number;
  defaultLr: number;
  embeddingDim: number;
  /** The BERT-base projection of the `bertFlops` measure. */
  projection: { encoder: string; tokens: number; flopsPerText: number; correctorScale: number };
  generated: string;
}

export interface HeadlineSummary {
  format: typeof HEADLINE_SUMMARY_FORMAT;
  version: number;
  meta: HeadlineMeta;
  runs: HeadlineRun[];
  rows: HeadlineRow[];
  factors: HeadlineFactor[];
}

/** Each label's seeds together, in the order labels first appear. */
export function headlineRows(runs: readonly HeadlineRun[]): HeadlineRow[] {
  const labels = [...new Set(runs.map((r) => r.label))];
  return labels.map((label) => {
    const rs = runs.filter((r) => r.label === label);
    const dev = rs.map((r) => r.dev.mrr10);
    const m = (f: (r: HeadlineRun) => number | undefined) => mean(rs.map((r) => f(r) ?? NaN));
    const telemetry: HeadlineTelemetry = {};
    for (const k of TELEMETRY_KEYS) {
      const v = rs.map((r) => r.telemetry.last[k]).filter((x): x is number => typeof x === 'number');
      if (v.length) telemetry[k] = mean(v);
    }
    return {
      label, strategy: rs[0].strategy, group: rs[0].group, seeds: rs.map((r) => r.seed),
      devMrr10: { mean: mean(dev), sd: sampleSd(dev), min: Math.min(...dev), max: Math.max(...dev) },
      testMrr10: m((r) => r.test?.mrr10),
      cost: Object.fromEntries(COST_MEASURES.map((k) => [k, m((r) => r.cost[k])])) as Record<CostMeasure, number>,
      reembedCorpusPasses: m((r) => r.reembedCorpusPasses),
      wallSeconds: m((r) => r.wallSeconds),
      telemetry,
    };
  });
}

const sameCurve = (a: HeadlineGroup, b: HeadlineGroup) => a.regime === b.regime && a.drift === b.drift;
const onCurve = (g: HeadlineGroup) => g.knob === '' && (g.role === 'stale' || g.role === 'refresh');

/**
 * The reduction factors of every corrector row (base rows at each drift and regime, and the knobs
 * at the default drift) on every cost measure, against the refresh curve of its regime and drift.
 * A corrector row whose curve has no runs gets none.
 */
export function headlineFactors(runs: readonly HeadlineRun[], rows: readonly HeadlineRow[] = headlineRows(runs)): HeadlineFactor[] {
  const out: HeadlineFactor[] = [];
  for (const c of rows.filter((r) => r.group.role === 'corrector')) {
    const curveRows = rows.filter((r) => onCurve(r.group) && sameCurve(r.group, c.group));
    if (curveRows.length === 0) continue;
    const curveRuns = runs.filter((r) => onCurve(r.group) && sameCurve(r.group, c.group));
    for (const measure of COST_MEASURES) {
      const point = (label: string, cost: number, accuracy: number): CurvePoint => ({ label, cost, accuracy });
      const meanFactor = reductionFactor(curveRows.map((r) => point(r.label, r.cost[measure], r.devMrr10.mean)), { label: c.label, cost: c.cost[measure], accuracy: c.devMrr10.mean });
      const perSeed = c.seeds.flatMap((seed) => {
        const corr = runs.find((r) => r.label === c.label && r.seed === seed);
        const curve = curveRuns.filter((r) => r.seed === seed).map((r) => point(r.label, r.cost[measure], r.dev.mrr10));
        return corr && curve.length ? [{ seed, factor: reductionFactor(curve, { label: c.label, cost: corr.cost[measure], accuracy: corr.dev.mrr10 }) }] : [];
      });
      out.push({ corrector: c.label, group: c.group, measure, curve: curveRows.map((r) => r.label), mean: meanFactor, perSeed, range: factorRange(perSeed.map((p) => p.factor)) });
    }
  }
  return out;
}

/** The summary of `runs`: rows and factors computed here, so every reader sees the same numbers. */
export function headlineSummary(meta: HeadlineMeta, runs: readonly HeadlineRun[]): HeadlineSummary {
  const rows = headlineRows(runs);
  return { format: HEADLINE_SUMMARY_FORMAT, version: HEADLINE_SUMMARY_VERSION, meta, runs: [...runs], rows, factors: headlineFactors(runs, rows) };
}

/** Reads a summary.json written by `npm start -- --sweep headline`; InputError naming the file when it is not one. */
export function readHeadlineSummary(file: string): HeadlineSummary {
  let json: Partial<HeadlineSummary>;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not a readable headline summary (${(e as Error).message}); regenerate it with \`npm start -- --sweep headline\``);
  }
  if (json.format !== HEADLINE_SUMMARY_FORMAT) throw new InputError(`${file}: format '${String(json.format)}', expected '${HEADLINE_SUMMARY_FORMAT}'`);
  if (json.version !== HEADLINE_SUMMARY_VERSION) throw new InputError(`${file}: version ${String(json.version)}; this freshcache reads version ${HEADLINE_SUMMARY_VERSION} (regenerate it with \`npm start -- --sweep headline\`)`);
  if (!json.meta || !Array.isArray(json.runs) || !Array.isArray(json.rows) || !Array.isArray(json.factors)) throw new InputError(`${file}: expected { meta, runs: [...], rows: [...], factors: [...] }`);
  return json as HeadlineSummary;
}
