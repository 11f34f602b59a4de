import { test, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { headlineGrid, timingKey, estimateRunSeconds, formatPlan, type RunTimes } from '../../src/experiments/headline-grid';
import { runHeadline, planHeadline } from '../../src/experiments/headline';
import { readHeadlineSummary } from '../../src/report/headline';
import { tinyTask } from '../train/helpers';

describe('the headline grid', () => {
  test('at 400 steps: three drift speeds of in-batch, stale, the refresh ladder, corrector and oracle (seed 1), the knobs, the second regime', () => {
    const grid = headlineGrid(400, 2e-3);
    const labels = grid.map((s) => s.label);
    assert.equal(new Set(labels).size, labels.length);
    for (const tag of ['', '[lr×0.25]', '[lr×4]']) {
      for (const l of ['in-batch', 'stale', 'refresh:200', 'refresh:100', 'refresh:50', 'refresh:20', 'refresh:5', 'corrector', 'oracle']) assert.ok(labels.includes(`${l}${tag}`), `${l}${tag}`);
    }
    assert.deepEqual(grid.filter((s) => s.seeds).map((s) => [s.label, s.seeds]), [['oracle[lr×0.25]', [1]], ['oracle', [1]], ['oracle[lr×4]', [1]]]);
    assert.equal(grid.find((s) => s.label === 'stale[lr×4]')!.config.lr, 8e-3);
    assert.equal(grid.find((s) => s.label === 'stale')!.config.lr, undefined);
    const knobs = grid.filter((s) => s.group.knob);
    assert.deepEqual(knobs.map((s) => s.label), ['corrector[loss=softmax]', 'corrector[warmup=50]', 'corrector[extra=64]', 'corrector[gumbel]', 'corrector+refresh:200', 'corrector+refresh:100']);
    assert.ok(knobs.every((s) => s.group.role === 'corrector' && s.group.drift === 1));
    assert.deepEqual(grid.find((s) => s.label === 'corrector[gumbel]')!.config, { selection: 'gumbel' });
    const hard = grid.filter((s) => s.group.regime === 'hard');
    assert.deepEqual(hard.map((s) => s.label), ['in-batch', 'stale', 'refresh:100', 'refresh:20', 'corrector'].map((l) => `${l}[neg=16 batch=128]`));
    assert.ok(hard.every((s) => s.config.negatives === 16 && s.config.batchSize === 128));
    assert.deepEqual(grid.find((s) => s.label === 'refresh:50[lr×4]')!.group, { regime: 'default', drift: 4, knob: '', role: 'refresh', refreshEvery: 50 });
  });

  test('step counts scale with the run: at 40 steps the ladder is 20, 10, 5, 2, 1 and the warm-up 5', () => {
    const labels = headlineGrid(40, 2e-3).map((s) => s.label);
    for (const R of [20, 10, 5, 2, 1]) assert.ok(labels.includes(`refresh:${R}`), `refresh:${R}`);
    assert.ok(labels.includes('corrector[warmup=5]') && labels.includes('corrector+refresh:20') && labels.includes('corrector+refresh:10'));
  });

  test('timing: refresh runs time like stale plus their passes, the learning rate does not count', () => {
    const k = (strategy: string, config = {}) => timingKey({ strategy, config });
    assert.equal(k('refresh:100'), k('stale'));
    assert.equal(k('stale', { lr: 8e-3 }), k('stale'));
    assert.equal(k('corrector+refresh:200'), k('corrector'));
    assert.notEqual(k('corrector', { selection: 'gumbel' }), k('corrector'));
    const times: RunTimes = {
      basis: 'cpu', date: '2026-12-05T00:00:00Z', command: 'node --import tsx bench/headline-times.ts', machine: { cpus: 2, loadAvg: [1] }, corpusPassSeconds: 0.5,
      kinds: { [k('stale')]: { label: 'stale', stepSeconds: 0.1, overheadSeconds: 10 } },
    };
    assert.equal(estimateRunSeconds({ strategy: 'refresh:100', config: {} }, 400, times), 10 + 40 + 3 * 0.5);
    assert.equal(estimateRunSeconds({ strategy: 'corrector', config: {} }, 400, times), undefined);
    const grid = headlineGrid(400, 2e-3).filter((s) => s.group.drift === 1 && s.group.regime === 'default' && !s.group.knob);
    const plan = formatPlan(grid, grid.map((s, i) => ({ label: s.label, seed: 1, finished: i === 0, seconds: estimateRunSeconds(s, 400, times) })), times);
    assert.match(plan, /drift lr×1 +9 runs \(9 labels\), +1 finished, +8 to run/);
    // 50 + 50.5 + 51.5 + 53.5 + 59.5 + 89.5 s for stale and the ladder
    assert.match(plan, /total: 9 runs, 1 finished, 8 to run: about 6 min \(\+ 2 runs of kinds not measured\)/);
  });
});

describe('runHeadline', () => {
  before(async () => {
    await initBackend();
  });

  test('runs the grid, writes the summary, tables and figure specs; a second call reuses every run', async () => {
    const { data, glove } = tinyTask();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-headline-'));
    try {
      const logs: string[] = [];
      const o = {
        dataset: 'tiny', seeds: [1], summaryDir: path.join(root, 'summary'), command: 'test', runsDir: path.join(root, 'runs'), resultsDir: path.join(root, 'results'), data, glove,
        base: { steps: 3, batchSize: 8, negatives: 3, logEvery: 1, checkpointEvery: 0, probeRows: 40, probeQueries: 8, blockRows: 32, evalQueries: 10, encoder: { pooling: 'mean' as const }, corrector: { width: 16 } },
        log: (l: string) => logs.push(l),
      };
      const first = await runHeadline(o);
      assert.match(first.plan, /total: 28 runs, 0 finished, 28 to run/);
      const summary = readHeadlineSummary(path.join(root, 'summary', 'summary.json'));
      assert.equal(summary.runs.length, 28);
      assert.equal(summary.meta.corpusSize, 90);
      assert.equal(summary.meta.embeddingDim, 8);
      // at 3 steps the ladder is refresh:2 and refresh:1, and the second regime's two rates coincide
      assert.deepEqual(summary.rows.filter((r) => r.group.role === 'refresh' && r.group.drift === 1).map((r) => r.label), ['refresh:2', 'refresh:1', 'refresh:1[neg=16 batch=128]']);
      // the corrector's cache is built once: 1 corpus pass; refresh:1 at 3 steps refreshes twice
      const corrector = summary.runs.find((r) => r.label === 'corrector')!;
      assert.equal(corrector.cost.corpusPasses, 1);
      assert.ok(corrector.cost.targetEncodes > 1 && corrector.cost.flops > 0 && corrector.cost.bertFlops > corrector.cost.flops);
      assert.equal(summary.runs.find((r) => r.label === 'refresh:1')!.cost.corpusPasses, 3);
      assert.equal(summary.runs.find((r) => r.label === 'in-batch')!.cost.corpusPasses, 0);
      assert.ok(typeof corrector.telemetry.last.correctorError === 'number');
      // a factor for each corrector row (3 drifts, 6 knobs, the second regime) on each of the 4 measures
      assert.equal(summary.factors.length, (3 + 6 + 1) * 4);
      for (const f of ['tables.md', 'accuracy-vs-reembedding.json', 'accuracy-vs-reembedding-hard.json']) assert.ok(fs.statSync(path.join(root, 'summary', f)).size > 0, f);
      assert.match(fs.readFileSync(path.join(root, 'summary', 'tables.md'), 'utf8'), /Regenerate: `test`/);
      // everything is reused the second time; the plan says so first
      logs.length = 0;
      const planOnly = await runHeadline({ ...o, planOnly: true });
      assert.match(planOnly.plan, /total: 28 runs, 28 finished, 0 to run/);
      assert.equal(planOnly.summary, undefined);
      const second = await runHeadline(o);
      assert.equal(logs.filter((l) => l.includes('reusing')).length, 28);
      assert.deepEqual(second.summary!.factors.map((f) => f.mean.factor), first.summary!.factors.map((f) => f.mean.factor));
      // planHeadline on its own: a run with other settings is not finished
      const planned = planHeadline(headlineGrid(3, 2e-3), { base: { ...o.base, beta: 7 }, seeds: [1], dataset: 'tiny', name: 'headline', runsDir: o.runsDir });
      assert.ok(planned.every((p) => !p.finished));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
