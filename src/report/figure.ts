/**
 * Figures as plain data: a FigureSpec is exactly what `Plotly.newPlot(div, data, layout)` takes, so
 * it can be built and tested without a browser, saved as JSON, shown in a notebook (display.ts) or
 * exported to PNG/SVG (export.ts). The builders here make the project's figure kinds with labelled
 * axes (units in the title) and the fixed strategy colours of palette.ts.
 */
import { InputError } from '../util/errors';
import { seriesColors, withAlpha } from './palette';

/** One plotly trace, typed minimally: the fields the builders set, plus anything plotly accepts. */
export interface PlotlyTrace {
  type: 'scatter' | 'bar' | string;
  name?: string;
  x?: (number | string | null)[];
  y?: (number | string | null)[];
  mode?: string;
  line?: { color?: string; width?: number; dash?: string; shape?: string };
  marker?: { color?: string; size?: number; symbol?: string; line?: { color?: string; width?: number } };
  fill?: string;
  fillcolor?: string;
  showlegend?: boolean;
  legendgroup?: string;
  hoverinfo?: string;
  text?: string[];
  textposition?: string | string[];
  [key: string]: unknown;
}

/** Plotly axis layout, typed minimally. */
export interface PlotlyAxis {
  title?: { text: string };
  type?: 'linear' | 'log' | 'category';
  range?: [number, number];
  zeroline?: boolean;
  [key: string]: unknown;
}

/** Plotly layout, typed minimally. */
export interface PlotlyLayout {
  title?: { text: string; x?: number; xanchor?: string; y?: number; yanchor?: string };
  xaxis?: PlotlyAxis;
  yaxis?: PlotlyAxis;
  width?: number;
  height?: number;
  barmode?: 'stack' | 'group' | 'relative' | 'overlay';
  legend?: Record<string, unknown>;
  margin?: { l?: number; r?: number; t?: number; b?: number };
  [key: string]: unknown;
}

/** What `Plotly.newPlot` draws. Plain JSON-serialisable data. */
export interface FigureSpec {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}

/** An axis: what is measured and in which unit; shown as "label (unit)". */
export interface AxisSpec {
  label: string;
  unit?: string;
  log?: boolean;
  range?: [number, number];
}

/** Common options of every builder. */
export interface FigureOptions {
  title: string;
  /** Pixels; the notebook display stretches to the cell width when absent. */
  width?: number;
  height?: number;
}

/** "label (unit)", or just the label when there is no unit. */
export function axisTitle(axis: AxisSpec): string {
  return axis.unit ? `${axis.label} (${axis.unit})` : axis.label;
}

/**
 * d3 format of log-axis tick labels: every tick in full ("20", "0.005", "1,000,000"). Without it
 * plotly labels the ticks between powers of ten with their first digit only, so a "2" after "10"
 * means 20.
 */
export const LOG_TICK_FORMAT = ',~r';

/**
 * Tick spacing for a log axis over `values`, so that full labels do not crowd: 1, 2 and 5 times
 * each power of ten over one to three decades, powers of ten (every k-th, at most 8) over more, and
 * plotly's own choice under one decade (it then labels in full on a linear grid).
 */
export function logAxisTicks(values: readonly number[]): { dtick?: number | string } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v) && v > 0) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!(hi > 0)) return {};
  const decades = Math.log10(hi) - Math.log10(lo);
  return decades > 3 ? { dtick: Math.ceil(decades / 8) } : decades >= 1 ? { dtick: 'D2' } : {};
}

function axisLayout(axis: AxisSpec, values: readonly number[]): PlotlyAxis {
  const out: PlotlyAxis = { title: { text: axisTitle(axis) }, zeroline: false };
  if (axis.log) Object.assign(out, { type: 'log', tickformat: LOG_TICK_FORMAT, ...logAxisTicks(values) });
  if (axis.range) out.range = axis.range;
  return out;
}

/** The layout every builder starts from; `xValues`/`yValues` (the data drawn) set log-axis ticks. */
function baseLayout(opts: FigureOptions, x: AxisSpec, y: AxisSpec, xValues: readonly number[] = [], yValues: readonly number[] = []): PlotlyLayout {
  const grid = { gridcolor: '#e5e5e5', linecolor: '#888888' };
  const layout: PlotlyLayout = {
    title: { text: opts.title, x: 0.02, xanchor: 'left' },
    xaxis: { ...axisLayout(x, xValues), ...grid },
    yaxis: { ...axisLayout(y, yValues), ...grid },
    height: opts.height ?? 420,
    margin: { l: 70, r: 20, t: 50, b: 60 },
    font: { family: 'Helvetica, Arial, sans-serif', size: 13 },
    plot_bgcolor: '#ffffff',
    paper_bgcolor: '#ffffff',
  };
  if (opts.width !== undefined) layout.width = opts.width;
  return layout;
}

/** Non-finite numbers become null (a gap in plotly; JSON has no NaN). */
function clean(values: readonly number[]): (number | null)[] {
  return values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
}

function checkLength(what: string, name: string, a: readonly unknown[], b: readonly unknown[], aName: string, bName: string): void {
  if (a.length !== b.length) throw new InputError(`${what}: series '${name}': ${aName} has ${a.length} values, ${bName} has ${b.length}`);
}

/** A named series for linePlot; `band` draws a shaded range (e.g. a confidence interval) around it. */
export interface LineSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
  band?: { lo: readonly number[]; hi: readonly number[] };
  /** Defaults to the strategy colour of `name` (palette.ts seriesColors), or a palette colour by position. */
  color?: string;
  dash?: 'solid' | 'dash' | 'dot' | 'dashdot';
  mode?: 'lines' | 'lines+markers' | 'markers';
}

export interface LinePlotOptions extends FigureOptions {
  x: AxisSpec;
  y: AxisSpec;
  series: readonly LineSeries[];
}

/**
 * Lines over a shared x axis (e.g. training steps), one trace per named series, each with an
 * optional shaded band drawn under it in the same colour.
 */
export function linePlot(opts: LinePlotOptions): FigureSpec {
  const data: PlotlyTrace[] = [];
  const colors = seriesColors(opts.series.map((s) => s.name));
  opts.series.forEach((s, i) => {
    checkLength('linePlot', s.name, s.x, s.y, 'x', 'y');
    const color = s.color ?? colors[i];
    if (s.band) {
      checkLength('linePlot', s.name, s.x, s.band.lo, 'x', 'band.lo');
      checkLength('linePlot', s.name, s.x, s.band.hi, 'x', 'band.hi');
      // One closed polygon: hi left to right, then lo right to left.
      data.push({
        type: 'scatter',
        name: `${s.name} range`,
        x: [...clean(s.x), ...clean(s.x).reverse()],
        y: [...clean(s.band.hi), ...clean(s.band.lo).reverse()],
        mode: 'lines',
        fill: 'toself',
        fillcolor: withAlpha(color, 0.18),
        line: { color: 'rgba(0,0,0,0)', width: 0 },
        hoverinfo: 'skip',
        showlegend: false,
        legendgroup: s.name,
      });
    }
    data.push({
      type: 'scatter',
      name: s.name,
      x: clean(s.x),
      y: clean(s.y),
      mode: s.mode ?? 'lines',
      line: { color, width: 2, dash: s.dash ?? 'solid' },
      marker: { color, size: 6 },
      legendgroup: s.name,
    });
  });
  const band = (s: LineSeries) => (s.band ? [...s.band.lo, ...s.band.hi] : []);
  return { data, layout: baseLayout(opts, opts.x, opts.y, opts.series.flatMap((s) => s.x), opts.series.flatMap((s) => [...s.y, ...band(s)])) };
}

/** Which direction is better on an axis. */
export type Sense = 'min' | 'max';

/** A point of a Pareto plot: `x`, `y` plus anything else (strategy, label). */
export interface XY {
  x: number;
  y: number;
}

/**
 * The Pareto front of `points`: those not dominated by another point, sorted by x ascending. `p`
 * dominates `q` when p is at least as good on both axes and strictly better on one, where "good" is
 * given by `sense` (default: minimise x (cost), maximise y (accuracy)). Points with a non-finite
 * coordinate are ignored; exact duplicates of a front point are all kept.
 */
export function paretoFront<P extends XY>(points: readonly P[], sense: { x: Sense; y: Sense } = { x: 'min', y: 'max' }): P[] {
  const sx = sense.x === 'min' ? 1 : -1; // after multiplying, smaller is better on both axes
  const sy = sense.y === 'min' ? 1 : -1;
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const order = finite.map((p, i) => ({ p, i, x: sx * p.x, y: sy * p.y }));
  order.sort((a, b) => a.x - b.x || a.y - b.y || a.i - b.i);
  const front: typeof order = [];
  let bestY = Infinity;
  for (const o of order) {
    const last = front[front.length - 1];
    if (o.y < bestY) {
      front.push(o);
      bestY = o.y;
    } else if (last && o.x === last.x && o.y === last.y) {
      front.push(o); // an exact duplicate of a front point
    }
  }
  return front.map((o) => o.p).sort((a, b) => a.x - b.x);
}

/** A point of paretoPlot: which strategy produced it and an optional label (e.g. "R=100"). */
export interface StrategyPoint extends XY {
  strategy: string;
  label?: string;
}

export interface ParetoPlotOptions extends FigureOptions {
  x: AxisSpec;
  y: AxisSpec;
  points: readonly StrategyPoint[];
  sense?: { x: Sense; y: Sense };
  /** Draw `label` beside each point (it is always in the hover text). */
  showLabels?: boolean;
  /** Legend name of the front line. */
  frontName?: string;
  /** 'hv' draws the attainable staircase (default), 'linear' joins front points directly. */
  frontShape?: 'hv' | 'linear';
}

/**
 * Points coloured by strategy (one trace per strategy, in first-seen order) with the Pareto front
 * drawn as a dashed line over them; `x.log` for cost axes spanning decades. With `showLabels`, a
 * front point's label sits on its left, on the side the staircase does not come from (below for a
 * falling front, above for a rising one), and every other point's label on the right, away from
 * the front, so labels do not sit on the line; near the left or right end of the x range a label
 * changes sides so it stays inside the plot. A front point close to its left neighbour on both axes
 * (whose labels would overlap) puts its label on the other side of the line, to its right.
 */
export function paretoPlot(opts: ParetoPlotOptions): FigureSpec {
  const groups = new Map<string, StrategyPoint[]>();
  for (const p of opts.points) {
    if (!groups.has(p.strategy)) groups.set(p.strategy, []);
    groups.get(p.strategy)!.push(p);
  }
  const data: PlotlyTrace[] = [];
  const front = paretoFront(opts.points, opts.sense);
  const onFront = new Set<StrategyPoint>(front);
  const falling = front.length > 1 && front[front.length - 1].y < front[0].y;
  const xs = opts.points.map((p) => (opts.x.log ? Math.log10(p.x) : p.x)).filter((v) => Number.isFinite(v));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const ys = opts.points.map((p) => p.y).filter((v) => Number.isFinite(v));
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const relX = (p: StrategyPoint) => (x1 > x0 ? ((opts.x.log ? Math.log10(p.x) : p.x) - x0) / (x1 - x0) : 0.5);
  const relY = (p: StrategyPoint) => (y1 > y0 ? (p.y - y0) / (y1 - y0) : 0.5);
  // a front point whose label would land on its left neighbour's (close on both axes) takes the other side of the line
  const flipped = new Set<StrategyPoint>();
  for (let i = 1; i < front.length; i++) {
    const [a, b] = [front[i - 1], front[i]];
    if (!flipped.has(a) && relX(b) - relX(a) < 0.25 && Math.abs(relY(b) - relY(a)) < 0.08) flipped.add(b);
  }
  const labelAt = (p: StrategyPoint) => {
    const rel = relX(p);
    if (flipped.has(p)) return `${falling ? 'top' : 'bottom'} ${rel > 0.88 ? 'left' : 'right'}`;
    const left = onFront.has(p) ? rel > 0.12 : rel > 0.88;
    return `${onFront.has(p) === falling ? 'bottom' : 'top'} ${left ? 'left' : 'right'}`;
  };
  if (front.length > 1) {
    data.push({
      type: 'scatter',
      name: opts.frontName ?? 'Pareto front',
      x: front.map((p) => p.x),
      y: front.map((p) => p.y),
      mode: 'lines',
      line: { color: '#555555', width: 1.5, dash: 'dash', shape: opts.frontShape ?? 'hv' },
      hoverinfo: 'skip',
    });
  }
  const colors = seriesColors([...groups.keys()]);
  [...groups].forEach(([strategy, pts], i) => {
    const color = colors[i];
    const labels = pts.map((p) => p.label ?? '');
    data.push({
      type: 'scatter',
      name: strategy,
      x: clean(pts.map((p) => p.x)),
      y: clean(pts.map((p) => p.y)),
      mode: opts.showLabels ? 'markers+text' : 'markers',
      marker: { color, size: 10, line: { color: '#ffffff', width: 1 } },
      text: labels,
      textposition: pts.map(labelAt),
      cliponaxis: false, // a label near the plot's edge may run into the margin rather than be cut
      hovertemplate: `${escapeTemplate(strategy)} %{text}<br>x=%{x}<br>y=%{y}<extra></extra>`,
    });
  });
  return { data, layout: baseLayout(opts, opts.x, opts.y, opts.points.map((p) => p.x), opts.points.map((p) => p.y)) };
}

function escapeTemplate(s: string): string {
  return s.replace(/[%{}]/g, (c) => `\\${c}`);
}

export interface StackedBarsOptions extends FigureOptions {
  /** The category axis (e.g. "training pairs m"); `unit` is shown, `log` is ignored. */
  x: AxisSpec;
  y: AxisSpec;
  categories: readonly (string | number)[];
  /** Stacked in order, bottom first; one value per category. */
  stacks: readonly { name: string; values: readonly number[]; color?: string }[];
  /** Drawn as markers over the bars, e.g. the measured error beside the bound's terms. */
  overlays?: readonly { name: string; values: readonly number[]; color?: string }[];
}

/**
 * Stacked bars, one bar per category, one segment per term (negative terms go below zero), with
 * optional marker series over them: the generalization bound's terms against the measured error.
 */
export function stackedBars(opts: StackedBarsOptions): FigureSpec {
  const cats = opts.categories.map(String);
  const data: PlotlyTrace[] = [];
  const colors = seriesColors(opts.stacks.map((s) => s.name));
  opts.stacks.forEach((s, i) => {
    checkLength('stackedBars', s.name, cats, s.values, 'categories', 'values');
    data.push({ type: 'bar', name: s.name, x: cats, y: clean(s.values), marker: { color: s.color ?? colors[i] } });
  });
  (opts.overlays ?? []).forEach((s, i) => {
    checkLength('stackedBars', s.name, cats, s.values, 'categories', 'values');
    data.push({
      type: 'scatter',
      name: s.name,
      x: cats,
      y: clean(s.values),
      mode: 'lines+markers',
      marker: { color: s.color ?? '#000000', size: 9, symbol: ['diamond', 'circle', 'square', 'x'][i % 4] },
      line: { color: s.color ?? '#000000', width: 1, dash: 'dot' },
    });
  });
  const tops = cats.map((_, k) => opts.stacks.reduce((a, st) => a + Math.max(0, st.values[k]), 0)); // where each bar ends
  const yValues = [...opts.stacks.flatMap((st) => st.values), ...tops, ...(opts.overlays ?? []).flatMap((o) => o.values)];
  const layout = baseLayout(opts, { ...opts.x, log: false }, opts.y, [], yValues);
  layout.barmode = 'relative';
  (layout.xaxis as PlotlyAxis).type = 'category';
  return { data, layout };
}

/** Checks that `value` looks like a FigureSpec (for specs read from JSON files); throws InputError naming `source`. */
export function assertFigureSpec(value: unknown, source: string): asserts value is FigureSpec {
  const v = value as FigureSpec;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(`${source}: expected a figure spec object {data: [...], layout: {...}}`);
  if (!Array.isArray(v.data)) throw new InputError(`${source}: 'data' must be an array of plotly traces`);
  v.data.forEach((t, i) => {
    if (typeof t !== 'object' || t === null) throw new InputError(`${source}: data[${i}] is not an object`);
  });
  if (v.layout !== undefined && (typeof v.layout !== 'object' || v.layout === null || Array.isArray(v.layout))) throw new InputError(`${source}: 'layout' must be an object`);
}
