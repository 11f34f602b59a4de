/**
 * Finds the plotly.js browser bundle that the static exporter (export.ts) loads into headless
 * Chromium. Order: `plotly.js-dist-min/plotly.min.js` (if that package is installed),
 * `plotly.js-dist/plotly.min.js` (if the package ships one), then `plotly.js-dist/plotly.js`
 * minified once with esbuild (a dependency of tsx) into `.cache/plotly/` — 10 MB becomes about
 * 4.8 MB, which Chromium parses in half the time. Without esbuild the full bundle is used as is.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../util/atomic';

export interface PlotlyBundle {
  /** A file holding the bundle (for `<script src>` / playwright's addScriptTag). */
  path: string;
  /** plotly.js version, e.g. '4.1.1'. */
  version: string;
  /** Whether `path` is minified. */
  minified: boolean;
}

/** The repository root (two folders above this file). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

function tryResolve(request: string): string | undefined {
  try {
    return require.resolve(request, { paths: [REPO_ROOT, __dirname] });
  } catch {
    return undefined;
  }
}

function packageVersion(pkgJson: string | undefined): string {
  if (!pkgJson) return 'unknown';
  try {
    return String(JSON.parse(fs.readFileSync(pkgJson, 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

let cached: PlotlyBundle | undefined;

/**
 * Locates (and on first use minifies and caches) the plotly bundle. `cacheDir` defaults to
 * `<repo>/.cache/plotly`. Throws a one-line error when plotly.js-dist is not installed.
 */
export function plotlyBundle(opts: { minify?: boolean; cacheDir?: string } = {}): PlotlyBundle {
  const minify = opts.minify ?? process.env.FRESHCACHE_PLOTLY_MINIFY !== '0';
  if (cached && cached.minified === minify && !opts.cacheDir) return cached;
  const distMin = tryResolve('plotly.js-dist-min/plotly.min.js');
  if (distMin) return (cached = { path: distMin, version: packageVersion(tryResolve('plotly.js-dist-min/package.json')), minified: true });
  const full = tryResolve('plotly.js-dist/plotly.js');
  if (!full) throw new Error('plotly.js-dist is not installed: run `npm install` in the repository root');
  const version = packageVersion(tryResolve('plotly.js-dist/package.json'));
  const shippedMin = path.join(path.dirname(full), 'plotly.min.js');
  if (fs.existsSync(shippedMin)) return (cached = { path: shippedMin, version, minified: true });
  if (!minify) return (cached = { path: full, version, minified: false });
  const cacheDir = opts.cacheDir ?? path.join(REPO_ROOT, '.cache', 'plotly');
  const target = path.join(cacheDir, `plotly-${version}.min.js`);
  if (fs.existsSync(target)) return (cached = { path: target, version, minified: true });
  let esbuild: { transformSync(code: string, o: Record<string, unknown>): { code: string } };
  try {
    esbuild = require('esbuild');
  } catch {
    return (cached = { path: full, version, minified: false });
  }
  const code = esbuild.transformSync(fs.readFileSync(full, 'utf8'), { minify: true, legalComments: 'none', charset: 'utf8' }).code;
  writeFileAtomic(target, `/* plotly.js v${version} (MIT), minified by freshcache from plotly.js-dist */\n${code}`);
  return (cached = { path: target, version, minified: true });
}

/** The bundle's source text. */
export function plotlyBundleSource(opts: { minify?: boolean } = {}): string {
  return fs.readFileSync(plotlyBundle(opts).path, 'utf8');
}
