/**
 * Plain-text tables of evaluation results for the CLI and notebooks.
 */
import type { MetricComparison } from './compare';
import type { EvaluationResult } from './evaluate';

function pad(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}

/** Formats a metric value with 4 decimals (NaN as '-'). */
export function formatValue(v: number): string {
  return Number.isNaN(v) ? '-' : v.toFixed(4);
}

/** One row per metric: name, label, value, and the number of queries averaged. */
export function formatMetricsTable(r: EvaluationResult): string {
  const rows = [['metric', 'value', 'queries']];
  for (const s of r.metrics) {
    const n = r.perQuery[s.name].filter((v) => !Number.isNaN(v)).length;
    rows.push([s.name, formatValue(r.aggregate[s.name]), String(n)]);
  }
  return pad(rows).join('\n');
}

/** trec_eval -q style lines: `metric<TAB>qid<TAB>value`, query by query, then `all`. */
export function formatPerQuery(r: EvaluationResult): string {
  const lines: string[] = [];
  r.queryIds.forEach((q, i) => {
    for (const s of r.metrics) {
      const v = r.perQuery[s.name][i];
      if (!Number.isNaN(v)) lines.push(`${s.name}\t${q}\t${v.toFixed(4)}`);
    }
  });
  for (const s of r.metrics) lines.push(`${s.name}\tall\t${formatValue(r.aggregate[s.name])}`);
  return lines.join('\n');
}

/** Side-by-side table of two runs with the difference and both p-values. */
export function formatComparisonTable(rows: MetricComparison[], nameA = 'run', nameB = 'compare'): string {
  const out = [['metric', nameA, nameB, 'diff', 't-test p', 'randomisation p', 'queries']];
  for (const c of rows) {
    out.push([c.metric, formatValue(c.meanA), formatValue(c.meanB), (c.diff >= 0 ? '+' : '') + c.diff.toFixed(4), formatP(c.tTestP), formatP(c.randomizationP), String(c.n)]);
  }
  return pad(out).join('\n');
}

function formatP(p: number): string {
  if (Number.isNaN(p)) return '-';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}
