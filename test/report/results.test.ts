import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  readExperimentTable, findResultTables, firstResultTable, formatExperimentTable, summaryTableRows, logSeries, lastValue, meanValue, costMultiple,
  refreshInterval, strategyFamily, quotedTable, quotedColumns, oursBesideQuoted, accuracyVsCostFigure, type ExperimentSummaryRow, type LoggedStep,
} from '../../src/report';
import type { LogRecord } from '../../src/train/log';
import { InputError } from '../../src/util/errors';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'report-results-'));

function row(label: string, devMrr10: number, reembed: number, totalTargetEncodes: number): ExperimentSummaryRow {
  return {
    label, strategy: label, seeds: 1, devMrr10, devMrr10Sd: 0, devSuccess1: 0.25, devSuccess10: 0.5, devSuccess100: 0.75, testMrr10: NaN, testSuccess1: NaN, testSuccess10: NaN, testSuccess100: NaN,
    reembed, reembedCorpusPasses: reembed / 100, totalTargetEncodes, totalTargetEncodesCorpusPasses: totalTargetEncodes / 100, correctorGflops: 0, wallSeconds: 1, lexical: false,
  };
}

const rec = (step: number, extra: Partial<LoggedStep>): LoggedStep => ({ step, ...extra });

describe('result tables', () => {
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


describe('the experiment table', () => {
  test('Markdown: one header line, success@k named and defined under the table; older table.json names read as success@k', () => {
    const md = formatExperimentTable([row('stale', 0.125, 0, 10)]);
    const lines = md.split('\n');
    assert.match(lines[0], /\| dev MRR@10 \| dev success@1 \| dev success@10 \| dev success@100 \| test MRR@10 \| test success@100 \|/);
    assert.match(lines[2], /^\| stale \| 1 \| 0\.125 \| 0\.250 \| 0\.500 \| 0\.750 \| - \| - \| 0 \(0\.00\) \| 10 \(0\.10\) \| 0\.0 \| 1 \|$/);
    assert.match(md, /success@k: the share of queries with a relevant passage in the top k/);
    // the notebook rows carry the same headers
    assert.deepEqual(Object.keys(summaryTableRows([row('stale', 0.1, 0, 10)])[0]), lines[0].split('|').map((h) => h.trim()).filter(Boolean));
    const dir = tmp();
    try {
      const legacy: Record<string, unknown> = { ...row('old', 0.1, 0, 10), devRecall1: 0.5 };
      delete legacy.devSuccess1;
      fs.mkdirSync(path.join(dir, 'old'));
      fs.writeFileSync(path.join(dir, 'old', 'table.json'), JSON.stringify({ summary: [legacy] }));
      const t = readExperimentTable(path.join(dir, 'old', 'table.json'));
      assert.equal(t.summary[0].devSuccess1, 0.5);
      assert.equal((t.summary[0] as unknown as Record<string, unknown>).devRecall1, undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  test('BM25 and zero-shot rows: BM25 has no seeds or encoder costs ("-"), each baseline is explained under the table, and the cost figure draws BM25 as a level line', () => {
    const bm25: ExperimentSummaryRow = { ...row('BM25', 0.3, 0, 0), lexical: true, devMrr10Sd: NaN };
    const zeroShot = row('zero-shot', 0.05, 0, 100);
    const md = formatExperimentTable([bm25, zeroShot, row('stale', 0.125, 0, 210)]);
    const lines = md.split('\n');
    assert.match(lines[2], /^\| BM25 \| - \| 0\.300 \| 0\.250 \| 0\.500 \| 0\.750 \| - \| - \| - \| - \| - \| 1 \|$/);
    assert.match(lines[3], /^\| zero-shot \| 1 \| 0\.050 \| .* \| 0 \(0\.00\) \| 100 \(1\.00\) \| 0\.0 \| 1 \|$/);
    assert.match(md, /\nBM25: lexical retrieval \(Lucene BM25, k1 0\.9, b 0\.4, EnglishAnalyzer terms\), not a dense strategy: it has no encoder, so no target encodes/);
    assert.match(md, /\nzero-shot: the initial encoders, not trained \(0 steps\); its one corpus pass is the cache it searches/);
    assert.doesNotMatch(formatExperimentTable([row('stale', 0.125, 0, 210)]), /BM25|zero-shot/);
    const fig = accuracyVsCostFigure([bm25, zeroShot, row('stale', 0.125, 0, 210)]);
    const names = fig.data.map((t) => t.name);
    assert.ok(names.includes('zero-shot') && names.includes('stale') && !names.includes('BM25'), names.join(', '));
    const level = fig.data.find((t) => t.name === 'BM25 (lexical, no encoder)')!;
    assert.deepEqual([level.x, level.y, level.mode], [[1, 2.1], [0.3, 0.3], 'lines']);
  });
  test('a run log record is a series step (the types agree)', () => {
    const r: LogRecord = { step: 3, strategy: 's', cost: {} as LogRecord['cost'], seconds: 1, staleness: 0.5 };
    const asStep: LoggedStep = r;
    assert.equal(lastValue([asStep], 'staleness'), 0.5);
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
    assert.equal(summaryTableRows([row('stale', 0.25, 0, 10)])[0]['dev success@10'], 0.5);
  });
});

describe('quoted numbers and splits', () => {
  test('quotedTable lays out the published numbers (src/eval/reference-numbers), marked quoted, in columns named for what they hold', () => {
    assert.deepEqual(quotedColumns('nq'), ['top-1 acc', 'top-5 acc', 'top-10 acc', 'top-20 acc', 'top-100 acc']);
    const t = quotedTable('nq');
    const dpr = t.find((r) => r.method === 'DPR')!;
    assert.deepEqual([dpr['top-20 acc'], dpr['top-100 acc'], dpr['top-1 acc'], dpr.source], [78.4, 85.4, null, 'quoted']);
    const corrector = t.find((r) => String(r.method).startsWith('corrector'))!;
    assert.equal(corrector['top-100 acc'], 88.39);
    assert.equal(quotedColumns('nq').filter((c) => typeof corrector[c] === 'number').length, 5);
    assert.equal(quotedTable('msmarco').find((r) => r.method === 'BM25')!['MRR@10'], 18.7);
  });
});
describe('oursBesideQuoted', () => {
  test('our rows in percent, marked ours, above the quoted ones', () => {
    const r = row('corrector', 0.5, 0, 10);
    r.testSuccess1 = 0.25; r.testSuccess10 = 0.5; r.testSuccess100 = 0.75;
    const rows = oursBesideQuoted({ name: 'nq', file: 'x', summary: [r] }, 'nq');
    assert.deepEqual([rows[0].source, rows[0]['success@1'], rows[0]['success@100'], rows[0].reference], ['ours (nq)', 25, 75, 'test split']);
    assert.equal(rows[0]['top-1 acc'], undefined, 'our success@k never fills a quoted answer-accuracy column');
    assert.equal(rows[rows.length - 1].source, 'quoted');
    const m = oursBesideQuoted({ name: 'msmarco', file: 'x', summary: [row('stale', 0.2, 0, 10)] }, 'msmarco');
    assert.deepEqual([m[0]['MRR@10'], m[0].reference], [20, 'dev split']);
  });
});
