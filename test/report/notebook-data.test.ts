import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  notebookQuick, notebookExperimentName, parseRunName, findRuns, readRunLogs, readExperimentTable, findResultTables, firstResultTable,
  logSeries, lastValue, meanValue, costMultiple, refreshInterval, strategyFamily, summaryTableRows, cachedJson, quotedTable, QUOTED_RESULTS,
  splitEvery, trainingPlan, planSubset, fitCapacityLadder, oursBesideQuoted, withSplitSubset, runColors,
} from '../../src/report/notebook-data';
import type { ExperimentSummaryRow } from '../../src/train/experiment';
import type { LogRecord } from '../../src/train/log';
import { InputError } from '../../src/util/errors';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nbdata-'));

function row(label: string, devMrr10: number, reembed: number, totalTargetEncodes: number): ExperimentSummaryRow {
  return {
    label, strategy: label, seeds: 1, devMrr10, devMrr10Sd: 0, devRecall1: 0, devRecall10: 0, devRecall100: 0, testMrr10: NaN, testRecall1: NaN, testRecall10: NaN, testRecall100: NaN,
    reembed, reembedCorpusPasses: reembed / 100, totalTargetEncodes, totalTargetEncodesCorpusPasses: totalTargetEncodes / 100, correctorGflops: 0, wallSeconds: 1,
  };
}

const rec = (step: number, extra: Partial<LogRecord>): LogRecord => ({ step, strategy: 's', cost: {} as LogRecord['cost'], seconds: step, ...extra });

describe('settings', () => {
  test('notebookQuick reads FRESHCACHE_NOTEBOOK_QUICK', () => {
    assert.equal(notebookQuick({ FRESHCACHE_NOTEBOOK_QUICK: '1' }), true);
    assert.equal(notebookQuick({ FRESHCACHE_NOTEBOOK_QUICK: 'true' }), true);
    assert.equal(notebookQuick({ FRESHCACHE_NOTEBOOK_QUICK: '0' }), false);
    assert.equal(notebookQuick({}), false);
  });
  test('quick experiments get a -quick suffix', () => {
    assert.equal(notebookExperimentName('nb-x', true), 'nb-x-quick');
    assert.equal(notebookExperimentName('nb-x', false), 'nb-x');
  });
  test('plans: quick and default never share a name; labels as the tables name them', () => {
    const q = trainingPlan(true), d = trainingPlan(false);
    assert.equal(d.name, 'nb-train');
    assert.equal(q.name, 'nb-train-quick');
    assert.equal(d.base.steps, 60);
    assert.deepEqual(d.strategies, ['in-batch', 'stale', 'refresh-on-use', 'corrector', 'oracle']);
    assert.deepEqual(d.variants.map((v) => v.label), ['refresh:30', 'refresh:15', 'refresh:8', 'refresh:4', 'corrector[linear]', 'corrector[mlp w=64]', 'corrector[warmup=12]']);
    assert.deepEqual(q.variants.map((v) => v.label), ['refresh:4', 'refresh:2', 'corrector[linear]', 'corrector[warmup=2]']);
    const sub = planSubset(d, (l) => l === 'stale' || l.startsWith('refresh:'));
    assert.deepEqual([sub.strategies, sub.variants.length, sub.name], [['stale'], 4, 'nb-train']);
  });
});

describe('runs and tables', () => {
  test('parseRunName splits label and seed', () => {
    assert.deepEqual(parseRunName('corrector[mlp w=64]-s3'), { label: 'corrector[mlp w=64]', seed: 3 });
    assert.throws(() => parseRunName('nolabel'), InputError);
  });
  test('findRuns and readRunLogs read runs/<exp>/*', () => {
    const dir = tmp();
    try {
      const mk = (folder: string, name: string, log?: LogRecord[], finished = false) => {
        const d = path.join(dir, 'exp', folder);
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ name }));
        if (log) fs.writeFileSync(path.join(d, 'log.jsonl'), log.map((r) => JSON.stringify(r) + '\n').join(''));
        if (finished) fs.writeFileSync(path.join(d, 'result.json'), '{}');
      };
      mk('stale-s1', 'stale-s1', [rec(5, { staleness: 0.1 }), rec(10, { staleness: 0.2 })], true);
      mk('refresh_5-s1', 'refresh:5-s1', [rec(5, { staleness: 0.05 })]);
      fs.mkdirSync(path.join(dir, 'exp', 'initial-cache-s1')); // no config.json: not a run
      const runs = findRuns('exp', dir);
      assert.deepEqual(runs.map((r) => [r.label, r.seed, r.finished]), [['refresh:5', 1, false], ['stale', 1, true]]);
      const logs = readRunLogs('exp', { runsDir: dir, labels: ['stale', 'refresh:5', 'missing'] });
      assert.deepEqual(logs.map((l) => [l.label, l.log.length]), [['stale', 2], ['refresh:5', 1]]);
      assert.deepEqual(findRuns('nothing', dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  test('readExperimentTable checks the shape and names the file', () => {
    const dir = tmp();
    try {
      fs.mkdirSync(path.join(dir, 'a'));
      fs.mkdirSync(path.join(dir, 'b'));
      fs.writeFileSync(path.join(dir, 'a', 'table.json'), JSON.stringify({ summary: [row('stale', 0.1, 0, 10)] }));
      fs.writeFileSync(path.join(dir, 'b', 'table.json'), JSON.stringify({ rows: [] }));
      assert.equal(readExperimentTable(path.join(dir, 'a', 'table.json')).summary[0].label, 'stale');
      assert.throws(() => readExperimentTable(path.join(dir, 'b', 'table.json')), (e: Error) => e instanceof InputError && e.message.includes(path.join(dir, 'b', 'table.json')));
      assert.deepEqual(findResultTables(dir, /^a$/).map((t) => t.name), ['a']);
      assert.equal(firstResultTable(['zzz', 'a'], dir)?.name, 'a');
      assert.equal(firstResultTable(['zzz'], dir), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('series', () => {
  const runs = [
    { label: 'stale', log: [rec(5, { staleness: 0.1, overlapStale: 0.9 }), rec(10, { staleness: 0.3 }), rec(15, { staleness: NaN })] },
    { label: 'in-batch', log: [rec(5, {}), rec(10, {})] },
  ];
  test('logSeries keeps finite values, drops runs without any', () => {
    const s = logSeries(runs, 'staleness');
    assert.equal(s.length, 1);
    assert.deepEqual([s[0].name, s[0].x, s[0].y], ['stale', [5, 10], [0.1, 0.3]]);
    assert.deepEqual(logSeries(runs, 'overlapStale', { name: (l) => `${l} (stale)` }).map((x) => x.name), ['stale (stale)']);
  });
  test('lastValue and meanValue', () => {
    assert.equal(lastValue(runs[0].log, 'staleness'), 0.3);
    assert.ok(Math.abs(meanValue(runs[0].log, 'staleness') - 0.2) < 1e-12);
    assert.ok(Number.isNaN(lastValue(runs[1].log, 'staleness')));
  });
});

describe('cost multiple', () => {
  test('cheapest refresh at least as accurate, over the corrector total encodes', () => {
    const rows = [row('corrector', 0.5, 0, 200), row('refresh:100', 0.45, 1000, 1100), row('refresh:10', 0.55, 10000, 10100), row('refresh:50', 0.5, 2000, 2100), row('oracle', 0.9, 1e6, 1e6)];
    const m = costMultiple(rows, 'corrector');
    assert.equal(m.reached, true);
    assert.equal(m.refresh, 'refresh:50'); // ties count as matching; the oracle is not a refresh baseline
    assert.equal(m.multiple, 10);
    assert.equal(m.totalMultiple, 10.5);
  });
  test('not reached when no refresh row is as accurate', () => {
    const m = costMultiple([row('corrector', 0.6, 0, 200), row('refresh:10', 0.55, 10000, 10100)], 'corrector');
    assert.equal(m.reached, false);
    assert.equal(m.multiple, undefined);
    assert.equal(m.atLeast, 50);
    assert.throws(() => costMultiple([], 'corrector'), InputError);
  });
  test('labels', () => {
    assert.equal(refreshInterval('refresh:25'), 25);
    assert.equal(refreshInterval('refresh-on-use'), undefined);
    assert.equal(strategyFamily('corrector[mlp w=64]'), 'corrector');
    assert.equal(strategyFamily('refresh:50'), 'refresh');
    assert.equal(summaryTableRows([row('stale', 0.25, 0, 10)])[0]['dev MRR@10'], 0.25);
  });
});

describe('cachedJson', () => {
  test('computes once per key, recomputes when the key changes', async () => {
    const dir = tmp();
    try {
      const file = path.join(dir, 'sub', 'x.json');
      let calls = 0;
      const compute = async () => ++calls;
      assert.deepEqual(await cachedJson(file, { a: 1 }, compute), { value: 1, cached: false });
      assert.deepEqual(await cachedJson(file, { a: 1 }, compute), { value: 1, cached: true });
      assert.deepEqual(await cachedJson(file, { a: 2 }, compute), { value: 2, cached: false });
      assert.deepEqual(await cachedJson(file, { a: 2 }, compute, { fresh: true }), { value: 3, cached: false });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('quoted numbers and splits', () => {
  test('quotedTable lays out the published numbers, marked quoted', () => {
    const t = quotedTable('NQ', ['R@20', 'R@100']);
    const dpr = t.find((r) => r.method === 'DPR')!;
    assert.deepEqual([dpr['R@20'], dpr['R@100'], dpr.source], [78.4, 85.4, 'quoted']);
    assert.equal(t.find((r) => String(r.method).startsWith('corrector'))!['R@100'], 88.39);
    assert.equal(quotedTable('MS MARCO', ['MRR@10']).find((r) => r.method === 'BM25')!['MRR@10'], 18.7);
    assert.equal(QUOTED_RESULTS.filter((q) => q.dataset === 'NQ' && q.method.startsWith('corrector')).length, 5);
  });
  test('splitEvery holds out every k-th row', () => {
    const s = Float32Array.from([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    const f = s.map((x) => x + 10);
    const { train, heldOut } = splitEvery(s, f, 2, 3);
    assert.deepEqual(Array.from(heldOut.stale), [0, 0, 3, 3]);
    assert.deepEqual(Array.from(train.fresh), [11, 11, 12, 12, 14, 14]);
    assert.throws(() => splitEvery(s, f, 2, 1), InputError);
  });
  test('fitCapacityLadder: a linear corrector learns a shift the identity cannot', async () => {
    const dim = 4, n = 400;
    const stale = new Float32Array(n * dim);
    let x = 1;
    for (let i = 0; i < stale.length; i++) stale[i] = ((x = (x * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const fresh = stale.map((v) => v + 0.5);
    const { train, heldOut } = splitEvery(stale, fresh, dim, 4);
    const res = await fitCapacityLadder({ train, heldOut, dim, capacities: [{ label: 'identity', config: { kind: 'identity' } }, { label: 'linear', config: { kind: 'linear' } }], maxEpochs: 40, learningRate: 0.05 });
    assert.ok(Math.abs(res[0].heldOutMeanL2 - 1) < 1e-6); // ‖(0.5, 0.5, 0.5, 0.5)‖ (float32 rows)
    assert.equal(res[0].relativeImprovement, 0);
    assert.ok(res[1].heldOutMeanL2 < 0.5 * res[0].heldOutMeanL2, `linear ${res[1].heldOutMeanL2}`);
    assert.equal(res[1].params, dim * dim + dim);
  });
});

describe('oursBesideQuoted', () => {
  test('our rows in percent, marked ours, above the quoted ones', () => {
    const r = row('corrector', 0.5, 0, 10);
    r.testRecall1 = 0.25; r.testRecall10 = 0.5; r.testRecall100 = 0.75;
    const rows = oursBesideQuoted({ name: 'nq', file: 'x', summary: [r] }, 'NQ');
    assert.deepEqual([rows[0].source, rows[0]['R@1'], rows[0]['R@100'], rows[0].reference], ['ours (nq)', 25, 75, 'test split']);
    assert.equal(rows[rows.length - 1].source, 'quoted');
    const m = oursBesideQuoted({ name: 'msmarco', file: 'x', summary: [row('stale', 0.2, 0, 10)] }, 'MS MARCO');
    assert.deepEqual([m[0]['MRR@10'], m[0].reference], [20, 'dev split']);
  });
});

describe('withSplitSubset', () => {
  test('keeps the first n queries of one split, shares the rest', () => {
    const data = { corpusIds: ['a'], corpusTexts: ['t'], splits: { dev: { queryIds: ['q1', 'q2', 'q3'], queryTexts: ['x', 'y', 'z'], positives: [Int32Array.of(0), Int32Array.of(0), Int32Array.of(0)] }, train: { queryIds: ['t1'], queryTexts: ['w'], positives: [Int32Array.of(0)] } } };
    const sub = withSplitSubset(data, 'dev', 2);
    assert.deepEqual(sub.splits.dev.queryIds, ['q1', 'q2']);
    assert.equal(sub.splits.train, data.splits.train);
    assert.equal(data.splits.dev.queryIds.length, 3);
    assert.throws(() => withSplitSubset(data, 'test', 2), InputError);
  });
});

describe('runColors', () => {
  test('distinct blues for refresh intervals, darkest for the smallest R; strategy colours otherwise', () => {
    const c = runColors(['stale', 'refresh:30', 'refresh:4', 'refresh:15']);
    assert.equal(c['refresh:4'], '#08306b');
    assert.equal(c['refresh:30'], '#6baed6');
    assert.equal(new Set([c['refresh:4'], c['refresh:15'], c['refresh:30']]).size, 3);
    assert.equal(c.stale, '#ff7f0e');
  });
});
