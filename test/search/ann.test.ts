import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../../src/tensor';
import { MemoryEmbeddings } from '../../src/cache/memory';
import { Rng } from '../../src/util/rng';
import { InputError } from '../../src/util/errors';
import {
  buildAnnIndex, openAnnIndex, candidatePoolSearch, recallAtK, readRows, exactSearch, searchCache, gumbelTopK,
  type AnnIndex,
} from '../../src/search';
import { clusteredMatrix, mlpJs, naiveTopK, randomMlp } from './helpers';

const dim = 32;
const rows = 4000;
const rng = new Rng(2024);
const data = clusteredMatrix(rng, rows, dim, 40);
const source = new MemoryEmbeddings(data, dim);
// queries near the data, like real queries near their passages
const nq = 100;
const queries = new Float32Array(nq * dim);
for (let q = 0; q < nq; q++) {
  const r = rng.int(rows);
  for (let j = 0; j < dim; j++) queries[q * dim + j] = data[r * dim + j] + (rng.normal() * 0.1) / Math.sqrt(dim);
}
let tmp: string;
let index: AnnIndex;

before(async () => {
  await initBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-ann-'));
  index = await buildAnnIndex({ source, blockRows: 1500 });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += a[ao + i] * b[bo + i];
  return s;
}

describe('ANN index', () => {
  test('recall@10 against exact search is at least 0.95 on clustered data at default settings', async () => {
    assert.equal(index.size(), rows);
    const exact = await exactSearch({ source, queries, k: 10 });
    const approx = index.search(queries, 10);
    const recall = recallAtK(approx, exact);
    assert.ok(recall >= 0.95, `recall@10 ${recall}`);
    assert.equal(recallAtK(exact, exact), 1);
  });

  test("scores are inner products (usearch 'ip' distance is 1 − ⟨q, e⟩)", () => {
    const res = index.search(queries, 5);
    for (let q = 0; q < nq; q++) {
      for (let j = 0; j < 5; j++) {
        const r = res.indices[q * 5 + j];
        assert.ok(r >= 0 && r < rows);
        const want = dot(queries, q * dim, data, r * dim, dim);
        assert.ok(Math.abs(res.scores[q * 5 + j] - want) < 1e-4, `query ${q}: ${res.scores[q * 5 + j]} vs ${want}`);
        if (j > 0) assert.ok(res.scores[q * 5 + j] <= res.scores[q * 5 + j - 1], 'sorted best first');
      }
    }
  });

  test('other metrics: cos scores are cosines, l2sq scores are −‖q − e‖²', async () => {
    const small = new MemoryEmbeddings(data.slice(0, 300 * dim), dim);
    const q = queries.slice(0, 3 * dim);
    const cos = await buildAnnIndex({ source: small, settings: { metric: 'cos' } });
    const l2 = await buildAnnIndex({ source: small, settings: { metric: 'l2sq' } });
    const rc = cos.search(q, 3);
    const rl = l2.search(q, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const r = rc.indices[i * 3 + j];
        const c = dot(q, i * dim, data, r * dim, dim) / Math.sqrt(dot(q, i * dim, q, i * dim, dim) * dot(data, r * dim, data, r * dim, dim));
        assert.ok(Math.abs(rc.scores[i * 3 + j] - c) < 1e-4);
        const s = rl.indices[i * 3 + j];
        let d2 = 0;
        for (let t = 0; t < dim; t++) d2 += (q[i * dim + t] - data[s * dim + t]) ** 2;
        assert.ok(Math.abs(rl.scores[i * 3 + j] + d2) < 1e-4);
      }
    }
  });

  test('excluded rows are dropped from ANN results', () => {
    const plain = index.search(queries, 10);
    const exclude = Array.from({ length: nq }, (_, q) => new Set(Array.from(plain.indices.slice(q * 10, q * 10 + 3))));
    const res = index.search(queries, 10, { exclude });
    for (let q = 0; q < nq; q++) for (let j = 0; j < 10; j++) assert.ok(!exclude[q].has(res.indices[q * 10 + j]));
  });

  test('save, load and view round trip; expansionSearch can be changed at open time', async () => {
    const dir = path.join(tmp, 'roundtrip');
    index.save(dir);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['index.json', 'index.usearch']);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
    assert.equal(meta.format, 'freshcache-ann');
    assert.equal(meta.rows, rows);
    assert.equal(meta.settings.connectivity, 16);
    const want = index.search(queries, 10);
    for (const mode of ['load', 'view'] as const) {
      const opened = await openAnnIndex({ dir, mode });
      const got = opened.search(queries, 10);
      assert.deepEqual(Array.from(got.indices), Array.from(want.indices), mode);
      assert.deepEqual(Array.from(got.scores), Array.from(want.scores), mode);
    }
    const wide = await openAnnIndex({ dir, expansionSearch: 4000 });
    assert.equal(wide.settings.expansionSearch, 4000);
    const exact = await exactSearch({ source, queries, k: 10 });
    assert.ok(recallAtK(wide.search(queries, 10), exact) >= recallAtK(want, exact));
  });

  test('a stale index (cache manifest changed), a missing or a corrupt index file are InputErrors', async () => {
    const dir = path.join(tmp, 'cache');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{"rows": 300}');
    const small = new MemoryEmbeddings(data.slice(0, 300 * dim), dim);
    (await buildAnnIndex({ source: small, cacheDir: dir })).save(dir);
    await openAnnIndex({ dir });
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{"rows": 300, "refreshed": true}');
    await assert.rejects(openAnnIndex({ dir }), /built for a different cache/);
    await openAnnIndex({ dir, checkStale: false });
    await assert.rejects(openAnnIndex({ dir: path.join(tmp, 'nothing') }), /no ANN index/);
    fs.writeFileSync(path.join(dir, 'index.usearch'), 'garbage');
    await assert.rejects(openAnnIndex({ dir, checkStale: false }), InputError);
    fs.writeFileSync(path.join(dir, 'index.json'), '{"format": "other"}');
    await assert.rejects(openAnnIndex({ dir }), /expected "format": "freshcache-ann"/);
  });

  test('bad settings are InputErrors', async () => {
    await assert.rejects(buildAnnIndex({ source, settings: { metric: 'dot' as never } }), /ann metric/);
    await assert.rejects(buildAnnIndex({ source, settings: { connectivity: 0 } }), /ann connectivity/);
  });
});

describe('candidate-pool search', () => {
  const m = randomMlp(new Rng(9), dim, 16);
  let w: tf.Tensor[] = [];
  let transform: (e: tf.Tensor2D) => tf.Tensor2D;
  before(() => {
    w = [tf.tensor2d(m.w1, [dim, 16]), tf.tensor1d(m.b1), tf.tensor2d(m.w2, [16, dim]), tf.tensor1d(m.b2)];
    transform = (e) => tf.add(e, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(e, w[0]), w[1])), w[2]), w[3])) as tf.Tensor2D;
  });
  after(() => tf.dispose(w));

  test('re-scoring with the transform equals exact search restricted to each pool', async () => {
    const poolSize = 50;
    const exclude = Array.from({ length: nq }, (_, q) => new Set([q, q + 1]));
    const pool = index.search(queries, poolSize, { exclude });
    const fresh = mlpJs(m, data);
    const ref = naiveTopK(fresh, dim, queries, 10, undefined, (q) => Array.from(pool.indices.slice(q * poolSize, (q + 1) * poolSize)).filter((r) => r >= 0));
    const before = tf.memory().numTensors;
    const got = await candidatePoolSearch({ index, source, queries, k: 10, poolSize, transform, exclude, blockRows: 300 });
    assert.equal(tf.memory().numTensors, before);
    for (let q = 0; q < nq; q++) {
      for (let j = 0; j < 10; j++) {
        assert.equal(got.indices[q * 10 + j], ref.indices[q][j], `query ${q} slot ${j}`);
        assert.ok(Math.abs(got.scores[q * 10 + j] - ref.scores[q][j]) < 1e-4);
        assert.ok(!exclude[q].has(got.indices[q * 10 + j]));
      }
    }
  });

  test('a pool as large as the cache gives the exact search (top-k and Gumbel-top-k); searchCache routes to it', async () => {
    const small = new MemoryEmbeddings(data.slice(0, 500 * dim), dim);
    // one build thread (multi-threaded HNSW builds differ run to run) and a dense graph searched
    // wider than the cache, so the index returns every row and the pool is the whole cache
    const all = await buildAnnIndex({ source: small, threads: 1, settings: { connectivity: 32, expansionAdd: 500, expansionSearch: 2000 } });
    assert.ok(Array.from(all.search(queries.slice(0, 10 * dim), 500).indices).every((r) => r >= 0), 'the index returns all 500 rows');
    const q = queries.slice(0, 10 * dim);
    const exact = await exactSearch({ source: small, queries: q, k: 8, transform });
    const pooled = await searchCache({ source: small, queries: q, k: 8, transform, ann: { index: all, poolSize: 500 } });
    assert.deepEqual(Array.from(pooled.indices), Array.from(exact.indices));
    const sample = { beta: 3, seed: 77 };
    const gExact = await gumbelTopK({ source: small, queries: q, k: 8, transform, ...sample });
    const gPool = await searchCache({ source: small, queries: q, k: 8, transform, sample, ann: { index: all, poolSize: 500 } });
    assert.deepEqual(Array.from(gPool.indices), Array.from(gExact.indices));
  });

  test('a pool from a different cache is refused', async () => {
    const other = new MemoryEmbeddings(data.slice(0, 100 * dim), dim);
    await assert.rejects(candidatePoolSearch({ index, source: other, queries, k: 3, poolSize: 10 }), /rebuild the index/);
  });

  test('readRows reads scattered rows (coalescing nearby ones)', () => {
    let reads = 0;
    const counting = { rows, dim, read: (s: number, e: number) => { reads++; return source.read(s, e); } };
    const want = Int32Array.from([3, 5, 6, 40, 41, 3999]);
    const got = readRows(counting, want, 4);
    assert.equal(reads, 3);
    want.forEach((r, i) => assert.deepEqual(Array.from(got.subarray(i * dim, (i + 1) * dim)), Array.from(data.subarray(r * dim, (r + 1) * dim))));
  });
});
