import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, embeddingDrift, logitAgreement, logits, probeCacheStaleness, spearman, stalenessProbe, topKIndices, topKOverlap } from '../../src/cache/staleness';
import { Rng } from '../../src/util/rng';
import { MemoryEmbeddings } from '../../src/cache/memory';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≈ ${b}`);

test('embeddingDrift: mean, max and relative norms of the differences', () => {
  // fresh rows (3,4) and (0,0); cached (0,0) and (0,1): diffs 5 and 1; fresh norms 5 and 0
  const d = embeddingDrift(new Float32Array([3, 4, 0, 0]), new Float32Array([0, 0, 0, 1]), 2);
  assert.equal(d.n, 2);
  close(d.mean, 3);
  close(d.max, 5);
  close(d.meanFreshNorm, 2.5);
  close(d.relative, 3 / 2.5);
  const same = embeddingDrift(new Float32Array([1, 2]), new Float32Array([1, 2]), 2);
  assert.deepEqual([same.mean, same.max, same.relative], [0, 0, 0]);
  assert.throws(() => embeddingDrift(new Float32Array(4), new Float32Array(2), 2), /n × dim/);
});

test('averageRanks and spearman on hand cases', () => {
  assert.deepEqual(Array.from(averageRanks([10, 30, 20, 30])), [1, 3.5, 2, 3.5]);
  close(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  close(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // ranks (1,2,3,4) vs (2,1,4,3): d² sum = 4 → ρ = 1 − 6·4/(4·15) = 0.6
  close(spearman([1, 2, 3, 4], [2, 1, 4, 3]), 0.6);
  // with ties: ranks a = (1.5, 1.5, 3), b = (1, 2, 3) → Pearson of those = √3/2
  close(spearman([5, 5, 7], [1, 2, 3]), Math.sqrt(3) / 2);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
});

test('topKIndices (a heap) equals sorting every index, ties by lower index, with a filter', () => {
  // the reference: sort all indices by value descending, then index ascending
  const sorted = (v: ArrayLike<number>) => Array.from({ length: v.length }, (_, i) => i).sort((x, y) => v[y] - v[x] || x - y);
  const rng = new Rng(4);
  for (let rep = 0; rep < 50; rep++) {
    const n = 1 + rng.int(60);
    const v = Float64Array.from({ length: n }, () => rng.int(8)); // many ties
    const k = rng.int(n + 3);
    assert.deepEqual(topKIndices(v, k), sorted(v).slice(0, k));
    const allowed = (i: number) => i % 3 !== 0;
    assert.deepEqual(topKIndices(v, k, allowed), sorted(v).filter(allowed).slice(0, k));
  }
  assert.deepEqual(topKIndices([3, 1, 2], 0), []);
});

test('logits: every query against every row, summed in float64', () => {
  const q = Float32Array.from([1, 0, 0.5, 2]); // 2 queries, dim 2
  const rows = Float32Array.from([1, 2, 3, 4, -1, 0.25]);
  assert.deepEqual(Array.from(logits(q, rows, 2)), [1, 3, -1, 4.5, 9.5, 0]);
});

test('topKOverlap counts the shared top-k indices', () => {
  assert.equal(topKOverlap([9, 8, 7, 1], [9, 1, 7, 8], 2), 0.5); // {0,1} vs {0,3}
  assert.equal(topKOverlap([1, 2, 3], [3, 2, 1], 1), 0);
  assert.equal(topKOverlap([1, 2, 3], [1, 2, 3], 5), 1); // k capped at 3
});

test('logitAgreement compares stale and fresh logits per query', () => {
  // rows in 2-d; query (1,0) ranks by first coordinate, query (0,1) by the second
  const cached = new Float32Array([1, 0, 2, 0, 3, 0]);
  const fresh = new Float32Array([3, 1, 2, 2, 1, 3]);
  const a = logitAgreement(new Float32Array([1, 0, 0, 1]), fresh, cached, 2, 1);
  close(a.perQuerySpearman[0], -1); // stale (1,2,3) vs fresh (3,2,1)
  assert.ok(Number.isNaN(a.perQuerySpearman[1])); // stale logits all 0
  close(a.meanSpearman, -1); // NaNs left out of the mean
  assert.deepEqual(a.perQueryTopKOverlap, [0, 0]); // top-1 stale row 2 (ties → row 0 for q2) vs fresh row 0 / row 2
  const r = stalenessProbe({ fresh, cached, dim: 2, queries: new Float32Array([1, 0]), k: 3 });
  assert.equal(r.agreement!.meanTopKOverlap, 1);
  assert.equal(stalenessProbe({ fresh, cached, dim: 2 }).agreement, undefined);
});

test('probeCacheStaleness reads the sampled rows from a cache', () => {
  const cache = new MemoryEmbeddings(new Float32Array([0, 0, 1, 1, 2, 2]), 2);
  const r = probeCacheStaleness({ cache, rows: [2, 0], fresh: new Float32Array([2, 2, 3, 4]) });
  close(r.drift.mean, 2.5); // row 2 unchanged (0), row 0 moved by (3,4) → 5
  close(r.drift.max, 5);
});
