/**
 * Looks at notebooks the way a reader does, in headless Chromium, and checks that every figure
 * output shows: screenshots of each figure (a) in JupyterLab with the notebook *untrusted* (a fresh
 * Jupyter data folder, so nothing is in its trust database), first as saved and then interactive
 * after the pointer enters it, and (b) in the static HTML of `jupyter nbconvert --to html` opened
 * with JavaScript off (what GitHub-like viewers that strip scripts show).
 *
 *   node --import tsx scripts/notebook-screenshots.ts [--execute] [--out DIR] notebooks/NAME.ipynb ...
 *
 * --execute   first run each notebook with plain `jupyter nbconvert --execute --to notebook` into
 *             DIR (no trust step, no run-notebooks.sh), then look at those copies; the settings come
 *             from the environment (e.g. FRESHCACHE_NOTEBOOK_QUICK=1)
 * --out DIR   where executed copies, HTML and screenshots go (default results/notebook-screenshots;
 *             it must be inside the repository, which is JupyterLab's root here)
 *
 * Prints one line per notebook and view (figures expected / seen; in JupyterLab also how many
 * tables fit the output area without scrolling sideways) and exits 1 when a figure is missing in
 * any view. Needs scripts/setup-jupyter.sh (JUPYTER_VENV) and Chromium.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium, chromiumMissingMessage } from '../src/report/export';
import { PLOTLY_MIME } from '../src/report/display';

const ROOT = path.resolve(__dirname, '..');
const VENV = path.resolve(ROOT, process.env.JUPYTER_VENV ?? '.venv-jupyter');

function usage(msg: string): never {
  console.error(`notebook-screenshots: ${msg}\nusage: node --import tsx scripts/notebook-screenshots.ts [--execute] [--out DIR] NOTEBOOK.ipynb ...`);
  process.exit(2);
}

function parseArgs(argv: string[]): { execute: boolean; out: string; notebooks: string[] } {
  let execute = false;
  let out = path.join(ROOT, 'results', 'notebook-screenshots');
  const notebooks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--execute') execute = true;
    else if (a === '--out') out = path.resolve(argv[++i] ?? usage('--out needs a folder'));
    else if (a.startsWith('-')) usage(`unknown option '${a}'`);
    else if (!a.endsWith('.ipynb') || !fs.existsSync(a)) usage(`${a}: not an existing .ipynb file`);
    else notebooks.push(path.resolve(a));
  }
  if (notebooks.length === 0) usage('no notebooks given');
  if (path.relative(ROOT, out).startsWith('..')) usage(`--out ${out}: must be inside ${ROOT}`);
  return { execute, out, notebooks };
}

/** How many figure outputs (plotly MIME bundles) a saved notebook holds. */
function figureCount(file: string): number {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { outputs?: { data?: Record<string, unknown> }[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && PLOTLY_MIME in o.data).length;
}

function jupyter(args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(path.join(VENV, 'bin', 'jupyter'), args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`jupyter ${args.slice(0, 2).join(' ')} failed:\n${(r.stderr ?? '').split('\n').slice(-20).join('\n')}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** JupyterLab on a free port with fresh user folders: no trusted notebooks, no autosave, every cell rendered. */
async function startLab(scratch: string): Promise<{ url: string; token: string; proc: ChildProcess }> {
  const settings = path.join(scratch, 'lab-settings');
  const write = (rel: string, value: unknown) => {
    fs.mkdirSync(path.dirname(path.join(settings, rel)), { recursive: true });
    fs.writeFileSync(path.join(settings, rel), JSON.stringify(value));
  };
  // windowingMode none: JupyterLab 4 otherwise renders only the cells in view.
  write('@jupyterlab/notebook-extension/tracker.jupyterlab-settings', { windowingMode: 'none' });
  // plotly's renderer writes a fresh PNG into the notebook on hover; never save that over the file.
  write('@jupyterlab/docmanager-extension/plugin.jupyterlab-settings', { autosave: false });
  write('@jupyterlab/apputils-extension/notification.jupyterlab-settings', { fetchNews: 'false' });
  const port = await freePort();
  const token = randomBytes(12).toString('hex');
  const env = { ...process.env, JUPYTER_DATA_DIR: path.join(scratch, 'data'), JUPYTER_RUNTIME_DIR: path.join(scratch, 'runtime'), JUPYTERLAB_SETTINGS_DIR: settings, JUPYTERLAB_WORKSPACES_DIR: path.join(scratch, 'workspaces') };
  const log = fs.openSync(path.join(scratch, 'lab.log'), 'w');
  const proc = spawn(path.join(VENV, 'bin', 'jupyter'), ['lab', '--no-browser', `--ServerApp.port=${port}`, '--ServerApp.ip=127.0.0.1', `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${ROOT}`], { cwd: ROOT, env, stdio: ['ignore', log, log] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    if (proc.exitCode !== null) throw new Error(`jupyter lab exited (${proc.exitCode}); see ${path.join(scratch, 'lab.log')}`);
    try {
      if ((await fetch(`${url}/api/status?token=${token}`)).ok) return { url, token, proc };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  proc.kill();
  throw new Error('jupyter lab did not answer within 60 s');
}

/** Counts the figure outputs of the open notebook that show something (a loaded image or a drawn plot). */
async function visibleFigures(page: Page, selector: string): Promise<number> {
  return page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].filter((el) => {
    const img = el.tagName === 'IMG' ? el : el.querySelector('img');
    const drawn = el.querySelector && el.querySelector('.plot-container .main-svg');
    return (img && img.complete && img.naturalWidth > 0 && img.offsetWidth > 0 && getComputedStyle(img).display !== 'none') || !!drawn;
  }).length`) as Promise<number>;
}

async function lookInLab(browser: Browser, lab: { url: string; token: string }, file: string, expected: number, shots: string): Promise<string> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    const rel = path.relative(ROOT, file).split(path.sep).map(encodeURIComponent).join('/');
    await page.goto(`${lab.url}/lab/tree/${rel}?token=${lab.token}&reset`);
    await page.waitForSelector('.jp-Notebook .jp-Cell', { timeout: 90_000 });
    const figures = '.jp-Notebook .jp-OutputArea-output.jp-RenderedPlotly, .jp-Notebook .jp-OutputArea-output.jp-RenderedImage';
    const deadline = Date.now() + 60_000;
    let seen = 0;
    while ((seen = await visibleFigures(page, figures)) < expected && Date.now() < deadline) await page.waitForTimeout(500);
    const trusted = (await page.evaluate(`(document.querySelector('.jp-StatusItem-trust, [data-status="trust"]') || {}).title || ''`)) as string;
    // Tables: each in its own scrolling box; one wider than the output area would need a sideways scroll.
    const tables = page.locator('.jp-Notebook .freshcache-table-box');
    const tableCount = await tables.count();
    const wide = (await page.evaluate(`[...document.querySelectorAll('.jp-Notebook .freshcache-table-box')].filter((b) => b.scrollWidth > b.clientWidth + 1).length`)) as number;
    for (let i = 0; i < tableCount; i++) await tables.nth(i).screenshot({ path: `${shots}-lab-table-${i + 1}.png` });
    const outputs = page.locator(figures);
    const n = await outputs.count();
    for (let i = 0; i < n; i++) await outputs.nth(i).screenshot({ path: `${shots}-lab-${i + 1}.png` });
    if (n > 0) {
      await outputs.first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${shots}-lab-page.png` });
      // The pointer on the first figure: plotly's renderer replaces the saved PNG by the live plot.
      await outputs.first().hover();
      await page.waitForSelector('.jp-RenderedPlotly .plot-container .main-svg', { timeout: 30_000 }).catch(() => undefined);
      await page.waitForTimeout(1000);
      await outputs.first().screenshot({ path: `${shots}-lab-interactive.png` });
    }
    return `${seen}/${expected} figures shown, ${tableCount - wide}/${tableCount} tables fit the output area${trusted ? ` (${trusted})` : ''}`;
  } finally {
    await page.close();
  }
}

async function lookInHtml(browser: Browser, html: string, expected: number, shots: string): Promise<string> {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(`file://${html}`);
    const images = page.locator('.jp-OutputArea-output img, .output_png img');
    await page.waitForLoadState('load');
    const seen = await visibleFigures(page, '.jp-OutputArea-output img, .output_png img');
    const n = await images.count();
    for (let i = 0; i < n; i++) await images.nth(i).screenshot({ path: `${shots}-html-${i + 1}.png` });
    return `${seen}/${expected} figures shown`;
  } finally {
    await context.close();
  }
}

async function main(): Promise<number> {
  const { execute, out, notebooks } = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(VENV, 'bin', 'jupyter-lab'))) usage(`no JupyterLab in ${VENV}: run scripts/setup-jupyter.sh`);
  const exe = findChromium() ?? usage(chromiumMissingMessage());
  fs.mkdirSync(out, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-screens-'));
  let files = notebooks;
  if (execute) {
    files = notebooks.map((nb) => {
      console.log(`executing ${path.relative(ROOT, nb)} (jupyter nbconvert --execute --to notebook)`);
      jupyter(['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=1800', '--output-dir', out, nb]);
      return path.join(out, path.basename(nb));
    });
  }
  const lab = await startLab(scratch);
  const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS, headless: true });
  let failed = false;
  try {
    for (const file of files) {
      const name = path.basename(file, '.ipynb');
      const expected = figureCount(file);
      const size = `${Math.round(fs.statSync(file).size / 1024)} KiB`;
      jupyter(['nbconvert', '--to', 'html', '--output-dir', out, file]);
      const shots = path.join(out, name);
      const inLab = await lookInLab(browser, lab, file, expected, shots);
      const inHtml = await lookInHtml(browser, path.join(out, `${name}.html`), expected, shots);
      const ok = inLab.startsWith(`${expected}/`) && inHtml.startsWith(`${expected}/`);
      failed ||= !ok;
      console.log(`${ok ? 'ok    ' : 'FAILED'} ${name} (${size}): JupyterLab, untrusted: ${inLab}; nbconvert HTML, no JavaScript: ${inHtml}`);
    }
  } finally {
    await browser.close();
    lab.proc.kill('SIGTERM');
    await new Promise((r) => lab.proc.once('exit', r));
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`screenshots in ${path.relative(ROOT, out)}/`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`notebook-screenshots: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
