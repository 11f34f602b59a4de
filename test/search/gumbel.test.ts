import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/tensor';
import { MemoryEmbeddings } from '../../src/cache/memory';
import { Rng } from '../../src/util/rng';
import { gumbelTopK, softmax, gumbelBlock } from '../../src/search/gumbel';
import { InputError } from '../../src/util/errors';

before(async () => {
  await initBackend();
});

/** A 1-d cache whose logits for query [1] are exactly `logits`. */
function logitCache(logits: number[]) {
  return new MemoryEmbeddings(Float32Array.from(logits), 1);
}

/** `draws` identical queries [1]: each is an independent draw (the noise is keyed by query index). */
function repeatedQuery(draws: number): Float32Array {
  return new Float32Array(draws).fill(1);
}

function tv(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - q[i]);
  return s / 2;
}

describe('gumbelTopK', () => {
  const logits = [0.3, -1.2, 2.0, 0.0, 1.1, -0.4, 0.7, 1.6, -2.0, 0.9];
  const beta = 1.5;
  const draws = 20000;

  test('k = 1 draws follow softmax(β·s): total variation and chi-square', async () => {
    const p = softmax(logits, beta);
    const res = await gumbelTopK({ source: logitCache(logits), queries: repeatedQuery(draws), k: 1, beta, seed: 11, blockRows: 4 });
    const freq = new Float64Array(logits.length);
    for (let i = 0; i < draws; i++) freq[res.indices[i]] += 1 / draws;
    // E[TV] ≈ ½ Σ √(2 p(1-p)/(π N)) ≈ 0.008 here
    assert.ok(tv(freq, p) < 0.02, `TV ${tv(freq, p)}`);
    let chi2 = 0;
    for (let i = 0; i < p.length; i++) chi2 += (draws * (freq[i] - p[i])) ** 2 / (draws * p[i]);
    // 9 degrees of freedom: P(chi2 > 33.7) < 1e-4
    assert.ok(chi2 < 33.7, `chi2 ${chi2}`);
    // and it is not just top-1: the argmax (row 2) wins only ~37% of draws
    assert.ok(freq[2] < 0.45 && freq[2] > 0.3, `freq of the argmax ${freq[2]}`);
  });

  test('k > 1: first draw matches softmax; inclusion probabilities match exact enumeration', async () => {
    const small = [0.5, -0.3, 1.2, 0.1, 0.8];
    const k = 2;
    const p = softmax(small, beta);
    const res = await gumbelTopK({ source: logitCache(small), queries: repeatedQuery(draws), k, beta, seed: 99, blockRows: 2 });
    // exact inclusion: P(i in S) = p_i + Σ_{j≠i} p_j p_i / (1 - p_j)
    const incl = small.map((_, i) => p[i] + small.reduce((s, __, j) => (j === i ? s : s + (p[j] * p[i]) / (1 - p[j])), 0));
    assert.ok(Math.abs(incl.reduce((a, b) => a + b, 0) - k) < 1e-12);
    const first = new Float64Array(5);
    const inc = new Float64Array(5);
    for (let d = 0; d < draws; d++) {
      const a = res.indices[d * k];
      const b = res.indices[d * k + 1];
      assert.notEqual(a, b, 'without replacement');
      first[a] += 1 / draws;
      inc[a] += 1 / draws;
      inc[b] += 1 / draws;
      // draw order: keys non-increasing, scores are the unperturbed logits
      assert.ok(res.keys![d * k] >= res.keys![d * k + 1]);
      assert.ok(Math.abs(res.scores[d * k] - small[a]) < 1e-6);
    }
    assert.ok(tv(first, p) < 0.02, `first-draw TV ${tv(first, p)}`);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(inc[i] - incl[i]) < 0.02, `inclusion of ${i}: ${inc[i]} vs ${incl[i]}`);
  });

  test('excluded rows are never drawn; the rest follow the renormalised softmax', async () => {
    const exclude = Array.from({ length: draws }, () => new Set([2, 7]));
    const res = await gumbelTopK({ source: logitCache(logits), queries: repeatedQuery(draws), k: 1, beta, seed: 5, blockRows: 3, exclude });
    const kept = logits.map((l, i) => (i === 2 || i === 7 ? -Infinity : l));
    const p = softmax(kept, beta);
    const freq = new Float64Array(logits.length);
    for (let i = 0; i < draws; i++) freq[res.indices[i]] += 1 / draws;
    assert.equal(freq[2], 0);
    assert.equal(freq[7], 0);
    assert.ok(tv(freq, p) < 0.02, `TV ${tv(freq, p)}`);
  });

  test('a seed gives the same sample for every block size; other seeds differ; an Rng advances', async () => {
    const rng = new Rng(1);
    const source = new MemoryEmbeddings(Float32Array.from({ length: 300 }, () => rng.normal()), 3);
    const queries = Float32Array.from({ length: 12 }, () => rng.normal());
    const runs = [];
    const before = tf.memory().numTensors;
    for (const blockRows of [1, 7, 100, 1000]) runs.push(await gumbelTopK({ source, queries, k: 5, beta: 2, seed: 42, blockRows }));
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    for (const r of runs.slice(1)) assert.deepEqual(Array.from(r.indices), Array.from(runs[0].indices));
    const other = await gumbelTopK({ source, queries, k: 5, beta: 2, seed: 43 });
    assert.notDeepEqual(Array.from(other.indices), Array.from(runs[0].indices));
    const r1 = new Rng(8);
    const a = await gumbelTopK({ source, queries, k: 5, beta: 2, seed: r1 });
    const b = await gumbelTopK({ source, queries, k: 5, beta: 2, seed: r1 });
    assert.notDeepEqual(Array.from(a.indices), Array.from(b.indices), 'the Rng advanced between calls');
    const c = await gumbelTopK({ source, queries, k: 5, beta: 2, seed: new Rng(8) });
    assert.deepEqual(Array.from(c.indices), Array.from(a.indices), 'same Rng state, same sample');
  });

  test('noise is standard Gumbel (mean γ, variance π²/6) and keyed by (seed, query, row)', () => {
    const g = gumbelBlock(3, 4, 0, 50000);
    let m = 0;
    for (const v of g) m += v / g.length;
    let v2 = 0;
    for (const v of g) v2 += (v - m) ** 2 / g.length;
    assert.ok(Math.abs(m - 0.5772) < 0.01, `mean ${m}`);
    assert.ok(Math.abs(v2 - Math.PI ** 2 / 6) < 0.03, `variance ${v2}`);
    const part = gumbelBlock(3, 4, 1000, 1010);
    for (let q = 0; q < 4; q++) for (let j = 0; j < 10; j++) assert.equal(part[q * 10 + j], g[q * 50000 + 1000 + j]);
  });

  test('bad β is an InputError', async () => {
    await assert.rejects(gumbelTopK({ source: logitCache(logits), queries: repeatedQuery(2), k: 1, beta: 0, seed: 1 }), InputError);
  });
});
