/**
 * Static export of figure specs to PNG or SVG: headless Chromium (Debian's `chromium` package)
 * driven by playwright-core, a blank page with the local plotly bundle, `Plotly.toImage` per figure.
 * One browser serves a whole batch; each file is written atomically (temp + rename). No network.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FigureSpec } from './figure';
import { plotlyBundle } from './bundle';
import { writeFileAtomic } from '../util/atomic';
import { InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';

export type ImageFormat = 'png' | 'svg';

/**
 * The few playwright-core calls used here, typed locally so that importing src/report (e.g. in a
 * notebook, where tslab type-checks every import) does not pull in playwright's large type files.
 */
interface MiniPage {
  setContent(html: string): Promise<void>;
  addScriptTag(o: { path: string }): Promise<unknown>;
  evaluate(expression: string): Promise<unknown>;
}
interface MiniBrowser {
  newPage(): Promise<MiniPage>;
  close(): Promise<void>;
}
interface MiniChromium {
  launch(o: { executablePath: string; args: string[]; headless: boolean }): Promise<MiniBrowser>;
}

/** Chromium binaries tried in order after $FRESHCACHE_CHROMIUM. */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

/** The Chromium executable to use ($FRESHCACHE_CHROMIUM, else the first existing candidate), or undefined. */
export function findChromium(): string | undefined {
  const env = process.env.FRESHCACHE_CHROMIUM;
  if (env) return fs.existsSync(env) ? env : undefined;
  return CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
}

/** The one-line error shown when no Chromium is installed, with the fix. */
export function chromiumMissingMessage(): string {
  const env = process.env.FRESHCACHE_CHROMIUM;
  const looked = env ? `FRESHCACHE_CHROMIUM=${env} does not exist` : `no Chromium at ${CHROMIUM_CANDIDATES.join(', ')}`;
  return `figure export needs headless Chromium (${looked}); install it with \`apt-get update && apt-get install -y --no-install-recommends chromium\` or set FRESHCACHE_CHROMIUM to a Chrome/Chromium binary`;
}

/** The image format implied by a file name (.png or .svg), or an InputError naming the file. */
export function formatFromPath(file: string): ImageFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.svg') return 'svg';
  throw new InputError(`${file}: cannot tell the image format from the extension '${ext}'; expected .png or .svg`);
}

export interface ExportItem {
  spec: FigureSpec;
  /** Output path; its extension (.png / .svg) picks the format unless `format` is given. */
  file: string;
  format?: ImageFormat;
  /** Pixels (default: the layout's width/height, else 900 x 500). */
  width?: number;
  height?: number;
}

export interface ExportOptions {
  /** Pixel-density multiplier for PNG (default 2: crisp on high-DPI screens and in papers). */
  scale?: number;
  /** Chromium binary (default: findChromium()). */
  executablePath?: string;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

export interface RenderOptions {
  format: ImageFormat;
  /** Pixels (default: the layout's width/height, else 900 x 500). */
  width?: number;
  height?: number;
  /** Pixel-density multiplier for PNG (default 2). */
  scale?: number;
}

/**
 * One headless Chromium with a blank page that has the local plotly bundle loaded: renders figure
 * specs to PNG or SVG bytes, one after another. `FigureRenderer.launch` throws InputError when
 * Chromium is missing (with the install command); `close` ends the browser.
 */
export class FigureRenderer {
  private constructor(
    private readonly browser: MiniBrowser,
    private readonly page: MiniPage,
  ) {}

  static async launch(opts: { executablePath?: string } = {}): Promise<FigureRenderer> {
    const exe = opts.executablePath ?? findChromium();
    if (!exe || !fs.existsSync(exe)) throw new InputError(chromiumMissingMessage());
    // Loaded here, not at the top, so importing src/report does not load playwright.
    const { chromium } = require('playwright-core') as { chromium: MiniChromium };
    const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0"><div id="fig"></div></body></html>');
      await page.addScriptTag({ path: plotlyBundle().path });
      return new FigureRenderer(browser, page);
    } catch (e) {
      await browser.close();
      throw e;
    }
  }

  /** The image bytes of `spec` drawn at the given size (static plot: no hover, no mode bar). */
  async render(spec: FigureSpec, opts: RenderOptions): Promise<Buffer> {
    const layout = spec.layout ?? {};
    const width = opts.width ?? (typeof layout.width === 'number' ? layout.width : 900);
    const height = opts.height ?? (typeof layout.height === 'number' ? layout.height : 500);
    const args = { data: spec.data, layout: { ...layout, width, height }, format: opts.format, width, height, scale: opts.scale ?? 2 };
    // Runs in the page: plain JS as a string, since this project's TypeScript has no DOM types.
    const url = (await this.page.evaluate(
      `(async (a) => {
        const gd = document.getElementById('fig');
        await Plotly.newPlot(gd, a.data, a.layout, { staticPlot: true });
        const url = await Plotly.toImage(gd, { format: a.format, width: a.width, height: a.height, scale: a.format === 'png' ? a.scale : 1 });
        Plotly.purge(gd);
        return url;
      })(${JSON.stringify(args)})`,
    )) as string;
    return decodeDataUrl(url);
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/**
 * Writes every item's figure to its file (PNG or SVG) with one headless Chromium; returns the files
 * written with their sizes. Throws InputError when Chromium is missing (with the install command).
 */
export async function exportFigures(items: readonly ExportItem[], opts: ExportOptions = {}): Promise<{ file: string; bytes: number }[]> {
  const formats = items.map((it) => it.format ?? formatFromPath(it.file));
  if (items.length === 0) return [];
  const renderer = await FigureRenderer.launch({ executablePath: opts.executablePath });
  const written: { file: string; bytes: number }[] = [];
  try {
    for (let i = 0; i < items.length; i++) {
      throwIfAborted(opts.signal, 'figure export');
      const it = items[i];
      const bytes = await renderer.render(it.spec, { format: formats[i], width: it.width, height: it.height, scale: opts.scale });
      writeFileAtomic(it.file, bytes);
      written.push({ file: it.file, bytes: bytes.length });
      opts.progress?.({ stage: 'export figures', done: i + 1, total: items.length, unit: 'figures' });
    }
  } finally {
    await renderer.close();
  }
  return written;
}

/** Writes one figure (format from the extension); see exportFigures. */
export async function exportFigure(spec: FigureSpec, file: string, opts: ExportOptions & { width?: number; height?: number } = {}): Promise<number> {
  const [r] = await exportFigures([{ spec, file, width: opts.width, height: opts.height }], opts);
  return r.bytes;
}

/** The bytes of a `data:` URL (base64 or percent-encoded). */
export function decodeDataUrl(url: string): Buffer {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0) throw new Error(`not a data URL: ${url.slice(0, 40)}`);
  const meta = url.slice(5, comma);
  const body = url.slice(comma + 1);
  return meta.endsWith(';base64') ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'utf8');
}
