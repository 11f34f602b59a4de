import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { exploreCorrector, exploreGrid } from '../../src/experiments/complexity-explorer';
import { complexityExplorerFigure, readComplexityGrid } from '../../src/report/complexity-grid';
import { InputError } from '../../src/util/errors';

/** A small generator and delivery so a fit takes a fraction of a second. */
const settings = { dim: 8, clusters: 4, pool: 256, heldOutTargets: 64, queries: 16, k: 4, softmaxSetSize: 8, queriesPerStep: 4, uniformPerStep: 4 };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fc-explore-'));

before(async () => {
  await initBackend();
});

describe('exploreCorrector', () => {
  test('fits one configuration; a second identical call returns from its cache; another width fits only itself', async () => {
    const cacheDir = tmp();
    try {
      const cfg = { kind: 'mlp' as const, depth: 1, width: 8, loss: 'mse' as const, drift: 0.5, pairs: 96 };
      const first = await exploreCorrector(cfg, { settings, cacheDir });
      assert.equal(first.cached, false);
      assert.ok(first.heldOutError < first.staleError, `the corrector beats the stale cache (${first.heldOutError} vs ${first.staleError})`);
      assert.equal(first.params, 2 * 8 * 8 + 8 + 8);
      const files = fs.readdirSync(cacheDir);
      assert.equal(files.length, 1);
      const mtime = fs.statSync(path.join(cacheDir, files[0])).mtimeMs;
      const again = await exploreCorrector({ ...cfg }, { settings, cacheDir });
      assert.equal(again.cached, true);
      assert.deepEqual({ ...again, cached: false }, first);
      assert.equal(fs.statSync(path.join(cacheDir, files[0])).mtimeMs, mtime, 'the cached file is not rewritten');
      const wider = await exploreCorrector({ ...cfg, width: 16 }, { settings, cacheDir });
      assert.equal(wider.cached, false);
      assert.equal(fs.readdirSync(cacheDir).length, 2);
      assert.equal((await exploreCorrector(cfg, { settings, cacheDir })).cached, true, 'the first configuration is still cached');
      assert.equal((await exploreCorrector(cfg, { settings: { ...settings, k: 3 }, cacheDir })).cached, false, 'other settings are another configuration');
      assert.equal((await exploreCorrector(cfg, { settings, cacheDir, fresh: true })).cached, false);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  test('the softmax loss trains a different corrector; the identity is one measurement for every loss; bad input is refused', async () => {
    const cacheDir = tmp();
    try {
      const base = { kind: 'linear' as const, drift: 0.5, pairs: 96 };
      const mse = await exploreCorrector(base, { settings, cacheDir });
      const soft = await exploreCorrector({ ...base, loss: 'softmax' }, { settings, cacheDir });
      assert.notEqual(soft.heldOutError, mse.heldOutError);
      assert.equal(soft.staleError, mse.staleError, 'same generator, same stale cache');
      const id = await exploreCorrector({ kind: 'identity', drift: 0.5, pairs: 96 }, { settings, cacheDir });
      assert.equal(id.heldOutError, id.staleError);
      assert.equal((await exploreCorrector({ kind: 'identity', loss: 'softmax', drift: 0.5, pairs: 96 }, { settings, cacheDir })).cached, true);
      await assert.rejects(exploreCorrector({ kind: 'mlp', width: 0 }, { settings, cacheDir }), InputError);
      await assert.rejects(exploreCorrector({ kind: 'mlp', loss: 'hinge' as never }, { settings, cacheDir }), /loss must be one of/);
      await assert.rejects(exploreCorrector({ kind: 'conv' as never }, { settings, cacheDir }), /kind must be/);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});

describe('exploreGrid and its explorer figure', () => {
  test('every network × loss × drift (the identity once per drift), read back, drawn with a drift slider and a loss menu', async () => {
    const dir = tmp();
    try {
      const grid = await exploreGrid({
        settings, cacheDir: dir, pairs: 64, drifts: [0.2, 0.8], losses: ['mse', 'softmax'],
        networks: [{ kind: 'identity', depth: 0, width: 0 }, { kind: 'linear', depth: 0, width: 0 }, { kind: 'mlp', depth: 1, width: 4 }, { kind: 'mlp', depth: 1, width: 16 }],
      });
      assert.equal(grid.points.length, 2 * (1 + 3 * 2));
      const file = path.join(dir, 'grid.json');
      fs.writeFileSync(file, JSON.stringify(grid));
      const back = readComplexityGrid(file);
      assert.deepEqual(back.drifts, [0.2, 0.8]);
      const stale = (d: number) => back.points.find((p) => p.kind === 'identity' && p.drift === d)!.staleError;
      assert.ok(stale(0.8) > stale(0.2), 'more drift, a staler cache');

      const fig = complexityExplorerFigure(back);
      // per panel: (linear + mlp L=1) × 2 losses + the identity line
      assert.equal(fig.data.length, 2 * (2 * 2 + 1));
      const slider = (fig.layout.sliders as { active: number; steps: { label: string; args: [{ y: unknown[][] }] }[] }[])[0];
      assert.deepEqual(slider.steps.map((s) => s.label), ['0.2', '0.8']);
      assert.equal(slider.active, 0);
      const at08 = slider.steps[1].args[0].y;
      assert.equal(at08.length, fig.data.length, 'each step restyles every trace');
      const mlpMse = fig.data.findIndex((t) => t.name === 'mlp L=1, mse');
      const want = [4, 16].map((w) => back.points.find((p) => p.kind === 'mlp' && p.width === w && p.loss === 'mse' && p.drift === 0.8)!.heldOutError);
      assert.deepEqual(at08[mlpMse], want);
      assert.deepEqual(fig.data[mlpMse].x, [4, 16].map((w) => back.points.find((p) => p.kind === 'mlp' && p.width === w)!.params));
      const menu = (fig.layout.updatemenus as { buttons: { label: string; args: [{ visible: boolean[] }] }[] }[])[0];
      assert.deepEqual(menu.buttons.map((b) => b.label), ['both losses', 'loss: mse', 'loss: softmax']);
      const onlySoftmax = menu.buttons[2].args[0].visible;
      fig.data.forEach((t, i) => assert.equal(onlySoftmax[i], t.name === 'stale cache (identity)' || String(t.name).endsWith('softmax'), String(t.name)));
      assert.equal(JSON.parse(JSON.stringify(fig)).data.length, fig.data.length, 'plain JSON');
      assert.throws(() => complexityExplorerFigure(back, { drift: 0.5 }), /not in the grid/);
      fs.writeFileSync(file, JSON.stringify({ ...grid, version: 99 }));
      assert.throws(() => readComplexityGrid(file), /version 99/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
