/**
 * Showing figures and tables in a tslab notebook.
 *
 * `showFigure(spec)` emits one output with several representations, the way plotly's Python
 * package does, so each viewer shows the best it can and none needs the notebook to be trusted:
 * - `application/vnd.plotly.v1+json` (the spec): JupyterLab 4 draws it interactively with the
 *   renderer that the `plotly` pip package ships (scripts/setup-jupyter.sh installs it); so do
 *   VS Code and nbviewer-like tools that know plotly;
 * - `image/png`: the same figure rendered by headless Chromium (export.ts, through render-sync.ts),
 *   shown by nbconvert's HTML, GitHub, untrusted or plotly-less front ends; JupyterLab's plotly
 *   renderer shows it until the pointer enters the figure;
 * - `text/plain`: the title.
 * No plotly bundle is inlined; a saved figure costs its spec plus a PNG (tens of KB).
 *
 * tslab is only present inside the kernel, so it is looked up lazily; outside a kernel these
 * functions display nothing and return what they would have shown.
 */
import { randomBytes } from 'crypto';
import type { FigureSpec } from './figure';
import { renderFigureSync } from './render-sync';
import { htmlTable, isDataFrameLike, rowsFromDataFrame, type DataFrameLike, type Row, type TableOptions } from './table';
import type { ProgressEvent, ProgressFn } from '../util/progress';
import { formatDuration, isFinal, progressRate } from '../util/progress';

/** A Jupyter MIME bundle: MIME type -> data (text, base64 for binary types, a JSON value for `+json` types). */
export type MimeBundle = Record<string, unknown>;

/** Where output goes: the kernel's display, or a live one that each call overwrites. */
export interface DisplayLike {
  html(s: string): void;
  text?(s: string): void;
  /** One output holding several representations (`metadata` per MIME type, e.g. image sizes). */
  bundle?(data: MimeBundle, metadata?: Record<string, unknown>): void;
}

interface TslabLike {
  display: { html(s: string): void; text(s: string): void };
  newDisplay(): { html(s: string): void; text(s: string): void };
}

/** tslab's kernel module: `lastWriteDisplayData` sends a display_data message for the running cell. */
interface TslabJupyter {
  lastWriteDisplayData: ((msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) => void) | null;
}

/**
 * The tslab module when running inside a tslab kernel, else undefined. tslab hooks `require('tslab')`
 * only for code it compiled itself; modules loaded through Node's own require (e.g. by tsx, as the
 * freshcache kernel does for `./src/...` imports) reach it through the kernel's `__tslab__.require`.
 */
export function tslabModule(): TslabLike | undefined {
  const kernel = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  const attempts: (() => unknown)[] = [() => kernel?.require?.('tslab'), () => require('tslab')];
  for (const attempt of attempts) {
    try {
      const t = attempt() as TslabLike | undefined;
      if (t && t.display) return t;
    } catch {
      /* not in a kernel */
    }
  }
  return undefined;
}

/**
 * tslab's own jupyter module as loaded by the running kernel (found in the require cache). Its
 * public `display` sends one MIME type per output; a figure needs several in one output, which
 * `lastWriteDisplayData` (what `display.raw` calls, tslab 1.0.22) sends. Undefined outside a kernel.
 */
function tslabJupyter(): TslabJupyter | undefined {
  const suffix = ['', 'tslab', 'dist', 'jupyter.js'].join(require('path').sep);
  const key = Object.keys(require.cache).find((k) => k.endsWith(suffix));
  const mod = key ? (require.cache[key]?.exports as TslabJupyter | undefined) : undefined;
  return mod && 'lastWriteDisplayData' in mod ? mod : undefined;
}

/** Whether this process is a tslab kernel that can display rich output. */
export function inKernel(): boolean {
  return tslabModule() !== undefined && (globalThis as { __tslab__?: unknown }).__tslab__ !== undefined;
}

/**
 * A display that writes through tslab: with `displayId`, one output entry that each call overwrites.
 * Undefined outside a kernel. Falls back to tslab's public display (HTML and text only) when its
 * jupyter module is not where tslab 1.0.22 keeps it.
 */
function kernelDisplay(displayId?: string): DisplayLike | undefined {
  if (!inKernel()) return undefined;
  const jupyter = tslabJupyter();
  if (jupyter) {
    let update = false;
    const send = (data: MimeBundle, metadata: Record<string, unknown> = {}) => {
      const write = jupyter.lastWriteDisplayData;
      if (!write) throw new Error('tslab is not executing a cell');
      write({ data, metadata, transient: displayId ? { display_id: displayId } : {} }, update);
      if (displayId) update = true;
    };
    return { html: (s) => send({ 'text/html': s }), text: (s) => send({ 'text/plain': s }), bundle: send };
  }
  const t = tslabModule()!;
  const d = displayId ? t.newDisplay() : t.display;
  return { html: (s) => d.html(s), text: (s) => d.text(s) };
}

/** Sends to `target` (default: the kernel's display); false when there is nowhere to show it. */
function emit(show: (d: DisplayLike) => void, target?: DisplayLike): boolean {
  const out = target ?? kernelDisplay();
  if (!out) return false;
  try {
    show(out);
    return true;
  } catch {
    return false; // tslab loaded outside a kernel: "Not ready"
  }
}

/** The MIME type of plotly figures (a JSON `{ data, layout, config }`), as plotly's Python package emits it. */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/**
 * Size of a figure's static image when the spec does not fix one. JupyterLab's plotly renderer
 * shows the PNG at its pixel size until the pointer enters it, so it must fit an output area:
 * 800 px does on a 1280 px screen with the file browser open.
 */
export const STATIC_IMAGE_SIZE = { width: 800, height: 420 } as const;

export interface FigureBundleOptions {
  /** PNG bytes of the figure (omitted: no static image, e.g. when Chromium is missing). */
  png?: Uint8Array;
  /** plotly config (default: no plotly logo). */
  config?: Record<string, unknown>;
}

/** The pixel size of `spec`'s static image: the layout's width/height, else STATIC_IMAGE_SIZE. */
export function staticImageSize(spec: FigureSpec): { width: number; height: number } {
  const { width, height } = spec.layout;
  return { width: typeof width === 'number' ? width : STATIC_IMAGE_SIZE.width, height: typeof height === 'number' ? height : STATIC_IMAGE_SIZE.height };
}

/** The display output of a figure: the plotly JSON, the PNG when given, and its title as text. */
export function figureBundle(spec: FigureSpec, opts: FigureBundleOptions = {}): { data: MimeBundle; metadata: Record<string, unknown> } {
  const title = spec.layout.title?.text;
  const data: MimeBundle = {
    [PLOTLY_MIME]: { data: spec.data, layout: spec.layout, config: opts.config ?? { displaylogo: false } },
    'text/plain': title ? `Figure: ${title}` : 'Figure',
  };
  const metadata: Record<string, unknown> = {};
  if (opts.png) {
    data['image/png'] = Buffer.from(opts.png).toString('base64');
    metadata['image/png'] = staticImageSize(spec);
  }
  return { data, metadata };
}

let imageProblemShown = false;

/**
 * The figure as PNG bytes at its static size (render-sync.ts), or undefined with a one-time note
 * on stderr when it cannot be rendered (no Chromium): the figure then shows only where plotly's
 * renderer is installed.
 */
export function staticFigurePng(spec: FigureSpec): Uint8Array | undefined {
  try {
    return renderFigureSync(spec, { format: 'png', ...staticImageSize(spec), scale: 1 });
  } catch (e) {
    if (!imageProblemShown) {
      imageProblemShown = true;
      console.error(`freshcache: figures carry no static image (they show in JupyterLab with plotly's renderer, not on GitHub or in HTML exports): ${e instanceof Error ? e.message : String(e)}`);
    }
    return undefined;
  }
}

export interface ShowOptions {
  /** Draw into this display (e.g. `liveDisplay()`, updated in place) instead of appending output. */
  display?: DisplayLike;
}

/**
 * Shows `spec` in the notebook as one output with the plotly JSON, a PNG of it and its title (see
 * the top of this file). Returns undefined when it was displayed (so tslab does not also print the
 * value of the cell's last expression), and the bundle, without an image, outside a kernel.
 */
export function showFigure(spec: FigureSpec, opts: ShowOptions = {}): MimeBundle | undefined {
  const target = opts.display ?? kernelDisplay();
  if (!target) return figureBundle(spec).data;
  const { data, metadata } = figureBundle(spec, { png: staticFigurePng(spec) });
  const shown = emit((d) => {
    if (d.bundle) d.bundle(data, metadata);
    else if (typeof data['image/png'] === 'string') d.html(`<img alt="${String(data['text/plain'])}" src="data:image/png;base64,${data['image/png']}">`);
    else throw new Error('no way to show a figure on this display');
  }, target);
  return shown ? undefined : data;
}

/**
 * Shows a table (plain rows, or a danfojs DataFrame) as HTML in the notebook. Returns undefined
 * when displayed, else the HTML (outside a kernel).
 */
export function showTable(rows: readonly Row[] | DataFrameLike, opts: TableOptions & ShowOptions = {}): string | undefined {
  const plain = isDataFrameLike(rows) ? rowsFromDataFrame(rows) : (rows as readonly Row[]);
  const html = htmlTable(plain, opts);
  return emit((d) => d.html(html), opts.display) ? undefined : html;
}

/** Shows raw HTML in the notebook (no-op outside a kernel). */
export function showHtml(html: string, display?: DisplayLike): void {
  emit((d) => d.html(html), display);
}

/** A display entry that later calls overwrite; outside a kernel, one that discards. */
export function liveDisplay(): DisplayLike {
  return kernelDisplay(randomBytes(8).toString('hex')) ?? { html() {}, text() {} };
}

/**
 * A ProgressFn for long steps run from a notebook: one display line per stage, updated in place at
 * most every `everyMs` (default 250 ms) with done/total, rate, ETA and the event's info fields.
 */
export function notebookProgress(opts: { everyMs?: number } = {}): ProgressFn {
  const every = opts.everyMs ?? 250;
  const stages = new Map<string, { d: DisplayLike; t0: number; last: number }>();
  return (e: ProgressEvent) => {
    const now = Date.now();
    let st = stages.get(e.stage);
    if (!st) {
      st = { d: liveDisplay(), t0: now, last: 0 };
      stages.set(e.stage, st);
    }
    if (!isFinal(e) && now - st.last < every) return;
    st.last = now;
    st.d.html(progressHtml(e, (now - st.t0) / 1000));
    if (isFinal(e)) stages.delete(e.stage); // a later stage of the same name gets its own line and clock
  };
}

/** One progress line as HTML: a bar when the total is known, counts, rate, ETA, info. */
export function progressHtml(e: ProgressEvent, elapsedSeconds: number): string {
  const unit = e.unit ?? 'it';
  const rate = progressRate(e, elapsedSeconds);
  const esc = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
  let text = `${esc(e.stage)}: ${e.done}${e.total !== undefined ? `/${e.total}` : ''} ${esc(unit)}, ${rate.toPrecision(3)} ${esc(unit)}/s`;
  if (e.total !== undefined) text += isFinal(e) ? `, ${e.done >= e.total ? 'done' : 'stopped'} in ${formatDuration(elapsedSeconds)}` : `, ETA ${formatDuration((e.total - e.done) / Math.max(rate, 1e-9))}`;
  if (e.info) text += ' · ' + Object.entries(e.info).map(([k, v]) => `${esc(k)}=${esc(typeof v === 'number' ? String(+v.toPrecision(4)) : v)}`).join(' ');
  const pct = e.total ? Math.min(100, (100 * e.done) / e.total) : undefined;
  const bar = pct === undefined ? '' : `<progress value="${pct.toFixed(1)}" max="100" style="width:220px;vertical-align:middle;margin-right:8px;"></progress>`;
  return `<div style="font-family:monospace;font-size:12px;">${bar}${text}</div>`;
}
