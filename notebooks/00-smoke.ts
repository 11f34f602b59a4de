// ---
// jupyter:
//   jupytext:
//     formats: ipynb,ts:percent
//     text_representation:
//       extension: .ts
//       format_name: percent
//       format_version: '1.3'
//   kernelspec:
//     display_name: TypeScript (freshcache)
//     language: typescript
//     name: freshcache
// ---

// %% [markdown]
// # 00 · Smoke test: kernel, imports, figures, tables
//
// **Paper counterpart: none.** This notebook proves the notebook machinery, not a result of the paper (notebooks 01–06 each open with the paper's figure or table they correspond to). It checks that
//
// - the **TypeScript (freshcache)** kernel starts tslab in the repository root, so notebooks import the library as `./src/...`;
// - the TensorFlow.js backend loads inside the kernel (native TensorFlow when the addon is built, else wasm or pure JS);
// - a plotly figure draws from a spec built by `src/report`: one output holding the plotly JSON (drawn interactively by JupyterLab's plotly renderer) and a static PNG (shown where the renderer is missing: untrusted notebooks, nbconvert HTML, GitHub);
// - tables render from plain rows and from a danfojs `DataFrame`.
//
// Set-up once: `scripts/setup-jupyter.sh`; run headless: `scripts/run-notebooks.sh`. **The same from the CLI:** `npx freshcache backend` reports the TensorFlow.js backend; `npx freshcache plot --spec fig.json --out fig.png` renders a figure spec with the same headless Chromium. `FRESHCACHE_NOTEBOOK_QUICK=1` asks every notebook for its small settings.

// %%
import { initBackend, tf } from './src/tensor';
import { linePlot, showFigure, showTable, strategyColor } from './src/report';

const quick = process.env.FRESHCACHE_NOTEBOOK_QUICK === '1';
const info = await initBackend();
console.log(info.summary);
console.log(`quick settings: ${quick}`);

// %% [markdown]
// ## A figure
//
// A toy "staleness" curve: for a cache built at step 0, the distance between cached and fresh embeddings grows as the encoder trains; refreshing every *R* steps resets it; the oracle is always fresh. The numbers are made up here — the real curves come from training runs in later notebooks. Colours are fixed per strategy in every figure.

// %%
const steps = Array.from({ length: quick ? 21 : 101 }, (_, i) => i * (quick ? 50 : 10));
const drift = (s: number) => 0.35 * Math.sqrt(s / 1000);
const fig = linePlot({
  title: 'Toy cache drift over training (illustration)',
  x: { label: 'training step', unit: 'steps' },
  y: { label: 'cache drift ‖g′(y) − g(y)‖', unit: 'L2' },
  series: [
    { name: 'stale', x: steps, y: steps.map(drift), band: { lo: steps.map((s) => 0.8 * drift(s)), hi: steps.map((s) => 1.2 * drift(s)) } },
    { name: 'refresh:250', x: steps, y: steps.map((s) => drift(s % 250)) },
    { name: 'oracle', x: steps, y: steps.map(() => 0) },
  ],
});
showFigure(fig);

// %% [markdown]
// ## Tables
//
// The same strategies as a table from plain rows (best value per column in bold), then a danfojs `DataFrame` of the same rows rendered by the same helper (`df.print()` would only print text).
//

// %%
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const rows = [
  { strategy: 'stale', 'mean drift': mean(steps.map(drift)), 'full re-embeddings': 0 },
  { strategy: 'refresh:250', 'mean drift': mean(steps.map((s) => drift(s % 250))), 'full re-embeddings': Math.floor(steps[steps.length - 1] / 250) },
  { strategy: 'oracle', 'mean drift': 0, 'full re-embeddings': steps.length },
].map((r) => ({ ...r, colour: strategyColor(r.strategy) }));
showTable(rows, {
  columns: ['strategy', { key: 'mean drift', unit: 'L2', best: 'min' }, { key: 'full re-embeddings', best: 'min' }, 'colour'],
  caption: 'Toy drift and refresh cost over the run',
});

// %%
import * as dfd from 'danfojs-node';
const df = new dfd.DataFrame(rows);
showTable(df, { caption: `danfojs ${df.shape[0]}×${df.shape[1]} DataFrame` });
const x = tf.tensor1d(steps.map(drift)); // the backend works inside the kernel too
console.log(`mean toy drift (tfjs ${tf.getBackend()}): ${x.mean().dataSync()[0].toFixed(4)}`);
x.dispose();
