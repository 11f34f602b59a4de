import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../../src/util/errors';
import { shardFromEnvironment } from '../../src/cache/shard-env';
import { main } from '../../src/cli/main';
import { folderContents, tmpDir } from './helpers';

test('Slurm job arrays: 0-based, 1-based and stepped contiguous arrays', () => {
  assert.equal(shardFromEnvironment({}), undefined);
  assert.deepEqual(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3' }),
    { index: 2, count: 4, from: 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT' });
  assert.equal(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '4' })!.index, 0);
  assert.equal(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '6', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '6', SLURM_ARRAY_TASK_STEP: '2' })!.index, 2);
  // a sparse array (--array=0,2,7) cannot be a slicing of the corpus
  assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '7' }), /contiguous range/);
  assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2' }), /SLURM_ARRAY_TASK_COUNT: expected a non-negative integer, got nothing/);
  assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' }), InputError);
});

test('Kubernetes Indexed Jobs and FRESHCACHE_SHARD', () => {
  assert.deepEqual(shardFromEnvironment({ JOB_COMPLETION_INDEX: '3', FRESHCACHE_SHARD_COUNT: '8' }), { index: 3, count: 8, from: 'JOB_COMPLETION_INDEX/FRESHCACHE_SHARD_COUNT' });
  assert.throws(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '3' }), /FRESHCACHE_SHARD_COUNT is not/);
  assert.throws(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '8', FRESHCACHE_SHARD_COUNT: '8' }), /0 <= i < n/);
  // the explicit variable wins over a scheduler's
  assert.deepEqual(shardFromEnvironment({ FRESHCACHE_SHARD: '1/2', SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 1, count: 2, from: 'FRESHCACHE_SHARD' });
  assert.throws(() => shardFromEnvironment({ FRESHCACHE_SHARD: '2' }), /expected i\/n/);
});

const root = tmpDir();
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('build-cache takes its part from the array task; the merged parts equal a whole build; --shard 0/1 overrides', async () => {
  const corpus = path.join(root, 'corpus.jsonl');
  fs.writeFileSync(corpus, Array.from({ length: 37 }, (_, i) => JSON.stringify({ _id: `d${i}`, title: '', text: `text ${i} w${i % 3}` })).join('\n') + '\n');
  const common = ['--corpus', corpus, '--encoder', 'random', '--dim', '8', '--shard-rows', '5'];
  const saved = { ...process.env };
  const quiet = console.log;
  const error = console.error;
  const logs: string[] = [];
  console.log = () => {};
  console.error = (...a: unknown[]) => logs.push(a.join(' '));
  const stderr = process.stderr.write.bind(process.stderr);
  (process.stderr as { write: unknown }).write = (s: string) => (logs.push(String(s)), true);
  try {
    for (let task = 1; task <= 3; task++) {
      Object.assign(process.env, { SLURM_ARRAY_TASK_ID: String(task), SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3' });
      assert.equal(await main(['build-cache', ...common, '--out', path.join(root, `part${task}`)]), 0);
    }
    assert.equal(await main(['build-cache', ...common, '--shard', '0/1', '--out', path.join(root, 'whole')]), 0);
    process.env.SLURM_ARRAY_TASK_COUNT = 'many';
    assert.equal(await main(['build-cache', ...common, '--out', path.join(root, 'bad')]), 2);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    console.log = quiet;
    console.error = error;
    (process.stderr as { write: unknown }).write = stderr;
  }
  assert.ok(logs.some((l) => /part 2\/3 from SLURM_ARRAY_TASK_ID/.test(l)), logs.join(''));
  assert.ok(logs.some((l) => /SLURM_ARRAY_TASK_COUNT: expected a non-negative integer, got 'many'/.test(l)), logs.join(''));
  assert.ok(!fs.existsSync(path.join(root, 'bad', 'manifest.json')));
  const manifests = [1, 2, 3].map((t) => JSON.parse(fs.readFileSync(path.join(root, `part${t}`, 'manifest.json'), 'utf8')).part.index);
  assert.deepEqual(manifests, [0, 1, 2]);
  assert.equal(await main(['merge-cache', '--quiet', '--out', path.join(root, 'merged'), ...[3, 1, 2].map((t) => path.join(root, `part${t}`))]), 0);
  assert.deepEqual(folderContents(path.join(root, 'merged')), folderContents(path.join(root, 'whole')));
});
