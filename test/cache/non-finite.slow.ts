import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { buildCache } from '../../src/cache/build';
import { openCache } from '../../src/cache/reader';
import { readCachePairs } from '../../src/corrector/from-caches';
import { InputError } from '../../src/util/errors';
import { docs, hashEncode, hashEncoderMeta, tmpDir } from './helpers';
import { runCli } from '../cli/child';

const dim = 4;
let root: string;

/** Builds a cache of 30 rows (shards of 8) and writes NaN into row `poison`, column 2, when given. */
async function cache(name: string, dtype: 'f32' | 'f16', poison?: number): Promise<string> {
  const dir = path.join(root, name);
  await buildCache({ dir, corpus: docs(30), encode: hashEncode(dim), encoder: hashEncoderMeta(dim), dim, dtype, normalized: false, shardRows: 8 });
  if (poison !== undefined) {
    const file = path.join(dir, `shard-0000${Math.floor(poison / 8)}.${dtype}`);
    const buf = fs.readFileSync(file);
    const at = ((poison % 8) * dim + 2) * (dtype === 'f16' ? 2 : 4);
    if (dtype === 'f16') buf.writeUInt16LE(0x7e00, at);
    else buf.writeFloatLE(NaN, at);
    fs.writeFileSync(file, buf);
  }
  return dir;
}

before(() => {
  root = tmpDir();
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('reading a cache row with NaN is an error naming the row and its id (f32 and f16)', async () => {
  for (const dtype of ['f32', 'f16'] as const) {
    const r = await openCache(await cache(`bad-${dtype}`, dtype, 19));
    assert.equal(r.read(0, 16).length, 16 * dim); // rows before it read fine
    assert.throws(() => r.read(10, 30), (e: unknown) => e instanceof InputError && new RegExp(`shard-00002\\.${dtype}: row 19 \\(id 'd19'\\) holds NaN at column 2`).test(e.message));
    r.close();
    const allowed = await openCache(path.join(root, `bad-${dtype}`), { nonFinite: 'allow' });
    assert.ok(Number.isNaN(allowed.read(19, 20)[2]));
    allowed.close();
  }
});

test('readCachePairs refuses a non-finite row by default and drops the pair, counted, with skipNonFinite', async () => {
  const stale = await cache('stale', 'f32', 5);
  const fresh = await cache('fresh', 'f32');
  await assert.rejects(readCachePairs(stale, fresh), /row 5 \(id 'd5'\) holds NaN/);
  const p = await readCachePairs(stale, fresh, { skipNonFinite: true });
  assert.equal(p.skippedNonFinite, 1);
  assert.equal(p.rows.length, 29);
  assert.ok(!p.rows.includes(5));
  assert.ok(p.stale.every(Number.isFinite));
});

test('building a cache from an encoder that returns NaN stops at the row, leaving nothing', async () => {
  const dir = path.join(root, 'nan-build');
  const encode = async (texts: string[]) => Float32Array.from({ length: texts.length * dim }, (_, i) => (i === 3 * dim + 1 ? NaN : 0.5));
  await assert.rejects(
    buildCache({ dir, corpus: docs(12), encode, encoder: hashEncoderMeta(dim), dim, normalized: false, shardRows: 8, batchSize: 4 }),
    /row 3 \(id 'd3'\): the encoder produced NaN at column 1/,
  );
  assert.equal(fs.existsSync(dir), false, 'the folder it created is gone (nothing was built)');
  const big = async (texts: string[]) => Float32Array.from({ length: texts.length * dim }, (_, i) => (i === 2 * dim ? -7e4 : 0.5));
  await assert.rejects(
    buildCache({ dir, corpus: docs(12), encode: big, encoder: hashEncoderMeta(dim), dim, dtype: 'f16', normalized: false, shardRows: 8, batchSize: 4 }),
    /row 2 \(id 'd2'\): -70000 at column 0 overflows float16 \(largest 65504\); store this cache as f32/,
  );
});

test('CLI: fit-corrector on a cache with a NaN row exits 2 with one line; --skip-non-finite fits and says how many it skipped', async () => {
  const stale = path.join(root, 'stale');
  const fresh = path.join(root, 'fresh');
  const out = path.join(root, 'fit');
  const bad = await runCli(['fit-corrector', '--stale', stale, '--fresh', fresh, '--out', out, '--kind', 'linear', '--epochs', '2', '--quiet']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.equal(bad.errLines.length, 1, bad.stderr);
  assert.match(bad.errLines[0], /^error: .*row 5 \(id 'd5'\) holds NaN/);
  assert.ok(!fs.existsSync(out));
  const ok = await runCli(['fit-corrector', '--stale', stale, '--fresh', fresh, '--out', out, '--kind', 'linear', '--epochs', '2', '--skip-non-finite', '--quiet']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /skipped 1 row pairs holding NaN or Infinity/);
});
