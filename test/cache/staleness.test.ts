import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, embeddingDrift, logitAgreement, probeCacheStaleness, spearman, stalenessProbe, topKOverlap } from '../../src/cache/staleness';
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
