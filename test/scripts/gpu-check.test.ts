/**
 * The GPU check's report (scripts/gpu-check/check.ts): ratios of ours over PyTorch's throughput on
 * the same GPU, null where a side has no number. The check itself runs in CI as
 * `scripts/gpu-check.sh --dry-run` (its own step: it bundles and runs on the software adapter).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DRY, FULL, mergeReports } from '../../scripts/gpu-check/check';

test('the report divides our throughput by PyTorch\'s, float32 and bf16, and keeps both sides', () => {
  const ours = { backend: { gpu: true, device: { kind: 'gpu', name: 'NVIDIA H200' } }, matMul: { gflops: 20000 }, bert: { forward: { textsPerSec: 300 }, trainStep: { stepsPerSec: 2 } } };
  const torch = { matMul: { fp32: { gflops: 40000 }, bf16: { gflops: 500000 } }, bert: { fp32: { forward: { textsPerSec: 1200 }, trainStep: { stepsPerSec: 8 } }, bf16: { trainStep: { stepsPerSec: 20 } } } };
  const r = mergeReports(ours, torch, false) as any;
  assert.equal(r.mode, 'full');
  assert.equal(r.gpu, true);
  assert.equal(r.device.name, 'NVIDIA H200');
  assert.deepEqual(r.ratios, { matMulOursOverTorchFp32: 0.5, matMulOursOverTorchBf16: 0.04, bertForwardOursOverTorchFp32: 0.25, bertTrainStepOursOverTorchFp32: 0.25, bertTrainStepOursOverTorchBf16: 0.1 });
  assert.equal(r.ours, ours);
  const none = mergeReports({ error: 'webgpu backend did not start: no adapter' }, { error: 'no python3' }, true) as any;
  assert.equal(none.gpu, false);
  assert.ok(Object.values(none.ratios).every((v) => v === null));
  assert.match(none.mode, /^dry/);
});

test('full sizes are the issue\'s (4096³, BERT-base, batch 32 × 128); dry ones are tiny', () => {
  assert.deepEqual({ n: FULL.matMulN, bert: FULL.bert, batch: FULL.batch, seq: FULL.seq }, { n: 4096, bert: 'base', batch: 32, seq: 128 });
  assert.ok(DRY.matMulN <= 512 && DRY.bert === 'tiny');
});
