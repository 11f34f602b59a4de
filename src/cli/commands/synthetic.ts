import * as fs from 'fs';
import * as path from 'path';
import { defineCommand } from '../command';
import { SEED_RANGE } from '../../train/config';
import { writeJsonAtomic } from '../../util/atomic';
import { runSyntheticSweep, formatSweepTable } from '../../experiments/synthetic-sweep';

export const syntheticCommand = defineCommand({
  name: 'synthetic',
  summary: 'synthetic corrector experiments: sweep fresh pairs, drift and corrector capacity; error, bound, top-k recall, KL',
  usage: '[--quick] [--out results/synthetic.json]',
  flags: {
    quick: { type: 'boolean', help: 'small grid and 2 seeds (about a minute on 2 cores)', default: false },
    out: { type: 'string', help: 'JSON results file', default: 'results/synthetic.json', placeholder: 'file' },
    seeds: { type: 'int', help: 'seeds per point', defaultText: '3; quick 2', min: 1, max: 1000 },
    dim: { type: 'int', help: 'embedding dim', defaultText: '32; quick 16', min: 1, max: 65536 },
    pairs: { type: 'list', of: 'int', help: 'numbers of fresh pairs m', defaultText: '64,256,1024,4096; quick 64,1024', min: 1 },
    drifts: { type: 'list', of: 'number', help: 'drift magnitudes', defaultText: '0.1,0.3,0.6,1; quick 0.2,0.8', min: 0, max: 1e6 },
    driftKind: { type: 'string', help: 'drift map of the generator', default: 'mlp', choices: ['linear', 'rotation', 'mlp'] },
    modes: { type: 'list', of: 'string', help: 'offline (uniform pairs) and/or online (hard-negative pairs)', default: ['offline', 'online'], choices: ['offline', 'online'] },
    beta: { type: 'number', help: 'softmax inverse temperature', default: 20, min: 0, minExclusive: true, max: 1e6 },
    seed: { type: 'int', help: 'first seed', default: 0, ...SEED_RANGE },
  },
  async run(opts, ctx) {
    await ctx.backend();
    const res = await runSyntheticSweep({
      quick: opts.quick,
      seeds: opts.seeds,
      dim: opts.dim,
      pairCounts: opts.pairs,
      driftMagnitudes: opts.drifts,
      driftKind: opts.driftKind,
      modes: opts.modes,
      beta: opts.beta,
      seed: opts.seed,
      progress: ctx.progress,
      signal: ctx.signal,
    });
    ctx.out(formatSweepTable(res));
    const file = opts.out;
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeJsonAtomic(file, res);
    ctx.out(`${res.points.length} points in ${res.seconds.toFixed(1)} s; wrote ${file}`);
  },
});
