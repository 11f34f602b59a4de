import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { buildCache } from '../../src/cache/build';
import { docs, hashEncode, hashEncoderMeta, tmpDir } from './helpers';

const root = tmpDir();
after(() => fs.rmSync(root, { recursive: true, force: true }));
const dim = 4;
const base = (dir: string) => ({ dir, corpus: docs(20), encoder: hashEncoderMeta(dim), dim, normalized: false, shardRows: 8, batchSize: 4 });

test('a build that fails before completing a shard leaves nothing: no build.json, no folder it created', async () => {
  const dir = path.join(root, 'failed');
  await assert.rejects(buildCache({ ...base(dir), encode: hashEncode(dim, { failAfterBatches: 1 }) }), /simulated crash/);
  assert.equal(fs.existsSync(dir), false);
  const existing = path.join(root, 'existing');
  fs.mkdirSync(existing);
  fs.writeFileSync(path.join(existing, 'README'), 'mine');
  await assert.rejects(buildCache({ ...base(existing), encode: hashEncode(dim, { failAfterBatches: 0 }) }), /simulated crash/);
  assert.deepEqual(fs.readdirSync(existing), ['README']);
});

test('a build.json left beside no shard (a killed run) does not block the next build, even with other settings', async () => {
  const dir = path.join(root, 'killed');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'build.json'), JSON.stringify({ dim: 99, dtype: 'f32', normalized: false, encoderKind: 'other', encoderFingerprint: 'x', step: 0, shardRows: 8, part: null }));
  const m = await buildCache({ ...base(dir), encode: hashEncode(dim) });
  assert.equal(m.rows, 20);
  assert.ok(!fs.existsSync(path.join(dir, 'build.json')));
});

test('a build that fails after completing a shard keeps build.json and resumes', async () => {
  const dir = path.join(root, 'partial');
  await assert.rejects(buildCache({ ...base(dir), encode: hashEncode(dim, { failAfterBatches: 3 }) }), /simulated crash/);
  assert.ok(fs.existsSync(path.join(dir, 'build.json')));
  assert.ok(fs.existsSync(path.join(dir, 'shard-00000.done.json')));
  const m = await buildCache({ ...base(dir), encode: hashEncode(dim) });
  assert.equal(m.rows, 20);
});
