import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDevice, parseNvidiaSmi, queryNvidiaSmi } from '../../src/tensor/device';
import { adapterDevice, isSoftwareAdapter } from '../../src/tensor/webgpu';

test('nvidia-smi query output parses to name, memory, compute capability and driver', () => {
  assert.deepEqual(parseNvidiaSmi('NVIDIA H200, 143771, 9.0, 580.159.03\nNVIDIA H200, 143771, 9.0, 580.159.03\n'),
    { name: 'NVIDIA H200', memoryMiB: 143771, computeCapability: '9.0', driver: '580.159.03' });
  assert.equal(parseNvidiaSmi(''), undefined);
  assert.equal(parseNvidiaSmi('No devices were found'), undefined);
  const fake = (() => ({ status: 0, stdout: 'NVIDIA A100-SXM4-80GB, 81920, 8.0, 550.54\n' })) as unknown as Parameters<typeof queryNvidiaSmi>[0];
  assert.equal(queryNvidiaSmi(fake)?.computeCapability, '8.0');
  const missing = (() => ({ status: null, error: new Error('ENOENT') })) as unknown as Parameters<typeof queryNvidiaSmi>[0];
  assert.equal(queryNvidiaSmi(missing), undefined);
});

test('software renderers are named as such; a hardware adapter is a GPU', () => {
  const mesa = { vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6' };
  assert.equal(isSoftwareAdapter(mesa), true);
  assert.equal(isSoftwareAdapter({ vendor: 'google', device: 'SwiftShader Device (Subzero)' }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'mesa', device: 'llvmpipe (LLVM 17.0.6, 256 bits)', description: 'Mesa 24 (lavapipe)' }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 580.159.03' }), false);
  assert.equal(isSoftwareAdapter({ vendor: 'nvidia', device: 'NVIDIA H200' }, true), true, 'the fallback flag wins');
  const d = adapterDevice(mesa, 'OpenGL (EGL)', 'compatibility');
  assert.equal(d.kind, 'software-gpu');
  assert.match(describeDevice(d), /^llvmpipe-llvm-15-0-6-256-bits- \(OpenGL version 4\.5 .*Mesa 22\.3\.6\), OpenGL \(EGL\) \(compatibility mode\), a software adapter running on the CPU, not a GPU$/);
  const h = adapterDevice({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: '' }, 'Vulkan', 'core');
  assert.equal(h.kind, 'gpu');
  assert.equal(describeDevice(h), 'NVIDIA H200, Vulkan');
  assert.equal(describeDevice({ kind: 'gpu', name: 'NVIDIA H200', memoryMiB: 143771, computeCapability: '9.0', driver: '580.159.03' }), 'NVIDIA H200, 143771 MiB, compute 9.0, driver 580.159.03');
});
