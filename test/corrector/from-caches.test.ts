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
import { defaultTextOf } from '../../src/cache/build';
import { fitCorrectorFromCaches, readCachePairs, loadCorrector } from '../../src/corrector';

const dim = 6;

/** Deterministic text → vector in [-1, 1)^dim (the cache tests' fixture encoder). */
const hashVector = (text: string): Float32Array => hashVectorOf(text, dim);

/** The "fresh" encoder: a fixed linear drift of the stale one, fresh_j = stale_j + 0.5·stale_{j+1} + 0.1. */
function drifted(text: string): Float32Array {
  const s = hashVector(text);
  return s.map((v, j) => v + 0.5 * s[(j + 1) % dim] + 0.1);
}

const encodeWith = (f: (t: string) => Float32Array) => encodeWithDim(f, dim);

let root: string;
before(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-corrector-caches-'));
  const meta = (fp: string) => hashEncoderMeta(dim, fp);
  await buildCache({ dir: path.join(root, 'stale'), corpus: docs(400), encode: encodeWith(hashVector), encoder: meta('a'), dim, normalized: false, shardRows: 128 });
  await buildCache({ dir: path.join(root, 'fresh'), corpus: docs(400), encode: encodeWith(drifted), encoder: meta('b'), dim, normalized: false, step: 100, shardRows: 100 });
  await buildCache({ dir: path.join(root, 'other'), corpus: docs(400, 'x'), encode: encodeWith(drifted), encoder: meta('b'), dim, normalized: false });
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('fitting a corrector from two caches', () => {
  test('pairs rows by id, fits, saves the corrector and the report', async () => {
    const out = path.join(root, 'fit');
    const { report, json } = await fitCorrectorFromCaches({
      staleDir: path.join(root, 'stale'),
      freshDir: path.join(root, 'fresh'),
      outDir: out,
      corrector: { kind: 'linear' },
      learningRate: 0.05,
      batchSize: 64,
      maxEpochs: 40,
    });
    assert.equal(json.totalRows, 400);
    assert.equal(json.rowsRead, 400);
    assert.ok(report.heldOut.mse < 1e-2 * report.identity.mse, `${report.heldOut.mse} vs ${report.identity.mse}`);
    const saved = JSON.parse(fs.readFileSync(path.join(out, 'fit-report.json'), 'utf8'));
    assert.equal(saved.bestEpoch, report.bestEpoch);
    const h = loadCorrector(out);
    assert.deepEqual(await h.getWeights(), await report.corrector.getWeights());
    h.dispose();
    report.corrector.dispose();
  });

  test('a sample of rows; mismatched ids are refused', async () => {
    const p = await readCachePairs(path.join(root, 'stale'), path.join(root, 'fresh'), { maxRows: 50, seed: 3 });
    assert.equal(p.rows.length, 50);
    assert.ok(p.rows.every((r, i) => i === 0 || r > p.rows[i - 1]));
    const r = p.rows[7];
    const text = defaultTextOf(docs(400)[r]);
    assert.deepEqual(Array.from(p.stale.subarray(7 * dim, 8 * dim)), Array.from(hashVector(text)));
    assert.deepEqual(Array.from(p.fresh.subarray(7 * dim, 8 * dim)), Array.from(drifted(text)));
    await assert.rejects(readCachePairs(path.join(root, 'stale'), path.join(root, 'other')), (e: Error) => e instanceof InputError && /row 0 has id 'x0'/.test(e.message));
  });

  test('CLI: freshcache fit-corrector', () => {
    const out = path.join(root, 'cli');
    const bin = path.join(__dirname, '..', '..', 'bin', 'freshcache.js');
    const stdout = execFileSync(process.execPath, [bin, 'fit-corrector', '--stale', path.join(root, 'stale'), '--fresh', path.join(root, 'fresh'), '--out', out, '--kind', 'linear', '--epochs', '3', '--quiet'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.match(stdout, /held-out mse .* vs stale cache/);
    assert.ok(fs.existsSync(path.join(out, 'corrector.json')));
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'fit-report.json'), 'utf8')).epochs.length, 4);
  });
});
