import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/tensor';
import { Rng } from '../../src/util/rng';
import {
  buildCorrector,
  candidateLogits,
  blockLogits,
  correctorLoss,
  mseDriftLoss,
  softmaxCeFromLogits,
  softmaxKlFromLogits,
  stopGradient,
  CorrectorConfig,
  CorrectorLossKind,
} from '../../src/corrector';
import { refApply, refMse, refSoftmaxCe, refSoftmaxKl, toMat, Mat } from './reference';

before(async () => {
  await initBackend();
});

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

describe('corrector losses: hand-computed values', () => {
  test('mse sums over dims and averages over rows', () => {
    const v = tf.tidy(() => mseDriftLoss(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1, 0], [0, 4]])).dataSync()[0]);
    assert.equal(v, (4 + 9) / 2);
  });

  test('softmax KL and cross-entropy on tiny logits', () => {
    tf.tidy(() => {
      // P = [1/2, 1/2], Q = [1/4, 3/4]
      const kl = softmaxKlFromLogits(tf.tensor2d([[0, 0]]), tf.tensor2d([[0, Math.log(3)]])).dataSync()[0];
      close(kl, 0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), 1e-6, 'kl');
      const ce = softmaxCeFromLogits(tf.tensor2d([[0, Math.log(3)], [0, Math.log(3)]]), [0, 1]).dataSync()[0];
      close(ce, (Math.log(4) + Math.log(4 / 3)) / 2, 1e-6, 'ce');
      // a padded third candidate changes nothing
      const mask = tf.tensor2d([[1, 1, 0]]);
      const klm = softmaxKlFromLogits(tf.tensor2d([[0, 0, 5]]), tf.tensor2d([[0, Math.log(3), -7]]), mask).dataSync()[0];
      close(klm, kl, 1e-6, 'masked kl');
      const cem = softmaxCeFromLogits(tf.tensor2d([[0, Math.log(3), 9]]), [0], mask).dataSync()[0];
      close(cem, Math.log(4), 1e-6, 'masked ce');
    });
  });

  test('candidate logits gather the right rows; block logits agree', () => {
    tf.tidy(() => {
      const q = tf.tensor2d([[1, 0], [0, 2]]);
      const t = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      const cand = tf.tensor2d([[2, 0], [1, 1]], [2, 2], 'int32');
      assert.deepEqual(candidateLogits(q, t, cand, 0.5).arraySync(), [[2.5, 0.5], [4, 4]]);
      const blocks = tf.tensor3d([[[5, 6], [1, 2]], [[3, 4], [3, 4]]]);
      assert.deepEqual(blockLogits(q, blocks, 0.5).arraySync(), [[2.5, 0.5], [4, 4]]);
    });
  });

  test('stopGradient: no gradient reaches fresh embeddings or queries', () => {
    tf.tidy(() => {
      const c = tf.tensor2d([[1, 2], [0, 1]]);
      const f = tf.tensor2d([[0, 1], [1, 1]]);
      const q = tf.tensor2d([[1, 1]]);
      const cand = tf.tensor2d([[0, 1]], [1, 2], 'int32');
      for (const kind of ['mse', 'softmax', 'softmax-ce'] as CorrectorLossKind[]) {
        const f3 = (a: tf.Tensor, b: tf.Tensor, qq: tf.Tensor) =>
          correctorLoss(kind, { corrected: a as tf.Tensor2D, fresh: b as tf.Tensor2D, queries: qq as tf.Tensor2D, candidates: cand });
        // mse does not read the queries and softmax-ce not the fresh rows: differentiate w.r.t. what each reads
        const gs =
          kind === 'mse'
            ? tf.grads((a: tf.Tensor, b: tf.Tensor) => f3(a, b, q))([c, f])
            : kind === 'softmax-ce'
              ? tf.grads((a: tf.Tensor, qq: tf.Tensor) => f3(a, f, qq))([c, q])
              : tf.grads(f3)([c, f, q]);
        assert.ok(gs[0].abs().sum().dataSync()[0] > 0, kind);
        for (const g of gs.slice(1)) assert.equal(g.abs().sum().dataSync()[0], 0, kind);
      }
      assert.deepEqual(stopGradient(c).arraySync(), c.arraySync());
    });
  });

  test('mse and softmax losses are zero when g′ = g and h is the identity at init', () => {
    for (const cfg of [{ kind: 'mlp', dim: 4 }, { kind: 'linear', dim: 4 }, { kind: 'identity', dim: 4 }] as CorrectorConfig[]) {
      const h = buildCorrector(cfg);
      tf.tidy(() => {
        const g = tf.randomNormal([6, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
        const q = tf.randomNormal([3, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
        const cand = tf.tensor2d([[0, 1, 2], [3, 4, 5], [5, 0, 2]], [3, 3], 'int32');
        const corrected = h.apply(g);
        assert.equal(correctorLoss('mse', { corrected, fresh: g }).dataSync()[0], 0);
        assert.equal(correctorLoss('softmax', { corrected, fresh: g, queries: q, candidates: cand, beta: 3 }).dataSync()[0], 0);
      });
      h.dispose();
    }
  });
});

/**
 * Gradient checks. The analytic gradient comes from tfjs autodiff in float32; the reference is a
 * central finite difference (step 1e-6) of the same loss evaluated in float64 by plain JS
 * (test/corrector/reference.ts), whose truncation and rounding errors (~1e-10) are negligible. The
 * remaining error is float32 rounding in the tf forward/backward, ~1e-7 relative per op on these tiny
 * sizes; we allow 2e-4 · (1 + max|grad|), well above that and far below any real bug (a wrong term is
 * O(max|grad|)).
 */
describe('corrector losses: gradients against finite differences', () => {
  const dim = 3;
  const m = 5; // target rows
  const rng = new Rng(11);
  const rows = (n: number, s = 1) => Float32Array.from({ length: n * dim }, () => rng.normal() * s);
  const stale = rows(m);
  const fresh = rows(m);
  const queries = rows(2);
  const candidates = [[0, 1, 2, 3], [4, 2, 0, 1]];
  const positives = [0, 2];
  const beta = 1.5;

  const cases: { cfg: CorrectorConfig; loss: CorrectorLossKind }[] = [
    { cfg: { kind: 'linear', dim }, loss: 'mse' },
    { cfg: { kind: 'linear', dim, normalizeOutput: true }, loss: 'softmax' },
    { cfg: { kind: 'mlp', dim, width: 4, depth: 2, activation: 'tanh' }, loss: 'mse' },
    { cfg: { kind: 'mlp', dim, width: 4, activation: 'gelu', layerNorm: true }, loss: 'mse' },
    { cfg: { kind: 'mlp', dim, width: 4, activation: 'silu' }, loss: 'softmax' },
    { cfg: { kind: 'mlp', dim, width: 4, depth: 2, activation: 'gelu', normalizeOutput: true }, loss: 'softmax-ce' },
    { cfg: { kind: 'mlp', dim, width: 4, activation: 'relu', layerNorm: true }, loss: 'softmax' },
  ];

  for (const { cfg, loss } of cases) {
    test(`${loss} with ${JSON.stringify(cfg)}`, async () => {
      const h = buildCorrector(cfg);
      const wr = new Rng(5);
      // random weights, so that every layer (the zero-initialised output layer too) has a gradient
      h.setWeights((await h.getWeights()).map((w) => w.map(() => wr.normal() * 0.6)));
      const weights = await h.getWeights();
      const refLoss = (ws: Float64Array[]): number => {
        const corr = refApply(cfg as any, ws, toMat(stale, dim), dim);
        const fr = toMat(fresh, dim);
        if (loss === 'mse') return refMse(corr, fr);
        const q: Mat = toMat(queries, dim);
        return loss === 'softmax' ? refSoftmaxKl(q, corr, fr, candidates, beta) : refSoftmaxCe(q, corr, candidates, positives, beta);
      };
      const { value, grads } = tf.tidy(() => {
        const r = tf.variableGrads(
          () =>
            correctorLoss(loss, {
              corrected: h.apply(tf.tensor2d(stale, [m, dim])),
              fresh: tf.tensor2d(fresh, [m, dim]),
              queries: tf.tensor2d(queries, [2, dim]),
              candidates: tf.tensor2d(candidates, [2, 4], 'int32'),
              positives,
              beta,
            }),
          h.variables(),
        );
        return { value: r.value.dataSync()[0], grads: h.variables().map((v) => Array.from(r.grads[v.name].dataSync())) };
      });
      const w64 = weights.map((w) => Float64Array.from(w));
      close(value, refLoss(w64), 1e-5 * (1 + Math.abs(value)), 'loss value');
      const eps = 1e-6;
      let maxAbs = 0;
      const fd: number[][] = w64.map((w, k) =>
        Array.from(w, (_, i) => {
          const orig = w[i];
          w[i] = orig + eps;
          const up = refLoss(w64);
          w[i] = orig - eps;
          const down = refLoss(w64);
          w[i] = orig;
          const g = (up - down) / (2 * eps);
          maxAbs = Math.max(maxAbs, Math.abs(g));
          return g;
        }),
      );
      assert.ok(maxAbs > 1e-3, 'gradient is not trivially zero');
      const tol = 2e-4 * (1 + maxAbs);
      fd.forEach((gk, k) => gk.forEach((g, i) => close(grads[k][i], g, tol, `${h.tensorNames()[k]}[${i}]`)));
      // every variable gets a non-zero gradient, except the output bias under an unnormalised softmax
      // loss: it shifts all candidate logits of a query equally, and softmax is shift-invariant
      fd.forEach((gk, k) => {
        const name = h.tensorNames()[k];
        const shiftInvariant = loss !== 'mse' && !cfg.normalizeOutput && /(out|linear)\/b$/.test(name);
        if (shiftInvariant) assert.ok(gk.every((g) => Math.abs(g) < 1e-8), `${name} should have a zero gradient`);
        else assert.ok(gk.some((g) => Math.abs(g) > 1e-6), `${name} has a zero gradient`);
      });
      h.dispose();
    });
  }
});
