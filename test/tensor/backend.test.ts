import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, parseBackend, tf } from '../../src/tensor';
import { InputError } from '../../src/util/errors';

function nativeAddonLoads(): boolean {
  try {
    require('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

test('parseBackend accepts known names and rejects others naming the source', () => {
  assert.equal(parseBackend('wasm', '--backend'), 'wasm');
  assert.equal(parseBackend('auto', '--backend'), 'auto');
  assert.throws(() => parseBackend('gpu', '--backend'), (e: unknown) => e instanceof InputError && /--backend: unknown backend 'gpu'/.test(e.message));
});

test('a forced backend that is unavailable is an error with the reason, not a silent fallback', async () => {
  let gpuInstalled = true;
  try {
    require.resolve('@tensorflow/tfjs-node-gpu');
  } catch {
    gpuInstalled = false;
  }
  if (gpuInstalled) return; // on GPU machines this request may legitimately succeed
  await assert.rejects(initBackend('tensorflow-gpu'), /tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed/);
});

test('auto picks the native backend when its addon loads, and says why GPU was skipped', async () => {
  const info = await initBackend('auto');
  if (nativeAddonLoads()) {
    assert.equal(info.name, 'tensorflow');
    assert.match(info.tfVersion ?? '', /^\d+\.\d+\.\d+/);
  } else {
    assert.notEqual(info.name, 'tensorflow');
    assert.ok(info.skipped.some((s) => s.name === 'tensorflow'));
  }
  assert.equal(info.skipped[0].name, 'tensorflow-gpu');
  assert.match(info.summary, new RegExp(`^backend: ${info.name} `));
  assert.deepEqual(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()), [11]);
});

test('wasm and cpu backends can be forced and compute the same product', async () => {
  const a = [[1, 2, 3], [4, 5, 6]];
  const b = [[1, 0], [0, 1], [1, 1]];
  const results: number[][] = [];
  for (const name of ['wasm', 'cpu'] as const) {
    const info = await initBackend(name);
    assert.equal(info.name, name);
    assert.equal(tf.getBackend(), name);
    results.push(Array.from(tf.matMul(tf.tensor2d(a), tf.tensor2d(b)).dataSync()));
  }
  assert.deepEqual(results[0], [4, 5, 10, 11]);
  assert.deepEqual(results[1], results[0]);
});

test('FRESHCACHE_BACKEND is read when no request is given', async () => {
  process.env.FRESHCACHE_BACKEND = 'cpu';
  try {
    const info = await initBackend();
    assert.equal(info.name, 'cpu');
    process.env.FRESHCACHE_BACKEND = 'nonsense';
    await assert.rejects(initBackend(), /FRESHCACHE_BACKEND: unknown backend 'nonsense'/);
  } finally {
    delete process.env.FRESHCACHE_BACKEND;
  }
});
