import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendUnavailableError, backendRecord, copyFloats, initBackend, measureMatMul, parseBackend, readScalar, readTensors, tf } from '../../src/tensor';
import { gpuDeviceNodes } from '../../src/tensor/device';
import { isInstalled } from '../../src/tensor/native';
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
  assert.equal(parseBackend('webgpu', '--backend'), 'webgpu');
  assert.equal(parseBackend('auto', '--backend'), 'auto');
  assert.throws(() => parseBackend('gpu', '--backend'), (e: unknown) => e instanceof InputError && /--backend: unknown backend 'gpu'; expected one of auto, tensorflow-gpu, webgpu, tensorflow, wasm, cpu$/.test(e.message));
});

test('a forced backend that is unavailable is a one-line error with the reason, not a silent fallback', async () => {
  if (isInstalled('@tensorflow/tfjs-node-gpu')) return; // tested in a child process below (loading it pins this process)
  await assert.rejects(initBackend('tensorflow-gpu'), (e: unknown) =>
    e instanceof BackendUnavailableError && e instanceof InputError && /^backend tensorflow-gpu is not available: @tensorflow\/tfjs-node-gpu is not installed/.test((e as Error).message));
});

test('auto picks the native backend when its addon loads, says why GPU ones were skipped, and names the device and versions', async () => {
  const info = await initBackend('auto');
  if (nativeAddonLoads()) {
    assert.equal(info.name, 'tensorflow');
    assert.match(info.tfVersion ?? '', /^\d+\.\d+\.\d+/);
    assert.equal(info.versions.libtensorflow, info.tfVersion);
    assert.equal(info.versions['@tensorflow/tfjs-node'], '4.22.0');
  } else {
    assert.notEqual(info.name, 'tensorflow');
    assert.ok(info.skipped.some((s) => s.name === 'tensorflow'));
  }
  assert.equal(info.versions.tfjs, tf.version_core);
  assert.deepEqual(info.skipped.slice(0, 2).map((s) => s.name), ['tensorflow-gpu', 'webgpu']);
  if (gpuDeviceNodes().length === 0) {
    assert.equal(info.gpu, false);
    assert.equal(info.device.kind, 'cpu');
    assert.match(info.skipped[1].reason, /no GPU device visible .*force it with --backend webgpu/);
  }
  assert.match(info.summary, new RegExp(`^backend: ${info.name} `));
  assert.deepEqual(await backendRecord(), { name: info.name, gpu: info.gpu, device: info.device, versions: info.versions, skipped: info.skipped });
  assert.deepEqual(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()), [11]);
});

test('readTensors returns every tensor\'s values in order, whatever the dtype; readScalar the first value', async () => {
  const ts = [tf.tensor2d([[1.5, 2], [3, 4]]), tf.tensor1d([7, -8], 'int32'), tf.scalar(0.25), tf.tensor1d([1, 0, 1], 'bool')];
  const got = await readTensors(ts);
  assert.deepEqual(got.map((v) => Array.from(v)), [[1.5, 2, 3, 4], [7, -8], [0.25], [1, 0, 1]]);
  assert.ok(got[1] instanceof Int32Array && got[3] instanceof Uint8Array);
  assert.equal(await readScalar(ts[2]), 0.25);
  const copies = await copyFloats([ts[0]]);
  copies[0][0] = 99;
  assert.equal((await ts[0].data())[0], 1.5, 'copyFloats copies');
  tf.dispose(ts);
});

test('measureMatMul times a product and reports GFLOP/s from 2n³', async () => {
  const s = await measureMatMul(64, 2);
  assert.equal(s.n, 64);
  assert.ok(s.msPerProduct > 0 && Number.isFinite(s.gflops));
  assert.ok(Math.abs(s.gflops - (2 * 64 ** 3) / s.msPerProduct / 1e6) < 1e-9);
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
