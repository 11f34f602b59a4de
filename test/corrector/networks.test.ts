import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../../src/tensor';
import { InputError } from '../../src/util/errors';
import { Rng } from '../../src/util/rng';
import {
  buildCorrector,
  correctorFlopsPerRow,
  loadCorrector,
  resolveCorrectorConfig,
  saveCorrector,
  CorrectorConfig,
} from '../../src/corrector';
import { refApply, toMat } from './reference';

before(async () => {
  await initBackend();
});

function randomRows(n: number, d: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * d }, () => rng.normal() * scale);
}

describe('corrector networks', () => {
  const identityConfigs: CorrectorConfig[] = [
    { kind: 'mlp', dim: 6 },
    { kind: 'mlp', dim: 6, depth: 3, width: 9, activation: 'relu' },
    { kind: 'mlp', dim: 6, depth: 2, width: 4, activation: 'tanh', layerNorm: true },
    { kind: 'mlp', dim: 6, activation: 'silu', layerNorm: true },
    { kind: 'linear', dim: 6 },
    { kind: 'identity', dim: 6 },
  ];
  for (const cfg of identityConfigs) {
    test(`${JSON.stringify(cfg)} is exactly the identity at init`, () => {
      const h = buildCorrector(cfg);
      const e = randomRows(5, 6, 1, 3);
      const out = tf.tidy(() => h.apply(tf.tensor2d(e, [5, 6])).dataSync());
      assert.deepEqual(Array.from(out), Array.from(e));
      h.dispose();
    });
  }

  test('normalizeOutput gives unit rows and is the identity on unit rows at init', () => {
    const h = buildCorrector({ kind: 'mlp', dim: 4, normalizeOutput: true });
    const out = tf.tidy(() => h.apply(tf.tensor2d([[3, 0, 4, 0], [0.6, 0.8, 0, 0]])).arraySync());
    assert.ok(Math.abs(out[0][0] - 0.6) < 1e-6 && Math.abs(out[0][2] - 0.8) < 1e-6);
    for (const [a, b] of out[1].map((v, j) => [v, [0.6, 0.8, 0, 0][j]])) assert.ok(Math.abs(a - b) < 1e-6);
    h.dispose();
  });

  test('parameter count, FLOPs and layers are as hand-computed', async () => {
    // d=5, w=7, depth 2, LayerNorm: LN 2·5, 5·7+7, 7·7+7, 7·5+5
    const h = buildCorrector({ kind: 'mlp', dim: 5, width: 7, depth: 2, layerNorm: true });
    assert.equal(h.parameterCount(), 10 + 42 + 56 + 40);
    // LN 8·5; hidden0 2·5·7+7+7; hidden1 2·7·7+7+7; out 2·7·5+5+5
    assert.equal(h.flopsPerRow(), 40 + (70 + 14) + (98 + 14) + (70 + 10));
    assert.deepEqual(h.tensorNames(), ['layerNorm/gamma', 'layerNorm/beta', 'hidden0/W', 'hidden0/b', 'hidden1/W', 'hidden1/b', 'out/W', 'out/b']);
    const layers = h.layers();
    assert.deepEqual(layers.map((l) => [l.name, l.W.shape, l.activation]), [
      ['hidden0', [5, 7], 'gelu'],
      ['hidden1', [7, 7], 'gelu'],
      ['out', [7, 5], 'none'],
    ]);
    assert.ok(h.inputLayerNorm());
    assert.equal(h.residual, true);
    h.dispose();
    const lin = buildCorrector({ kind: 'linear', dim: 3 });
    assert.equal(lin.parameterCount(), 12);
    assert.equal(lin.flopsPerRow(), 2 * 9 + 3);
    assert.deepEqual(Array.from(lin.layers()[0].W.dataSync()), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    assert.equal(lin.residual, false);
    lin.dispose();
    const id = buildCorrector({ kind: 'identity', dim: 3 });
    assert.equal(id.parameterCount(), 0);
    assert.equal(id.flopsPerRow(), 0);
    assert.deepEqual(await id.getWeights(), []);
    id.dispose();
    assert.equal(correctorFlopsPerRow({ kind: 'identity', dim: 3, normalizeOutput: true }), 9);
  });

  test('config defaults are resolved in one place; bad values are InputErrors', () => {
    assert.deepEqual(resolveCorrectorConfig({ dim: 8 }), {
      kind: 'mlp', dim: 8, depth: 1, width: 8, activation: 'gelu', layerNorm: false, normalizeOutput: false, seed: 0,
    });
    assert.deepEqual(resolveCorrectorConfig({ kind: 'linear', dim: 8, depth: 4 }), { kind: 'linear', dim: 8, normalizeOutput: false, seed: 0 });
    assert.throws(() => buildCorrector({ dim: 8, depth: 0 }), (e: Error) => e instanceof InputError && /depth/.test(e.message));
    assert.throws(() => buildCorrector({ dim: 8, activation: 'elu' as any }), InputError);
    assert.throws(() => buildCorrector({ dim: 0 }), InputError);
    assert.throws(() => buildCorrector({ kind: 'conv' as any, dim: 3 }), InputError);
  });

  test('initialisation is deterministic given the seed', async () => {
    const a = buildCorrector({ dim: 4, width: 6, seed: 7 });
    const b = buildCorrector({ dim: 4, width: 6, seed: 7 });
    const c = buildCorrector({ dim: 4, width: 6, seed: 8 });
    assert.deepEqual(await a.getWeights(), await b.getWeights());
    assert.notDeepEqual((await a.getWeights())[0], (await c.getWeights())[0]);
    // He-normal: hidden weights are not all zero, output layer is
    assert.ok((await a.getWeights())[0].some((v) => v !== 0));
    assert.ok((await a.getWeights())[2].every((v) => v === 0));
    [a, b, c].forEach((x) => x.dispose());
  });

  test('forward pass matches the float64 reference for every activation', async () => {
    for (const activation of ['relu', 'gelu', 'tanh', 'silu'] as const) {
      const cfg = { kind: 'mlp' as const, dim: 4, width: 5, depth: 2, activation, layerNorm: true, normalizeOutput: activation === 'tanh' };
      const h = buildCorrector(cfg);
      const rng = new Rng(3);
      h.setWeights((await h.getWeights()).map((w) => w.map(() => rng.normal() * 0.5)));
      const e = randomRows(3, 4, 9);
      const got = tf.tidy(() => h.apply(tf.tensor2d(e, [3, 4])).arraySync());
      const want = refApply(cfg, (await h.getWeights()), toMat(e, 4), 4);
      got.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(v - want[i][j]) < 1e-5, `${activation} [${i},${j}] ${v} vs ${want[i][j]}`)));
      h.dispose();
    }
  });

  test('setWeights checks sizes; getWeights returns copies', async () => {
    const h = buildCorrector({ kind: 'linear', dim: 2 });
    const w = await h.getWeights();
    w[0][0] = 42;
    assert.equal((await h.getWeights())[0][0], 1);
    assert.throws(() => h.setWeights([new Float32Array(4)]), InputError);
    assert.throws(() => h.setWeights([new Float32Array(3), new Float32Array(2)]), InputError);
    h.setWeights([Float32Array.from([2, 0, 0, 3]), Float32Array.from([1, 1])]);
    assert.deepEqual(tf.tidy(() => h.apply(tf.tensor2d([[1, 1]])).arraySync()), [[3, 4]]);
    h.dispose();
    assert.throws(() => h.apply(tf.tensor2d([[1, 1]])), /after dispose/);
  });

  test('save/load round-trips, replaces old weight files, and detects corruption', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-corrector-'));
    try {
      const cfg: CorrectorConfig = { kind: 'mlp', dim: 3, width: 4, depth: 2, activation: 'tanh', layerNorm: true, seed: 5 };
      const h = buildCorrector(cfg);
      const rng = new Rng(1);
      h.setWeights((await h.getWeights()).map((w) => w.map(() => rng.normal())));
      await h.save(dir);
      const first = fs.readdirSync(dir).filter((f) => f.endsWith('.bin'));
      assert.equal(first.length, 1);
      const g = loadCorrector(dir);
      assert.deepEqual(g.config(), h.config());
      assert.deepEqual(await g.getWeights(), await h.getWeights());
      const e = tf.tensor2d([[0.1, -0.2, 0.3]]);
      assert.deepEqual(tf.tidy(() => g.apply(e).arraySync()), tf.tidy(() => h.apply(e).arraySync()));
      // load into an existing network of the same shape (different seed is fine)
      const k = buildCorrector({ ...cfg, seed: 99 });
      k.load(dir);
      assert.deepEqual(await k.getWeights(), await h.getWeights());
      // overwrite: one weights file remains, no temp files
      h.setWeights((await h.getWeights()).map((w) => w.map((v) => v * 2)));
      await saveCorrector(h, dir);
      const files = fs.readdirSync(dir).sort();
      assert.equal(files.length, 2, files.join(','));
      assert.ok(!files.includes(first[0]));
      // mismatched config
      const other = buildCorrector({ kind: 'mlp', dim: 3, width: 5 });
      assert.throws(() => other.load(dir), (err: Error) => err instanceof InputError && /does not match/.test(err.message));
      // corruption
      const bin = files.find((f) => f.endsWith('.bin'))!;
      const bytes = fs.readFileSync(path.join(dir, bin));
      bytes[0] ^= 1;
      fs.writeFileSync(path.join(dir, bin), bytes);
      assert.throws(() => loadCorrector(dir), (err: Error) => err instanceof InputError && /checksum/.test(err.message));
      assert.throws(() => loadCorrector(path.join(dir, 'nope')), InputError);
      [h, g, k, other].forEach((x) => x.dispose());
      e.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('apply and dispose leak no tensors', () => {
    const before = tf.memory().numTensors;
    const h = buildCorrector({ dim: 4, layerNorm: true, normalizeOutput: true });
    const x = tf.ones([3, 4]) as tf.Tensor2D;
    for (let i = 0; i < 10; i++) h.apply(x).dispose();
    x.dispose();
    h.dispose();
    assert.equal(tf.memory().numTensors, before);
    const k = buildCorrector({ dim: 4 });
    const wrong = tf.ones([2, 3]) as tf.Tensor2D;
    assert.throws(() => k.apply(wrong), InputError);
    tf.dispose([k.variables(), wrong].flat());
    assert.equal(tf.memory().numTensors, before);
  });
});
