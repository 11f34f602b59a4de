/**
 * The corrector-complexity grid: correctors of every kind × depth × width, trained with each loss,
 * at several drift magnitudes of the synthetic generator (src/experiments/complexity-explorer.ts
 * computes it; scripts/complexity-grid.ts writes the small committed file
 * results-committed/complexity/grid.json). Here: its format, its reader, and a figure whose drift
 * slider and loss menu are plotly's own controls, so a reader changes the configuration shown with
 * no kernel and no recomputation (in JupyterLab, VS Code or any plotly viewer; the static image
 * shows the initial state).
 */
import * as fs from 'fs';
import { InputError } from '../util/errors';
import { LOG_TICK_FORMAT, logAxisTicks, type FigureSpec, type PlotlyTrace } from './figure';
import { STRATEGY_COLORS } from './palette';
import type { CorrectorMeasures } from '../theory/measure';

export const COMPLEXITY_GRID_FORMAT = 'freshcache-complexity-grid';
export const COMPLEXITY_GRID_VERSION = 1;

/** A corrector network of the grid: kind, hidden layers and width (0 where they do not apply). */
export interface GridNetwork {
  kind: 'identity' | 'linear' | 'mlp';
  depth: number;
  width: number;
}

/** What one explored configuration measured (held-out targets and evaluation queries of the generator). */
/** One explored configuration: the network, its setting, and what measureCorrector measured of it (theory/measure.ts). */
export interface ComplexityPoint extends GridNetwork, CorrectorMeasures {
  loss: string;
  /** Drift magnitude of the synthetic generator (how far the fresh encoder moved from the cache's). */
  drift: number;
  /** Fresh pairs delivered to the corrector. */
  pairs: number;
  seed: number;
  /** `mlp w=32 L=2`, `linear`, `identity`. */
  label: string;
  params: number;
  flopsPerRow: number;
  pairsDelivered: number;
  seconds: number;
}

export interface ComplexityGrid {
  format: typeof COMPLEXITY_GRID_FORMAT;
  version: typeof COMPLEXITY_GRID_VERSION;
  /** The command that regenerates the file. */
  command: string;
  /** The generator and fitting settings every point shares (dim, pool, k, β, online delivery, ...). */
  settings: Record<string, unknown>;
  networks: GridNetwork[];
  losses: string[];
  drifts: number[];
  points: ComplexityPoint[];
  seconds: number;
}

/** The label of a network: `identity`, `linear`, `mlp w=32` (depth 1), `mlp w=32 L=2`. */
export function networkLabel(n: GridNetwork): string {
  if (n.kind !== 'mlp') return n.kind;
  return `mlp w=${n.width}${n.depth > 1 ? ` L=${n.depth}` : ''}`;
}

/** Reads a grid file; InputError naming the file when it is not one this code reads. */
export function readComplexityGrid(file: string): ComplexityGrid {
  let g: ComplexityGrid;
  try {
    g = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not a readable complexity grid (${(e as Error).message}); regenerate it with node --import tsx scripts/complexity-grid.ts`);
  }
  if (g?.format !== COMPLEXITY_GRID_FORMAT) throw new InputError(`${file}: expected format '${COMPLEXITY_GRID_FORMAT}', got '${String(g?.format)}'`);
  if (g.version !== COMPLEXITY_GRID_VERSION) throw new InputError(`${file}: complexity grid version ${g.version}, this code reads ${COMPLEXITY_GRID_VERSION}; regenerate it (${g.command ?? 'scripts/complexity-grid.ts'})`);
  if (!Array.isArray(g.points) || !Array.isArray(g.drifts) || !Array.isArray(g.losses) || !Array.isArray(g.networks)) throw new InputError(`${file}: expected points, drifts, losses and networks arrays`);
  return g;
}

/** The grid's point for a network, loss and drift (the identity's is loss-independent), or undefined. */
export function gridPoint(grid: ComplexityGrid, n: GridNetwork, loss: string, drift: number): ComplexityPoint | undefined {
  return grid.points.find((p) => p.kind === n.kind && p.depth === n.depth && p.width === n.width && p.drift === drift && (n.kind === 'identity' || p.loss === loss));
}

/** Colours of the network families (kind and depth); the identity is the stale cache's orange. */
const FAMILY_COLORS = ['#2ca02c', STRATEGY_COLORS.corrector, '#9467bd', '#8c564b', '#17becf'];
const LOSS_STYLE: Record<string, { dash: string; symbol: string }> = { mse: { dash: 'solid', symbol: 'circle' }, softmax: { dash: 'dash', symbol: 'diamond' }, 'softmax-ce': { dash: 'dot', symbol: 'square' } };

/** The two measures the explorer's panels show. */
const PANELS = [
  { key: 'heldOutError', stale: 'staleError', title: 'held-out error ‖h(g′) − g‖ (L2, lower is better)' },
  { key: 'topKRecall', stale: 'topKRecallStale', title: 'top-10 recall of the true top-10 (higher is better)' },
] as const;

/**
 * The explorer figure: two panels (held-out error; top-10 recall) against the corrector's
 * parameters (log scale), one line per network family (linear; mlp at each depth, through its
 * widths) and loss, and the stale cache (identity) as a dotted line. A slider picks the drift
 * magnitude and a menu the losses shown; both are plotly controls that restyle the figure in the
 * viewer. `drift`: the slider's initial position (default 0.5 when the grid has it, else the middle drift).
 */
export function complexityExplorerFigure(grid: ComplexityGrid, opts: { drift?: number; title?: string; height?: number } = {}): FigureSpec {
  const drifts = [...grid.drifts].sort((a, b) => a - b);
  if (drifts.length === 0 || grid.points.length === 0) throw new InputError('complexity explorer: the grid has no points');
  const start = opts.drift ?? (drifts.includes(0.5) ? 0.5 : drifts[Math.floor((drifts.length - 1) / 2)]);
  const active = drifts.indexOf(start);
  if (active < 0) throw new InputError(`complexity explorer: drift ${start} is not in the grid (${drifts.join(', ')})`);
  const families = [...new Map(grid.networks.filter((n) => n.kind !== 'identity').map((n) => [`${n.kind}|${n.depth}`, n])).values()];
  const familyName = (n: GridNetwork) => (n.kind === 'mlp' ? `mlp L=${n.depth}` : n.kind);
  const membersOf = (f: GridNetwork) => grid.networks.filter((n) => n.kind === f.kind && n.depth === f.depth).sort((a, b) => a.width - b.width);
  const params = grid.points.filter((p) => p.params > 0).map((p) => p.params);
  const [xlo, xhi] = [Math.min(...params), Math.max(...params)];
  const identity = grid.networks.find((n) => n.kind === 'identity') ?? { kind: 'identity' as const, depth: 0, width: 0 };

  // trace order, and for each trace what it draws at a drift (ys) and under which loss (null: always shown)
  const traces: PlotlyTrace[] = [];
  const ysAt: ((drift: number) => (number | null)[])[] = [];
  const lossOf: (string | null)[] = [];
  const value = (p: ComplexityPoint | undefined, key: string) => {
    const v = p ? (p as unknown as Record<string, number>)[key] : NaN;
    return Number.isFinite(v) ? v : null;
  };
  PANELS.forEach((panel, pi) => {
    const axes = { xaxis: pi === 0 ? 'x' : 'x2', yaxis: pi === 0 ? 'y' : 'y2' };
    families.forEach((f, fi) => {
      const members = membersOf(f);
      for (const loss of grid.losses) {
        const style = LOSS_STYLE[loss] ?? { dash: 'dashdot', symbol: 'x' };
        const color = FAMILY_COLORS[fi % FAMILY_COLORS.length];
        const pointsAt = (drift: number) => members.map((n) => gridPoint(grid, n, loss, drift));
        ysAt.push((drift) => pointsAt(drift).map((p) => value(p, panel.key)));
        lossOf.push(loss);
        traces.push({
          type: 'scatter', ...axes,
          name: `${familyName(f)}, ${loss}`, legendgroup: `${familyName(f)}|${loss}`, showlegend: pi === 0,
          x: pointsAt(start).map((p) => p?.params ?? null),
          y: ysAt[ysAt.length - 1](start),
          text: members.map((n) => (n.kind === 'mlp' ? `w=${n.width}` : n.kind)),
          mode: 'lines+markers',
          line: { color, width: 2, dash: style.dash },
          marker: { color, size: 8, symbol: style.symbol },
          hovertemplate: `${familyName(f)} %{text}, ${loss}<br>%{x} parameters<br>%{y:.4f}<extra></extra>`,
        });
      }
    });
    ysAt.push((drift) => {
      const v = value(gridPoint(grid, identity, 'mse', drift), panel.stale);
      return [v, v];
    });
    lossOf.push(null);
    traces.push({
      type: 'scatter', ...axes, name: 'stale cache (identity)', legendgroup: 'identity', showlegend: pi === 0,
      x: [xlo, xhi], y: ysAt[ysAt.length - 1](start), mode: 'lines',
      line: { color: STRATEGY_COLORS.stale, width: 2, dash: 'dot' }, hovertemplate: `stale cache: %{y:.4f}<extra></extra>`,
    });
  });

  const axis = (title: string, domain: [number, number], anchor: string) => ({
    title: { text: title }, domain, anchor, type: 'log' as const, tickformat: LOG_TICK_FORMAT, ...logAxisTicks([xlo, xhi]), gridcolor: '#e5e5e5', linecolor: '#888888', zeroline: false,
  });
  const yaxis = (title: string, anchor: string) => ({ title: { text: title, font: { size: 12 } }, anchor, gridcolor: '#e5e5e5', linecolor: '#888888', zeroline: false });
  const lossMenu = [
    { label: 'both losses', method: 'restyle', args: [{ visible: lossOf.map(() => true) }] },
    ...grid.losses.map((l) => ({ label: `loss: ${l}`, method: 'restyle', args: [{ visible: lossOf.map((x) => x === null || x === l) }] })),
  ];
  return {
    data: traces,
    layout: {
      title: { text: opts.title ?? `Corrector complexity (synthetic, d = ${String(grid.settings.dim ?? '?')}, ${grid.points[0].pairs} fresh pairs online)`, x: 0.02, xanchor: 'left', y: 0.98, yanchor: 'top' },
      xaxis: axis('corrector parameters (log scale)', [0, 0.44], 'y'),
      yaxis: yaxis(PANELS[0].title, 'x'),
      xaxis2: axis('corrector parameters (log scale)', [0.56, 1], 'y2'),
      yaxis2: yaxis(PANELS[1].title, 'x2'),
      height: opts.height ?? 620,
      margin: { l: 70, r: 20, t: 170, b: 160 },
      font: { family: 'Helvetica, Arial, sans-serif', size: 13 },
      plot_bgcolor: '#ffffff',
      paper_bgcolor: '#ffffff',
      legend: { orientation: 'h', x: 0, y: -0.27, yanchor: 'top', font: { size: 11 } },
      // the controls sit in a row between the title and the panels: the loss menu, then the drift slider
      updatemenus: [{ type: 'dropdown', buttons: lossMenu, active: 0, x: 0, xanchor: 'left', y: 1.06, yanchor: 'bottom', showactive: true }],
      sliders: [{
        active, pad: { t: 0, b: 10 }, x: 0.3, len: 0.7, y: 1.04, yanchor: 'bottom',
        currentvalue: { prefix: 'drift magnitude: ', xanchor: 'left', font: { size: 12 } },
        steps: drifts.map((d) => ({ label: String(d), method: 'restyle', args: [{ y: ysAt.map((f) => f(d)) }] })),
      }],
    },
  };
}
