/**
 * A short training run on WebGPU (a software adapter on machines without a GPU): the corrector
 * strategy on the tiny task (search over the cache, encoder and corrector steps, cache write-back,
 * logging, a checkpoint, evaluation), with the same config on the native CPU backend for reference.
 * Run with `npm run test:webgpu`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { tinyTask } from '../train/helpers';
import { resolveConfig } from '../../src/train/config';
import { encoderFactory } from '../../src/train/encoders';
import { trainRetriever } from '../../src/train/loop';
import { readLog } from '../../src/train/log';

async function shortRun(backend: 'tensorflow' | 'webgpu') {
  await initBackend(backend);
  const { data, glove } = tinyTask();
  const cfg = resolveConfig({
    steps: 6, batchSize: 8, negatives: 3, logEvery: 2, checkpointEvery: 3, probeRows: 40, probeQueries: 8, lr: 5e-2, beta: 5, blockRows: 32,
    dataset: 'tiny', strategy: 'corrector', encoder: { pooling: 'mean', projection: 'linear', normalize: true },
    corrector: { kind: 'mlp', width: 16, extraUniform: 4 },
  });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `fc-webgpu-${backend}-`));
  const result = await trainRetriever({ config: cfg, data, runDir, makeEncoders: encoderFactory(cfg.encoder, data, 1, glove) });
  return { result, log: readLog(path.join(runDir, 'log.jsonl')), runDir };
}

test('the corrector strategy trains for 6 steps on WebGPU, as on the native CPU backend', async () => {
  const cpu = await shortRun('tensorflow');
  const gpu = await shortRun('webgpu');
  assert.equal(gpu.result.steps, 6);
  assert.equal(gpu.result.stopped, false);
  const losses = (log: typeof gpu.log) => log.filter((r) => r.loss !== undefined).map((r) => [r.step, r.loss!] as const);
  const [g, c] = [losses(gpu.log), losses(cpu.log)];
  assert.ok(g.length >= 2, 'losses are logged');
  assert.deepEqual(g.map(([s]) => s), c.map(([s]) => s));
  for (const [, l] of g) assert.ok(Number.isFinite(l) && l > 0);
  // the first logged step sees the same weights and negatives on both backends
  assert.ok(Math.abs(g[0][1] - c[0][1]) <= 1e-4 * Math.abs(c[0][1]), `first logged loss ${g[0][1]} on webgpu vs ${c[0][1]} on tensorflow`);
  assert.ok(Number.isFinite(gpu.result.dev.mrr10));
  assert.ok(fs.existsSync(path.join(gpu.runDir, 'corrector', 'corrector.json')), 'the trained corrector is saved');
  for (const r of [cpu, gpu]) fs.rmSync(r.runDir, { recursive: true, force: true });
});
