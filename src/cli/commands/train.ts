import * as fs from 'fs';
import * as path from 'path';
import { countTruncated, truncationNote } from '../../encoders/truncation';
import { readInitialCache } from '../../train/initial-cache';
import { disposeEncoderPair } from '../../encoders/types';
import { defineCommand, type CliContext } from '../command';
import { omitOptions, withoutDefaults } from '../../util/options';
import { TRAIN_OPTIONS, resolveConfig, trainInputOf, checkEncoderOptions, defaultSplitsFor, type TrainConfigInput } from '../../train/config';
import { loadTrainData } from '../../train/data';
import { encoderFactory } from '../../train/encoders';
import { trainRetriever } from '../../train/loop';
import { parseStrategy } from '../../train/strategy';
import { ensureDefaultTask } from '../../data/wordnet';
import { resolveDatasetPaths } from '../../data/dataset';

/**
 * The training options as flags: every option of TRAIN_OPTIONS (sections `encoder` and `corrector`
 * included), without defaults, so that parsing gives only what a user set; `resolveConfig` lays
 * that over the defaults. `train` takes them all; `start` and `reproduce` the ones that are not
 * theirs to decide.
 */
export const TRAIN_FLAGS = withoutDefaults({
  ...TRAIN_OPTIONS,
  name: { ...TRAIN_OPTIONS.name, help: 'run name: writes <runs-dir>/<name>/', defaultText: 'the strategy' },
  dataset: { ...TRAIN_OPTIONS.dataset, defaultText: 'the offline WordNet task, built on first use' },
});

/** The training options `start` and `reproduce` pass on (they choose name, strategy and seed per run themselves). */
export const EXPERIMENT_TRAIN_FLAGS = omitOptions(TRAIN_FLAGS, ['name', 'strategy', 'seed', 'dataset']);

/**
 * The training settings a user gave (flags or --config), with the dataset's split names
 * when the user named none (dev may be called valid / validation; no test split is none).
 */
export function trainSettings(o: TrainConfigInput & { _given: ReadonlySet<string> }, dataset: string, ctx: CliContext): TrainConfigInput {
  const { splits, notes } = defaultSplitsFor(Object.keys(resolveDatasetPaths(dataset).qrels), o._given);
  for (const n of notes) ctx.log(n);
  return { ...trainInputOf(o), ...splits };
}

/** Where runs go (`train`: <runs-dir>/<name>/; `reproduce`: <runs-dir>/<experiment>/<label>-s<seed>/). */
export const RUNS_DIR_FLAG = { type: 'string', help: 'folder of runs', default: 'runs', placeholder: 'dir' } as const;

export const trainCommand = defineCommand({
  name: 'train',
  resumes: true,
  summary: 'train a dual encoder with one negative strategy; resumes runs/<name> when it has a checkpoint',
  usage: '[--strategy corrector] [--dataset dir] [--config runs/<name>/config.json] [flags]',
  flags: {
    ...TRAIN_FLAGS,
    runsDir: RUNS_DIR_FLAG,
    fresh: { type: 'boolean', help: 'start over instead of resuming', default: false },
    cache: { type: 'string', help: 'initial stale cache built by build-cache; must be built by the initial target encoder (zero-shot)', defaultText: 'the run encodes the corpus itself', placeholder: 'dir' },
    allowEncoderMismatch: { type: 'boolean', help: 'with --cache: use a cache built by another encoder on purpose', default: false },
  },
  async run(o, ctx) {
    checkEncoderOptions(o.encoder);
    const strategy = parseStrategy(o.strategy ?? resolveConfig().strategy, '--strategy');
    await ctx.backend();
    const dataset = o.dataset ?? (await ensureDefaultTask({ progress: ctx.progress }));
    const name = o.name ?? strategy.label.replace(/[^\w.-]+/g, '_');
    const cfg = resolveConfig({ ...trainSettings(o, dataset, ctx), strategy: strategy.label, dataset, name });
    if (cfg.steps === 0) ctx.log('steps 0: no training; evaluating the initial encoders');
    const data = await loadTrainData(dataset, [cfg.trainSplit, cfg.devSplit, ...(cfg.testSplit ? [cfg.testSplit] : [])], { progress: ctx.progress, signal: ctx.signal });
    const runDir = path.join(o.runsDir, name);
    const makeEncoders = encoderFactory(cfg.encoder, data, cfg.seed);
    // the initial encoders once before training: what they cut, and what a given cache must match
    const initial = await makeEncoders();
    let initialCache: Float32Array | undefined;
    try {
      const note = truncationNote(countTruncated(initial.target, data.corpusTexts), 'passages');
      if (note) ctx.log(`note: ${note}`);
      if (o.cache) {
        const expected = { name: "the run's initial target encoder", targetFingerprint: await initial.target.fingerprint(), dim: initial.target.dim };
        initialCache = await readInitialCache(o.cache, data.corpusIds, expected, o.allowEncoderMismatch);
      }
    } finally {
      disposeEncoderPair(initial);
    }
    const r = await trainRetriever({ config: cfg, data, makeEncoders, initialCache, runDir, resume: !o.fresh, progress: ctx.progress, signal: ctx.signal });
    ctx.out(`${r.strategy}: dev MRR@10 ${r.dev.mrr10.toFixed(4)} success@1 ${r.dev.success1.toFixed(4)} success@10 ${r.dev.success10.toFixed(4)} success@100 ${r.dev.success100.toFixed(4)}` +
      (r.test ? `; test MRR@10 ${r.test.mrr10.toFixed(4)} success@100 ${r.test.success100.toFixed(4)}` : ''));
    ctx.out(`re-embedding cost: ${r.cost.reembed} target encodes (${r.cost.reembedCorpusPasses.toFixed(2)} corpus passes); all target encodes ${r.cost.totalTargetEncodes}; ${r.wallSeconds.toFixed(0)} s`);
    ctx.out(`run folder: ${runDir}: ${fs.readdirSync(runDir).sort().map((f) => (fs.statSync(path.join(runDir, f)).isDirectory() ? `${f}/` : f)).join(', ')}`);
  },
});
