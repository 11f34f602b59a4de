import { defineCommand } from '../command';
import { ensureDefaultTask } from '../../data/wordnet';
import * as path from 'path';
import { runExperiment, defaultStrategies, sweepVariants, SCALABLE_CORRECTOR } from '../../experiments/experiment';
import { readRunLogs } from '../../experiments/run-folder';
import { QUICK_SETTINGS, datasetStatistics } from '../../experiments/datasets';
import type { LogRecord } from '../../train/log';
import type { CliContext } from '../command';
import { accuracyVsCostFigure, probeOverStepsFigure, correctorErrorFigure, findChromium, exportFigures, formatExperimentTable, formatFactorTable, type FigureSpec, type ExperimentSummaryRow } from '../../report';
import { writeJsonAtomic } from '../../util/atomic';
import { resolveConfig, checkEncoderOptions, SEED_RANGE, type TrainConfigInput } from '../../train/config';
import { TRAIN_FLAGS, EXPERIMENT_TRAIN_FLAGS, trainSettings } from './train';
import { runHeadline, HEADLINE_EXPERIMENT, HEADLINE_SUMMARY_DIR, HEADLINE_PARTS, type HeadlinePart } from '../../experiments';

/** Settings of `--quick` (about two minutes on 2 CPU cores, reproduce's quick settings without the test split), under the ones a user gives. */
const QUICK: TrainConfigInput = { ...QUICK_SETTINGS, testSplit: null };

export const startCommand = defineCommand({
  name: 'start',
  resumes: true,
  summary: 'the default experiment: build the offline WordNet task, train every strategy, print accuracy against re-embedding cost beside BM25 and the untrained (zero-shot) encoders',
  flags: {
    strategies: { type: 'list', of: 'string', help: 'strategies to compare (the BM25 and zero-shot rows come first in any case)', defaultText: 'in-batch, bm25, stale, refresh:<steps/4>, refresh-on-use, corrector, oracle, and corrector[pool=ann] (the corrector re-scoring an HNSW pool on g′)' },
    sweep: { type: 'string', help: 'also run a sweep: cost (refresh intervals, corrector sizes) or drift (encoder learning rates); headline: instead, the grid behind the reduction factor (src/experiments/headline-grid.ts), summary to results-committed/headline/', default: 'none', choices: ['none', 'cost', 'drift', 'all', 'headline'] },
    parts: { type: 'list', of: 'string', help: 'with --sweep headline: the parts of the grid to run and summarise', default: [...HEADLINE_PARTS], choices: [...HEADLINE_PARTS] },
    finishedOnly: { type: 'boolean', help: 'with --sweep headline: summarise the runs already finished, train nothing (a partial grid; each row names its seeds)', default: false },
    plan: { type: 'boolean', help: 'with --sweep headline: print the plan (runs, finished, estimated time) and stop', default: false },
    seeds: { type: 'list', of: 'int', help: 'seeds (several give a spread)', default: [1], defaultText: '1; with --sweep headline 1,2,3', ...SEED_RANGE },
    quick: { type: 'boolean', help: 'a short pass (about 2 minutes): 40 steps, smaller probes, no test split (flags given win)', default: false },
    name: { type: 'string', help: 'experiment name: runs/<name>/, results/<name>/', default: 'default' },
    fresh: { type: 'boolean', help: 'recompute finished runs instead of reusing them', default: false },
    dataset: TRAIN_FLAGS.dataset,
    ...EXPERIMENT_TRAIN_FLAGS,
  },
  async run(o, ctx) {
    checkEncoderOptions(o.encoder);
    await ctx.backend();
    const dataset = o.dataset ?? (await ensureDefaultTask({ progress: ctx.progress, signal: ctx.signal }));
    ctx.out(`dataset: ${dataset}`);
    ctx.out(await datasetStatistics(dataset, { signal: ctx.signal }));
    const base: TrainConfigInput = { ...(o.quick ? QUICK : {}), ...trainSettings(o, dataset, ctx) };
    const name = o.quick && o.name === 'default' ? 'quick' : o.name;
    if (o.sweep === 'headline') {
      // the grid's summary (and the quick grid's, the pipeline check) is committed; a renamed grid's stays under results/
      const name = o.name !== 'default' ? o.name : o.quick ? `${HEADLINE_EXPERIMENT}-quick` : HEADLINE_EXPERIMENT;
      const summaryDir = name === HEADLINE_EXPERIMENT ? HEADLINE_SUMMARY_DIR : name === `${HEADLINE_EXPERIMENT}-quick` ? `${HEADLINE_SUMMARY_DIR}-quick` : path.join('results', name);
      const seeds = o._given.has('seeds') ? o.seeds : [1, 2, 3];
      const command = ['npm start --', ...process.argv.slice(3)].join(' ');
      const { summary, files } = await runHeadline({ name, dataset, base, seeds, summaryDir, command, planOnly: o.plan, finishedOnly: o.finishedOnly, parts: o.parts as HeadlinePart[], fresh: o.fresh, progress: ctx.progress, signal: ctx.signal, log: ctx.log });
      if (!summary) return;
      ctx.out('');
      ctx.out(formatFactorTable(summary));
      ctx.out('');
      ctx.out(`written: ${files.join(', ')}`);
      return;
    }
    const { steps, lr } = resolveConfig(base);
    const sweep = o.sweep;
    const variants = [
      // the scalable corrector beside whole-cache correction, unless the user picked the strategies
      ...(o.strategies === undefined ? [SCALABLE_CORRECTOR] : []),
      ...(sweep === 'cost' || sweep === 'all' ? sweepVariants('cost', steps, lr) : []),
      ...(sweep === 'drift' || sweep === 'all' ? sweepVariants('drift', steps, lr) : []),
    ];
    const { summary, files, rows } = await runExperiment({
      name, dataset, strategies: o.strategies ?? defaultStrategies(steps), variants, seeds: o.seeds, base, fresh: o.fresh, baselines: true,
      progress: ctx.progress, signal: ctx.signal, log: ctx.log,
    });
    ctx.out('');
    ctx.out(formatExperimentTable(summary));
    ctx.out('');
    ctx.out(`written: ${files.join(', ')}`);
    await writeFigures(name, summary, readRunLogs(name, { labels: [...new Set(rows.map((r) => r.label))] }), ctx);
  },
});

/** Writes the experiment's figures as JSON specs and, when Chromium is installed, as PNG. */
async function writeFigures(name: string, summary: ExperimentSummaryRow[], logs: { label: string; log: LogRecord[] }[], ctx: CliContext): Promise<void> {
  const dir = path.join('results', name);
  const figures: { file: string; spec: FigureSpec }[] = [
    { file: 'accuracy-vs-cost', spec: accuracyVsCostFigure(summary) },
    { file: 'staleness', spec: probeOverStepsFigure(logs, 'staleness', { title: 'How far the cache drifts', label: 'mean ‖g_t(y) − g′(y)‖', unit: 'L2' }) },
    { file: 'topk-overlap', spec: probeOverStepsFigure(logs, 'overlapCorrected', { title: 'Top-10 agreement of the (corrected) cache with the fresh encoder', label: 'top-10 overlap', unit: 'fraction' }) },
  ];
  const corrector = logs.find((l) => l.label.startsWith('corrector'));
  if (corrector) figures.push({ file: 'corrector-error', spec: correctorErrorFigure(corrector.label, corrector.log) });
  for (const f of figures) writeJsonAtomic(path.join(dir, `${f.file}.json`), f.spec);
  if (!findChromium()) {
    ctx.log(`figures: wrote ${figures.length} plotly specs to ${dir}/*.json; PNG export needs Debian chromium (apt-get install chromium), then \`freshcache plot\``);
    return;
  }
  const done = await exportFigures(figures.map((f) => ({ spec: f.spec, file: path.join(dir, `${f.file}.png`) })), { signal: ctx.signal });
  ctx.out(`figures: ${done.map((d) => d.file).join(', ')}`);
}
