import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { runExperiment } from '../../src/experiments/experiment';
import { formatExperimentTable } from '../../src/report/experiment-table';
import { tinyTask } from '../train/helpers';

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
