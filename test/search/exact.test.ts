import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/tensor';
import { MemoryEmbeddings } from '../../src/cache/memory';
import { Rng } from '../../src/util/rng';
import { AbortedError, InputError } from '../../src/util/errors';
import { exactSearch } from '../../src/search/exact';
import { searchCache } from '../../src/search';
import type { SearchResult } from '../../src/search/types';
import { mlpJs, mlpTransform, naiveTopK, randomMatrix, randomMlp } from './helpers';

before(async () => {
  await initBackend();
});

/** Asserts `got` equals the reference, allowing swapped rows only where reference scores are within 1e-4. */
function assertMatches(got: SearchResult, ref: { indices: number[][]; scores: number[][] }, k: number): void {
  for (let q = 0; q < got.nq; q++) {
    const want = ref.indices[q];
    for (let j = 0; j < k; j++) {
      const gi = got.indices[q * k + j];
      if (j >= want.length) {
        assert.equal(gi, -1, `query ${q} slot ${j}: expected padding`);
        assert.equal(got.scores[q * k + j], -Infinity);
        continue;
      }
      assert.ok(Math.abs(got.scores[q * k + j] - ref.scores[q][j]) < 1e-3, `query ${q} slot ${j}: score ${got.scores[q * k + j]} vs ${ref.scores[q][j]}`);
      if (gi !== want[j]) {
        const near = Math.abs(ref.scores[q][j] - (ref.scores[q][j + 1] ?? Infinity)) < 1e-4 || Math.abs(ref.scores[q][j] - (ref.scores[q][j - 1] ?? Infinity)) < 1e-4;
        assert.ok(near, `query ${q} slot ${j}: row ${gi}, expected ${want[j]}`);
      }
    }
  }
}

describe('exactSearch', () => {
  const rng = new Rng(7);
  const dim = 8;
  const rows = 203;
  const data = randomMatrix(rng, rows, dim);
  const queries = randomMatrix(rng, 6, dim);
  const source = new MemoryEmbeddings(data, dim);

  test('matches a naive double loop for several block sizes', async () => {
    const k = 7;
    const ref = naiveTopK(data, dim, queries, k);
    for (const blockRows of [1, 5, 64, 203, 1000]) {
      const got = await exactSearch({ source, queries, k, blockRows });
      assert.equal(got.indices.length, 6 * k);
      assertMatches(got, ref, k);
    }
  });

  test('applies the transform block by block (residual MLP) like the plain-JS reference', async () => {
    const m = randomMlp(new Rng(3), dim, 5);
    const t = mlpTransform(m);
    const transformed = mlpJs(m, data);
    const k = 5;
    const ref = naiveTopK(transformed, dim, queries, k);
    const before = tf.memory().numTensors;
    for (const blockRows of [3, 50, 500]) {
      const got = await exactSearch({ source, queries, k, blockRows, transform: t.fn });
      assertMatches(got, ref, k);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    t.dispose();
  });

  test('a transform may change the width (queries then have the output width)', async () => {
    const proj = randomMatrix(new Rng(5), dim, 3);
    const w = tf.tensor2d(proj, [dim, 3]);
    const q3 = randomMatrix(new Rng(6), 4, 3);
    const projected = new Float64Array(rows * 3);
    for (let r = 0; r < rows; r++) for (let j = 0; j < 3; j++) for (let i = 0; i < dim; i++) projected[r * 3 + j] += data[r * dim + i] * proj[i * 3 + j];
    const got = await exactSearch({ source, queries: q3, queryDim: 3, k: 4, blockRows: 17, transform: (e) => tf.matMul(e, w) });
    assertMatches(got, naiveTopK(projected, 3, q3, 4), 4);
    w.dispose();
  });

  test('read paths agree: view (MemoryEmbeddings), readInto into a reused buffer, plain read', async () => {
    const plain = { rows, dim, read: (a: number, b: number) => source.read(a, b) };
    const into = { rows, dim, read: plain.read, readInto: (a: number, b: number, out: Float32Array) => { out.set(source.read(a, b)); return out; } };
    const want = await exactSearch({ source, queries, k: 6, blockRows: 37 });
    for (const src of [plain, into]) {
      const got = await exactSearch({ source: src, queries, k: 6, blockRows: 37 });
      assert.deepEqual(Array.from(got.indices), Array.from(want.indices));
      assert.deepEqual(Array.from(got.scores), Array.from(want.scores));
    }
    assertMatches(want, naiveTopK(data, dim, queries, 6), 6);
  });

  test('excluded rows never come back, and the next best take their place', async () => {
    const k = 6;
    const plain = naiveTopK(data, dim, queries, 4);
    // exclude each query's true top-4 plus a few arbitrary rows
    const exclude = plain.indices.map((ix, q) => new Set([...ix, q, 100 + q]));
    const ref = naiveTopK(data, dim, queries, k, exclude);
    for (const blockRows of [1, 4, 64, 1000]) {
      const got = await exactSearch({ source, queries, k, blockRows, exclude });
      for (let q = 0; q < 6; q++) for (let j = 0; j < k; j++) assert.ok(!exclude[q].has(got.indices[q * k + j]), `excluded row returned for query ${q}`);
      assertMatches(got, ref, k);
    }
  });

  test('k larger than the rows pads with -1 and -Infinity, after exclusions too', async () => {
    const small = new MemoryEmbeddings(data.slice(0, 5 * dim), dim);
    const q = queries.slice(0, 2 * dim);
    for (const blockRows of [2, 10]) {
      const got = await exactSearch({ source: small, queries: q, k: 8, blockRows });
      assertMatches(got, naiveTopK(data.slice(0, 5 * dim), dim, q, 8), 8);
      assert.deepEqual(Array.from(got.indices.slice(5, 8)), [-1, -1, -1]);
      const ex = [new Set([0, 1]), new Set<number>()];
      const got2 = await exactSearch({ source: small, queries: q, k: 8, blockRows, exclude: ex });
      assert.equal(Array.from(got2.indices.slice(0, 8)).filter((r) => r >= 0).length, 3);
      assert.equal(Array.from(got2.indices.slice(8, 16)).filter((r) => r >= 0).length, 5);
      assertMatches(got2, naiveTopK(data.slice(0, 5 * dim), dim, q, 8, ex), 8);
    }
  });

  test('ties go to the lower row index whatever the block size', async () => {
    // rows are one of three exact vectors, so scores tie exactly; query (1, 0)
    const vecs = [[1, 0], [2, 0], [0, 1]];
    const pattern = [0, 1, 2, 1, 0, 1, 2, 0, 1, 1];
    const tied = new MemoryEmbeddings(Float32Array.from(pattern.flatMap((p) => vecs[p])), 2);
    const want = [1, 3, 5, 8, 9, 0, 4, 7]; // the 2s in row order, then the 1s
    for (const blockRows of [1, 2, 3, 4, 10]) {
      const got = await exactSearch({ source: tied, queries: new Float32Array([1, 0]), k: 8, blockRows });
      assert.deepEqual(Array.from(got.indices), want, `blockRows ${blockRows}`);
      assert.deepEqual(Array.from(got.scores), [2, 2, 2, 2, 2, 1, 1, 1]);
    }
  });

  test('accepts a query tensor and leaves it (and no other tensor) allocated', async () => {
    const qt = tf.tensor2d(queries, [6, dim]);
    const before = tf.memory().numTensors;
    const got = await exactSearch({ source, queries: qt, k: 3, blockRows: 50 });
    assert.equal(tf.memory().numTensors, before);
    assert.ok(!qt.isDisposed);
    assertMatches(got, naiveTopK(data, dim, queries, 3), 3);
    qt.dispose();
  });

  test('searchCache is the same step, with progress', async () => {
    const events: number[] = [];
    const got = await searchCache({ source, queries, k: 4, blockRows: 100, progress: (e) => events.push(e.done) });
    assertMatches(got, naiveTopK(data, dim, queries, 4), 4);
    assert.deepEqual(events, [100, 200, 203]);
  });

  test('bad input: dimension mismatch, bad k, wrong transform shape, bad exclusion list', async () => {
    await assert.rejects(exactSearch({ source, queries: new Float32Array(7), k: 3 }), InputError);
    await assert.rejects(exactSearch({ source, queries: new Float32Array(6), queryDim: 6, k: 3 }), /dimension 6 does not match the cache dimension 8/);
    await assert.rejects(exactSearch({ source, queries, k: 0 }), /k: expected a positive integer/);
    await assert.rejects(exactSearch({ source, queries, k: 2, transform: (e) => tf.slice(e, [0, 0], [-1, 3]) }), /transform: returned shape \[\d+,3\]/);
    await assert.rejects(exactSearch({ source, queries, k: 2, exclude: [new Set([1])] }), /one set of row indices per query/);
  });

  test('stops on an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(exactSearch({ source, queries, k: 2, signal: ac.signal }), AbortedError);
  });
});
