/**
 * The webgpu backend as users meet it: `freshcache backend --backend webgpu` (and
 * FRESHCACHE_BACKEND=webgpu) names the adapter and says whether it is a GPU; synchronous reads fail
 * at once with one line; batched reads return every tensor. Run with `npm run test:webgpu`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { initBackend, readTensors, tf, BackendUnavailableError } from '../../src/tensor';
import { gpuDeviceNodes } from '../../src/tensor/device';
import { SYNC_READ_MESSAGE } from '../../src/tensor/webgpu';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'freshcache.js');
const noGpu = gpuDeviceNodes().length === 0;

test('freshcache backend --backend webgpu prints the adapter and says it is a software adapter', () => {
  const r = spawnSync(process.execPath, [CLI, 'backend', '--backend', 'webgpu'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'backend: webgpu');
  assert.match(lines[1], /^device: \S/);
  assert.match(r.stdout, /^versions: tfjs 4\.22\.0, @tensorflow\/tfjs-backend-webgpu 4\.22\.0, webgpu 0\.6\.2$/m);
  assert.match(r.stdout, /^matMul \d+³ float32: [\d.]+ ms \([\d.]+ GFLOP\/s\)$/m);
  if (noGpu) {
    assert.match(lines[1], /a software adapter running on the CPU, not a GPU$/);
    assert.equal(lines[2], 'GPU: no (a software adapter: the GPU API runs on the CPU)');
  }
});

test('FRESHCACHE_BACKEND=webgpu is honoured by every command; --json gives the record', () => {
  const r = spawnSync(process.execPath, [CLI, 'backend', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000, env: { ...process.env, FRESHCACHE_BACKEND: 'webgpu' } });
  assert.equal(r.status, 0, r.stderr);
  const rec = JSON.parse(r.stdout);
  assert.equal(rec.name, 'webgpu');
  assert.equal(rec.gpu, rec.device.kind === 'gpu');
  if (noGpu) assert.equal(rec.device.kind, 'software-gpu');
  assert.ok(rec.device.adapter && typeof rec.device.adapter.description === 'string');
  assert.ok(rec.matMul.gflops > 0);
});

test('on webgpu: a synchronous read fails at once with one line; readTensors reads a mixed batch in order', async () => {
  await initBackend('webgpu');
  const a = tf.matMul(tf.ones([8, 8]), tf.fill([8, 8], 2)); // computed on the device
  const t0 = performance.now();
  assert.throws(() => a.dataSync(), (e: Error) => e.message === SYNC_READ_MESSAGE && !e.message.includes('\n'));
  assert.ok(performance.now() - t0 < 1000, 'fails without waiting');
  const b = tf.add(tf.range(0, 5, 1, 'int32'), tf.scalar(1, 'int32'));
  const c = tf.sum(a);
  const [va, vb, vc] = await readTensors([a, b, c]);
  assert.deepEqual(Array.from(va), new Array(64).fill(16));
  assert.deepEqual(Array.from(vb), [1, 2, 3, 4, 5]);
  assert.ok(vb instanceof Int32Array);
  assert.deepEqual(Array.from(vc), [1024]);
  tf.dispose([a, b, c]);
});

test('after Mesa is loaded for webgpu, the native backend is refused with the reason instead of crashing', { skip: !noGpu && 'no Mesa on GPU machines' }, async () => {
  await initBackend('webgpu');
  await assert.rejects(initBackend('tensorflow'), (e: Error) => e instanceof BackendUnavailableError && /libLLVM.*choose the native backend before webgpu/.test(e.message));
});
