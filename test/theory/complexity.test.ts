import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/tensor';
import { Rng } from '../../src/util/rng';
import { buildCorrector } from '../../src/corrector/networks';
import { extractBranch, branchForward, branchInputRadius } from '../../src/theory/branch';
import { branchNorms, spectralRademacher, frobeniusRademacher, dudleyBound } from '../../src/theory/complexity';
import { col21, frob, spec } from './reference';

before(async () => {
  await initBackend();
});

const close = (a: number, b: number, rel = 1e-6, what = '') => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** Dudley's inf over α by a fine grid (independent of the closed form). */
function dudleyByGrid(C: number, m: number, B: number): number {
  let best = 4 * B; // α = B√m: the integral is empty
  const top = B * Math.sqrt(m);
  for (let i = 1; i <= 20000; i++) {
    const alpha = (top * i) / 20000;
    best = Math.min(best, (4 * alpha) / Math.sqrt(m) + ((12 * C) / Math.sqrt(m)) * Math.log(top / alpha));
  }
  return best;
}

// A 2 → 3 → 2 residual relu MLP with hand-picked weights.
const W1 = [
  [1, -2, 0.5],
  [0, 3, -1],
];
const b1 = [0.1, -0.2, 0.3];
const W2 = [
  [0.2, -0.1],
  [0.05, 0.3],
  [-0.4, 0.1],
];
const b2 = [0.01, -0.02];

function tinyMlp(activation: 'relu' | 'gelu' = 'relu') {
  const c = buildCorrector({ kind: 'mlp', dim: 2, width: 3, depth: 1, activation });
  c.setWeights([Float32Array.from(W1.flat()), Float32Array.from(b1), Float32Array.from(W2.flat()), Float32Array.from(b2)]);
  return c;
}

describe('theory complexity terms vs brute force on tiny networks', () => {
  test('Dudley closed form equals the grid minimum', () => {
    for (const [C, m, B] of [
      [0.5, 1000, 1],
      [2, 100, 3],
      [0.01, 50, 0.5],
    ]) {
      close(dudleyBound(C, m, B), dudleyByGrid(C, m, B), 1e-4, `C=${C} m=${m} B=${B}`);
    }
    assert.equal(dudleyBound(0, 10, 1), 0);
    assert.equal(dudleyBound(100, 10, 1), 4); // 3C ≥ B√m: α = B√m
  });

  test('mlp (relu): norms, spectral and Frobenius terms, loss-bound part', async () => {
    const c = tinyMlp();
    try {
      const R = 1.5;
      const kappa = R;
      const m = 400;
      const B = 2;
      const branch = await extractBranch(c);
      const norms = await branchNorms(branch, R);
      // augmented matrices by hand: Ŵ₁ = [[W₁, 0], [b₁/κ, 1]], Ŵ₂ = [[W₂], [b₂/κ]]
      const A1 = [...W1.map((r) => [...r, 0]), [...b1.map((x) => x / kappa), 1]];
      const A1ref = [...W1.map((r) => [...r, 0]), [...b1.map((x) => x / kappa), 0]];
      const A2 = [...W2, b2.map((x) => x / kappa)];
      close(norms.layers[0].spectral, spec(W1), 1e-6, 'spec W1');
      close(norms.layers[1].spectral, spec(W2), 1e-6, 'spec W2');
      close(norms.layers[0].frobenius, frob(W1), 1e-6, 'frob W1');
      close(norms.layers[0].norm21, col21(W1), 1e-6, '(2,1) W1');
      close(norms.layers[0].augSpectral, spec(A1), 1e-6, 'spec Ŵ1');
      close(norms.layers[1].augSpectral, spec(A2), 1e-6, 'spec Ŵ2');
      close(norms.layers[0].augNorm21, col21(A1ref), 1e-6, '(2,1) Ŵ1 − M̂1');
      close(norms.layers[1].augNorm21, col21(A2), 1e-6, '(2,1) Ŵ2');
      assert.equal(norms.maxWidth, 4);
      close(norms.augmentedRadius, Math.sqrt(R * R + kappa * kappa), 1e-12, 'R̂');

      // spectral: A = ∏ρ̂s · (Σ(b/s)^{2/3})^{3/2}, ρ̂ = 1 (relu)
      const s = [spec(A1), spec(A2)];
      const b = [col21(A1ref), col21(A2)];
      const A = s[0] * s[1] * Math.pow(Math.pow(b[0] / s[0], 2 / 3) + Math.pow(b[1] / s[1], 2 / 3), 3 / 2);
      const C = Math.sqrt(2) * R * Math.sqrt(Math.log(2 * 16)) * A;
      const spectral = spectralRademacher(norms, m, B);
      close(spectral.capacity, A, 1e-6, 'A');
      close(spectral.uncapped, dudleyByGrid(C, m, B), 1e-4, 'spectral 𝓡');
      assert.equal(spectral.value, Math.min(spectral.uncapped, B));

      // Frobenius: √2·R̂·(√(2 ln2·2) + 1)·‖Ŵ₁‖_F·Σ_k‖Ŵ₂[:,k]‖/√m
      const fr = frobeniusRademacher(branch, norms, m, B);
      const expected = (Math.SQRT2 * Math.sqrt(2) * R * (Math.sqrt(4 * Math.LN2) + 1) * frob(A1) * col21(A2)) / Math.sqrt(m);
      close(fr.uncapped, expected, 1e-6, 'Frobenius 𝓡');
      assert.ok(fr.valid);

      // branch bound: z₁ = ‖W₁‖₂R + ‖b₁‖, z₂ = ‖W₂‖₂z₁ + ‖b₂‖; and it bounds ‖Δ(e)‖ on the sphere ‖e‖ = R
      const nb = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
      const z = spec(W2) * (spec(W1) * R + nb(b1)) + nb(b2);
      close(norms.branchBound, z, 1e-6, 'branch bound');
      const rng = new Rng(3);
      const n = 2000;
      const e = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const t = 2 * Math.PI * rng.next();
        e[2 * i] = R * Math.cos(t);
        e[2 * i + 1] = R * Math.sin(t);
      }
      const host = branchForward(branch, e);
      const y = tf.tidy(() => tf.sub(c.apply(tf.tensor2d(e, [n, 2])), tf.tensor2d(e, [n, 2])));
      const dev = y.dataSync();
      y.dispose();
      let maxDelta = 0;
      for (let i = 0; i < n; i++) {
        close(host[2 * i], dev[2 * i], 1e-4, 'branchForward = apply − id');
        maxDelta = Math.max(maxDelta, Math.hypot(dev[2 * i], dev[2 * i + 1]));
      }
      assert.ok(maxDelta <= norms.branchBound + 1e-6, `max ‖Δ‖ ${maxDelta} ≤ ${norms.branchBound}`);
      assert.ok(maxDelta > 0.2 * norms.branchBound, 'the bound is not absurdly loose here');
    } finally {
      c.dispose();
    }
  });

  test('gelu: Frobenius flagged not valid, spectral uses ρ = 1.1289', async () => {
    const c = tinyMlp('gelu');
    try {
      const branch = await extractBranch(c);
      const norms = await branchNorms(branch, 1);
      const fr = frobeniusRademacher(branch, norms, 100, 10);
      assert.equal(fr.valid, false);
      const relu = tinyMlp('relu');
      const nr = await branchNorms(await extractBranch(relu), 1);
      relu.dispose();
      const ratio = spectralRademacher(norms, 100, 1e9).capacity / spectralRademacher(nr, 100, 1e9).capacity;
      close(ratio, 1.128905, 1e-6, 'A ratio gelu/relu');
    } finally {
      c.dispose();
    }
  });

  test('linear: the branch is A − I with its bias; identity: no complexity', async () => {
    const c = buildCorrector({ kind: 'linear', dim: 3 });
    const I = buildCorrector({ kind: 'identity', dim: 3 });
    try {
      const W = [
        [1.1, 0.2, 0],
        [0, 0.9, -0.3],
        [0.1, 0, 1],
      ];
      const b = [0.05, 0, -0.1];
      c.setWeights([Float32Array.from(W.flat()), Float32Array.from(b)]);
      const R = 1;
      const m = 250;
      const branch = await extractBranch(c);
      const norms = await branchNorms(branch, R);
      const D = W.map((row, i) => row.map((x, j) => x - (i === j ? 1 : 0)));
      const Daug = [...D, b.map((x) => x / R)];
      close(norms.layers[0].spectral, spec(D), 1e-6, 'spec(A − I)');
      close(spectralRademacher(norms, m, 5).capacity, col21(Daug), 1e-6, 'L = 1: A = ‖D̂‖_{2,1}');
      close(frobeniusRademacher(branch, norms, m, 5).uncapped, (Math.SQRT2 * Math.SQRT2 * R * col21(Daug)) / Math.sqrt(m), 1e-6, 'L = 1 Frobenius');
      close(norms.branchBound, spec(D) * R + Math.hypot(...b), 1e-6, 'linear branch bound');
      const ni = await branchNorms(await extractBranch(I), R);
      assert.equal(ni.layers.length, 0);
      assert.equal(ni.branchBound, 0);
      assert.equal(spectralRademacher(ni, m, 1).value, 0);
      assert.equal(frobeniusRademacher(await extractBranch(I), ni, m, 1).value, 0);
    } finally {
      c.dispose();
      I.dispose();
    }
  });

  test('LayerNorm branch input radius bounds ‖LN(e)‖ and the host forward matches apply', async () => {
    const c = buildCorrector({ kind: 'mlp', dim: 4, width: 5, layerNorm: true, activation: 'tanh', seed: 2 });
    try {
      const w = await c.getWeights();
      const rng = new Rng(5);
      // random gamma/beta and a non-zero output layer
      const names = c.tensorNames();
      names.forEach((nm, i) => {
        if (nm === 'layerNorm/gamma' || nm === 'layerNorm/beta' || nm.startsWith('out/')) w[i] = Float32Array.from(w[i], () => rng.normal() * 0.5);
      });
      c.setWeights(w);
      const branch = await extractBranch(c);
      const rad = branchInputRadius(branch, 100);
      const g = branch.layerNorm!.gamma;
      const bt = branch.layerNorm!.beta;
      const n = 300;
      const e = Float32Array.from({ length: n * 4 }, () => 3 * rng.normal());
      for (let i = 0; i < n; i++) {
        const x = Array.from(e.subarray(4 * i, 4 * i + 4));
        const mu = x.reduce((a, v) => a + v, 0) / 4;
        const sd = Math.sqrt(x.reduce((a, v) => a + (v - mu) ** 2, 0) / 4 + 1e-5);
        const ln = x.map((v, j) => g[j] * ((v - mu) / sd) + bt[j]);
        assert.ok(Math.hypot(...ln) <= rad + 1e-9);
      }
      const host = branchForward(branch, e);
      const y = tf.tidy(() => tf.sub(c.apply(tf.tensor2d(e, [n, 4])), tf.tensor2d(e, [n, 4])));
      const dev = y.dataSync();
      y.dispose();
      for (let i = 0; i < n * 4; i++) close(host[i], dev[i], 1e-4, 'LN forward');
      const norms = await branchNorms(branch, 100);
      for (let i = 0; i < n; i++) assert.ok(Math.hypot(...Array.from(dev.subarray(4 * i, 4 * i + 4))) <= norms.branchBound + 1e-6);
    } finally {
      c.dispose();
    }
  });
});
