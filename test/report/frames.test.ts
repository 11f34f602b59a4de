import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { recordsFrame, frameRecords, groupStats, pivotFrame, sdColumn } from '../../src/report/frames';
import { htmlTable, rowsFromDataFrame } from '../../src/report/table';
import { InputError } from '../../src/util/errors';

const runs = [
  { strategy: 'stale', drift: 1, seed: 1, mrr: 0.1 },
  { strategy: 'stale', drift: 1, seed: 2, mrr: 0.2 },
  { strategy: 'stale', drift: 4, seed: 1, mrr: 0.05 },
  { strategy: 'corrector', drift: 1, seed: 1, mrr: 0.3 },
  { strategy: 'corrector', drift: 1, seed: 2, mrr: NaN }, // not measured
];

describe('DataFrames of run results', () => {
  test('recordsFrame keeps column order, turns non-finite numbers into missing cells', () => {
    const df = recordsFrame(runs);
    assert.deepEqual(df.columns, ['strategy', 'drift', 'seed', 'mrr']);
    assert.deepEqual(df.shape, [5, 4]);
    assert.equal(frameRecords(df)[4].mrr, null);
    assert.deepEqual(recordsFrame([], ['a', 'b']).columns, ['a', 'b']);
    assert.deepEqual(recordsFrame([{ a: 1 }], ['b', 'a']).columns, ['b', 'a']);
  });

  test('groupStats: mean and sample sd per group, no spread for a group of one, missing cells left out', () => {
    const g = frameRecords(groupStats(recordsFrame(runs), ['strategy', 'drift'], ['mrr']));
    assert.deepEqual(g.map((r) => [r.strategy, r.drift, r.n]), [['stale', 1, 2], ['stale', 4, 1], ['corrector', 1, 2]]);
    assert.ok(Math.abs((g[0].mrr as number) - 0.15) < 1e-12);
    assert.ok(Math.abs((g[0][sdColumn('mrr')] as number) - Math.SQRT1_2 * 0.1) < 1e-12);
    assert.equal(g[1][sdColumn('mrr')], null, 'one seed: no spread measured (not 0)');
    assert.equal(g[2].mrr, 0.3, 'the unmeasured seed is left out of the mean');
    assert.equal(g[2][sdColumn('mrr')], null);
    assert.throws(() => groupStats(recordsFrame(runs), ['method'], ['mrr']), InputError);
  });

  test('pivotFrame: a row per method, a column group per setting, empty combinations missing; duplicates refused', () => {
    const stats = groupStats(recordsFrame(runs), ['strategy', 'drift'], ['mrr']);
    const p = pivotFrame(stats, { index: 'strategy', columns: 'drift', values: ['mrr', sdColumn('mrr')], header: (v, d) => `${v} ×${d}` });
    assert.deepEqual(p.columns, ['strategy', 'mrr ×1', 'mrr sd ×1', 'mrr ×4', 'mrr sd ×4']);
    const rows = frameRecords(p);
    assert.deepEqual(rows.map((r) => r.strategy), ['stale', 'corrector']);
    assert.equal(rows[0]['mrr ×4'], 0.05);
    assert.equal(rows[1]['mrr ×4'], null);
    assert.throws(() => pivotFrame(recordsFrame(runs), { index: 'strategy', columns: 'drift', values: ['mrr'] }), /aggregate them first/);
  });

  test('tables show frames: missing cells as a dash, numbers formatted', () => {
    const df = groupStats(recordsFrame(runs), ['strategy'], ['mrr']);
    assert.deepEqual(rowsFromDataFrame(df).map((r) => r.strategy), ['stale', 'corrector']);
    const html = htmlTable(rowsFromDataFrame(df), { digits: 3 });
    assert.match(html, /<td[^>]*>0\.117<\/td>/);
    assert.match(html, /<td[^>]*>–<\/td>/);
  });
});
