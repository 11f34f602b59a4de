import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendRows } from '../../bench/run';

const bert = (fwd: number, train?: number) => ({ size: 'small', layers: 4, hidden: 256, batch: 8, seq: 64, forwardTextsPerSec: fwd, ...(train ? { trainStepsPerSec: train } : { trainSkipped: 'one forward pass takes 9.0 s on this backend (budget 5 s)' }) });
const cpuDevice = { kind: 'cpu', name: 'AMD EPYC' };

test('backend rows: each available backend against the native CPU one, the unavailable with their reason', () => {
  const rows = backendRows({
    results: [
      { backend: 'tensorflow-gpu', available: false, reason: 'TensorFlow reports no GPU device (isUsingGpuDevice is false): ...' },
      { backend: 'webgpu', available: true, gpu: false, device: { kind: 'software-gpu', name: 'llvmpipe' }, matMul1024: { gflops: 1 }, matMulLargest: { n: 512, gflops: 0.8 }, bert: bert(2) },
      { backend: 'tensorflow', available: true, gpu: false, device: cpuDevice, matMul1024: { gflops: 200 }, matMulLargest: { n: 2048, gflops: 210 }, bert: bert(120, 2) },
      { backend: 'wasm', available: true, gpu: false, device: cpuDevice, matMul1024: { gflops: 20 }, matMulLargest: { n: 1024, gflops: 20 }, bert: { ...bert(30), trainSkipped: undefined, error: "Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'" } },
    ],
    gpuCheck: null,
    gpuCheckNote: 'no bench/results/gpu-check.json: no GPU check has been run',
  });
  const by = (prefix: string) => rows.filter((r) => r.benchmark.startsWith(prefix));
  assert.equal(by('backend tensorflow-gpu')[0].ours, 'not available');
  assert.match(by('backend tensorflow-gpu')[0].note!, /isUsingGpuDevice is false/);
  const webgpu = by('matMul 1024³ float32, webgpu')[0];
  assert.match(webgpu.benchmark, /software adapter: llvmpipe/);
  assert.equal(webgpu.ratio, 1 / 200);
  assert.equal(by('matMul 1024³ float32, tensorflow')[0].ratio, null, 'the reference has no ratio to itself');
  assert.equal(by('BERT small, webgpu: training step')[0].ours, 'not measured');
  assert.equal(by('BERT small, tensorflow: training step')[0].ours, '2 steps/s');
  assert.equal(by('BERT small, wasm: training step')[0].ours, 'failed');
  assert.match(by('BERT small, wasm: training step')[0].note!, /UnsortedSegmentSum/);
  assert.equal(by('GPU check')[0].ours, 'not run');
});

test('backend rows: the GPU check\'s figures against PyTorch on the same GPU', () => {
  const rows = backendRows({
    results: [],
    gpuCheck: {
      date: '2026-12-05T00:00:00Z', device: { name: 'NVIDIA H200' },
      ours: { matMul: { n: 4096, gflops: 20000 }, bert: { size: 'base', batch: 32, seq: 128, forward: { textsPerSec: 300 }, trainStep: { stepsPerSec: 2 } }, parity: { ok: true, maxGradDiff: 1e-4, maxGrad: 90 } },
      torch: { matMul: { fp32: { gflops: 40000 }, bf16: { gflops: 600000 } }, bert: { fp32: { forward: { textsPerSec: 1200 }, trainStep: { stepsPerSec: 8 } }, bf16: { trainStep: { stepsPerSec: 20 } } } },
      ratios: { matMulOursOverTorchFp32: 0.5, bertForwardOursOverTorchFp32: 0.25, bertTrainStepOursOverTorchFp32: 0.25 },
    },
  });
  assert.equal(rows.length, 3);
  assert.match(rows[0].benchmark, /^GPU check 2026-12-05 on NVIDIA H200: matMul 4096³/);
  assert.deepEqual(rows.map((r) => r.ratio), [0.5, 0.25, 0.25]);
  assert.match(rows[2].note!, /gradient parity against the CPU: ok/);
});
