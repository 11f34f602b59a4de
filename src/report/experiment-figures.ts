/**
 * The figures of a training experiment, built from what it writes (the summary table and each
 * run's log.jsonl): accuracy against target-encoder cost, and staleness / corrector error / top-k
 * agreement over steps. Plain data in, FigureSpec out; `npm start` exports them as PNG and the
 * notebooks show them.
 */
import { linePlot, paretoPlot, type FigureSpec } from './figure';

/** What a figure needs of a summary row (see ExperimentSummaryRow in experiment-table.ts). */
export interface CostPoint {
  label: string;
  devMrr10: number;
  totalTargetEncodesCorpusPasses: number;
  reembedCorpusPasses: number;
  /** A lexical row (BM25): no target-encoder cost to place it at; drawn as a level line. */
  lexical?: boolean;
}

/** What a figure needs of a log record (see src/train/log.ts LogRecord). */
export interface StepRecord {
  step: number;
  staleness?: number;
  correctorError?: number;
  overlapStale?: number;
  overlapCorrected?: number;
  klStale?: number;
  klCorrected?: number;
}

/**
 * Dev MRR@10 against all target-encoder forward passes (corpus passes, log axis), Pareto front
 * dashed; a lexical row (BM25, no encoder) is a dotted level line across the dense points, not a
 * point at zero cost.
 */
export function accuracyVsCostFigure(rows: CostPoint[], title = 'Accuracy against target-encoder cost'): FigureSpec {
  const points = rows.filter((r) => !r.lexical).map((r) => ({ strategy: r.label, x: Math.max(r.totalTargetEncodesCorpusPasses, 1e-3), y: r.devMrr10, label: r.label }));
  const spec = paretoPlot({
    title,
    x: { label: 'target-encoder forward passes', unit: 'corpus passes, log scale', log: true },
    y: { label: 'dev MRR@10' },
    points,
    sense: { x: 'min', y: 'max' },
    showLabels: true,
  });
  const xs = points.map((p) => p.x).filter(Number.isFinite);
  for (const r of rows.filter((x) => x.lexical && Number.isFinite(x.devMrr10))) {
    const span = xs.length ? [Math.min(...xs), Math.max(...xs)] : [1e-3, 1];
    spec.data.push({ type: 'scatter', name: `${r.label} (lexical, no encoder)`, x: span, y: [r.devMrr10, r.devMrr10], mode: 'lines', line: { color: '#888888', width: 1.5, dash: 'dot' } });
  }
  return spec;
}

/** One measure of the staleness probe over training steps, a line per run. */
export function probeOverStepsFigure(
  runs: { label: string; log: StepRecord[] }[],
  measure: keyof Omit<StepRecord, 'step'>,
  axis: { title: string; label: string; unit?: string },
): FigureSpec {
  return linePlot({
    title: axis.title,
    x: { label: 'training step' },
    y: { label: axis.label, unit: axis.unit },
    series: runs
      .map((r) => ({ name: r.label, pts: r.log.filter((x) => typeof x[measure] === 'number') }))
      .filter((r) => r.pts.length > 0)
      .map((r) => ({ name: r.name, x: r.pts.map((p) => p.step), y: r.pts.map((p) => p[measure] as number) })),
  });
}

/** The corrector at work: its error ‖h(g′) − g_t‖ against the stale cache's ‖g′ − g_t‖, over steps. */
export function correctorErrorFigure(label: string, log: StepRecord[]): FigureSpec {
  const pts = log.filter((r) => typeof r.staleness === 'number' && typeof r.correctorError === 'number');
  return linePlot({
    title: `Corrector error against the stale cache (${label})`,
    x: { label: 'training step' },
    y: { label: 'mean distance to the fresh embedding', unit: 'L2' },
    series: [
      { name: 'stale', x: pts.map((p) => p.step), y: pts.map((p) => p.staleness!) },
      { name: 'corrector', x: pts.map((p) => p.step), y: pts.map((p) => p.correctorError!) },
    ],
  });
}
