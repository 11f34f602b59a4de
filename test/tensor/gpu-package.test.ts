/**
 * The GPU package built against CPU libraries (what `npm install` makes on a machine without CUDA:
 * scripts/setup-tfjs-node.js builds @tensorflow/tfjs-node-gpu against the tensorflow-cpu wheel) is
 * reported as CPU, never as GPU: TensorFlow itself says it found no GPU (isUsingGpuDevice).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { gpuDeviceNodes } from '../../src/tensor/device';
import { isInstalled } from '../../src/tensor/native';

const ROOT = path.join(__dirname, '..', '..');
const GPU_PKG = '@tensorflow/tfjs-node-gpu';

function gpuAddonLoads(): boolean {
  return spawnSync(process.execPath, ['-e', `require(${JSON.stringify(GPU_PKG)})`], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 }).status === 0;
}

const skip = !isInstalled(GPU_PKG) ? `${GPU_PKG} is not installed` : gpuDeviceNodes().some((f) => f.includes('nvidia')) ? 'an NVIDIA device is present: the GPU package may really use it' : false;

test('freshcache backend --backend tensorflow-gpu on a CPU build: exit 2, one line, the reason from TensorFlow', { skip }, () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'freshcache.js'), 'backend', '--backend', 'tensorflow-gpu'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  const reason = gpuAddonLoads() ? /TensorFlow reports no GPU device \(isUsingGpuDevice is false\)/ : /addon did not load/;
  assert.match(errors[0], new RegExp(`^error: backend tensorflow-gpu is not available: ${reason.source}`));
});

test('after the GPU package loaded and found no GPU, the native backend runs through it and is reported as CPU', { skip: skip || (!gpuAddonLoads() && 'the GPU addon is not built') }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'gpu-package-on-cpu.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(out.forced.ok, false);
  assert.equal(out.forced.name, 'BackendUnavailableError');
  assert.equal(out.after.record.name, 'tensorflow');
  assert.equal(out.after.record.gpu, false);
  assert.equal(out.after.record.device.kind, 'cpu');
  assert.equal(out.after.record.versions[GPU_PKG], '4.22.0');
  assert.match(out.after.summary, /^backend: tensorflow \(native CPU, TF \d+\.\d+\.\d+, through @tensorflow\/tfjs-node-gpu\)/);
  assert.doesNotMatch(out.after.summary, /GPU:|native GPU/);
});
