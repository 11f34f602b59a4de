import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, sampleSd, seedStat } from '../../src/util/stats';

test('mean and sample sd (n − 1) by hand', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.ok(Number.isNaN(mean([1, NaN])), 'a NaN value makes the mean NaN (tables print it as -)');
  const sd = Math.sqrt((1.5 ** 2 * 2 + 0.5 ** 2 * 2) / 3);
  assert.ok(Math.abs(sampleSd([1, 2, 3, 4]) - sd) < 1e-12);
  assert.equal(sampleSd([5]), 0);
});

test('seedStat: mean, sample sd and 1.96·sd/√n of the finite values', () => {
  const s = seedStat([1, 2, 3, 4]);
  assert.equal(s.mean, 2.5);
  const sd = Math.sqrt((1.5 ** 2 * 2 + 0.5 ** 2 * 2) / 3);
  assert.ok(Math.abs(s.sd - sd) < 1e-12);
  assert.ok(Math.abs(s.ci95 - (1.96 * sd) / 2) < 1e-12);
  assert.equal(seedStat([5]).sd, 0);
  assert.equal(seedStat([NaN, 1]).n, 1);
  assert.deepEqual(seedStat([NaN, 1]).values.length, 2);
  assert.ok(Number.isNaN(seedStat([]).mean));
});
