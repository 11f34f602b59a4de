/**
 * Theory benchmarks: (1) time to estimate the bound (both complexity estimates, spectral norms by
 * power iteration) for a 2-layer residual corrector of width 4d at d = 768 on m pairs; (2) time of the
 * full default synthetic sweep (runSyntheticSweep(), goal: within 5 minutes on 2 CPU cores).
 * Writes results/bench-theory.json.
 *
 *   node --import tsx bench/theory.ts [--dim 768] [--pairs 2000] [--no-sweep] [--out results/bench-theory.json]
 */
import * as path from 'path';
import { initBackend } from '../src/tensor';
import { defineOptions } from '../src/util/options';
import { benchMain, writeBenchRecord, type BenchArgs } from './harness';
import { buildCorrector } from '../src/corrector/networks';
import { Rng } from '../src/util/rng';
import { estimateBound } from '../src/theory/bound';
import { extractBranch } from '../src/theory/branch';
import { spectralNorm } from '../src/theory/linalg';
import { runSyntheticSweep } from '../src/experiments/synthetic-sweep';

const THEORY_OPTIONS = defineOptions({
  dim: { type: 'int', help: 'embedding dimension d of the corrector (width 4d)', default: 768, min: 1, max: 65536 },
  pairs: { type: 'int', help: 'pairs m of the bound', default: 2000, min: 1 },
  sweep: { type: 'boolean', help: 'also time the default synthetic sweep (--no-sweep: only the bound)', default: true },
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-theory.json'), placeholder: 'file' },
});

async function main(o: BenchArgs<typeof THEORY_OPTIONS>): Promise<void> {
  const backend = await initBackend();
  const { dim: d, pairs: m, sweep: doSweep, out } = o;
  const rng = new Rng(1);

  // A trained-looking corrector: He-initialised hidden layer (as built), a small random output layer.
  const c = buildCorrector({ kind: 'mlp', dim: d, width: 4 * d, depth: 1, activation: 'gelu', seed: 1 });
  const w = await c.getWeights();
  const names = c.tensorNames();
  names.forEach((n, i) => {
    if (n.startsWith('out/')) w[i] = Float32Array.from(w[i], () => (0.02 * rng.normal()) / Math.sqrt(4 * d));
  });
  c.setWeights(w);
  const stale = Float32Array.from({ length: m * d }, () => rng.normal() / Math.sqrt(d));
  const fresh = stale.map((x) => x + (0.1 * rng.normal()) / Math.sqrt(d));
  const queries = Float32Array.from({ length: 200 * d }, () => rng.normal() / Math.sqrt(d));

  // power iteration alone, per layer
  const branch = await extractBranch(c);
  const power = [];
  for (const l of branch.layers) {
    const t0 = performance.now();
    const est = await spectralNorm(l.W, { tol: 1e-9, maxIter: 2000, seed: 5 });
    power.push({ layer: l.name, shape: [l.W.rows, l.W.cols], seconds: (performance.now() - t0) / 1000, iterations: est.iterations, converged: est.converged, value: est.value });
  }

  const t0 = performance.now();
  const est = await estimateBound(c, { stale, fresh, dim: d }, { complexity: 'both', queries, beta: 20 });
  const boundSeconds = (performance.now() - t0) / 1000;
  c.dispose();

  let sweep: { seconds: number; points: number; runs: number } | undefined;
  if (doSweep) {
    const s0 = performance.now();
    const res = await runSyntheticSweep();
    const seconds = (performance.now() - s0) / 1000;
    sweep = { seconds, points: res.points.length, runs: res.points.length * res.options.seeds };
  }

  const result = writeBenchRecord(out, 'theory', {
    backend: backend.name,
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
  });
  console.log(JSON.stringify(result, null, 2));
}

benchMain('bench/theory.ts', 'time of the bound estimate at d = 768 and of the default synthetic sweep', THEORY_OPTIONS, main);
