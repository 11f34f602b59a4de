import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { buildCache } from '../../src/cache/build';
import { openCache } from '../../src/cache/reader';
import { refreshRows } from '../../src/cache/refresh';
import { fromFloat16, toFloat16 } from '../../src/util/f16';
import { docs, hashEncode, hashEncoderMeta, tmpDir } from './helpers';

const dim = 4;
const root = tmpDir();
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
async function build(dtype: 'f32' | 'f16' = 'f32') {
  const dir = path.join(root, `c${n++}`);
  await buildCache({ dir, corpus: docs(25), encode: hashEncode(dim), encoder: hashEncoderMeta(dim), dim, dtype, normalized: false, shardRows: 10, batchSize: 8, step: 1 });
  return dir;
}

test('refreshRows overwrites rows and steps in the affected shards only, atomically', async () => {
  const dir = await build();
  const r = await openCache(dir);
  const before = r.read(0, 25);
  const rows = new Int32Array([3, 21, 3]);
  const emb = new Float32Array([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  const m = await refreshRows(r, rows, emb, 9);
  assert.ok(m);
  // the reader passed in was reloaded
  const after = r.read(0, 25);
  const want = Float32Array.from(before);
  want.set([3, 3, 3, 3], 3 * dim); // last occurrence of row 3 wins
  want.set([2, 2, 2, 2], 21 * dim);
  assert.deepEqual(Array.from(after), Array.from(want));
  const at = Array.from(r.embeddedAt);
  assert.deepEqual([at[3], at[21], at[4], at[10]], [9, 9, 1, 1]);
  // shard 1 untouched; shards 0 and 2 at generation 1 with the old files gone
  assert.deepEqual(m!.shards.map((s) => [s.generation, s.file]), [[1, 'shard-00000.g1.f32'], [0, 'shard-00001.f32'], [1, 'shard-00002.g1.f32']]);
  const files = fs.readdirSync(dir).sort();
  assert.ok(!files.includes('shard-00000.f32') && !files.includes('shard-00000.embedded-at.i32'));
  assert.ok(files.includes('shard-00000.g1.embedded-at.i32'));
  // checksums in the new manifest are right
  const v = await openCache(dir, { verify: true });
  assert.deepEqual(Array.from(v.read(0, 25)), Array.from(want));
  v.close();
  // a second refresh of the same shard moves it to generation 2
  const m2 = await refreshRows(dir, [0], new Float32Array([5, 5, 5, 5]), 10);
  assert.equal(m2!.shards[0].file, 'shard-00000.g2.f32');
  r.close();
});

test('a reader opened before a refresh keeps seeing the old rows until reload', async () => {
  const dir = await build();
  const r = await openCache(dir);
  const before = r.read(0, 10);
  await refreshRows(dir, [2], new Float32Array([7, 7, 7, 7]), 2);
  assert.deepEqual(Array.from(r.read(0, 10)), Array.from(before));
  r.reload();
  assert.deepEqual(Array.from(r.read(2, 3)), [7, 7, 7, 7]);
  r.close();
});

test('a refresh interrupted before the manifest switch leaves the old cache, and its files are cleaned up next time', async () => {
  const dir = await build();
  const r0 = await openCache(dir);
  const before = r0.read(0, 25);
  r0.close();
  // what a crash between steps 1 and 2 leaves: a new-generation file nobody references, and a temp
  fs.writeFileSync(path.join(dir, 'shard-00001.g1.f32'), Buffer.alloc(160, 1));
  fs.writeFileSync(path.join(dir, '.tmp-shard-00001.g1.embedded-at.i32.1.x'), 'partial');
  const r = await openCache(dir, { verify: true });
  assert.deepEqual(Array.from(r.read(0, 25)), Array.from(before));
  r.close();
  await refreshRows(dir, [0], new Float32Array([1, 2, 3, 4]), 5);
  const files = fs.readdirSync(dir);
  assert.ok(!files.includes('shard-00001.g1.f32'));
  assert.ok(!files.some((f) => f.startsWith('.tmp-')));
});

test('f16 caches store refreshed rows as float16; a value float16 cannot hold is refused, not stored as Infinity', async () => {
  const dir = await build('f16');
  const emb = new Float32Array([0.1, 0.2, -0.3, 6e4]);
  await refreshRows(dir, [24], emb, 4);
  const r = await openCache(dir, { verify: true });
  assert.deepEqual(Array.from(r.read(24, 25)), Array.from(fromFloat16(toFloat16(emb))));
  r.close();
  await assert.rejects(refreshRows(dir, [3], new Float32Array([0, 0, 1e5, 0]), 5), /refresh of row 3: 100000 at column 2 overflows float16 \(largest 65504\); store this cache as f32/);
  await assert.rejects(refreshRows(dir, [3], new Float32Array([0, NaN, 0, 0]), 5), /refresh of row 3: the encoder produced NaN at column 1/);
});

test('bad refresh requests are refused before anything is written', async () => {
  const dir = await build();
  const names = fs.readdirSync(dir).sort();
  await assert.rejects(refreshRows(dir, [25], new Float32Array(4), 1), /row 25 is not inside \[0, 25\)/);
  await assert.rejects(refreshRows(dir, [1, 2], new Float32Array(4), 1), /expected 8/);
  assert.deepEqual(fs.readdirSync(dir).sort(), names);
});
