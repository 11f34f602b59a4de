import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/tensor';
import { InputError } from '../../src/util/errors';
import { runSyntheticSweep, formatSweepTable } from '../../src/experiments/synthetic-sweep';
import { DEFAULT_CAPACITIES } from '../../src/theory/measure';

before(async () => {
  await initBackend();
});

describe('synthetic sweep', () => {
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
