/**
 * The headline figure: dev MRR@10 against re-embedding (corpus passes including the initial cache
 * build, log scale), one panel per drift speed, from the headline summary. Each point is a label's
 * mean over its seeds with the seeds' range (min to max) as its error bar; the refresh curve (stale
 * and refresh:R, the curve the reduction factor reads) is drawn as a line; the Pareto front over
 * every point is dashed; in-batch negatives, which need no cache (0 passes, off a log axis), are a
 * dotted horizontal line.
 */
import { paretoPlot, type FigureSpec, type PlotlyTrace } from './figure';
import { strategyColor } from './palette';
import { strategyFamily } from './run-labels';
import type { CostMeasure, HeadlineRow, HeadlineSummary } from './headline';
import { COST_MEASURE_NAMES } from './headline';
import { driftName } from './headline-table';

/** The points of one panel: rows of one regime and drift (the knobs at the default drift included when `knobs`). */
function panelRows(summary: HeadlineSummary, regime: string, drift: number, knobs: boolean): HeadlineRow[] {
  return summary.rows.filter((r) => r.group.regime === regime && r.group.drift === drift && (knobs || r.group.knob === ''));
}

/** A point's label inside its panel: the drift tag goes, the panel's title names the drift. */
const pointLabel = (label: string): string => label.replace(/\[lr×[^\]]*\]/, '');

/** One panel: accuracy against cost measure `measure` for the rows given. */
export function headlinePanel(rows: readonly HeadlineRow[], title: string, measure: CostMeasure = 'corpusPasses'): FigureSpec {
  const onAxis = rows.filter((r) => Number.isFinite(r.cost[measure]) && r.cost[measure] > 0);
  const spec = paretoPlot({
    title,
    x: { label: COST_MEASURE_NAMES[measure].name, unit: `${COST_MEASURE_NAMES[measure].unit}, log scale`, log: true },
    y: { label: 'dev MRR@10' },
    points: onAxis.map((r) => ({ strategy: strategyFamily(r.label), x: r.cost[measure], y: r.devMrr10.mean, label: pointLabel(r.label) })),
    showLabels: true,
  });
  // room for the labels of the first and last points (a log axis: its range is in decades)
  const decades = onAxis.map((r) => Math.log10(r.cost[measure]));
  if (decades.length) Object.assign(spec.layout.xaxis as Record<string, unknown>, { range: [Math.min(...decades) - 0.2, Math.max(...decades) + 0.2] });
  // seeds' range as error bars, matched to paretoPlot's traces by the point labels it draws
  const byLabel = new Map(onAxis.map((r) => [pointLabel(r.label), r]));
  for (const t of spec.data) {
    if (!Array.isArray(t.text) || !t.text.every((l) => byLabel.has(l))) continue;
    const rs = t.text.map((l) => byLabel.get(l)!);
    t.error_y = { type: 'data', symmetric: false, array: rs.map((r) => r.devMrr10.max - r.devMrr10.mean), arrayminus: rs.map((r) => r.devMrr10.mean - r.devMrr10.min), thickness: 1.2, width: 4 };
  }
  const curve = onAxis.filter((r) => r.group.knob === '' && (r.group.role === 'stale' || r.group.role === 'refresh')).sort((a, b) => a.cost[measure] - b.cost[measure]);
  if (curve.length > 1) {
    spec.data.unshift({
      type: 'scatter', name: 'refresh curve', mode: 'lines', x: curve.map((r) => r.cost[measure]), y: curve.map((r) => r.devMrr10.mean),
      line: { color: strategyColor('refresh'), width: 1.5 }, hoverinfo: 'skip',
    });
  }
  const xs = onAxis.map((r) => r.cost[measure]);
  for (const r of rows.filter((x) => x.group.role === 'in-batch')) {
    spec.data.push({
      type: 'scatter', name: `${pointLabel(r.label)} (no cache)`, mode: 'lines', x: [Math.min(...xs), Math.max(...xs)], y: [r.devMrr10.mean, r.devMrr10.mean],
      line: { color: strategyColor('in-batch'), width: 1.5, dash: 'dot' }, hovertemplate: `${r.label}: %{y:.3f}<extra></extra>`,
    });
  }
  return spec;
}

/**
 * Panels side by side in one figure (one plotly grid): each panel's traces move to its own axes,
 * its title becomes an annotation over it, and the legend shows each name once.
 */
export function sideBySide(panels: readonly FigureSpec[], title: string): FigureSpec {
  const data: PlotlyTrace[] = [];
  const layout: FigureSpec['layout'] = { ...panels[0].layout, title: { text: title, x: 0.02, xanchor: 'left' }, grid: { rows: 1, columns: panels.length, pattern: 'independent' }, annotations: [] };
  const seen = new Set<string>();
  const annotations: Record<string, unknown>[] = [];
  panels.forEach((p, i) => {
    const n = i === 0 ? '' : String(i + 1);
    // one x title, under the middle panel: the panels share the measure, and three long titles overlap
    const middle = i === Math.floor((panels.length - 1) / 2);
    layout[`xaxis${n}`] = middle ? p.layout.xaxis : { ...p.layout.xaxis, title: { text: '' } };
    // one y title too, on the left panel
    layout[`yaxis${n}`] = i === 0 ? p.layout.yaxis : { ...p.layout.yaxis, title: { text: '' } };
    annotations.push({ text: p.layout.title?.text ?? '', xref: `x${n} domain`, yref: `y${n} domain`, x: 0.5, y: 1.08, showarrow: false, font: { size: 13 } });
    for (const t of p.data) {
      const key = t.name ?? '';
      data.push({ ...t, xaxis: `x${n}`, yaxis: `y${n}`, legendgroup: key, showlegend: t.showlegend !== false && !seen.has(key) });
      seen.add(key);
    }
  });
  layout.annotations = annotations;
  layout.height = 460;
  layout.margin = { l: 70, r: 20, t: 80, b: 60 };
  return { data, layout };
}

/** The headline figure of one regime: a panel per drift speed (the knobs drawn in the default-drift panel when `knobs`). */
export function headlineFigure(summary: HeadlineSummary, o: { regime?: string; measure?: CostMeasure; knobs?: boolean } = {}): FigureSpec {
  const regime = o.regime ?? 'default';
  const drifts = [...new Set(summary.rows.filter((r) => r.group.regime === regime).map((r) => r.group.drift))].sort((a, b) => a - b);
  const panels = drifts.map((d) => {
    const rows = panelRows(summary, regime, d, o.knobs ?? false);
    return headlinePanel(rows, `drift ${driftName(rows[0].group, summary.meta.defaultLr)}`, o.measure);
  });
  const regimeName = regime === 'default' ? '' : ` (${regime} regime)`;
  return sideBySide(panels, `Accuracy against re-embedding per drift speed${regimeName}: mean over seeds, bars = seeds' range`);
}
