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
// # 03 · Accuracy against re-embedding cost (the "4–80x" figure)
//
// **Paper counterpart.** The headline result of Monath et al. (ICML 2024): with the cache built once by the pre-trained encoder and never refreshed, training with the corrector matches state-of-the-art accuracy at a 4–80x reduction in re-embedding cost (re-embedding = re-encoding the corpus with the target encoder, one full pass per refresh), i.e. the paper's accuracy-against-re-embedding comparison on NQ and MS MARCO. Its figure and tables are not public to us; this notebook draws the same comparison on our task, and reads the committed headline grid (drift speeds × seeds) further down.
//
// **What differs in our reconstruction.** Task: the offline WordNet task, not NQ / MS MARCO; encoder: a GloVe bag-of-words dual encoder, not BERT (so one corpus pass is cheap and the corrector's FLOPs are not negligible, see the second figure); scale: T = 60 steps per run (`npm start` trains 400), one seed, dev MRR@10 instead of NQ answer accuracy. Every strategy runs under the same loop, data, seed and step budget: `in-batch` (no cache), `stale` (cache never refreshed), `refresh:R` for R = T/2, T/4, T/8, T/16, `refresh-on-use`, `oracle` (fresh logits for every target each step: a full corpus pass per step, the upper bound), and correctors of growing capacity (`corrector[linear]`, `corrector[mlp w=64]`, and `corrector`, the default MLP of width 256), plus a corrector with warm-up (from notebook 02). The width-1024 corrector of `npm start --sweep cost` is left out so that the twelve runs fit in about a quarter of an hour on 2 CPU cores. The training grid is an argument: `trainingPlan(quick, grid)` (`src/experiments/notebooks.ts`) takes any steps, strategies, refresh intervals, corrector networks and warm-up lengths, and finished runs are reused by label. Quick settings train 8 steps with fewer runs and 300 dev queries, and say little.
//
// **The same from the CLI.** `npx freshcache start --name nb-cli --steps 60 --log-every 5 --probe-rows 1000 --probe-queries 100 --test-split none --sweep cost` (adds the width-1024 corrector and the BM25 and zero-shot rows); `npm start -- --sweep cost` is the same at 400 steps, and `npm start -- --sweep headline` the grid of the last section.
//
// **Costs, as the ledger counts them.** *Re-embedding* = corpus re-encodes beyond the initial cache (refreshes, the oracle's passes), in corpus passes. *All target encodes* adds the initial cache (1 corpus pass for every cache strategy) and the per-step fresh encodes of positives and selected negatives that every strategy pays. The corrector's own FLOPs (applying h to the whole cache every step, training it) are counted apart and shown in the second figure.

// %%
import { initBackend } from './src/tensor';
import { paretoPlot, paretoFront, showFigure, showTable, costMultiple, strategyFamily } from './src/report';
import { notebookQuick, trainingPlan, defaultTrainingGrid, planLabels, runNotebookPlan, loadRunResults } from './src/experiments';
import * as path from 'path';

const quick = notebookQuick();
const backend = await initBackend();
const grid = defaultTrainingGrid(quick); // edit to change the experiment, e.g. { ...grid, refresh: [30, 15, 8, 4, 2] }
const plan = trainingPlan(quick, grid); // every run of the shared experiment (notebooks 01, 02, 05 use parts of it)
console.log(`${backend.summary}\nquick: ${quick}; experiment ${plan.name}: ${plan.steps} steps; runs: ${planLabels(plan).join(', ')}`);

// %%
const { data, rows, summary } = await runNotebookPlan(plan, { writeTable: true }); // the whole plan: its table goes to results/<plan.name>/
console.log(`${summary.length} runs in results/${plan.name}/table.json`);

// %% [markdown]
// ## Accuracy against target-encoder work
//
// Dev MRR@10 (all 4,734 dev queries; quick: 300) against all target-encoder forward passes of the run, in corpus passes (117,791 passages = 1 pass), log scale. Points are coloured by strategy family and labelled with the run; the dashed staircase is the Pareto front (no other run is both cheaper and more accurate).

// %%
const short = (label: string) => label.replace(/^corrector\[(.*)\]$/, '$1').replace(/^refresh:/, 'R=').replace(/^corrector$/, 'mlp w=256');
const points = summary.map((r) => ({ strategy: strategyFamily(r.label), label: short(r.label), x: r.totalTargetEncodesCorpusPasses, y: r.devMrr10 }));
showFigure(paretoPlot({
  title: 'Dev MRR@10 against target-encoder forward passes',
  x: { label: 'all target-encoder forward passes', unit: 'corpus passes, log scale', log: true },
  y: { label: 'dev MRR@10' },
  points, showLabels: true, height: 480,
}));
const front = paretoFront(points);
console.log(`Pareto front: ${front.map((p) => p.label).join(' → ')}`);

// %% [markdown]
// ## Accuracy against total compute
//
// The same runs against total estimated FLOPs: target-encoder forward passes plus the corrector's (applying h to every cached row at every step, and training it). This is the axis on which the corrector is not free: on our small encoder, applying even a small MLP to all 117,791 cached rows every step costs more than encoding the handful of targets a step needs.

// %%
const flopPoints = summary.map((r) => {
  const run = rows.find((x) => x.label === r.label)!;
  return { strategy: strategyFamily(r.label), label: short(r.label), x: run.result.cost.totalFlops / 1e9, y: r.devMrr10 };
});
showFigure(paretoPlot({
  title: 'Dev MRR@10 against total compute (target encoder + corrector)',
  x: { label: 'estimated FLOPs', unit: 'GFLOP, log scale', log: true },
  y: { label: 'dev MRR@10' },
  points: flopPoints, showLabels: true, height: 480,
}));

// %% [markdown]
// ## The cost multiple at which the corrector matches the refresh baselines
//
// For each corrector: the cheapest `refresh:R` run (by re-embedding cost) whose dev MRR@10 is at least the corrector's, and its re-embedding cost divided by the corrector's total target encodes (initial cache included). The paper's 4–80x is this kind of ratio on NQ / MS MARCO with BERT-size encoders and many refreshes; "not reached" means no refresh interval in the sweep was as accurate as the corrector, i.e. the multiple is at least that of the most frequent refresh tried.

// %%
const corrLabels = summary.filter((r) => strategyFamily(r.label) === 'corrector').map((r) => r.label);
const multiples = corrLabels.map((l) => costMultiple(summary, l, 'devMrr10'));
const passes = (n: number | undefined) => (n === undefined ? null : n / data.corpusTexts.length);
showTable(multiples.map((m) => ({
  corrector: m.corrector,
  'dev MRR@10': m.correctorAccuracy,
  'all target encodes': passes(m.correctorEncodes),
  'matching refresh': m.refresh ?? 'not reached',
  'its dev MRR@10': m.refreshAccuracy ?? null,
  'its re-embedding': passes(m.refreshReembed),
  'cost multiple': m.multiple ?? (m.atLeast !== undefined ? `≥ ${m.atLeast.toFixed(1)}` : null),
  'total multiple': m.totalMultiple ?? null,
})), {
  columns: ['corrector', { key: 'dev MRR@10', digits: 4 }, { key: 'all target encodes', unit: 'corpus passes', digits: 2 }, 'matching refresh', { key: 'its dev MRR@10', digits: 4 },
    { key: 'its re-embedding', unit: 'corpus passes', digits: 2 }, { key: 'cost multiple', unit: '×', digits: 2 }, { key: 'total multiple', unit: '×', digits: 2 }],
  caption: 'Re-embedding cost of the cheapest refresh baseline as accurate as the corrector, over the corrector\'s total target encodes',
});
const refreshRows = summary.filter((r) => strategyFamily(r.label) === 'refresh').sort((a, b) => a.reembed - b.reembed);
console.log(`refresh baselines: ${refreshRows.map((r) => `${r.label} MRR@10 ${r.devMrr10.toFixed(4)} at ${r.reembedCorpusPasses.toFixed(0)} re-embed passes`).join('; ')}`);
for (const m of multiples) console.log(m.reached ? `${m.corrector}: matched by ${m.refresh} at ${m.multiple!.toFixed(2)}× its total target encodes` : `${m.corrector}: not reached by any refresh interval in the sweep (multiple ≥ ${m.atLeast?.toFixed(1)}×: the most frequent refresh tried is less accurate)`);

// %% [markdown]
// ## The headline grid: the reduction factor across drift speeds and seeds
//
// The figures above are one short experiment at one seed. The paper's headline, measured, is the committed summary of the headline grid (`npm start -- --sweep headline`, `npm start`'s 400 steps): three drift speeds (target-encoder learning rate ×0.25, ×1, ×4) × `in-batch`, `stale`, the refresh ladder R = 200, 100, 50, 20, 5 and the corrector at seeds 1, 2, 3, the oracle at seed 1. This notebook reads `results-committed/headline/summary.json`, which the repository carries, so it shows in a fresh clone without training anything. Each panel: dev MRR@10 against re-embedding in corpus passes (initial build included, log scale), the seeds' range as error bars, the refresh curve and the Pareto front. The table: the reduction factor, the cost a refresh schedule needs to reach the corrector's accuracy over the corrector's own, under four cost measures (method.md says which one is comparable to the paper's 4–80x).

// %%
import * as fs from 'fs';
import { readHeadlineSummary, headlineFigure, formatFactorTable, showMarkdown } from './src/report';
const headlineFile = path.join('results-committed', 'headline', 'summary.json');
const headline = fs.existsSync(headlineFile) ? readHeadlineSummary(headlineFile) : undefined;
if (headline) {
  showFigure(headlineFigure(headline));
  showMarkdown(formatFactorTable(headline));
  console.log(`${headlineFile}: ${headline.runs.length} runs; regenerate with: ${headline.meta.command}`);
} else {
  console.log(`no ${headlineFile}: run npm start -- --sweep headline (about two hours on 2 cores)`);
}

// %% [markdown]
// ## The table
//
// All runs as a danfojs DataFrame, one row per run, loaded from the run folders by `loadRunResults` (the one loader of run results; notebook 06 groups and pivots the same frame). No test split here: see the headline grid above for `npm start`'s 400-step numbers.

// %%
const results = loadRunResults(plan.name);
showTable(results, {
  columns: ['label', { key: 'dev MRR@10', best: 'max' }, { key: 'dev success@1', best: 'max' }, { key: 'dev success@10', best: 'max' }, { key: 'dev success@100', best: 'max' },
    { key: 're-embed (corpus passes)', digits: 2 }, { key: 'all target encodes (corpus passes)', digits: 2 }, { key: 'corrector GFLOP', digits: 1 }, { key: 'wall s', digits: 0 }],
  caption: `${plan.name}: ${plan.steps} steps, seed 1 (danfojs frame, ${results.shape[0]} rows × ${results.shape[1]} columns)`,
});

// %% [markdown]
// ## Reading it
//
// <!-- RESULTS_03 -->
// In the saved run (default settings, T = 60 steps, seed 1, dev MRR@10 on all 4,734 dev queries):
//
// - **The corrector is on the Pareto front of accuracy against target-encoder passes.** The default corrector (MLP width 256) reaches **0.148** with 1.16 corpus passes of target encoding: the initial cache plus ~320 fresh encodes per step. That is above every refresh baseline, including `refresh:4` (0.147), which re-encodes the corpus 14 times (15.2 passes in all). It is just under the oracle (0.149, 60 passes). Stale reaches 0.136, in-batch 0.137, refresh-on-use 0.142.
// - **The cost multiple is not reached.** No refresh interval in the sweep matched the default corrector. Even the most frequent refresh tried spends ≥ **12×** the corrector's total target encodes on re-embedding alone, and is still slightly less accurate. The smaller correctors (linear 0.143, MLP width 64 0.144) are matched by `refresh:15` (0.145) at **2.6×** their total encodes. The warm-up variant (0.138, see notebook 02) is matched by `refresh:30` at 0.86×.
// - **The paper's "4–80x" is the same kind of ratio, on NQ / MS MARCO.** It comes from BERT-size encoders and many refreshes. Ours (≥ 12× for the default corrector) is a different, much smaller setting, and comes from one seed with MRR differences of a few thousandths.
// - **In FLOPs the corrector is not cheap here.** Applying the width-256 MLP to all 117,791 cached rows at every step costs 737 GFLOP over the run. Our bag-of-words target encoder needs only ~2.7 GFLOP per corpus pass, so `refresh:4` (41 GFLOP) and even the oracle (162 GFLOP) are cheaper in compute. With a BERT-base target encoder (tens of GFLOP per passage) the same MLP would cost a tiny fraction of one refresh. The paper's saving is in re-embedding passes, and that is the axis on which our result agrees with it. On total compute, the balance depends on the size of the encoder.
//
// Differences of 0.001–0.003 MRR@10 between the top runs are within what another seed could change. Run `npm start -- --seeds 1,2,3 --sweep cost` for spreads at `npm start`'s 400 steps.
