import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as freshcache from '../../src';

test('the public face exposes every step DESIGN.md names', () => {
  for (const step of ['initBackend', 'loadDataset', 'buildCache', 'searchCache', 'fitCorrector', 'trainRetriever', 'estimateBound', 'evaluate'] as const) {
    assert.equal(typeof freshcache[step], 'function', step);
  }
  assert.equal(typeof freshcache.experiments.runExperiment, 'function');
  assert.equal(typeof freshcache.experiments.reproduce, 'function');
  assert.equal(typeof freshcache.report.paretoFront, 'function');
});
