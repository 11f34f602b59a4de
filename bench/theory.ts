/**
 * Theory benchmarks: (1) time to estimate the bound (both complexity estimates, spectral norms by
 * power iteration) for a 2-layer residual corrector of width 4d at d = 768 on m pairs; (2) time of the
 * full default synthetic sweep (runSyntheticSweep(), goal: within 5 minutes on 2 CPU cores).
 * Writes results/bench-theory.json.
 *
 *   node --import tsx bench/theory.ts [--dim 768] [--pairs 2000] [--no-sweep] [--out results/bench-theory.json]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../src/tensor';
import { buildCorrector } from '../src/corrector/networks';
import { Rng } from '../src/util/rng';
import { writeJsonAtomic } from '../src/util/atomic';
import { estimateBound } from '../src/theory/bound';
import { extractBranch } from '../src/theory/branch';
import { spectralNorm } from '../src/theory/linalg';
import { runSyntheticSweep } from '../src/theory/sweep';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const backend = await initBackend();
  const d = Number(arg('dim', '768'));
  const m = Number(arg('pairs', '2000'));
  const out = arg('out', 'results/bench-theory.json');
  const doSweep = !process.argv.includes('--no-sweep');
  const rng = new Rng(1);

  // A trained-looking corrector: He-initialised hidden layer (as built), a small random output layer.
  const c = buildCorrector({ kind: 'mlp', dim: d, width: 4 * d, depth: 1, activation: 'gelu', seed: 1 });
  const w = c.getWeights();
  const names = c.tensorNames();
  names.forEach((n, i) => {
    if (n.startsWith('out/')) w[i] = Float32Array.from(w[i], () => (0.02 * rng.normal()) / Math.sqrt(4 * d));
  });
  c.setWeights(w);
  const stale = Float32Array.from({ length: m * d }, () => rng.normal() / Math.sqrt(d));
  const fresh = stale.map((x) => x + (0.1 * rng.normal()) / Math.sqrt(d));
  const queries = Float32Array.from({ length: 200 * d }, () => rng.normal() / Math.sqrt(d));

  // power iteration alone, per layer
  const branch = extractBranch(c);
  const power = branch.layers.map((l) => {
    const t0 = performance.now();
    const est = spectralNorm(l.W, { tol: 1e-9, maxIter: 2000, seed: 5 });
    return { layer: l.name, shape: [l.W.rows, l.W.cols], seconds: (performance.now() - t0) / 1000, iterations: est.iterations, converged: est.converged, value: est.value };
  });

  const t0 = performance.now();
  const est = estimateBound(c, { stale, fresh, dim: d }, { complexity: 'both', queries, beta: 20 });
  const boundSeconds = (performance.now() - t0) / 1000;
  c.dispose();

  let sweep: { seconds: number; points: number; runs: number } | undefined;
  if (doSweep) {
    const s0 = performance.now();
    const res = await runSyntheticSweep();
    const seconds = (performance.now() - s0) / 1000;
    sweep = { seconds, points: res.points.length, runs: res.points.length * res.options.seeds };
  }

  const result = {
    bench: 'theory',
    date: new Date().toISOString(),
    backend: backend.name,
    cpus: os.cpus().length,
    loadavg: os.loadavg(),
    bound: {
      dim: d,
      width: 4 * d,
      depth: 1,
      pairs: m,
      queries: 200,
      seconds: boundSeconds,
      estimateSeconds: est.seconds,
      powerIteration: power,
      layers: est.layers.map((l) => ({ name: l.name, spectral: l.spectral, augSpectral: l.augSpectral, iterations: l.powerIterations, converged: l.converged })),
      bound: est.bound,
    },
    sweep,
    command: `node --import tsx bench/theory.ts ${process.argv.slice(2).join(' ')}`.trim(),
  };
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeJsonAtomic(out, result);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
