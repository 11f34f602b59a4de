/**
 * WebGPU against the native CPU backend, on the same weights and inputs: a tiny BERT dual encoder's
 * in-batch softmax loss and gradients, and a corrector step (loss and the weights after one Adam
 * update). On machines without a GPU the adapter is Mesa's llvmpipe (software), which is what CI
 * runs. Slow (shader compilation on a software renderer): run with `npm run test:webgpu`, not in
 * `npm test`.
 *
 * Tolerances: float32 on both sides with different summation orders. Loss: |Δ| ≤ 1e-5·max(1, |loss|).
 * Gradients, and the weight changes of three Adam steps: max |Δ| over every entry ≤ 1e-4 · (max
 * |value| over every entry), i.e. agreement to about four significant digits of the largest entry.
 * (One Adam step moves every weight by about ±lr whatever the gradient's size, so the changes are
 * compared after three.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFloats, initBackend, tf } from '../../src/tensor';
import { BERT_SIZES, bertForStep, lossAndGradients, randomBatch } from '../../bench/bert-step';
import { buildCorrector } from '../../src/corrector/networks';
import { OnlineCorrectorTrainer } from '../../src/corrector/fit';
import { correctorLoss } from '../../src/corrector/losses';
import { Rng } from '../../src/util/rng';

const LOSS_TOL = 1e-5;
const REL_TOL = 1e-4;

/** max |a − b| over all entries, and max |b| (the reference's scale). */
function maxDiff(a: Float32Array[], b: Float32Array[]): { diff: number; scale: number } {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  a.forEach((x, i) => {
    assert.equal(x.length, b[i].length);
    for (let j = 0; j < x.length; j++) {
      diff = Math.max(diff, Math.abs(x[j] - b[i][j]));
      scale = Math.max(scale, Math.abs(b[i][j]));
    }
  });
  return { diff, scale };
}

async function onBackend<T>(name: 'tensorflow' | 'webgpu', fn: () => Promise<T>): Promise<T> {
  const info = await initBackend(name);
  assert.equal(tf.getBackend(), name === 'webgpu' ? 'webgpu' : 'tensorflow');
  if (name === 'webgpu') assert.notEqual(info.device.kind, 'cpu');
  return fn();
}

test('tiny BERT dual encoder: in-batch softmax loss and every gradient match the native CPU backend', async () => {
  const size = BERT_SIZES.tiny;
  const seq = 12;
  const queries = randomBatch(6, seq, size.vocab, 1, 3);
  const targets = randomBatch(6, seq, size.vocab, 2, 5);
  const run = async () => {
    const enc = bertForStep(size, seq, 7);
    try {
      return await lossAndGradients(enc, queries, targets, 20);
    } finally {
      enc.dispose();
    }
  };
  const cpu = await onBackend('tensorflow', run);
  const gpu = await onBackend('webgpu', run);
  assert.deepEqual(gpu.names.length, cpu.names.length);
  assert.ok(Number.isFinite(cpu.loss) && cpu.loss > 0);
  assert.ok(Math.abs(gpu.loss - cpu.loss) <= LOSS_TOL * Math.max(1, Math.abs(cpu.loss)), `loss ${gpu.loss} vs ${cpu.loss}`);
  const { diff, scale } = maxDiff(gpu.grads, cpu.grads);
  assert.ok(scale > 0, 'the gradients are not all zero');
  console.log(`loss ${gpu.loss} vs ${cpu.loss}; max gradient difference ${diff}, max gradient ${scale}`);
  assert.ok(diff <= REL_TOL * scale, `max gradient difference ${diff} over a max gradient of ${scale}`);
});

test('corrector step (MLP with LayerNorm, softmax loss + 0.5·mse): loss, gradients, and three Adam updates match', async () => {
  const d = 16;
  const m = 24;
  const rng = new Rng(5);
  const stale = Float32Array.from({ length: m * d }, () => rng.normal());
  const fresh = stale.map((x) => x + 0.3 * rng.normal());
  const queries = Float32Array.from({ length: 4 * d }, () => rng.normal());
  const candidates = Int32Array.from({ length: 4 * 6 }, (_, i) => (i * 5) % m);
  const run = async () => {
    const h = buildCorrector({ kind: 'mlp', dim: d, width: 32, layerNorm: true, seed: 3 });
    const [S, F, Q, C] = [tf.tensor2d(stale, [m, d]), tf.tensor2d(fresh, [m, d]), tf.tensor2d(queries, [4, d]), tf.tensor2d(candidates, [4, 6], 'int32')];
    const extra = { queries: Q, candidates: C, beta: 4 };
    const tr = new OnlineCorrectorTrainer(h, { loss: 'softmax', mseWeight: 0.5, learningRate: 1e-2, beta: 4 });
    try {
      // the trainer's loss (OnlineCorrectorTrainer.stepTensor) written out, for its gradients
      const { value, grads } = tf.variableGrads(() => {
        const corrected = h.apply(S);
        return tf.add(correctorLoss('softmax', { ...extra, corrected, fresh: F }), tf.mul(correctorLoss('mse', { corrected, fresh: F }), 0.5)) as tf.Scalar;
      }, h.variables());
      const host = await copyFloats([value, ...h.variables().map((v) => grads[v.name])]);
      tf.dispose([value, ...Object.values(grads)]);
      const before = await h.getWeights();
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) losses.push(await tr.step(S, F, extra));
      const after = await h.getWeights();
      return { loss: host[0][0], grads: host.slice(1), losses, change: after.map((w, i) => w.map((x, j) => x - before[i][j])) };
    } finally {
      tf.dispose([S, F, Q, C]);
      tr.dispose();
      h.dispose();
    }
  };
  const cpu = await onBackend('tensorflow', run);
  const gpu = await onBackend('webgpu', run);
  assert.ok(Number.isFinite(cpu.loss) && cpu.loss > 0);
  assert.equal(cpu.losses[0], cpu.loss, 'the written-out loss is the trainer\'s');
  for (const [i, l] of gpu.losses.entries()) {
    assert.ok(Math.abs(l - cpu.losses[i]) <= LOSS_TOL * Math.max(1, Math.abs(cpu.losses[i])), `step ${i} loss ${l} vs ${cpu.losses[i]}`);
  }
  const g = maxDiff(gpu.grads, cpu.grads);
  console.log(`loss ${gpu.loss} vs ${cpu.loss}; max gradient difference ${g.diff}, max gradient ${g.scale}`);
  assert.ok(g.scale > 0 && g.diff <= REL_TOL * g.scale, `max gradient difference ${g.diff} over a max gradient of ${g.scale}`);
  const w = maxDiff(gpu.change, cpu.change);
  console.log(`max difference of the weight changes over three Adam steps ${w.diff}, max change ${w.scale}`);
  assert.ok(w.scale > 0 && w.diff <= REL_TOL * w.scale, `weight changes differ by up to ${w.diff} over a max change of ${w.scale}`);
});
