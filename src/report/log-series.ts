/**
 * Plot series from run logs (runs/<experiment>/<run>/log.jsonl, read by src/experiments): one line
 * per run of a probe measure over training steps, and the last or mean value of a measure.
 */
import type { LineSeries } from './figure';

/** The numeric fields of a log record a figure can plot over steps. */
export type LogMeasure =
  | 'staleness' | 'stalenessRelative' | 'stalenessMax' | 'correctorError' | 'correctorErrorRelative'
  | 'overlapStale' | 'overlapCorrected' | 'klStale' | 'klCorrected' | 'spearmanStale' | 'spearmanCorrected'
  | 'loss' | 'correctorLoss';

/** What a series needs of a log record (train/log.ts LogRecord has these fields). */
export type LoggedStep = { step: number } & { [K in LogMeasure]?: number };

/** One line per run: `measure` over training steps; records without a finite value are skipped, runs with none dropped. */
export function logSeries(runs: readonly { label: string; log: readonly LoggedStep[] }[], measure: LogMeasure, opts: { name?: (label: string) => string } = {}): LineSeries[] {
  const out: LineSeries[] = [];
  for (const r of runs) {
    const pts = r.log.filter((x) => typeof x[measure] === 'number' && Number.isFinite(x[measure] as number));
    if (pts.length === 0) continue;
    out.push({ name: opts.name ? opts.name(r.label) : r.label, x: pts.map((p) => p.step), y: pts.map((p) => p[measure] as number) });
  }
  return out;
}

/** The last finite value of `measure` in a log (NaN if none). */
export function lastValue(log: readonly LoggedStep[], measure: LogMeasure): number {
  for (let i = log.length - 1; i >= 0; i--) {
    const v = log[i][measure];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return NaN;
}

/** The mean of `measure` over a log's records (finite values only; NaN if none). */
export function meanValue(log: readonly LoggedStep[], measure: LogMeasure): number {
  const v = log.map((r) => r[measure]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}
