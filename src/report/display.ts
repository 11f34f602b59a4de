/**
 * Showing figures and tables in a tslab notebook.
 *
 * `showFigure(spec)` emits HTML through `tslab.display.html`: the first figure of a kernel session
 * carries the whole plotly bundle inline (with `window.define` hidden while it runs, so require.js in
 * the classic notebook / nbconvert HTML cannot capture the UMD module), later ones only
 * `<div id=…></div><script>Plotly.newPlot(…)</script>`. No network is needed, and a saved notebook
 * still draws when reopened (the first figure's output holds the bundle; notebooks must be trusted:
 * `jupyter trust`, which scripts/setup-jupyter.sh does for notebooks/).
 *
 * tslab is only present inside the kernel, so it is looked up lazily (tslabModule); outside a
 * kernel these functions display nothing and return the HTML they would have shown.
 */
import * as fs from 'fs';
import { createHash } from 'crypto';
import type { FigureSpec } from './figure';
import { plotlyBundle } from './bundle';
import { htmlTable, isDataFrameLike, rowsFromDataFrame, type DataFrameLike, type Row, type TableOptions } from './table';
import type { ProgressEvent, ProgressFn } from '../util/progress';
import { formatDuration, isFinal, progressRate } from '../util/progress';

/** Where HTML goes: `tslab.display` or a `tslab.newDisplay()` that is overwritten on each call. */
export interface DisplayLike {
  html(s: string): void;
  text?(s: string): void;
  png?(b: Uint8Array): void;
}

interface TslabLike {
  display: DisplayLike;
  newDisplay(): DisplayLike;
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

/** Sends `html` to `target` (default: the kernel's display); false when not in a kernel. */
function emit(html: string, target?: DisplayLike): boolean {
  const out = target ?? tslabModule()?.display;
  if (!out) return false;
  try {
    out.html(html);
    return true;
  } catch {
    return false; // tslab loaded outside a kernel: "Not ready"
  }
}

/** Whether this process is a tslab kernel that can display rich output. */
export function inKernel(): boolean {
  return tslabModule() !== undefined && (globalThis as { __tslab__?: unknown }).__tslab__ !== undefined;
}

/** JSON that is safe inside `<script>`: no `</script>`, `<!--` or raw line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * `<script>` tags that define `window.Plotly` from the inlined bundle, hiding an AMD `define`
 * (require.js) while it runs and restoring it after.
 */
export function plotlyBundleHtml(): string {
  const b = plotlyBundle();
  const src = fs.readFileSync(b.path, 'utf8').replace(/<\/script/gi, '<\\/script');
  return (
    `<script>window.__freshcacheDefine = window.define; window.define = undefined;</script>\n` +
    `<script>/* plotly.js ${b.version} */\n${src}\n</script>\n` +
    `<script>window.define = window.__freshcacheDefine; delete window.__freshcacheDefine;</script>\n`
  );
}

export interface FigureHtmlOptions {
  /** The div's id (default: figureId(spec)). */
  id?: string;
  /** Prepend the plotly bundle (plotlyBundleHtml). */
  includeBundle?: boolean;
  /** plotly config (default: responsive, no logo). */
  config?: Record<string, unknown>;
}

const COUNTER_KEY = '__freshcacheFigureCounter';

/**
 * A div id for `spec`, unique within a kernel session and the same when a notebook is re-run (a hash
 * of the spec plus a per-session counter), so re-executed notebooks diff cleanly.
 */
export function figureId(spec: FigureSpec): string {
  const g = globalThis as Record<string, unknown>;
  const n = ((g[COUNTER_KEY] as number | undefined) ?? 0) + 1;
  g[COUNTER_KEY] = n;
  return `freshcache-fig-${createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 10)}-${n}`;
}

/**
 * HTML that draws `spec` with plotly: a div and a script that waits (up to 10 s) until both the div is
 * in the page and `window.Plotly` is defined, then calls `Plotly.newPlot`; if plotly never appears
 * (the output that carried the bundle is gone), the div says how to get it back.
 */
export function figureHtml(spec: FigureSpec, opts: FigureHtmlOptions = {}): string {
  const id = opts.id ?? figureId(spec);
  const config = opts.config ?? { responsive: true, displaylogo: false };
  const height = typeof spec.layout.height === 'number' ? spec.layout.height : 420;
  const missing =
    'plotly.js is not loaded in this page: the output that carried it was cleared or the notebook is not trusted. ' +
    'Restart the kernel and run all cells, or run `jupyter trust` on the notebook.';
  const div = `<div id="${id}" class="freshcache-figure" style="width:100%;min-height:${height}px;"></div>`;
  const script =
    `<script>(function(){var spec=${scriptJson(spec)},config=${scriptJson(config)},tries=0;` +
    `function draw(){var el=document.getElementById(${scriptJson(id)});` +
    `if(el&&window.Plotly){window.Plotly.newPlot(el,spec.data,spec.layout||{},config);return;}` +
    `if(++tries<200){setTimeout(draw,50);}else if(el){el.style.minHeight='0';el.textContent=${scriptJson(missing)};}}draw();})();</script>`;
  return (opts.includeBundle ? plotlyBundleHtml() : '') + div + '\n' + script;
}

const INLINED_KEY = '__freshcachePlotlyInlined';

/**
 * Forgets that this kernel session inlined the bundle, so the next figure carries it again. Needed
 * only when the output holding it was cleared without restarting the kernel (e.g. "Run All" a
 * second time) and the notebook is to be saved: otherwise "Restart Kernel and Run All" does it.
 */
export function resetPlotlyInlined(): void {
  delete (globalThis as Record<string, unknown>)[INLINED_KEY];
}

export interface ShowOptions {
  /** Draw into this display (e.g. `tslab.newDisplay()`, updated in place) instead of appending output. */
  display?: DisplayLike;
}

/**
 * Shows `spec` in the notebook. Returns undefined when it was displayed (so tslab does not also
 * print the value of the cell's last expression), and the HTML when there is no kernel to show it.
 * The first call of a kernel session inlines the plotly bundle; when `opts.display` is a display
 * that will be overwritten, the bundle goes into its own output first so it survives.
 */
export function showFigure(spec: FigureSpec, opts: ShowOptions & { id?: string } = {}): string | undefined {
  const g = globalThis as Record<string, unknown>;
  const needBundle = !g[INLINED_KEY];
  if (needBundle && opts.display && inKernel()) {
    if (emit(plotlyBundleHtml())) g[INLINED_KEY] = true;
    const html = figureHtml(spec, { id: opts.id });
    return emit(html, opts.display) ? undefined : html;
  }
  const html = figureHtml(spec, { id: opts.id, includeBundle: needBundle });
  if (!emit(html, opts.display)) return html;
  if (needBundle && inKernel()) g[INLINED_KEY] = true;
  return undefined;
}

/**
 * Shows a table (plain rows, or a danfojs DataFrame) as HTML in the notebook. Returns undefined
 * when displayed, else the HTML (outside a kernel).
 */
export function showTable(rows: readonly Row[] | DataFrameLike, opts: TableOptions & ShowOptions = {}): string | undefined {
  const plain = isDataFrameLike(rows) ? rowsFromDataFrame(rows) : (rows as readonly Row[]);
  const html = htmlTable(plain, opts);
  return emit(html, opts.display) ? undefined : html;
}

/** Shows raw HTML in the notebook (no-op outside a kernel). */
export function showHtml(html: string, display?: DisplayLike): void {
  emit(html, display);
}

/** A display entry that later calls overwrite (`tslab.newDisplay()`); outside a kernel, one that discards. */
export function liveDisplay(): DisplayLike {
  const t = tslabModule();
  if (t && inKernel()) {
    try {
      return t.newDisplay();
    } catch {
      /* fall through */
    }
  }
  return { html() {}, text() {} };
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
