import * as fs from 'fs';
import * as path from 'path';
import type { Command } from '../command';
import { InputError } from '../../util/errors';
import { writeJsonAtomic } from '../../util/atomic';
import { ACTIVATIONS, CORRECTOR_KINDS } from '../../corrector/networks';
import { estimateBoundFromCaches, estimateBoundOnSynthetic, formatBoundTable, BoundEstimate, runCacheCapacitySweep, formatCapacityTable } from '../../theory';

export const boundCommand: Command = {
  name: 'bound',
  summary: 'estimate the generalization bound of a corrector, term by term (docs/theory.md)',
  usage: '--corrector runs/<name>/corrector --pairs <stale cache dir> <fresh cache dir> | --capacities --pairs <stale> <fresh> | --synthetic [options]',
  flags: {
    corrector: { type: 'string', help: 'saved corrector folder (runs/<name>/corrector or fit-corrector --out); with --synthetic, default: fit one', placeholder: 'dir' },
    pairs: { type: 'string', help: 'stale cache folder; the fresh cache folder follows as the next argument (or use --fresh)', placeholder: 'dir' },
    fresh: { type: 'string', help: 'fresh cache folder (same corpus as the stale one)', placeholder: 'dir' },
    queries: { type: 'string', help: 'cache of query embeddings for the logit / softmax rows', placeholder: 'dir' },
    maxRows: { type: 'int', help: 'rows sampled from the caches', default: 4000 },
    heldOut: { type: 'number', help: 'fraction of the sampled rows held out (measured error beside the bound)', default: 0.5 },
    capacities: { type: 'boolean', help: 'with --pairs and no --corrector: fit identity, linear and mlp correctors of growing size on m pairs and compare error, bound, top-k recovery', default: false },
    pairCounts: { type: 'list', help: 'with --capacities: numbers of pairs m', default: ['256', '1024', '4096'], placeholder: 'list' },
    heldOutRows: { type: 'int', help: 'with --capacities: held-out rows', default: 2000 },
    seeds: { type: 'int', help: 'with --capacities: seeds per point', default: 1 },
    synthetic: { type: 'boolean', help: 'use the synthetic drift generator instead of caches', default: false },
    dim: { type: 'int', help: 'synthetic: embedding dim (default: the corrector\'s, else 32)' },
    m: { type: 'int', help: 'synthetic: pairs for fitting and the bound', default: 1000 },
    driftKind: { type: 'string', help: 'synthetic: drift map', default: 'mlp', choices: ['linear', 'rotation', 'mlp'] },
    drift: { type: 'number', help: 'synthetic: drift magnitude', default: 0.5 },
    normalize: { type: 'boolean', help: 'synthetic: unit-normalise targets and queries', default: false },
    kind: { type: 'string', help: 'synthetic without --corrector: corrector to fit', default: 'mlp', choices: CORRECTOR_KINDS },
    width: { type: 'int', help: 'synthetic: mlp width (default dim)' },
    depth: { type: 'int', help: 'synthetic: mlp depth', default: 1 },
    activation: { type: 'string', help: 'synthetic: mlp activation', default: 'relu', choices: ACTIVATIONS },
    delta: { type: 'number', help: 'failure probability δ', default: 0.05 },
    complexity: { type: 'string', help: 'complexity estimate', default: 'both', choices: ['spectral', 'frobenius', 'both'] },
    beta: { type: 'number', help: 'softmax inverse temperature β for the logit rows', default: 1 },
    inputRadius: { type: 'number', help: 'known bound R on ‖g′(y)‖ (default: max over the sample)' },
    maxStaleness: { type: 'number', help: 'known bound on ‖g(y) − g′(y)‖ (default: max over the sample)' },
    seed: { type: 'int', help: 'seed of the row sample / synthetic data', default: 0 },
    json: { type: 'string', help: 'also write the estimate as JSON here', placeholder: 'file' },
  },
  async run(opts, ctx) {
    await ctx.backend();
    const common = {
      delta: opts.delta as number,
      complexity: opts.complexity as 'spectral' | 'frobenius' | 'both',
      beta: opts.beta as number,
      inputRadius: opts.inputRadius as number | undefined,
      maxStaleness: opts.maxStaleness as number | undefined,
      seed: opts.seed as number,
    };
    if (opts.capacities) {
      const stale = opts.pairs as string | undefined;
      const fresh = (opts.fresh as string | undefined) ?? opts._[0];
      if (!stale || !fresh) throw new InputError('bound --capacities: expected --pairs <stale cache dir> <fresh cache dir>');
      const res = await runCacheCapacitySweep({
        staleDir: stale,
        freshDir: fresh,
        queriesDir: opts.queries as string | undefined,
        pairCounts: (opts.pairCounts as string[]).map(Number),
        heldOutRows: opts.heldOutRows as number,
        seeds: opts.seeds as number,
        beta: opts.beta as number,
        delta: opts.delta as number,
        seed: opts.seed as number,
        progress: ctx.progress,
        signal: ctx.signal,
      });
      ctx.out(`pairs from ${stale} → ${fresh}: ${res.rowsSampled} of ${res.totalRows} rows sampled, ${res.heldOutRows} held out; ${res.queries} queries (${res.queriesFrom})`);
      ctx.out(formatCapacityTable(res));
      if (opts.json) writeJson(opts.json as string, res, ctx.log);
      return;
    }
    let est: BoundEstimate;
    if (opts.synthetic) {
      const r = await estimateBoundOnSynthetic({
        ...common,
        correctorDir: opts.corrector as string | undefined,
        corrector: { kind: opts.kind as (typeof CORRECTOR_KINDS)[number], width: opts.width as number | undefined, depth: opts.depth as number, activation: opts.activation as (typeof ACTIVATIONS)[number] },
        dim: opts.dim as number | undefined,
        m: opts.m as number,
        driftKind: opts.driftKind as 'linear' | 'rotation' | 'mlp',
        drift: opts.drift as number,
        normalize: opts.normalize as boolean,
      });
      est = r.estimate;
      ctx.out(`synthetic (${opts.driftKind} drift ${opts.drift}), corrector ${r.corrector}`);
    } else {
      const corrector = opts.corrector as string | undefined;
      const stale = opts.pairs as string | undefined;
      const fresh = (opts.fresh as string | undefined) ?? opts._[0];
      if (!corrector) throw new InputError('bound: --corrector <dir> is required without --synthetic');
      if (!stale || !fresh) throw new InputError('bound: expected --pairs <stale cache dir> <fresh cache dir> (or --synthetic)');
      est = await estimateBoundFromCaches({ ...common, correctorDir: corrector, staleDir: stale, freshDir: fresh, queriesDir: opts.queries as string | undefined, maxRows: opts.maxRows as number, heldOutFraction: opts.heldOut as number });
      ctx.out(`corrector ${corrector} (${est.kind}), pairs from ${stale} → ${fresh}`);
    }
    ctx.out(formatBoundTable(est));
    if (opts.json) writeJson(opts.json as string, est, ctx.log);
  },
};

function writeJson(file: string, value: unknown, log: (line: string) => void): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeJsonAtomic(file, value);
  log(`wrote ${file}`);
}
