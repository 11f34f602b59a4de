import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { runCli as cli } from '../fixtures/cli';
import { parseShardFlag } from '../../src/cli/commands/build-cache';
import { folderContents, tmpDir } from './helpers';

const root = tmpDir();
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('build-cache, sharded build + merge-cache and cache-info from the CLI', async () => {
  const corpus = path.join(root, 'corpus.jsonl');
  const lines = Array.from({ length: 45 }, (_, i) => JSON.stringify({ _id: `p${i}`, title: `t${i % 4}`, text: `passage ${i} about word${i % 7} and word${i % 5}` }));
  fs.writeFileSync(corpus, lines.join('\n') + '\n');
  const common = ['--corpus', corpus, '--encoder', 'random', '--dim', '16', '--shard-rows', '10', '--batch-size', '4', '--quiet'];
  const whole = path.join(root, 'whole');
  let r = await cli('build-cache', ...common, '--out', whole, '--dtype', 'f16');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /45 rows × 16 f16 in 5 shard\(s\)/);
  for (const i of [0, 1]) {
    r = await cli('build-cache', ...common, '--out', path.join(root, `part${i}`), '--dtype', 'f16', '--shard', `${i}/2`);
    assert.equal(r.code, 0, r.err);
  }
  const merged = path.join(root, 'merged');
  r = await cli('merge-cache', '--quiet', '--out', merged, '--verify', path.join(root, 'part1'), path.join(root, 'part0'));
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(folderContents(merged), folderContents(whole));
  r = await cli('cache-info', merged, '--verify');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /rows 45, dim 16, dtype f16, normalized true/);
  assert.match(r.out, /checksums: ok/);
  r = await cli('build-cache', ...common, '--out', whole, '--dtype', 'f32');
  assert.equal(r.code, 2);
  assert.match(r.err, /^error: .*whole: already holds a finished cache with dtype=f16, but this build asks for dtype=f32/);
  r = await cli('cache-info', path.join(root, 'none'));
  assert.equal(r.code, 2);
  assert.match(r.err, /manifest\.json: missing/);
});

test('parseShardFlag', () => {
  assert.deepEqual(parseShardFlag('2/5'), { index: 2, count: 5 });
  assert.equal(parseShardFlag(undefined), undefined);
  assert.throws(() => parseShardFlag('5/5'), /0 <= i < n/);
  assert.throws(() => parseShardFlag('1-2'), /expected i\/n/);
});
