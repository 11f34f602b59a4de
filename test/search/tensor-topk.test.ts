import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/tensor';
import { MemoryEmbeddings } from '../../src/cache/memory';
import { Rng } from '../../src/util/rng';
import { InputError } from '../../src/util/errors';
import { defaultBlockRows, exactSearch } from '../../src/search/exact';
import { groupSizeFor, topKColumns } from '../../src/search/tensor-topk';
import { naiveTopK } from './helpers';

before(async () => {
  await initBackend();
});

/** Small integers: products and sums are exact in float32, so scores tie exactly and often. */
function smallInts(rng: Rng, n: number, range: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.int(2 * range + 1) - range);
}

/** Plain reference: per row, columns sorted by (value desc, column asc), the first k. */
function plainTopK(keys: Float32Array, nq: number, n: number, k: number): number[][] {
  return Array.from({ length: nq }, (_, q) => Array.from({ length: n }, (_, j) => j)
    .sort((a, b) => keys[q * n + b] - keys[q * n + a] || a - b).slice(0, k));
}

describe('grouped top-k on the backend', () => {
  test('equals the plain reference on data full of ties, for any group size and ragged last group', () => {
    const rng = new Rng(3);
    for (const [nq, n, k] of [[4, 5000, 10], [3, 1037, 25], [2, 130, 7], [1, 64, 64]]) {
      const keys = smallInts(rng, nq * n, 6); // 13 distinct values: every winner ties with many rows
      const want = plainTopK(keys, nq, n, k);
      const t = tf.tensor2d(keys, [nq, n]);
      for (const group of [1, 2, 8, 13, 64, 128, undefined]) {
        const got = topKColumns(t, k, group);
        const idx = got.indices.arraySync() as number[][];
        assert.deepEqual(idx, want, `nq ${nq} n ${n} k ${k} group ${group}`);
        assert.deepEqual(got.values.arraySync(), want.map((row, q) => row.map((j) => keys[q * n + j])));
        tf.dispose([got.values, got.indices]);
      }
      t.dispose();
    }
  });

  test('default blocks: score blocks within 128 MiB, 4096 to 65536 rows', () => {
    assert.equal(defaultBlockRows(64), 65536);
    assert.equal(defaultBlockRows(1000), 32768);
    assert.equal(defaultBlockRows(100000), 4096);
    for (const nq of [1, 600, 3000, 20000]) assert.ok(nq * defaultBlockRows(nq) * 4 <= 128 * 2 ** 20 || defaultBlockRows(nq) === 4096);
  });

  test('group size grows with the block and stays plain for small ones', () => {
    assert.equal(groupSizeFor(500, 10), 1);
    assert.equal(groupSizeFor(16384, 10), 32);
    assert.equal(groupSizeFor(16384, 300), 1);
    assert.equal(groupSizeFor(1 << 20, 300), 64);
    assert.equal(groupSizeFor(1 << 22, 1), 128);
  });
});

describe('exactSearch with the grouped top-k', () => {
  // WordNet-like duplicates: many rows are exact copies of a few vectors, so scores tie exactly
  const rng = new Rng(11);
  const dim = 4;
  const rows = 20000;
  const distinct = smallInts(rng, 50 * dim, 3);
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const v = rng.int(50);
    data.set(distinct.subarray(v * dim, (v + 1) * dim), r * dim);
  }
  const nq = 5;
  const queries = smallInts(rng, nq * dim, 2);
  const source = new MemoryEmbeddings(data, dim);

  test('same rows, same tie order as a plain double loop, with exclusions, for several block and group sizes', async () => {
    const k = 12;
    // every other row of the unexcluded top-k, plus random rows (query 1: none)
    const top = naiveTopK(data, dim, queries, k).indices;
    const exclude = Array.from({ length: nq }, (_, q) => new Set(q === 1 ? [] : [...top[q].filter((_, j) => j % 2 === 0), ...Array.from({ length: 40 }, () => rng.int(rows))]));
    const ref = naiveTopK(data, dim, queries, k, exclude);
    for (const blockRows of [777, 4096, 16384, 20000]) {
      for (const topkGroup of [1, 8, undefined]) {
        const got = await exactSearch({ source, queries, k, exclude, blockRows, topkGroup });
        for (let q = 0; q < nq; q++) {
          assert.deepEqual(Array.from(got.indices.subarray(q * k, (q + 1) * k)), ref.indices[q], `blockRows ${blockRows} group ${topkGroup} query ${q}`);
          assert.deepEqual(Array.from(got.scores.subarray(q * k, (q + 1) * k)), ref.scores[q]);
        }
      }
    }
  });

  test('Gumbel sampling draws the same rows and keys grouped or plain', async () => {
    const k = 9;
    const plain = await exactSearch({ source, queries, k, blockRows: 5000, topkGroup: 1, sample: { beta: 0.7, seed: 42 } });
    const grouped = await exactSearch({ source, queries, k, blockRows: 16384, sample: { beta: 0.7, seed: 42 } });
    assert.deepEqual(grouped.indices, plain.indices);
    assert.deepEqual(grouped.keys, plain.keys);
    assert.deepEqual(grouped.scores, plain.scores);
  });

  test('leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    await exactSearch({ source, queries, k: 5, exclude: [new Set([1, 2]), null, null, null, new Set([7])] });
    assert.equal(tf.memory().numTensors, before);
  });

  test('non-finite queries or rows are refused instead of ranked', async () => {
    const badQ = Float32Array.from(queries);
    badQ[3] = NaN;
    await assert.rejects(exactSearch({ source, queries: badQ, k: 3 }), InputError);
    const badRows = Float32Array.from(data);
    badRows[dim * 12345 + 1] = Infinity;
    await assert.rejects(exactSearch({ source: new MemoryEmbeddings(badRows, dim), queries, k: 3 }), /NaN or ±Infinity/);
  });
});
