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
// **Question.** How much target-encoder work does each strategy spend for the accuracy it reaches, and at what cost multiple does the corrector (cache built once, never refreshed) match the refresh baselines?
//
// **The paper's claim:** with the cache built once by the pre-trained encoder and never refreshed, training with the corrector matches state-of-the-art accuracy at a 4–80x reduction in re-embedding cost (re-embedding = re-encoding the corpus with the target encoder, one full pass per refresh).
//
// **What we run.** Every strategy under the same loop, data, seed and step budget on the offline WordNet task: `in-batch` (no cache), `stale` (cache never refreshed), `refresh:R` for R = T/2, T/4, T/8, T/16, `refresh-on-use`, `oracle` (fresh logits for every target each step: a full corpus pass per step, the upper bound), and correctors of growing capacity (`corrector[linear]`, `corrector[mlp w=64]`, `corrector[mlp w=256]`, the last being the default corrector). Also a corrector with warm-up (from notebook 02). **The default settings are small**: T = 60 steps per run (`npm start` trains 400) and the width-1024 corrector of `npm start --sweep cost` is left out, so that the twelve runs fit in about a quarter of an hour on 2 CPU cores (`trainingPlan` in `src/experiments/notebooks.ts`); the runs are shared with notebooks 01, 02 and 05 (`runs/nb-train/`) and this notebook writes their table to `results/nb-train/`. Quick settings train 8 steps with fewer runs and 300 dev queries, and say little.
//
// **Costs, as the ledger counts them.** *Re-embedding* = corpus re-encodes beyond the initial cache (refreshes, the oracle's passes), in corpus passes. *All target encodes* adds the initial cache (1 corpus pass for every cache strategy) and the per-step fresh encodes of positives and selected negatives that every strategy pays. The corrector's own FLOPs (applying h to the whole cache every step, training it) are counted apart and shown in the second figure.

// %%
import { initBackend } from './src/tensor';
import { paretoPlot, paretoFront, showFigure, showTable, notebookProgress, liveDisplay } from './src/report';
import { notebookQuick, trainingPlan, withSplitSubset, runExperiment } from './src/experiments';
import { costMultiple, strategyFamily, summaryTableRows } from './src/report';
import { ensureDefaultTask } from './src/data/wordnet';
import { loadTrainData } from './src/train/data';
import * as os from 'os';
import * as path from 'path';

const quick = notebookQuick();
const backend = await initBackend();
const plan = trainingPlan(quick); // every run of the shared experiment (notebooks 01, 02, 05 use parts of it)
console.log(backend.summary);
console.log(`quick: ${quick}; experiment ${plan.name}: ${plan.steps} steps; runs: ${[...plan.strategies, ...plan.variants.map((v) => v.label)].join(', ')}`);

// %%
const dataset = await ensureDefaultTask({ progress: notebookProgress() });
const allData = await loadTrainData(dataset, plan.base.testSplit === null ? ['train', 'dev'] : ['train', 'dev', 'test']);
const data = quick ? withSplitSubset(allData, 'dev', 300) : allData; // quick: final dev metrics on the first 300 dev queries
const logBox = liveDisplay();
const logLines: string[] = [];
const { rows, summary } = await runExperiment({
  name: plan.name, dataset, data, strategies: plan.strategies, variants: plan.variants, seeds: [1], base: plan.base,
  progress: notebookProgress(), log: (l) => { logLines.push(l); logBox.text(logLines.join('\n')); },
});
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
// ## The table
//
// All runs, as `npm start` prints them (no test split here: see notebook 06 for `npm start`'s test numbers).

// %%
showTable(summaryTableRows(summary), {
  columns: ['strategy', { key: 'dev MRR@10', best: 'max' }, { key: 'dev success@1', best: 'max' }, { key: 'dev success@10', best: 'max' }, { key: 'dev success@100', best: 'max' },
    { key: 're-embed (corpus passes)', digits: 2 }, { key: 'all target encodes (corpus passes)', digits: 2 }, { key: 'corrector GFLOP', digits: 1 }, { key: 'wall s', digits: 0 }],
  caption: `${plan.name}: ${plan.steps} steps, seed 1`,
});

// %% [markdown]
// ## Reading it
//
// <!-- RESULTS_03 -->
// In the saved run (default settings, T = 60 steps, seed 1, dev MRR@10 on all 4,734 dev queries):
//
// - **The corrector is on the Pareto front of accuracy against target-encoder passes.** The default corrector (MLP width 256) reaches **0.148** with 1.16 corpus passes of target encoding: the initial cache plus ~320 fresh encodes per step. That is above every refresh baseline, including `refresh:4` (0.147), which re-encodes the corpus 14 times (15.2 passes in all). It is just under the oracle (0.150, 60 passes). Stale reaches 0.136, in-batch 0.136, refresh-on-use 0.141.
// - **The cost multiple is not reached.** No refresh interval in the sweep matched the default corrector. Even the most frequent refresh tried spends ≥ **12×** the corrector's total target encodes on re-embedding alone, and is still slightly less accurate. The smaller correctors (linear 0.142, MLP width 64 0.143) are matched by `refresh:15` (0.146) at **2.6×** their total encodes. The warm-up variant (0.138, see notebook 02) is matched by `refresh:30` at 0.86×.
// - **The paper's "4–80x" is the same kind of ratio, on NQ / MS MARCO.** It comes from BERT-size encoders and many refreshes. Ours (≥ 12× for the default corrector) is a different, much smaller setting, and comes from one seed with MRR differences of a few thousandths.
// - **In FLOPs the corrector is not cheap here.** Applying the width-256 MLP to all 117,791 cached rows at every step costs 737 GFLOP over the run. Our bag-of-words target encoder needs only ~2.7 GFLOP per corpus pass, so `refresh:4` (41 GFLOP) and even the oracle (162 GFLOP) are cheaper in compute. With a BERT-base target encoder (tens of GFLOP per passage) the same MLP would cost a tiny fraction of one refresh. The paper's saving is in re-embedding passes, and that is the axis on which our result agrees with it. On total compute, the balance depends on the size of the encoder.
//
// Differences of 0.001–0.003 MRR@10 between the top runs are within what another seed could change. Run `npm start -- --seeds 1,2,3 --sweep cost` for spreads at `npm start`'s 400 steps.
