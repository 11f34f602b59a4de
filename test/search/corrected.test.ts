import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/tensor';
import { MemoryEmbeddings } from '../../src/cache/memory';
import { Rng } from '../../src/util/rng';
import { InputError } from '../../src/util/errors';
import { exactSearch } from '../../src/search/exact';
import { buildAnnIndex } from '../../src/search/ann';
import { AmortisedSelection, amortisationPeriod } from '../../src/search/corrected';
import { fromFloat16 } from '../../src/util/f16';
import { clusteredMatrix, mlpJs, mlpTransform, naiveTopK, randomMatrix, randomMlp, type Mlp } from './helpers';

before(async () => {
  await initBackend();
});

const dim = 16;
const rows = 3000;
const nq = 6;
const rng = new Rng(99);
const data = clusteredMatrix(rng, rows, dim, 30);
const queries = randomMatrix(rng, nq, dim, 1 / Math.sqrt(dim));
/** h at step t: a different residual MLP each step (as if h trained in between). */
const hAt = (t: number): Mlp => randomMlp(new Rng(1000 + t), dim, 8);
const positives = Array.from({ length: nq }, (_, q) => new Set([q * 7, q * 7 + 1]));

/** Plain-JS scores ⟨q, h(e)⟩ for every row: [nq][rows]. */
function scoresJs(m: Mlp, src: Float32Array): number[][] {
  const h = mlpJs(m, src);
  return Array.from({ length: nq }, (_, q) => Array.from({ length: src.length / dim }, (_, r) => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += queries[q * dim + i] * h[r * dim + i];
    return s;
  }));
}

/** Rows sorted by (score desc, row asc), excluded rows dropped, the first n. */
function topRows(scores: number[], n: number, skip?: Set<number>, among?: Iterable<number>): number[] {
  const cand = among ? Array.from(among) : scores.map((_, r) => r);
  return cand.filter((r) => !skip?.has(r)).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, n);
}

describe('amortised corrected selection', () => {
  test('K = 1 equals whole-cache correction exactly, top-k and Gumbel-top-k, step after step', async () => {
    const source = new MemoryEmbeddings(Float32Array.from(data), dim);
    const sel = new AmortisedSelection({ every: 1, candidates: 10, blockRows: 700 });
    const rngA = new Rng(5);
    const rngB = new Rng(5);
    for (let step = 0; step < 4; step++) {
      const h = mlpTransform(hAt(step));
      const whole = await exactSearch({ source, queries, k: 5, transform: h.fn, exclude: positives, blockRows: 700 });
      const got = await sel.select({ step, source, queries, k: 5, transform: h.fn, exclude: positives });
      assert.deepEqual(got.result.indices, whole.indices, `step ${step}`);
      assert.deepEqual(got.result.scores, whole.scores);
      assert.equal(got.correctedRows, rows);
      assert.ok(got.materialised);
      const sample = { beta: 3 };
      const wholeS = await exactSearch({ source, queries, k: 5, transform: h.fn, exclude: positives, blockRows: 700, sample: { ...sample, seed: rngA } });
      const gotS = await sel.select({ step, source, queries, k: 5, transform: h.fn, exclude: positives, sample: { ...sample, seed: rngB } });
      assert.deepEqual(gotS.result.indices, wholeS.indices);
      assert.deepEqual(gotS.result.keys, wholeS.keys);
      assert.equal(rngA.nextUint32(), rngB.nextUint32(), 'the same RNG draws');
      h.dispose();
    }
  });

  test('between materialisations, candidates come from the materialised cache and are re-scored by the current h', async () => {
    const source = new MemoryEmbeddings(Float32Array.from(data), dim);
    const C = 25;
    const k = 6;
    const sel = new AmortisedSelection({ every: 3, candidates: C, blockRows: 1000 });
    const h0 = mlpTransform(hAt(0));
    const first = await sel.select({ step: 0, source, queries, k, transform: h0.fn, exclude: positives });
    assert.ok(first.materialised);
    assert.equal(first.correctedRows, rows);
    h0.dispose();
    const old = scoresJs(hAt(0), data);
    let differsFromWhole = 0;
    for (const step of [1, 2]) {
      const m = hAt(step);
      const h = mlpTransform(m);
      const got = await sel.select({ step, source, queries, k, transform: h.fn, exclude: positives });
      h.dispose();
      assert.equal(got.materialised, false);
      const now = scoresJs(m, data);
      const union = new Set<number>();
      for (let q = 0; q < nq; q++) {
        const cands = topRows(old[q], C, positives[q]);
        cands.forEach((r) => union.add(r));
        const want = topRows(now[q], k, undefined, cands);
        if (want.join() !== topRows(now[q], k, positives[q]).join()) differsFromWhole++;
        const gotRows = Array.from(got.result.indices.subarray(q * k, (q + 1) * k));
        assert.deepEqual(gotRows, want, `step ${step} query ${q}`);
        gotRows.forEach((r, j) => assert.ok(Math.abs(got.result.scores[q * k + j] - now[q][r]) < 1e-3, `score of row ${r}`));
      }
      assert.equal(got.correctedRows, union.size, 'h applied to the candidates only');
    }
    assert.ok(differsFromWhole > 0, 'h changed enough that the stale candidates matter (else the test shows nothing)');
    const h3 = mlpTransform(hAt(3));
    const third = await sel.select({ step: 3, source, queries, k, transform: h3.fn, exclude: positives });
    h3.dispose();
    assert.ok(third.materialised);
    assert.equal(sel.materialisedAt, 3);
  });

  test('changed rows are corrected again at the next selection and counted', async () => {
    const source = new MemoryEmbeddings(Float32Array.from(data), dim);
    const sel = new AmortisedSelection({ every: 100, candidates: 8 });
    const m = hAt(0);
    const h = mlpTransform(m);
    await sel.select({ step: 0, source, queries, k: 4, transform: h.fn });
    // row 2999 becomes a large copy of query 0 (refresh-on-use wrote it): now query 0's best
    const row = rows - 1;
    source.refresh([row], queries.slice(0, dim).map((x) => x * 50), 1);
    sel.rowsChanged([row]);
    const got = await sel.select({ step: 1, source, queries, k: 4, transform: h.fn });
    assert.equal(got.result.indices[0], row);
    const unchanged = await new AmortisedSelection({ every: 100, candidates: 8 }).select({ step: 0, source, queries, k: 4, transform: h.fn });
    assert.equal(unchanged.result.indices[0], row, 'a fresh materialisation agrees');
    assert.ok(got.correctedRows >= 1 + 1, 'the changed row and the re-scored candidates');
    h.dispose();
  });

  test('combined with an ANN pool: rows come from the pool, scores from the current h', async () => {
    const source = new MemoryEmbeddings(Float32Array.from(data), dim);
    const index = await buildAnnIndex({ source, threads: 1 });
    const pool = 60;
    const sel = new AmortisedSelection({ every: 4, candidates: 12, ann: { index, pool, threads: 1 } });
    const h0 = mlpTransform(hAt(0));
    await sel.select({ step: 0, source, queries, k: 5, transform: h0.fn, exclude: positives });
    h0.dispose();
    const m = hAt(1);
    const h = mlpTransform(m);
    const got = await sel.select({ step: 1, source, queries, k: 5, transform: h.fn, exclude: positives });
    h.dispose();
    const proposed = index.search(queries, pool, { exclude: positives, threads: 1 });
    const now = scoresJs(m, data);
    for (let q = 0; q < nq; q++) {
      const inPool = new Set(proposed.indices.subarray(q * pool, (q + 1) * pool));
      for (let j = 0; j < 5; j++) {
        const r = got.result.indices[q * 5 + j];
        assert.ok(inPool.has(r), `query ${q}: row ${r} not proposed by the index`);
        assert.ok(!positives[q].has(r));
        assert.ok(Math.abs(got.result.scores[q * 5 + j] - now[q][r]) < 1e-3);
      }
    }
    assert.ok(got.correctedRows > 0 && got.correctedRows <= nq * 12);
  });

  test('f16 storage: half the memory; a fresh step is the exact search over the rounded h(g′)', async () => {
    const source = new MemoryEmbeddings(Float32Array.from(data), dim);
    const sel = new AmortisedSelection({ every: 4, candidates: 10, storage: 'f16' });
    const h = mlpTransform(hAt(0));
    const got = await sel.select({ step: 0, source, queries, k: 5, transform: h.fn, exclude: positives });
    const snap = sel.snapshot()!;
    assert.ok(snap.data instanceof Uint16Array);
    assert.equal(snap.data.length, rows * dim);
    const want = await exactSearch({ source: new MemoryEmbeddings(fromFloat16(snap.data as Uint16Array), dim), queries, k: 5, exclude: positives });
    assert.deepEqual(got.result, want);
    const next = await sel.select({ step: 1, source, queries, k: 5, transform: h.fn, exclude: positives });
    const now = scoresJs(hAt(0), data);
    for (let j = 0; j < nq * 5; j++) assert.ok(Math.abs(next.result.scores[j] - now[Math.floor(j / 5)][next.result.indices[j]]) < 1e-3, 're-scored in float32 by the current h');
    h.dispose();
  });

  test('a restored snapshot continues like the original', async () => {
    const source = new MemoryEmbeddings(Float32Array.from(data), dim);
    const a = new AmortisedSelection({ every: 5, candidates: 9 });
    const h0 = mlpTransform(hAt(0));
    await a.select({ step: 0, source, queries, k: 3, transform: h0.fn });
    h0.dispose();
    a.rowsChanged([10, 20]);
    const b = new AmortisedSelection({ every: 5, candidates: 9 });
    const snap = a.snapshot()!;
    b.restore({ ...snap, data: Float32Array.from(snap.data) });
    const h1 = mlpTransform(hAt(1));
    const ra = await a.select({ step: 1, source, queries, k: 3, transform: h1.fn });
    const rb = await b.select({ step: 1, source, queries, k: 3, transform: h1.fn });
    h1.dispose();
    assert.deepEqual(rb.result, ra.result);
    assert.equal(rb.correctedRows, ra.correctedRows);
  });

  test('bad settings are refused; K for a budget', async () => {
    assert.throws(() => new AmortisedSelection({ every: 0, candidates: 5 }), InputError);
    assert.throws(() => new AmortisedSelection({ every: 2, candidates: 5, ann: { index: null as never, pool: 3 } }), /fewer than the 5 candidates/);
    const source = new MemoryEmbeddings(Float32Array.from(data), dim);
    const h = mlpTransform(hAt(0));
    await assert.rejects(new AmortisedSelection({ every: 2, candidates: 3 }).select({ step: 0, source, queries, k: 4, transform: h.fn }), /fewer than k = 4/);
    h.dispose();
    assert.equal(amortisationPeriod(10, 1, 0.3), 34);
    assert.equal(amortisationPeriod(0.1, 1, 0.3), 1);
    assert.throws(() => amortisationPeriod(1, 0, 0.3), InputError);
  });

  test('leaves no tensor behind', async () => {
    const source = new MemoryEmbeddings(Float32Array.from(data), dim);
    const h = mlpTransform(hAt(0));
    const before = tf.memory().numTensors;
    const sel = new AmortisedSelection({ every: 2, candidates: 7 });
    for (let step = 0; step < 3; step++) await sel.select({ step, source, queries, k: 3, transform: h.fn, exclude: positives });
    assert.equal(tf.memory().numTensors, before);
    h.dispose();
  });
});

// naiveTopK stays the reference of the exact paths; here it checks the helper scoring agrees with it
test('scoresJs agrees with the naive reference on h(e)', () => {
  const m = hAt(0);
  const h = Float32Array.from(mlpJs(m, data));
  const ref = naiveTopK(h, dim, queries, 3);
  const s = scoresJs(m, data);
  for (let q = 0; q < nq; q++) assert.deepEqual(topRows(s[q], 3), ref.indices[q]);
});
