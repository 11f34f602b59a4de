/**
 * Figures and tables from results: plotly figure specs as plain data (figure.ts), fixed strategy
 * colours (palette.ts), tables from plain rows (table.ts) and results as danfojs DataFrames with
 * group statistics and pivots (frames.ts), notebook display (display.ts: plotly MIME
 * bundles with a static PNG), PNG/SVG export with headless Chromium (export.ts, render-sync.ts;
 * playwright-core is loaded only when exporting), and what the notebooks draw from run files: the
 * experiment table (experiment-table.ts), log series (log-series.ts), the cost multiple, run labels,
 * the quoted published numbers, and the corrector-complexity grid with its explorer figure
 * (complexity-grid.ts). Nothing here trains or imports src/train: runs come
 * from src/experiments.
 */
export * from './figure';
export * from './palette';
export * from './table';
export * from './display';
export { plotlyBundle, plotlyBundleSource, type PlotlyBundle } from './bundle';
export { exportFigures, exportFigure, FigureRenderer, findChromium, formatFromPath, chromiumMissingMessage, decodeDataUrl, type ExportItem, type ExportOptions, type ImageFormat, type RenderOptions } from './export';
export * from './experiment-figures';
export * from './experiment-table';
export * from './log-series';
export * from './cost-multiple';
export * from './run-labels';
export * from './quoted';
export * from './reduction-factor';
export * from './headline';
export * from './headline-table';
export * from './headline-figure';
export * from './frames';
export * from './complexity-grid';
