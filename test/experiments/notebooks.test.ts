import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { notebookQuick, notebookExperimentName, trainingPlan, defaultTrainingGrid, planSubset, planLabels, correctorLabel, cachedJson, withSplitSubset } from '../../src/experiments/notebooks';
import { fitCapacityLadder, splitEvery } from '../../src/experiments/capacity-ladder';
import { InputError } from '../../src/util/errors';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nb-'));

before(async () => {
  await initBackend();
});

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
    assert.equal(q.devQueries, 300);
    assert.equal(d.devQueries, undefined);
  });
  test('the training grid is an argument: refresh intervals, corrector networks and warm-ups become labelled runs', () => {
    const grid = { ...defaultTrainingGrid(false), strategies: ['stale'], refresh: [30, 2], warmup: [], correctors: [{ kind: 'mlp' as const, width: 1024 }, { kind: 'mlp' as const, width: 256, depth: 2, loss: 'softmax' as const }] };
    const p = trainingPlan(false, grid);
    assert.deepEqual(planLabels(p), ['stale', 'refresh:30', 'refresh:2', 'corrector[mlp w=1024]', 'corrector[mlp w=256 L=2 loss=softmax]']);
    assert.deepEqual(p.variants[3].config, { corrector: { kind: 'mlp', width: 256, depth: 2, loss: 'softmax' } });
    assert.deepEqual(p.base, trainingPlan(false).base, 'the same experiment settings, so runs are shared by label');
    assert.equal(correctorLabel({ kind: 'linear' }), 'corrector[linear]');
    assert.equal(correctorLabel({ kind: 'mlp' }), 'corrector[mlp w=256]');
    assert.throws(() => trainingPlan(false, { ...grid, refresh: [0] }), InputError);
    assert.throws(() => trainingPlan(false, { ...grid, warmup: [1.5] }), InputError);
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

describe('capacity ladder', () => {
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

