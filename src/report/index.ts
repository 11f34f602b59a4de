/**
 * Figures and tables: plotly figure specs as plain data (figure.ts), fixed strategy colours
 * (palette.ts), tables from plain rows (table.ts), notebook display (display.ts) and PNG/SVG export
 * with headless Chromium (export.ts; playwright-core is loaded only when exporting).
 */
export * from './figure';
export * from './palette';
export * from './table';
export * from './display';
export { plotlyBundle, plotlyBundleSource, type PlotlyBundle } from './bundle';
export { exportFigures, exportFigure, findChromium, formatFromPath, chromiumMissingMessage, decodeDataUrl, type ExportItem, type ExportOptions, type ImageFormat } from './export';
export * from './experiment-figures';
export * from './notebook-data';
