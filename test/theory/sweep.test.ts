import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/tensor';
import { InputError } from '../../src/util/errors';
import { Rng } from '../../src/util/rng';
import { topKIndices } from '../../src/cache/staleness';
import { runSyntheticSweep, summarize, formatSweepTable, DEFAULT_CAPACITIES, topK } from '../../src/theory/sweep';

before(async () => {
  await initBackend();
});

describe('synthetic sweep', () => {
  test('summarize: mean, sample sd and 1.96·sd/√n by hand', () => {
    const s = summarize([1, 2, 3, 4]);
    assert.equal(s.mean, 2.5);
    const sd = Math.sqrt((1.5 ** 2 * 2 + 0.5 ** 2 * 2) / 3);
    assert.ok(Math.abs(s.sd - sd) < 1e-12);
    assert.ok(Math.abs(s.ci95 - (1.96 * sd) / 2) < 1e-12);
    assert.equal(summarize([5]).sd, 0);
    assert.equal(summarize([NaN, 1]).n, 1);
  });

  test('heap top-k equals the sorting top-k, ties by lower index, with a filter', () => {
    const rng = new Rng(4);
    for (let rep = 0; rep < 50; rep++) {
      const n = 1 + rng.int(60);
      const v = Float64Array.from({ length: n }, () => rng.int(8)); // many ties
      const k = rng.int(n + 3);
      assert.deepEqual(topK(v, k), topKIndices(v, k));
      const allowed = (i: number) => i % 3 !== 0;
      const ref = topKIndices(v, n).filter(allowed).slice(0, k);
      assert.deepEqual(topK(v, k, allowed), ref);
    }
  });

  test('a tiny grid: every point and mode, seeds, bound holds, online delivers hard negatives', async () => {
    const ticks: number[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const res = await runSyntheticSweep({
      dim: 8,
      seeds: 2,
      pairCounts: [40, 240],
      driftMagnitudes: [0.3],
      capacities: DEFAULT_CAPACITIES.slice(0, 2),
      center: { m: 120, drift: 0.6, capacity: 'linear' },
      heldOutTargets: 150,
      queries: 20,
      k: 5,
      fit: { maxSteps: 150 },
      progress: (p) => ticks.push(p.done),
    });
    assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor leak');
    // 2 (pairs) + 1 (drift) + 2 (capacity) points × 2 modes
    assert.equal(res.points.length, 10);
    assert.equal(ticks.length, 20);
    for (const p of res.points) {
      assert.equal(p.stats.heldOutError.n, 2);
      assert.equal(p.stats.holds.mean, 1, `${p.axis} ${p.mode} ${p.capacity}: bound holds`);
      assert.ok(p.stats.topKRecall.mean >= 0 && p.stats.topKRecall.mean <= 1);
      assert.ok(p.stats.kl.mean >= 0);
      if (p.mode === 'online') {
        assert.ok(p.stats.uniquePairs.mean <= p.stats.pairsDelivered.mean);
        assert.ok(p.stats.boundPairs.mean < p.stats.pairsDelivered.mean, 'online bound uses the uniform extra pairs only');
      } else {
        assert.equal(p.stats.pairsDelivered.mean, p.m);
      }
      if (p.capacity === 'identity') assert.ok(Math.abs(p.stats.heldOutError.mean - p.stats.staleError.mean) < 1e-6);
    }
    const lin = res.points.find((p) => p.axis === 'capacity' && p.mode === 'offline' && p.capacity === 'linear')!;
    const id = res.points.find((p) => p.axis === 'capacity' && p.mode === 'offline' && p.capacity === 'identity')!;
    assert.ok(lin.stats.heldOutError.mean < id.stats.heldOutError.mean, 'a fitted linear corrector beats the stale cache');
    assert.match(formatSweepTable(res), /held-out ℓ/);
    assert.equal(JSON.parse(JSON.stringify(res)).format, 'freshcache-synthetic-sweep');
  });

  test('bad options', async () => {
    await assert.rejects(runSyntheticSweep({ center: { capacity: 'huge' } }), InputError);
    await assert.rejects(runSyntheticSweep({ pairCounts: [0] }), InputError);
  });
});
