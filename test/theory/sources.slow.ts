import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { initBackend } from '../../src/tensor';
import { InputError } from '../../src/util/errors';
import { buildCache } from '../../src/cache/build';
import { hashVector as hashVectorOf, hashEncoderMeta, encodeWith as encodeWithDim, docs } from '../cache/helpers';
import { fitCorrectorFromCaches } from '../../src/corrector';
import { estimateBoundFromCaches, splitPairs, DEFAULT_CAPACITIES } from '../../src/theory';
import { runCacheCapacitySweep, formatCapacityTable } from '../../src/experiments/capacity-sweep';

const dim = 6;

/** Deterministic text → vector in [-1, 1)^dim (the cache tests' fixture encoder). */
const hashVector = (text: string): Float32Array => hashVectorOf(text, dim);
const drifted = (t: string) => {
  const s = hashVector(t);
  return s.map((v, j) => v + 0.3 * Math.tanh(s[(j + 1) % dim]) + 0.05);
};
const encodeWith = (f: (t: string) => Float32Array) => encodeWithDim(f, dim);

let root: string;
before(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-theory-'));
  const meta = (fp: string) => hashEncoderMeta(dim, fp);
  await buildCache({ dir: path.join(root, 'stale'), corpus: docs(500), encode: encodeWith(hashVector), encoder: meta('a'), dim, normalized: false });
  await buildCache({ dir: path.join(root, 'fresh'), corpus: docs(500), encode: encodeWith(drifted), encoder: meta('b'), dim, normalized: false, step: 10 });
  await fitCorrectorFromCaches({ staleDir: path.join(root, 'stale'), freshDir: path.join(root, 'fresh'), outDir: path.join(root, 'corrector'), corrector: { kind: 'linear' }, learningRate: 0.05, batchSize: 64, maxEpochs: 30 });
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('bound from caches and the CLI', () => {
  test('splitPairs keeps rows paired and splits by the fraction', () => {
    const stale = Float32Array.from({ length: 20 }, (_, i) => i);
    const fresh = stale.map((x) => x + 100);
    const { pairs, heldOut } = splitPairs(stale, fresh, 2, 0.3, 1);
    assert.equal(pairs.stale.length / 2, 7);
    assert.equal(heldOut!.stale.length / 2, 3);
    for (let i = 0; i < pairs.stale.length; i++) assert.equal(pairs.fresh[i], pairs.stale[i] + 100);
    const all = [...pairs.stale, ...heldOut!.stale].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from(stale));
    assert.throws(() => splitPairs(stale, fresh, 2, 1), InputError);
  });

  test('estimateBoundFromCaches: term table, held-out error under the bound', async () => {
    const est = await estimateBoundFromCaches({ correctorDir: path.join(root, 'corrector'), staleDir: path.join(root, 'stale'), freshDir: path.join(root, 'fresh'), maxRows: 400, heldOutFraction: 0.5 });
    assert.equal(est.kind, 'linear');
    assert.equal(est.m, 200);
    assert.equal(est.heldOut!.rows, 200);
    assert.ok(est.heldOut!.meanError <= est.bound);
    assert.ok(est.empiricalError < est.staleness, 'the fitted corrector beats the worst stale row');
    await assert.rejects(estimateBoundFromCaches({ correctorDir: path.join(root, 'nope'), staleDir: path.join(root, 'stale'), freshDir: path.join(root, 'fresh') }), InputError);
  });

  test('capacity sweep on two caches: identity vs linear vs mlp, held-out error and recovery', async () => {
    const res = await runCacheCapacitySweep({
      staleDir: path.join(root, 'stale'),
      freshDir: path.join(root, 'fresh'),
      capacities: DEFAULT_CAPACITIES.slice(0, 3),
      pairCounts: [64, 300, 10000],
      heldOutRows: 150,
      fit: { maxSteps: 200 },
      maxQueries: 40,
    });
    assert.equal(res.rowsSampled, 500);
    assert.deepEqual([...new Set(res.points.map((p) => p.m))], [64, 300], 'pair counts above the sample are dropped');
    assert.equal(res.points.length, 6);
    assert.equal(res.queriesFrom, 'held-out fresh rows');
    const get = (c: string, m: number) => res.points.find((p) => p.capacity === c && p.m === m)!;
    assert.equal(get('identity', 300).parameters, 0);
    assert.ok(Math.abs(get('identity', 300).stats.heldOutError.mean - get('identity', 300).stats.staleError.mean) < 1e-6);
    assert.ok(get('linear', 300).stats.heldOutError.mean < get('identity', 300).stats.heldOutError.mean);
    assert.ok(get('linear', 300).stats.topKRecall.mean >= get('linear', 300).stats.topKRecallStale.mean - 0.05);
    for (const p of res.points) assert.ok(p.stats.heldOutError.mean <= p.stats.bound.mean);
    assert.match(formatCapacityTable(res), /params/);
    await assert.rejects(runCacheCapacitySweep({ staleDir: path.join(root, 'stale'), freshDir: path.join(root, 'fresh'), heldOutRows: 600 }), InputError);
  });

  test('CLI: freshcache bound --corrector … --pairs <stale> <fresh> prints the table and writes JSON', () => {
    const bin = path.join(__dirname, '..', '..', 'bin', 'freshcache.js');
    const json = path.join(root, 'out', 'bound.json');
    const stdout = execFileSync(
      process.execPath,
      [bin, 'bound', '--corrector', path.join(root, 'corrector'), '--pairs', path.join(root, 'stale'), path.join(root, 'fresh'), '--max-rows', '300', '--json', json, '--quiet'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    assert.match(stdout, /loss bound B/);
    assert.match(stdout, /measured held-out error/);
    const saved = JSON.parse(fs.readFileSync(json, 'utf8'));
    assert.equal(saved.m, 150);
    assert.ok(Array.isArray(saved.terms));
  });
});
