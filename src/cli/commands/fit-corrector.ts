import { defineCommand } from '../command';
import { SEED_RANGE } from '../../train/config';
import { ACTIVATIONS, CORRECTOR_KINDS } from '../../corrector/networks';
import { fitCorrectorFromCaches } from '../../corrector/from-caches';

export const fitCorrectorCommand = defineCommand({
  name: 'fit-corrector',
  summary: 'fit a corrector h(g′) ≈ g offline from a stale and a fresh cache of the same corpus',
  usage: '--stale <cache dir> --fresh <cache dir> --out <dir> [options]',
  flags: {
    stale: { type: 'string', help: 'cache built by the earlier (stale) encoder', placeholder: 'dir', required: true },
    fresh: { type: 'string', help: 'cache of the same corpus built by the current encoder', placeholder: 'dir', required: true },
    out: { type: 'string', help: 'folder for corrector.json, its weights and fit-report.json', placeholder: 'dir', required: true },
    kind: { type: 'string', help: 'corrector network', default: 'mlp', choices: CORRECTOR_KINDS },
    depth: { type: 'int', help: 'mlp hidden layers', default: 1, min: 1, max: 64 },
    width: { type: 'int', help: 'mlp hidden width', defaultText: 'the embedding dim', min: 1, max: 1 << 20 },
    activation: { type: 'string', help: 'mlp activation', default: 'gelu', choices: ACTIVATIONS },
    layerNorm: { type: 'boolean', help: 'LayerNorm on the mlp branch input', default: false },
    normalizeOutput: { type: 'boolean', help: 'L2-normalise the corrected rows', default: false },
    lr: { type: 'number', help: 'Adam learning rate', default: 1e-3, min: 0, minExclusive: true, max: 10 },
    batchSize: { type: 'int', help: 'minibatch rows', default: 256, min: 1, max: 1 << 24 },
    epochs: { type: 'int', help: 'most epochs', default: 100, min: 1, max: 1_000_000 },
    patience: { type: 'int', help: 'stop after this many epochs without held-out improvement', default: 5, min: 1, max: 1_000_000 },
    heldOut: { type: 'number', help: 'fraction of the pairs held out for early stopping', default: 0.1, min: 0, minExclusive: true, max: 1, maxExclusive: true },
    maxRows: { type: 'int', help: 'use a random sample of this many rows', defaultText: 'all', min: 2 },
    skipNonFinite: { type: 'boolean', help: 'drop row pairs holding NaN or Infinity (counted) instead of refusing the caches', default: false },
    seed: { type: 'int', help: 'seed of the split, order and initialisation', default: 0, ...SEED_RANGE },
  },
  async run(opts, ctx) {
    await ctx.backend();
    const { report, json } = await fitCorrectorFromCaches({
      staleDir: opts.stale,
      freshDir: opts.fresh,
      outDir: opts.out,
      maxRows: opts.maxRows,
      skipNonFinite: opts.skipNonFinite,
      corrector: { kind: opts.kind, depth: opts.depth, width: opts.width, activation: opts.activation, layerNorm: opts.layerNorm, normalizeOutput: opts.normalizeOutput },
      learningRate: opts.lr,
      batchSize: opts.batchSize,
      maxEpochs: opts.epochs,
      patience: opts.patience,
      heldOutFraction: opts.heldOut,
      seed: opts.seed,
      progress: ctx.progress,
      signal: ctx.signal,
    });
    if (json.skippedNonFinite > 0) ctx.out(`skipped ${json.skippedNonFinite} row pairs holding NaN or Infinity`);
    ctx.out(`pairs: ${json.trainRows} train, ${json.heldOutRows} held out (of ${json.totalRows} rows); corrector ${report.corrector.kind}, ${report.corrector.parameterCount()} parameters`);
    ctx.out(`held-out mse ${report.heldOut.mse.toPrecision(4)} (mean L2 ${report.heldOut.meanL2.toPrecision(4)}) vs stale cache ${report.identity.mse.toPrecision(4)} (mean L2 ${report.identity.meanL2.toPrecision(4)}): ${(100 * report.relativeImprovement).toFixed(1)}% lower`);
    ctx.out(`best epoch ${report.bestEpoch} of ${json.epochs.length - 1}${report.stoppedEarly ? ' (stopped early)' : ''}, ${report.seconds.toFixed(1)} s; wrote ${opts.out}/corrector.json and fit-report.json`);
    report.corrector.dispose();
  },
});
