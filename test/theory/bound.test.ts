import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/tensor';
import { Rng } from '../../src/util/rng';
import { InputError } from '../../src/util/errors';
import { buildCorrector, CorrectorConfig, fitCorrector } from '../../src/corrector';
import { makeSyntheticData, DriftKind } from '../../src/data/synthetic';
import { meanSoftmaxKl } from '../../src/util/softmax';
import { estimateBound, formatBoundTable, maxLogProbGap } from '../../src/theory/bound';

before(async () => {
  await initBackend();
});

interface Setup {
  seed: number;
  m: number;
  drift: DriftKind;
  magnitude: number;
  corrector: Omit<CorrectorConfig, 'dim'>;
  dim?: number;
}

/** Synthetic data, m training pairs (first m rows), 400 held-out pairs (last rows), a fitted corrector. */
async function fitted(s: Setup) {
  const d = s.dim ?? 8;
  const held = 400;
  const data = makeSyntheticData({ seed: s.seed, numTargets: s.m + held, numQueries: 30, dim: d, normalize: false, drift: { kind: s.drift, magnitude: s.magnitude } });
  const stale = data.initialTargets.slice(0, s.m * d);
  const fresh = data.currentTargets.slice(0, s.m * d);
  const heldOut = { stale: data.initialTargets.slice(s.m * d), fresh: data.currentTargets.slice(s.m * d) };
  const fit = await fitCorrector({
    stale,
    fresh,
    dim: d,
    corrector: { ...s.corrector, seed: s.seed },
    heldOutFraction: 0.25,
    learningRate: 1e-2,
    batchSize: 32,
    maxEpochs: 25,
    patience: 5,
    seed: s.seed,
  });
  return { corrector: fit.corrector, pairs: { stale, fresh, dim: d }, heldOut, queries: data.queries };
}

describe('estimateBound', () => {
  test('the measured held-out error is under the bound over seeds, kinds, drifts and m', async () => {
    const kinds: Omit<CorrectorConfig, 'dim'>[] = [
      { kind: 'identity' },
      { kind: 'linear' },
      { kind: 'mlp', width: 8, activation: 'relu' },
      { kind: 'mlp', width: 16, depth: 2, activation: 'gelu' },
    ];
    const drifts: DriftKind[] = ['linear', 'mlp', 'rotation'];
    const rng = new Rng('bound-holds');
    let checked = 0;
    let nonVacuous = 0;
    for (let i = 0; i < 14; i++) {
      const setup: Setup = {
        seed: i,
        m: [24, 96, 400][rng.int(3)],
        drift: drifts[i % 3],
        magnitude: [0.1, 0.4, 1.0][rng.int(3)],
        corrector: kinds[i % 4],
      };
      const f = await fitted(setup);
      try {
        const est = await estimateBound(f.corrector, f.pairs, { delta: 0.05, heldOut: f.heldOut, queries: f.queries, beta: 5 });
        const ho = est.heldOut!;
        assert.ok(ho.meanError <= est.bound, `${JSON.stringify(setup)}: held-out ${ho.meanError} > bound ${est.bound}`);
        assert.equal(ho.holds, true);
        // every total is ≥ its pieces and the terms are consistent
        for (const r of [est.rademacher.spectral!, est.rademacher.frobenius!]) {
          assert.ok(r.value >= 0 && r.value <= est.lossBound + 1e-12);
          const t = est.total[r.kind]!;
          assert.ok(Math.abs(t - (est.empiricalError + 2 * r.value + est.confidence)) < 1e-9);
        }
        assert.ok(est.branchMaxOnPairs <= est.branchBound + 1e-5, 'measured ‖Δ‖ ≤ its bound');
        assert.ok(Math.abs(est.lossBound - (est.staleness + est.branchBound)) < 1e-12);
        // logit / softmax rows: the guaranteed ε covers what is measured on the held-out targets
        const lg = est.logit!;
        assert.ok(ho.measuredMaxLogitError! <= lg.epsilonGuaranteed + 1e-6);
        assert.ok(ho.measuredMaxLogProbGap! <= 2 * lg.epsilonGuaranteed + 1e-6);
        assert.ok(ho.measuredKl! <= Math.min(2 * lg.epsilonGuaranteed, lg.epsilonGuaranteed ** 2 / 2) + 1e-6);
        if (est.bound < est.lossBound) nonVacuous++;
        checked++;
      } finally {
        f.corrector.dispose();
      }
    }
    assert.equal(checked, 14);
    assert.ok(nonVacuous >= 3, `some bounds are below B (got ${nonVacuous})`);
  });

  test('identity: complexity 0 and the bound is the empirical error plus the confidence term', async () => {
    const f = await fitted({ seed: 1, m: 300, drift: 'mlp', magnitude: 0.5, corrector: { kind: 'identity' } });
    try {
      const est = await estimateBound(f.corrector, f.pairs, { delta: 0.1, heldOut: f.heldOut });
      assert.equal(est.rademacher.spectral!.value, 0);
      assert.equal(est.rademacher.frobenius!.value, 0);
      assert.equal(est.branchBound, 0);
      const expected = est.empiricalError + est.staleness * Math.sqrt(Math.log(10) / 600);
      assert.ok(Math.abs(est.bound - expected) < 1e-12);
      assert.ok(est.bound < est.lossBound, 'not vacuous');
      assert.ok(est.heldOut!.meanError <= est.bound);
    } finally {
      f.corrector.dispose();
    }
  });

  test('trend: more pairs lower the held-out error (linear corrector, mlp drift)', async () => {
    const mean = async (m: number) => {
      let s = 0;
      for (const seed of [0, 1, 2]) {
        const f = await fitted({ seed, m, drift: 'mlp', magnitude: 0.6, corrector: { kind: 'linear' } });
        s += (await estimateBound(f.corrector, f.pairs, { heldOut: f.heldOut })).heldOut!.meanError;
        f.corrector.dispose();
      }
      return s / 3;
    };
    const few = await mean(16);
    const many = await mean(320);
    assert.ok(many < few, `m=320: ${many} should be below m=16: ${few}`);
  });

  test('trend: more drift raises the held-out error at fixed capacity', async () => {
    const mean = async (magnitude: number) => {
      let s = 0;
      for (const seed of [0, 1, 2]) {
        const f = await fitted({ seed, m: 160, drift: 'mlp', magnitude, corrector: { kind: 'linear' } });
        s += (await estimateBound(f.corrector, f.pairs, { heldOut: f.heldOut })).heldOut!.meanError;
        f.corrector.dispose();
      }
      return s / 3;
    };
    const small = await mean(0.2);
    const large = await mean(1.0);
    assert.ok(large > small, `drift 1.0: ${large} should exceed drift 0.2: ${small}`);
  });

  test('softmax gap inequalities: |log P_h − log P| ≤ 2ε and KL ≤ min(2ε, ε²/2)', () => {
    const rng = new Rng(11);
    for (let rep = 0; rep < 200; rep++) {
      const n = 2 + rng.int(30);
      const eps = [0.01, 0.3, 2, 8][rep % 4];
      const s = Float64Array.from({ length: n }, () => 3 * rng.normal());
      const t = s.map((x) => x + eps * (2 * rng.next() - 1));
      assert.ok(maxLogProbGap(s, t, 1, 1) <= 2 * eps + 1e-12);
      const kl = meanSoftmaxKl(s, t, 1, 1);
      assert.ok(kl <= Math.min(2 * eps, (eps * eps) / 2) + 1e-12, `kl ${kl} eps ${eps}`);
    }
    // the ε²/2 curvature bound is attained up to a constant: two targets, logits shifted by ±ε
    const eps = 0.1;
    const kl = meanSoftmaxKl(Float64Array.from([0, 0]), Float64Array.from([eps, -eps]), 1, 1);
    assert.ok(kl > 0.9 * ((eps * eps) / 2) * 1 && kl <= (eps * eps) / 2);
  });

  test('normalised output: factor 2 and the bound still holds', async () => {
    const d = 8;
    const data = makeSyntheticData({ seed: 4, numTargets: 700, numQueries: 10, dim: d, normalize: true, drift: { kind: 'rotation', magnitude: 0.5 } });
    const m = 300;
    const fit = await fitCorrector({
      stale: data.initialTargets.slice(0, m * d),
      fresh: data.currentTargets.slice(0, m * d),
      dim: d,
      corrector: { kind: 'linear', normalizeOutput: true },
      learningRate: 1e-2,
      batchSize: 32,
      maxEpochs: 20,
    });
    try {
      const est = await estimateBound(fit.corrector, { stale: data.initialTargets.slice(0, m * d), fresh: data.currentTargets.slice(0, m * d), dim: d }, {
        heldOut: { stale: data.initialTargets.slice(m * d), fresh: data.currentTargets.slice(m * d) },
      });
      assert.equal(est.outputFactor, 2);
      assert.ok(est.terms.some((t) => t.key === 'outputFactor'));
      assert.ok(est.heldOut!.meanError <= est.bound);
    } finally {
      fit.corrector.dispose();
    }
  });

  test('table rows, sources and bad input', async () => {
    const c = buildCorrector({ kind: 'mlp', dim: 4, width: 6, activation: 'relu' });
    try {
      const rng = new Rng(2);
      const stale = Float32Array.from({ length: 40 }, () => rng.normal());
      const fresh = stale.map((x) => x + 0.1 * rng.normal());
      const before = tf.memory().numTensors;
      const est = await estimateBound(c, { stale, fresh, dim: 4 }, { complexity: 'spectral', queries: stale.slice(0, 8), beta: 2, heldOut: { stale, fresh } });
      await estimateBound(c, { stale, fresh, dim: 4 }, { powerMaxIter: 10 });
      assert.equal(tf.memory().numTensors, before, 'no tensor leak');
      const keys = est.terms.map((t) => t.key);
      for (const k of ['m', 'empirical', 'inputRadius', 'staleness', 'branchBound', 'lossBound', 'confidence', 'rademacher.spectral', 'total.spectral', 'bound', 'epsilon.guaranteed', 'kl.guaranteed']) {
        assert.ok(keys.includes(k), `row ${k}`);
      }
      assert.ok(!keys.includes('rademacher.frobenius'));
      for (const t of est.terms) assert.ok(['paper', 'standard', 'ours'].includes(t.source) && t.units.length > 0 && Number.isFinite(t.value) || t.key.startsWith('layer'));
      // a fresh mlp is the identity (zero output layer): no complexity, bound = empirical + confidence
      assert.equal(est.rademacher.spectral!.value, 0);
      const table = formatBoundTable(est);
      assert.match(table, /loss bound B/);
      await assert.rejects(estimateBound(c, { stale, fresh: fresh.slice(0, 36), dim: 4 }), InputError);
      await assert.rejects(estimateBound(c, { stale, fresh, dim: 5 }), InputError);
      await assert.rejects(estimateBound(c, { stale, fresh, dim: 4 }, { delta: 1.5 }), InputError);
      await assert.rejects(estimateBound(c, { stale, fresh, dim: 4 }, { complexity: 'nuclear' as 'spectral' }), InputError);
    } finally {
      c.dispose();
    }
  });
});
