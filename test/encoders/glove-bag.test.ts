import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../../src/tensor';
import type { Glove } from '../../src/data/glove';
import { createGloveBagEncoder, gloveBagFromGlove, loadGloveBagEncoder } from '../../src/encoders/glove-bag';

/** A 5-word, 3-d table with easy numbers. */
function tinyGlove(): Glove {
  const words = ['the', 'cat', 'sat', 'mat', 'well-known'];
  const matrix = Float32Array.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 1, 1, -1, 2, 0.5]);
  return { words, index: new Map(words.map((w, i) => [w, i])), dim: 3, matrix };
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

describe('GloVe bag encoder', () => {
  let tmp: string;
  before(async () => {
    await initBackend();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'glove-bag-test-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('mean pooling equals a hand computation; OOV dropped; empty text gives zeros', () => {
    const enc = gloveBagFromGlove(tinyGlove(), { topN: 5, normalize: false });
    const y = enc.encode(['The cat sat!', 'cat dog mat', 'zebra', 'a well-known cat']);
    assert.deepEqual(y.shape, [4, 3]);
    close(y.dataSync(), [1 / 3, 2 / 3, 1, 0.5, 1.5, 0.5, 0, 0, 0, -0.5, 2, 0.25]);
    y.dispose();
    assert.equal(enc.dim, 3);
    assert.equal(enc.parameterCount(), 15);
    enc.dispose();
  });

  test('L2 normalisation gives unit rows', () => {
    const enc = gloveBagFromGlove(tinyGlove(), { topN: 5, normalize: true });
    const y = enc.encode(['the cat sat', 'mat']);
    const v = y.dataSync();
    close([Math.hypot(v[0], v[1], v[2]), Math.hypot(v[3], v[4], v[5])], [1, 1]);
    close(v.slice(3), [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)]);
    assert.equal(enc.normalized, true);
    y.dispose();
    enc.dispose();
  });

  test('SIF weights from counts: a/(a+p(w)) down-weights frequent words', () => {
    const texts = ['the the the cat', 'the sat'];
    const enc = gloveBagFromGlove(tinyGlove(), { vocabTexts: texts, pooling: 'sif', sifA: 0.5, normalize: false });
    // counts: the 4, cat 1, sat 1 of 6 → w(the) = 0.5/(0.5+4/6) = 3/7, w(cat) = 0.5/(0.5+1/6) = 3/4
    const y = enc.encode(['the cat']);
    close(y.dataSync(), [(3 / 7) / 2, (2 * 3 / 4) / 2, 0]);
    assert.equal(enc.vocab.length, 3, 'table restricted to the words of the texts');
    y.dispose();
    enc.dispose();
  });

  test('identity-initialised projections start equal to plain GloVe pooling', () => {
    const base = gloveBagFromGlove(tinyGlove(), { topN: 5 });
    const lin = gloveBagFromGlove(tinyGlove(), { topN: 5, projection: 'linear' });
    const mlp = gloveBagFromGlove(tinyGlove(), { topN: 5, projection: 'residual-mlp', hidden: 4 });
    const texts = ['the cat', 'sat on the mat'];
    const [a, b, c] = [base, lin, mlp].map((e) => e.encode(texts));
    close(b.dataSync(), a.dataSync());
    close(c.dataSync(), a.dataSync());
    assert.equal(lin.parameterCount(), 15 + 9 + 3);
    assert.equal(mlp.parameterCount(), 15 + 12 + 4 + 12 + 3);
    assert.ok(mlp.flopsPerText(10) > lin.flopsPerText(10) && lin.flopsPerText(10) > base.flopsPerText(10));
    tf.dispose([a, b, c]);
    [base, lin, mlp].forEach((e) => e.dispose());
  });

  test('frozen vs trainable variables', () => {
    const frozen = gloveBagFromGlove(tinyGlove(), { topN: 5, trainEmbeddings: false, projection: 'linear', trainProjection: false });
    assert.equal(frozen.trainableVariables().length, 0);
    const projOnly = gloveBagFromGlove(tinyGlove(), { topN: 5, trainEmbeddings: false, projection: 'linear' });
    assert.deepEqual(projOnly.trainableVariables().map((v) => v.shape), [[3, 3], [3]]);
    const all = gloveBagFromGlove(tinyGlove(), { topN: 5, projection: 'linear' });
    assert.deepEqual(all.trainableVariables().map((v) => v.shape), [[5, 3], [3, 3], [3]]);
    assert.ok(all.trainableVariables().every((v) => v.trainable));
    [frozen, projOnly, all].forEach((e) => e.dispose());
  });

  test('a gradient step changes outputs and the fingerprint (the encoder drifts)', async () => {
    const enc = gloveBagFromGlove(tinyGlove(), { topN: 5, projection: 'residual-mlp', hidden: 4 });
    const fp0 = await enc.fingerprint();
    const before = enc.encode(['the cat', 'sat mat']);
    const b0 = before.dataSync().slice();
    const opt = tf.train.sgd(0.5);
    const target = tf.tensor2d([[0, 0, 1], [1, 0, 0]]);
    const vars = enc.trainableVariables();
    const { grads } = tf.variableGrads(() => tf.losses.meanSquaredError(target, enc.encode(['the cat', 'sat mat'], { training: true })) as tf.Scalar, vars);
    for (const v of vars) assert.ok(grads[v.name], `gradient for ${v.name}`);
    const tableGrad = grads[vars[0].name].dataSync();
    assert.ok(tableGrad.some((g) => g !== 0), 'the embedding table gets a gradient');
    opt.applyGradients(grads);
    tf.dispose(grads);
    const after1 = enc.encode(['the cat', 'sat mat']);
    assert.ok(after1.dataSync().some((v, i) => Math.abs(v - b0[i]) > 1e-4), 'outputs changed');
    assert.notEqual(await enc.fingerprint(), fp0);
    tf.dispose([before, after1, target]);
    opt.dispose();
    enc.dispose();
  });

  test('save/load round trip preserves fingerprint and outputs; save is atomic', async () => {
    const enc = gloveBagFromGlove(tinyGlove(), { vocabTexts: ['the cat sat', 'on the well-known mat'], pooling: 'sif', projection: 'residual-mlp', hidden: 4, seed: 7 });
    // move the weights away from their initial values first
    const vars = enc.trainableVariables();
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(enc.encode(['the cat'], { training: true }), 0.3))) as tf.Scalar, vars);
    tf.train.sgd(0.3).applyGradients(grads);
    tf.dispose(grads);
    const dir = path.join(tmp, 'enc');
    await enc.save(dir);
    await enc.save(dir); // overwriting works
    assert.deepEqual(fs.readdirSync(tmp), ['enc']);
    const back = loadGloveBagEncoder(dir);
    assert.equal(await back.fingerprint(), await enc.fingerprint());
    assert.deepEqual(back.config(), enc.config());
    const texts = ['the cat sat on the well-known mat', 'mat'];
    const [a, b] = [enc.encode(texts), back.encode(texts)];
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
    tf.dispose([a, b]);
    fs.writeFileSync(path.join(dir, 'weights.f32'), Buffer.alloc(8));
    assert.throws(() => loadGloveBagEncoder(dir), /weights\.f32: tensor '.*' shape .* does not fit/);
    enc.dispose();
    back.dispose();
  });

  test('no tensor leak across repeated encodes', () => {
    const enc = gloveBagFromGlove(tinyGlove(), { topN: 5, projection: 'residual-mlp', hidden: 4 });
    const y0 = enc.encode(['warm up']);
    y0.dispose();
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) enc.encode(['the cat sat', 'mat', '']).dispose();
    assert.equal(tf.memory().numTensors, n0);
    enc.dispose();
    assert.equal(tf.memory().numTensors, n0 - 5, 'dispose releases the 5 weight tensors');
  });

  test('real GloVe restricted to a vocabulary: king is closer to queen than to banana', async () => {
    const enc = await createGloveBagEncoder({ vocabTexts: ['king queen banana', "don't"], normalize: true });
    assert.deepEqual([...enc.vocab].sort(), ['banana', 'do', 'king', 'not', 'queen'], "n't is looked up as 'not'");
    const y = enc.encode(['king', 'queen', 'banana']);
    const v = y.arraySync();
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
    assert.ok(Math.abs(dot(v[0], v[1]) - 0.751) < 0.001);
    assert.ok(dot(v[0], v[1]) > dot(v[0], v[2]));
    y.dispose();
    enc.dispose();
  });
});

test('clone gives the same outputs and fingerprint with independent variables', async () => {
  const words = ['a', 'b', 'c', 'd'];
  const glove = { words, index: new Map(words.map((w, i) => [w, i])), dim: 3, matrix: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]) };
  const enc = gloveBagFromGlove(glove, { vocabTexts: ['a b', 'c d'], projection: 'linear' });
  const before = tf.memory().numTensors;
  const copy = enc.clone();
  assert.equal(tf.memory().numTensors - before, enc.trainableVariables().length, 'a clone holds exactly its own variables');
  const x = enc.encode(['a c', 'b d']);
  const y = copy.encode(['a c', 'b d']);
  assert.deepEqual(Array.from(y.dataSync()), Array.from(x.dataSync()));
  assert.equal(await copy.fingerprint(), await enc.fingerprint());
  const v = copy.trainableVariables()[0];
  tf.tidy(() => v.assign(tf.zerosLike(v)));
  assert.notEqual(await copy.fingerprint(), await enc.fingerprint());
  const z = enc.encode(['a c']);
  assert.deepEqual(Array.from(z.dataSync()), Array.from(x.dataSync()).slice(0, 3));
  z.dispose();
  tf.dispose([x, y]);
  copy.dispose();
  assert.equal(tf.memory().numTensors, before);
  enc.dispose();
});
