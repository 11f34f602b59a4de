import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadRunResults, runResultRecords } from '../../src/experiments/run-results';
import { frameRecords, groupStats, pivotFrame, sdColumn } from '../../src/report/frames';

/** A run folder as the loop leaves it: config.json, and result.json when finished. */
function mkRun(root: string, folder: string, o: { label: string; seed: number; strategy: string; lr?: number; mrr?: number; reembed?: number; passes?: number; encodes?: number; test?: boolean; finished?: boolean }): void {
  const dir = path.join(root, 'exp', folder);
  fs.mkdirSync(dir, { recursive: true });
  const config = { name: `${o.label}-s${o.seed}`, strategy: o.strategy, lr: o.lr ?? 2e-3, seed: o.seed };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  if (o.finished === false) return;
  const m = { queries: 10, mrr10: o.mrr ?? 0.1, success1: 0.05, success10: 0.3, success100: 0.6 };
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify({
    config, strategy: o.strategy, steps: 20, dev: m, ...(o.test ? { test: { ...m, mrr10: 0.09 } } : {}), stopped: false, wallSeconds: 3,
    cost: { reembed: o.reembed ?? 0, reembedCorpusPasses: o.passes ?? 0, totalTargetEncodes: o.encodes ?? 150, targetFlops: 1, correctorFlops: 2e9, totalFlops: 2e9 + 1, byKind: {}, measure: {} },
  }));
}

describe('run results as one DataFrame', () => {
  test('one row per finished run: drift from the learning rate, costs in corpus passes (corpus size from a refresh run), no test columns without a test split', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-results-'));
    try {
      mkRun(root, 'stale-s1', { label: 'stale', seed: 1, strategy: 'stale', mrr: 0.1 });
      mkRun(root, 'stale-s2', { label: 'stale', seed: 2, strategy: 'stale', mrr: 0.2 });
      mkRun(root, 'stale_lr_0.008_-s1', { label: 'stale[lr=0.008]', seed: 1, strategy: 'stale', lr: 8e-3, mrr: 0.05 });
      mkRun(root, 'refresh_5-s1', { label: 'refresh:5', seed: 1, strategy: 'refresh:5', mrr: 0.3, reembed: 200, passes: 2, encodes: 350 });
      mkRun(root, 'corrector-s1', { label: 'corrector', seed: 1, strategy: 'corrector', finished: false });
      const recs = runResultRecords('exp', { runsDir: root });
      assert.deepEqual(recs.map((r) => [r.label, r.seed, r.drift]), [['refresh:5', 1, 1], ['stale', 1, 1], ['stale', 2, 1], ['stale[lr=0.008]', 1, 4]]);
      assert.equal(recs[0]['all target encodes (corpus passes)'], 3.5);
      assert.equal(recs[1]['corrector GFLOP'], 2);
      const df = loadRunResults('exp', { runsDir: root });
      assert.deepEqual(df.shape, [4, 14]);
      assert.ok(!(df.columns as string[]).some((c) => c.startsWith('test ')));
      // the paper's layout: strategy × drift, mean and spread over seeds
      const stats = groupStats(df, ['strategy', 'drift'], ['dev MRR@10']);
      const table = frameRecords(pivotFrame(stats, { index: 'strategy', columns: 'drift', values: ['dev MRR@10', sdColumn('dev MRR@10')], header: (v, d) => `${v} (lr ×${d})` }));
      const stale = table.find((r) => r.strategy === 'stale')!;
      assert.ok(Math.abs((stale['dev MRR@10 (lr ×1)'] as number) - 0.15) < 1e-12);
      assert.equal(stale['dev MRR@10 (lr ×4)'], 0.05);
      assert.equal(stale['dev MRR@10 sd (lr ×4)'], null);
      assert.equal(table.find((r) => r.strategy === 'refresh:5')!['dev MRR@10 (lr ×4)'], null);
      mkRun(root, 'oracle-s1', { label: 'oracle', seed: 1, strategy: 'oracle', test: true });
      const withTest = loadRunResults('exp', { runsDir: root, labels: ['oracle', 'stale'] });
      assert.deepEqual(withTest.shape, [3, 16]);
      assert.deepEqual(frameRecords(withTest).map((r) => r['test MRR@10']), [0.09, null, null]);
      assert.deepEqual(loadRunResults('none', { runsDir: root }).shape, [0, 14]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
