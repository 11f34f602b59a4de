import * as fs from 'fs';
import * as path from 'path';
import { defineCommand } from '../command';
import { InputError } from '../../util/errors';
import { writeJsonAtomic } from '../../util/atomic';
import { ACTIVATIONS, CORRECTOR_KINDS } from '../../corrector/networks';
import { SEED_RANGE } from '../../train/config';
import { estimateBoundFromCaches, estimateBoundOnSynthetic, formatBoundTable, BoundEstimate } from '../../theory';
import { runCacheCapacitySweep, formatCapacityTable } from '../../experiments/capacity-sweep';
import { trainedCorrectorBound } from '../../experiments/trained-bound';

export const boundCommand = defineCommand({
  name: 'bound',
  summary: 'estimate the generalization bound of a corrector, term by term (docs/theory.md)',
  usage: '--run runs/<experiment>/<corrector run> | --corrector runs/<name>/corrector --pairs <stale cache dir> <fresh cache dir> | --capacities --pairs <stale> <fresh> | --synthetic [options]',
  flags: {
    run: { type: 'string', help: "a finished corrector run: its corrector on its own pairs (the initial cache against its final target encoder's cache, both built once beside the run; dev queries by its final query encoder)", placeholder: 'dir' },
    corrector: { type: 'string', help: 'saved corrector folder (runs/<name>/corrector or fit-corrector --out)', placeholder: 'dir', defaultText: 'with --synthetic: fit one' },
    pairs: { type: 'string', help: 'stale cache folder; the fresh cache folder follows as the next argument (or use --fresh)', placeholder: 'dir' },
    fresh: { type: 'string', help: 'fresh cache folder (same corpus as the stale one)', placeholder: 'dir' },
    queries: { type: 'string', help: 'cache of query embeddings for the logit / softmax rows', placeholder: 'dir' },
    maxRows: { type: 'int', help: 'rows sampled from the caches', default: 4000, min: 2 },
    heldOut: { type: 'number', help: 'fraction of the sampled rows held out (measured error beside the bound)', default: 0.5, min: 0, minExclusive: true, max: 1, maxExclusive: true },
    capacities: { type: 'boolean', help: 'with --pairs and no --corrector: fit identity, linear and mlp correctors of growing size on m pairs and compare error, bound, top-k recovery', default: false },
    pairCounts: { type: 'list', of: 'int', help: 'with --capacities: numbers of pairs m', default: [256, 1024, 4096], min: 1 },
    heldOutRows: { type: 'int', help: 'with --capacities: held-out rows', default: 2000, min: 1 },
    seeds: { type: 'int', help: 'with --capacities: seeds per point', default: 1, min: 1, max: 1000 },
    synthetic: { type: 'boolean', help: 'use the synthetic drift generator instead of caches', default: false },
    dim: { type: 'int', help: 'synthetic: embedding dim', defaultText: "the corrector's, else 32", min: 1, max: 65536 },
    m: { type: 'int', help: 'synthetic: pairs for fitting and the bound', default: 1000, min: 1 },
    driftKind: { type: 'string', help: 'synthetic: drift map', default: 'mlp', choices: ['linear', 'rotation', 'mlp'] },
    drift: { type: 'number', help: 'synthetic: drift magnitude', default: 0.5, min: 0, max: 1e6 },
    normalize: { type: 'boolean', help: 'synthetic: unit-normalise targets and queries', default: false },
    kind: { type: 'string', help: 'synthetic without --corrector: corrector to fit', default: 'mlp', choices: CORRECTOR_KINDS },
    width: { type: 'int', help: 'synthetic: mlp width', defaultText: 'dim', min: 1, max: 1 << 20 },
    depth: { type: 'int', help: 'synthetic: mlp depth', default: 1, min: 1, max: 64 },
    activation: { type: 'string', help: 'synthetic: mlp activation', default: 'relu', choices: ACTIVATIONS },
    delta: { type: 'number', help: 'failure probability δ', default: 0.05, min: 0, minExclusive: true, max: 1, maxExclusive: true },
    complexity: { type: 'string', help: 'complexity estimate', default: 'both', choices: ['spectral', 'frobenius', 'both'] },
    beta: { type: 'number', help: 'softmax inverse temperature β for the logit rows', default: 1, min: 0, minExclusive: true, max: 1e6 },
    inputRadius: { type: 'number', help: 'known bound R on ‖g′(y)‖', defaultText: 'max over the sample', min: 0, minExclusive: true },
    maxStaleness: { type: 'number', help: 'known bound on ‖g(y) − g′(y)‖', defaultText: 'max over the sample', min: 0 },
    seed: { type: 'int', help: 'seed of the row sample / synthetic data', default: 0, ...SEED_RANGE },
    json: { type: 'string', help: 'also write the estimate as JSON here', placeholder: 'file' },
  },
  async run(opts, ctx) {
    await ctx.backend();
    const common = { delta: opts.delta, complexity: opts.complexity, beta: opts.beta, inputRadius: opts.inputRadius, maxStaleness: opts.maxStaleness, seed: opts.seed };
    const stale = opts.pairs;
    const fresh = opts.fresh ?? opts._[0];
    if (opts.capacities) {
      if (!stale || !fresh) throw new InputError('bound --capacities: expected --pairs <stale cache dir> <fresh cache dir>');
      const res = await runCacheCapacitySweep({
        staleDir: stale,
        freshDir: fresh,
        queriesDir: opts.queries,
        pairCounts: opts.pairCounts,
        heldOutRows: opts.heldOutRows,
        seeds: opts.seeds,
        beta: opts.beta,
        delta: opts.delta,
        seed: opts.seed,
        progress: ctx.progress,
        signal: ctx.signal,
      });
      ctx.out(`pairs from ${stale} → ${fresh}: ${res.rowsSampled} of ${res.totalRows} rows sampled, ${res.heldOutRows} held out; ${res.queries} queries (${res.queriesFrom})`);
      ctx.out(formatCapacityTable(res));
      if (opts.json) writeJson(opts.json, res, ctx.log);
      return;
    }
    let est: BoundEstimate;
    if (opts.run) {
      const r = await trainedCorrectorBound({ ...common, runDir: opts.run, maxRows: opts.maxRows, heldOutFraction: opts.heldOut, progress: ctx.progress, signal: ctx.signal });
      est = r.estimate;
      ctx.out(`corrector of ${opts.run} (${est.kind}), pairs from ${r.staleDir} → ${r.freshDir} (final step ${r.step}), queries ${r.queriesDir}`);
    } else if (opts.synthetic) {
      const r = await estimateBoundOnSynthetic({
        ...common,
        correctorDir: opts.corrector,
        corrector: { kind: opts.kind, width: opts.width, depth: opts.depth, activation: opts.activation },
        dim: opts.dim,
        m: opts.m,
        driftKind: opts.driftKind,
        drift: opts.drift,
        normalize: opts.normalize,
      });
      est = r.estimate;
      ctx.out(`synthetic (${opts.driftKind} drift ${opts.drift}), corrector ${r.corrector}`);
    } else {
      const corrector = opts.corrector;
      if (!corrector) throw new InputError('bound: --corrector <dir> is required without --synthetic');
      if (!stale || !fresh) throw new InputError('bound: expected --pairs <stale cache dir> <fresh cache dir> (or --synthetic)');
      est = await estimateBoundFromCaches({ ...common, correctorDir: corrector, staleDir: stale, freshDir: fresh, queriesDir: opts.queries, maxRows: opts.maxRows, heldOutFraction: opts.heldOut });
      ctx.out(`corrector ${corrector} (${est.kind}), pairs from ${stale} → ${fresh}`);
    }
    ctx.out(formatBoundTable(est));
    if (opts.json) writeJson(opts.json, est, ctx.log);
  },
});

function writeJson(file: string, value: unknown, log: (line: string) => void): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeJsonAtomic(file, value);
  log(`wrote ${file}`);
}
