import * as fs from 'fs';
import * as path from 'path';
import { countTruncated, truncationNote } from '../../encoders/truncation';
import { readInitialCache } from '../../train/initial-cache';
import type { Command } from '../command';
import type { Flags, ParsedFlags } from '../args';
import { DEFAULT_TRAIN_CONFIG, resolveConfig, type TrainConfigInput } from '../../train/config';
import { loadTrainData } from '../../train/data';
import { encoderFactory } from '../../train/encoders';
import { trainRetriever } from '../../train/loop';
import { parseStrategy } from '../../train/strategy';
import { ensureDefaultTask } from '../../data/wordnet';

const d = DEFAULT_TRAIN_CONFIG;

/** Flags shared by `train` and `start`: the training knobs a user turns most. */
export const TRAIN_FLAGS: Flags = {
  dataset: { type: 'string', help: 'dataset folder (canonical layout); default: the offline WordNet task, built on first use', placeholder: 'dir' },
  steps: { type: 'int', help: 'training steps', default: d.steps },
  batchSize: { type: 'int', help: 'queries per step', default: d.batchSize },
  negatives: { type: 'int', help: 'hard negatives per query from the cache', default: d.negatives },
  selection: { type: 'string', help: 'how negatives are picked from the (corrected) logits', default: d.selection, choices: ['topk', 'gumbel'] },
  pool: { type: 'string', help: 'score the whole cache exactly, or an HNSW candidate pool re-scored exactly', default: d.pool, choices: ['exact', 'ann'] },
  poolSize: { type: 'int', help: 'candidates per query from the ANN index (pool ann)', default: d.poolSize },
  beta: { type: 'number', help: 'inverse temperature β of the retrieval softmax', default: d.beta },
  lr: { type: 'number', help: 'encoder learning rate (how fast the cache goes stale)', default: d.lr },
  inBatchNegatives: { type: 'boolean', help: "add the other queries' targets as negatives", default: d.inBatchNegatives },
  correctorKind: { type: 'string', help: 'corrector network', default: d.corrector.kind, choices: ['mlp', 'linear', 'identity'] },
  correctorDepth: { type: 'int', help: 'corrector hidden layers', default: d.corrector.depth },
  correctorWidth: { type: 'int', help: 'corrector hidden width', default: d.corrector.width },
  correctorLoss: { type: 'string', help: 'corrector loss: drift MSE [paper] or truncated-softmax KL / CE [ours]', default: d.corrector.loss, choices: ['mse', 'softmax', 'softmax-ce'] },
  correctorLr: { type: 'number', help: 'corrector learning rate (its own Adam)', default: d.corrector.lr },
  warmupSteps: { type: 'int', help: 'first steps where only the corrector trains', default: d.corrector.warmupSteps },
  extraUniform: { type: 'int', help: 'extra uniformly drawn targets encoded fresh per step only to train the corrector', default: d.corrector.extraUniform },
  seed: { type: 'int', help: 'random seed', default: d.seed },
  logEvery: { type: 'int', help: 'log a record (losses, staleness probe, cost) every N steps', default: d.logEvery },
  evalEvery: { type: 'int', help: 'evaluate on dev every N steps (0: at the end only)', default: d.evalEvery },
  checkpointEvery: { type: 'int', help: 'checkpoint every N steps', default: d.checkpointEvery },
};

/** The config overrides the training flags give. */
export function trainConfigFromFlags(o: ParsedFlags): TrainConfigInput {
  return {
    steps: o.steps as number, batchSize: o.batchSize as number, negatives: o.negatives as number,
    selection: o.selection as 'topk' | 'gumbel', pool: o.pool as 'exact' | 'ann', poolSize: o.poolSize as number, beta: o.beta as number, lr: o.lr as number,
    inBatchNegatives: o.inBatchNegatives as boolean, seed: o.seed as number, logEvery: o.logEvery as number,
    evalEvery: o.evalEvery as number, checkpointEvery: o.checkpointEvery as number,
    corrector: {
      kind: o.correctorKind as 'mlp', depth: o.correctorDepth as number, width: o.correctorWidth as number,
      loss: o.correctorLoss as 'mse', lr: o.correctorLr as number, warmupSteps: o.warmupSteps as number,
      extraUniform: o.extraUniform as number,
    },
  };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a dual encoder with one negative strategy; resumes runs/<name> when it has a checkpoint',
  flags: {
    strategy: { type: 'string', help: 'in-batch | stale | refresh:R | refresh-on-use | corrector[+refresh:R][+refresh-on-use] | oracle', default: 'corrector' },
    name: { type: 'string', help: 'run name: writes runs/<name>/ (default: the strategy)' },
    runsDir: { type: 'string', help: 'folder of runs', default: 'runs', placeholder: 'dir' },
    fresh: { type: 'boolean', help: 'start over instead of resuming', default: false },
    cache: { type: 'string', help: 'initial stale cache built by build-cache (default: the run encodes the corpus itself); must be built by the initial target encoder (zero-shot)', placeholder: 'dir' },
    allowEncoderMismatch: { type: 'boolean', help: 'with --cache: use a cache built by another encoder on purpose', default: false },
    ...TRAIN_FLAGS,
  },
  async run(o, ctx) {
    const strategy = parseStrategy(String(o.strategy), '--strategy');
    await ctx.backend();
    const dataset = (o.dataset as string | undefined) ?? (await ensureDefaultTask({ progress: ctx.progress }));
    const name = (o.name as string | undefined) ?? strategy.label.replace(/[^\w.-]+/g, '_');
    const cfg = resolveConfig({ ...trainConfigFromFlags(o), strategy: strategy.label, dataset, name });
    const data = await loadTrainData(dataset, [cfg.trainSplit, cfg.devSplit, ...(cfg.testSplit ? [cfg.testSplit] : [])], { progress: ctx.progress, signal: ctx.signal });
    const runDir = path.join(String(o.runsDir), name);
    const makeEncoders = encoderFactory(cfg.encoder, data, cfg.seed);
    // the initial encoders once before training: what they cut, and what a given cache must match
    const initial = await makeEncoders();
    let initialCache: Float32Array | undefined;
    try {
      const note = truncationNote(countTruncated(initial.target, data.corpusTexts), 'passages');
      if (note) ctx.log(`note: ${note}`);
      if (o.cache) {
        const expected = { name: "the run's initial target encoder", targetFingerprint: initial.target.fingerprint(), dim: initial.target.dim };
        initialCache = await readInitialCache(String(o.cache), data.corpusIds, expected, o.allowEncoderMismatch as boolean);
      }
    } finally {
      initial.query.dispose();
      if (initial.target !== initial.query) initial.target.dispose();
    }
    const r = await trainRetriever({ config: cfg, data, makeEncoders, initialCache, runDir, resume: !o.fresh, progress: ctx.progress, signal: ctx.signal });
    ctx.out(`${r.strategy}: dev MRR@10 ${r.dev.mrr10.toFixed(4)} R@1 ${r.dev.recall1.toFixed(4)} R@10 ${r.dev.recall10.toFixed(4)} R@100 ${r.dev.recall100.toFixed(4)}` +
      (r.test ? `; test MRR@10 ${r.test.mrr10.toFixed(4)} R@100 ${r.test.recall100.toFixed(4)}` : ''));
    ctx.out(`re-embedding cost: ${r.cost.reembed} target encodes (${r.cost.reembedCorpusPasses.toFixed(2)} corpus passes); all target encodes ${r.cost.totalTargetEncodes}; ${r.wallSeconds.toFixed(0)} s`);
    ctx.out(`run folder: ${runDir}: ${fs.readdirSync(runDir).sort().map((f) => (fs.statSync(path.join(runDir, f)).isDirectory() ? `${f}/` : f)).join(', ')}`);
  },
};
