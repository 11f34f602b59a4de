import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { runExperiment } from '../../src/experiments/experiment';
import { formatExperimentTable } from '../../src/report/experiment-table';
import { tinyTask } from '../train/helpers';
import { Bm25Index } from '../../src/search/bm25';

before(async () => {
  await initBackend();
});

test('runExperiment trains every strategy, writes the tables, and reuses finished runs', async () => {
  const { data, glove } = tinyTask();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-exp-'));
  const logs: string[] = [];
  const opts = {
    name: 'tiny', dataset: 'tiny', strategies: ['in-batch', 'stale', 'refresh:5', 'corrector'], seeds: [1, 2],
    base: { steps: 12, batchSize: 8, negatives: 3, logEvery: 6, checkpointEvery: 0, probeRows: 40, probeQueries: 8, blockRows: 32, encoder: { pooling: 'mean' as const }, corrector: { width: 16 } },
    runsDir: path.join(root, 'runs'), resultsDir: path.join(root, 'results'), data, glove, log: (l: string) => logs.push(l),
  };
  const first = await runExperiment(opts);
  assert.deepEqual(first.summary.map((r) => r.label), ['in-batch', 'stale', 'refresh:5', 'corrector']);
  for (const r of first.summary) {
    assert.equal(r.seeds, 2);
    assert.ok(r.devMrr10 >= 0 && r.devMrr10 <= 1);
  }
  const refresh = first.summary.find((r) => r.label === 'refresh:5')!;
  assert.equal(refresh.reembedCorpusPasses, 2); // steps 5 and 10 of 12
  assert.equal(first.summary.find((r) => r.label === 'corrector')!.reembed, 0);
  assert.ok(first.summary.find((r) => r.label === 'corrector')!.correctorGflops > 0);
  // the initial cache is an on-disk cache shared by the strategies of a seed
  assert.ok(fs.existsSync(path.join(root, 'runs', 'tiny', 'initial-cache-s1', 'manifest.json')));
  for (const f of first.files) assert.ok(fs.statSync(f).size > 0, f);
  const md = fs.readFileSync(path.join(root, 'results', 'tiny', 'table.md'), 'utf8');
  assert.equal(md.trim(), formatExperimentTable(first.summary));
  assert.match(md, /\| corrector \| 2 \|/);
  // a second call reuses every finished run and gives the same table
  logs.length = 0;
  const second = await runExperiment(opts);
  assert.equal(logs.filter((l) => l.includes('reusing')).length, 8);
  assert.deepEqual(second.summary, first.summary);
  fs.rmSync(root, { recursive: true, force: true });
});

test('with baselines: BM25 and zero-shot rows first; BM25 scored once on the runs\' splits and reused, zero-shot a 0-step run that counts its one corpus pass', async () => {
  const { data, glove } = tinyTask();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-exp-base-'));
  const logs: string[] = [];
  const opts = {
    name: 'base', dataset: 'tiny', strategies: ['stale'], seeds: [1], baselines: true,
    base: { steps: 6, batchSize: 8, negatives: 3, logEvery: 3, checkpointEvery: 0, probeRows: 40, probeQueries: 8, blockRows: 32, encoder: { pooling: 'mean' as const } },
    runsDir: path.join(root, 'runs'), resultsDir: path.join(root, 'results'), data, glove, log: (l: string) => logs.push(l),
  };
  const first = await runExperiment(opts);
  assert.deepEqual(first.summary.map((r) => [r.label, r.lexical]), [['BM25', true], ['zero-shot', false], ['stale', false]]);
  const [bm25, zeroShot] = first.summary;
  assert.deepEqual([bm25.reembed, bm25.totalTargetEncodes, bm25.correctorGflops], [0, 0, 0]);
  assert.deepEqual([zeroShot.reembed, zeroShot.totalTargetEncodes, zeroShot.totalTargetEncodesCorpusPasses], [0, 90, 1]);
  assert.equal(first.rows.find((r) => r.label === 'zero-shot')!.result.steps, 0);
  // BM25's dev MRR@10 by hand: the rank of each query's one relevant passage among the passages
  // BM25 scores, ties broken as trec_eval does (document id descending)
  const index = await Bm25Index.build(data.corpusTexts.map((text, i) => ({ id: data.corpusIds[i], text })));
  const dev = data.splits.dev;
  const rr = dev.queryTexts.map((q, i) => {
    const ranked = [...index.scoreAll(q)].sort((a, b) => b[1] - a[1] || (data.corpusIds[b[0]] < data.corpusIds[a[0]] ? -1 : 1)).map(([row]) => row);
    const rank = ranked.indexOf(dev.positives[i][0]);
    return rank < 0 || rank >= 10 ? 0 : 1 / (rank + 1);
  });
  assert.ok(Math.abs(bm25.devMrr10 - rr.reduce((a, b) => a + b, 0) / rr.length) < 1e-12);
  assert.ok(Number.isFinite(bm25.testMrr10));
  for (const f of ['result.json', 'dev.trec', 'test.trec']) assert.ok(fs.existsSync(path.join(root, 'runs', 'base', 'BM25', f)), f);
  const table = JSON.parse(fs.readFileSync(path.join(root, 'results', 'base', 'table.json'), 'utf8'));
  assert.equal(table.lexical[0].label, 'BM25');
  assert.match(fs.readFileSync(path.join(root, 'results', 'base', 'table.md'), 'utf8'), /^\| BM25 \| - \|/m);
  // a second call reuses BM25 and every run
  logs.length = 0;
  const second = await runExperiment(opts);
  assert.equal(second.bm25!.reused, true);
  assert.ok(logs.some((l) => /^BM25: reusing .*result\.json$/.test(l)), logs.join('\n'));
  assert.deepEqual(second.summary, first.summary);
  fs.rmSync(root, { recursive: true, force: true });
});
