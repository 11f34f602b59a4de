import * as fs from 'fs';
import * as path from 'path';
import type { Command } from '../command';
import { writeJsonAtomic } from '../../util/atomic';
import { runSyntheticSweep, formatSweepTable, SweepMode } from '../../theory';

export const syntheticCommand: Command = {
  name: 'synthetic',
  summary: 'synthetic corrector experiments: sweep fresh pairs, drift and corrector capacity; error, bound, top-k recall, KL',
  usage: '[--quick] [--out results/synthetic.json]',
  flags: {
    quick: { type: 'boolean', help: 'small grid and 2 seeds (about a minute on 2 cores)', default: false },
    out: { type: 'string', help: 'JSON results file', default: 'results/synthetic.json', placeholder: 'file' },
    seeds: { type: 'int', help: 'seeds per point (default 3; quick 2)' },
    dim: { type: 'int', help: 'embedding dim (default 32; quick 16)' },
    pairs: { type: 'list', help: 'numbers of fresh pairs m (default 64,256,1024,4096; quick 64,1024)', placeholder: 'list' },
    drifts: { type: 'list', help: 'drift magnitudes (default 0.1,0.3,0.6,1; quick 0.2,0.8)', placeholder: 'list' },
    driftKind: { type: 'string', help: 'drift map of the generator', default: 'mlp', choices: ['linear', 'rotation', 'mlp'] },
    modes: { type: 'list', help: 'offline (uniform pairs) and/or online (hard-negative pairs)', default: ['offline', 'online'], placeholder: 'list' },
    beta: { type: 'number', help: 'softmax inverse temperature', default: 20 },
    seed: { type: 'int', help: 'first seed', default: 0 },
  },
  async run(opts, ctx) {
    await ctx.backend();
    const nums = (v: unknown) => (v === undefined ? undefined : (v as string[]).map(Number));
    const res = await runSyntheticSweep({
      quick: opts.quick as boolean,
      seeds: opts.seeds as number | undefined,
      dim: opts.dim as number | undefined,
      pairCounts: nums(opts.pairs),
      driftMagnitudes: nums(opts.drifts),
      driftKind: opts.driftKind as 'linear' | 'rotation' | 'mlp',
      modes: opts.modes as SweepMode[],
      beta: opts.beta as number,
      seed: opts.seed as number,
      progress: ctx.progress,
      signal: ctx.signal,
    });
    ctx.out(formatSweepTable(res));
    const file = opts.out as string;
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeJsonAtomic(file, res);
    ctx.out(`${res.points.length} points in ${res.seconds.toFixed(1)} s; wrote ${file}`);
  },
};
