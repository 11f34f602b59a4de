import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/tensor';
import { Rng } from '../../src/util/rng';
import { InputError, AbortedError } from '../../src/util/errors';
import {
  buildCorrector,
  fitCorrector,
  identityError,
  measureCorrectorError,
  correctRows,
  applyBlocked,
  OnlineCorrectorTrainer,
} from '../../src/corrector';

before(async () => {
  await initBackend();
});

/** fresh = stale · M + c with M = I + s·N (a linear drift), plus optional noise. */
function linearDrift(n: number, d: number, seed: number, s = 0.3, noise = 0): { stale: Float32Array; fresh: Float32Array } {
  const rng = new Rng(seed);
  const M = Float64Array.from({ length: d * d }, (_, k) => (k % (d + 1) === 0 ? 1 : 0) + s * rng.normal() / Math.sqrt(d));
  const c = Float64Array.from({ length: d }, () => 0.2 * rng.normal());
  const stale = Float32Array.from({ length: n * d }, () => rng.normal());
  const fresh = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      let v = c[j];
      for (let k = 0; k < d; k++) v += stale[i * d + k] * M[k * d + j];
      fresh[i * d + j] = v + noise * rng.normal();
    }
  return { stale, fresh };
}

describe('fitCorrector (offline)', () => {
  test('a linear corrector recovers a linear drift almost exactly', async () => {
    const d = 8;
    const { stale, fresh } = linearDrift(800, d, 1);
    const r = await fitCorrector({ stale, fresh, dim: d, corrector: { kind: 'linear' }, learningRate: 0.02, batchSize: 64, maxEpochs: 60, patience: 5, seed: 3 });
    assert.equal(r.trainRows + r.heldOutRows, 800);
    assert.equal(r.heldOutRows, 80);
    assert.ok(r.identity.mse > 0.5, `identity mse ${r.identity.mse}`);
    assert.ok(r.heldOut.mse < 1e-3 * r.identity.mse, `held-out ${r.heldOut.mse} vs identity ${r.identity.mse}`);
    assert.ok(r.relativeImprovement > 0.999);
    assert.equal(r.epochs[0].epoch, 0);
    assert.equal(r.epochs[0].trainMse, null);
    // the linear corrector starts as the identity: its epoch-0 error is the stale cache's
    assert.ok(Math.abs(r.epochs[0].heldOutMse - r.identity.mse) < 1e-4 * r.identity.mse);
    r.corrector.dispose();
  });

  test('explicit held-out pairs; the report error matches the returned corrector', async () => {
    const d = 4;
    const all = linearDrift(350, d, 2, 0.5, 0.05);
    const train = { stale: all.stale.slice(0, 300 * d), fresh: all.fresh.slice(0, 300 * d) };
    const held = { stale: all.stale.slice(300 * d), fresh: all.fresh.slice(300 * d) };
    const r = await fitCorrector({ stale: train.stale, fresh: train.fresh, dim: d, heldOut: { stale: held.stale, fresh: held.fresh }, corrector: { kind: 'mlp', width: 16 }, maxEpochs: 5, seed: 1 });
    assert.equal(r.trainRows, 300);
    assert.equal(r.heldOutRows, 50);
    assert.equal(r.options.heldOutFraction, null);
    const m = await measureCorrectorError(r.corrector, held.stale, held.fresh);
    assert.ok(Math.abs(m.mse - r.heldOut.mse) < 1e-5 * (1 + m.mse));
    assert.ok(r.heldOut.mse < r.identity.mse);
    assert.deepEqual(identityError(held.stale, held.fresh, d), r.identity);
    r.corrector.dispose();
  });

  test('early stopping triggers when the held-out error stops improving, and the best weights are restored', async () => {
    // fresh = stale + noise independent of stale: nothing to learn, a wide MLP on 40 rows overfits
    const d = 6;
    const rng = new Rng(4);
    const n = 60;
    const stale = Float32Array.from({ length: n * d }, () => rng.normal());
    const fresh = stale.map((v) => v + rng.normal());
    const r = await fitCorrector({ stale, fresh, dim: d, heldOutFraction: 0.33, corrector: { kind: 'mlp', width: 128, depth: 2 }, learningRate: 0.01, batchSize: 8, maxEpochs: 200, patience: 3, seed: 2 });
    assert.equal(r.stoppedEarly, true);
    const last = r.epochs[r.epochs.length - 1].epoch;
    assert.ok(last < 200);
    assert.equal(last - r.bestEpoch, 3, `best ${r.bestEpoch}, last ${last}`);
    const best = r.epochs[r.bestEpoch];
    for (const e of r.epochs.slice(r.bestEpoch + 1)) assert.ok(e.heldOutMse >= best.heldOutMse);
    assert.equal(r.heldOut.mse, best.heldOutMse);
    r.corrector.dispose();
  });

  test('deterministic given the seed', async () => {
    const d = 5;
    const { stale, fresh } = linearDrift(200, d, 7, 0.4, 0.1);
    const run = async (seed: number) => {
      const r = await fitCorrector({ stale, fresh, dim: d, corrector: { kind: 'mlp', width: 12, activation: 'tanh' }, maxEpochs: 4, batchSize: 32, seed });
      const w = await r.corrector.getWeights();
      r.corrector.dispose();
      return { epochs: r.epochs.map(({ seconds, ...e }) => e), w };
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.epochs, c.epochs);
  });

  test('bad input is an InputError; abort stops the fit', async () => {
    const d = 3;
    const s = new Float32Array(30);
    await assert.rejects(fitCorrector({ stale: s, fresh: new Float32Array(27), dim: d }), InputError);
    await assert.rejects(fitCorrector({ stale: new Float32Array(31), fresh: new Float32Array(31), dim: d }), InputError);
    await assert.rejects(fitCorrector({ stale: s, fresh: s, dim: d, heldOutFraction: 1 }), InputError);
    const wrongDim = buildCorrector({ dim: 4 });
    await assert.rejects(fitCorrector({ stale: s, fresh: s, dim: d, corrector: wrongDim }), InputError);
    wrongDim.dispose();
    const ac = new AbortController();
    ac.abort();
    const before = tf.memory().numTensors;
    await assert.rejects(fitCorrector({ stale: s, fresh: s, dim: d, signal: ac.signal }), AbortedError);
    assert.equal(tf.memory().numTensors, before);
  });

  test('the identity corrector is evaluated, not trained: it is the stale cache', async () => {
    const d = 3;
    const { stale, fresh } = linearDrift(50, d, 10);
    const r = await fitCorrector({ stale, fresh, dim: d, corrector: { kind: 'identity' } });
    assert.equal(r.epochs.length, 1);
    assert.equal(r.steps, 0);
    assert.ok(Math.abs(r.heldOut.mse - r.identity.mse) < 1e-5 * r.identity.mse);
    assert.ok(Math.abs(r.relativeImprovement) < 1e-5);
    r.corrector.dispose();
  });

  test('fitting an existing corrector trains it in place; progress is reported per epoch', async () => {
    const d = 4;
    const { stale, fresh } = linearDrift(100, d, 9);
    const h = buildCorrector({ kind: 'linear', dim: d });
    const events: number[] = [];
    const r = await fitCorrector({ stale, fresh, dim: d, corrector: h, maxEpochs: 3, patience: 10, learningRate: 0.01, progress: (e) => events.push(e.done) });
    assert.equal(r.corrector, h);
    assert.deepEqual(events, [1, 2, 3]);
    assert.notDeepEqual((await h.getWeights())[0][1], 0);
    h.dispose();
  });
});

describe('OnlineCorrectorTrainer', () => {
  test('mse steps reduce the error on a drift; state resumes exactly', async () => {
    const d = 6;
    const { stale, fresh } = linearDrift(64, d, 5);
    const S = tf.tensor2d(stale, [64, d]);
    const F = tf.tensor2d(fresh, [64, d]);
    const h = buildCorrector({ kind: 'mlp', dim: d, width: 16, seed: 1 });
    const tr = new OnlineCorrectorTrainer(h, { learningRate: 0.01 });
    const first = await tr.step(S, F);
    for (let i = 0; i < 30; i++) await tr.step(S, F);
    const after = (await measureCorrectorError(h, S, F)).mse;
    assert.ok(after < 0.5 * first, `${after} vs ${first}`);
    assert.equal(tr.steps, 31);
    // checkpoint, continue 5 steps; restore into fresh objects and redo them: identical weights
    const ckptW = await h.getWeights();
    const ckptS = await tr.getState();
    for (let i = 0; i < 5; i++) await tr.step(S, F);
    const h2 = buildCorrector({ kind: 'mlp', dim: d, width: 16, seed: 99 });
    h2.setWeights(ckptW);
    const tr2 = new OnlineCorrectorTrainer(h2, { learningRate: 0.5 });
    tr2.setState(ckptS);
    assert.equal(tr2.learningRate, 0.01);
    for (let i = 0; i < 5; i++) await tr2.step(S, F);
    assert.deepEqual(await h2.getWeights(), await h.getWeights());
    assert.equal(tr2.steps, 36);
    [tr, tr2, h, h2].forEach((x) => x.dispose());
    tf.dispose([S, F]);
  });

  test('softmax and softmax-ce steps run and reduce their loss', async () => {
    const d = 4;
    const { stale, fresh } = linearDrift(12, d, 6, 0.8);
    const rng = new Rng(2);
    const S = tf.tensor2d(stale, [12, d]);
    const F = tf.tensor2d(fresh, [12, d]);
    const q = tf.tensor2d(Float32Array.from({ length: 3 * d }, () => rng.normal()), [3, d]);
    const cand = tf.tensor2d([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], [3, 4], 'int32');
    for (const loss of ['softmax', 'softmax-ce'] as const) {
      const h = buildCorrector({ kind: 'linear', dim: d });
      const tr = new OnlineCorrectorTrainer(h, { loss, learningRate: 0.05, beta: 2 });
      const l0 = await tr.step(S, F, { queries: q, candidates: cand, positives: [0, 1, 2] });
      let l = l0;
      for (let i = 0; i < 20; i++) l = await tr.step(S, F, { queries: q, candidates: cand, positives: [0, 1, 2] });
      assert.ok(l < l0, `${loss}: ${l} !< ${l0}`);
      tr.dispose();
      h.dispose();
    }
    tf.dispose([S, F, q, cand]);
  });

  test('mseWeight adds the weighted mse to a softmax loss', async () => {
    const d = 4;
    const { stale, fresh } = linearDrift(6, d, 3, 0.8);
    const S = tf.tensor2d(stale, [6, d]);
    const F = tf.tensor2d(fresh, [6, d]);
    const q = tf.tensor2d([[1, 0, 0, 1], [0, 1, 1, 0]]);
    const cand = tf.tensor2d([[0, 1, 2], [3, 4, 0]], [2, 3], 'int32');
    const losses: number[] = [];
    for (const w of [0, 2]) {
      const h = buildCorrector({ kind: 'linear', dim: d });
      const tr = new OnlineCorrectorTrainer(h, { loss: 'softmax', mseWeight: w, beta: 2 });
      losses.push(await tr.step(S, F, { queries: q, candidates: cand }));
      tr.dispose();
      h.dispose();
    }
    const mse = tf.tidy(() => tf.sum(tf.square(tf.sub(S, F))).dataSync()[0] / 6);
    assert.ok(Math.abs(losses[1] - (losses[0] + 2 * mse)) < 1e-4 * losses[1], `${losses}`);
    tf.dispose([S, F, q, cand]);
  });

  test('no tensor leak across 100 steps (mse and softmax), identity corrector supported', async () => {
    const d = 8;
    const h = buildCorrector({ kind: 'mlp', dim: d, width: 16, layerNorm: true, normalizeOutput: true });
    const tr = new OnlineCorrectorTrainer(h, { learningRate: 1e-3, clipNorm: 1 });
    const S = tf.randomNormal([32, d], 0, 1, 'float32', 1) as tf.Tensor2D;
    const F = tf.randomNormal([32, d], 0, 1, 'float32', 2) as tf.Tensor2D;
    const q = tf.randomNormal([4, d], 0, 1, 'float32', 3) as tf.Tensor2D;
    const cand = tf.tensor2d(Int32Array.from({ length: 32 }, (_, i) => i), [4, 8], 'int32');
    await tr.step(S, F);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await tr.step(S, F);
    const sm = new OnlineCorrectorTrainer(h, { loss: 'softmax' });
    for (let i = 0; i < 100; i++) await sm.step(S, F, { queries: q, candidates: cand });
    sm.dispose();
    assert.equal(tf.memory().numTensors, before);
    const id = buildCorrector({ kind: 'identity', dim: d });
    const ti = new OnlineCorrectorTrainer(id);
    const expected = tf.tidy(() => tf.sum(tf.square(tf.sub(S, F))).dataSync()[0] / 32);
    assert.ok(Math.abs((await ti.step(S, F)) - expected) < 1e-4 * expected);
    ti.dispose();
    tr.dispose();
    h.dispose();
    tf.dispose([S, F, q, cand]);
    assert.ok(tf.memory().numTensors < before);
  });
});

describe('applying correctors to many rows', () => {
  test('correctRows and applyBlocked agree with apply', async () => {
    const d = 3;
    const h = buildCorrector({ kind: 'mlp', dim: d, width: 5 });
    const rng = new Rng(8);
    h.setWeights((await h.getWeights()).map((w) => w.map(() => rng.normal())));
    const rows = Float32Array.from({ length: 10 * d }, () => rng.normal());
    const want = tf.tidy(() => Array.from(h.apply(tf.tensor2d(rows, [10, d])).dataSync()));
    const got = Array.from(await correctRows(h, rows, 4));
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6));
    const blocked = tf.tidy(() => Array.from(applyBlocked(h, tf.tensor2d(rows, [10, d]), 3).dataSync()));
    blocked.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6));
    await assert.rejects(correctRows(h, new Float32Array(4)), InputError);
    h.dispose();
  });
});
