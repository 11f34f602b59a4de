import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, tf } from '../../src/tensor';
import { tinyTask, tinyConfig } from './helpers';
import type { TrainConfigInput } from '../../src/train/config';
import { encoderFactory } from '../../src/train/encoders';
import { trainRetriever } from '../../src/train/loop';
import { hasCheckpoint, loadEncoderWeights } from '../../src/train/checkpoint';
import { readLog } from '../../src/train/log';
import { InputError } from '../../src/util/errors';
import type { Encoder, EncoderPair } from '../../src/encoders/types';
import type { ProgressEvent } from '../../src/util/progress';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fc-step-'));

const config = (over: TrainConfigInput) => tinyConfig({ steps: 12, logEvery: 2, checkpointEvery: 5, ...over });

before(async () => {
  await initBackend();
});

/**
 * Wraps the target encoder: once `poison.on` is set, every training-time encode goes through
 * `poison.fn` (a NaN output, or a NaN gradient behind a finite output).
 */
function poisoned(make: () => Promise<EncoderPair>, poison: { on: boolean; fn: (t: tf.Tensor2D) => tf.Tensor2D }): () => Promise<EncoderPair> {
  return async () => {
    const pair = await make();
    const t = pair.target;
    const spy: Encoder = Object.create(t);
    spy.encode = (texts, o) => {
      const out = t.encode(texts, o);
      if (!poison.on || !o?.training) return out;
      const bad = poison.fn(out);
      out.dispose();
      return bad;
    };
    return { query: pair.query, target: spy };
  };
}

const nanOutput = (t: tf.Tensor2D) => tf.mul(t, NaN) as tf.Tensor2D;
// t + 0·√(t − t): the same values, but the gradient through √ at 0 is 0·∞ = NaN
const nanGradient = (t: tf.Tensor2D) => tf.add(t, tf.mul(tf.sqrt(tf.sub(t, t)), 0)) as tf.Tensor2D;

test('a non-finite loss stops the run with one line naming the run and the step; the last good checkpoint is kept', async () => {
  const { data, glove } = tinyTask();
  const dir = tmp();
  const cfg = config({ strategy: 'corrector', name: 'nan-run' });
  const poison = { on: false, fn: nanOutput };
  const progress: ProgressEvent[] = [];
  const err = await trainRetriever({
    config: cfg, data, runDir: dir, makeEncoders: poisoned(encoderFactory(cfg.encoder, data, 1, glove), poison),
    onStep: (s) => { if (s.step === 7) poison.on = true; },
    progress: (e) => progress.push(e),
  }).then(() => null, (e) => e);
  assert.ok(err instanceof InputError, String(err));
  assert.equal(err.message.split('\n').length, 1);
  assert.match(err.message, /^training nan-run \(corrector\): non-finite retrieval loss, encoder gradients, corrector loss, corrector weights at step 8; .*checkpoint of step 5 is kept/);
  // the checkpoint on disk is step 5's, its weights finite; nothing of steps 6..8 was logged past the step-6 record
  assert.equal(loadEncoderWeights(path.join(dir, 'checkpoint'), await encoderFactory(cfg.encoder, data, 1, glove)()), 5);
  assert.ok(!fs.existsSync(path.join(dir, 'result.json')));
  assert.deepEqual(readLog(path.join(dir, 'log.jsonl')).map((r) => r.step), [0, 2, 4, 6]);
  assert.ok(readLog(path.join(dir, 'log.jsonl')).every((r) => r.loss === undefined || Number.isFinite(r.loss)));
  // the progress stage ends with a final event at the last good step
  const last = progress.filter((e) => e.stage === 'train nan-run').at(-1)!;
  assert.equal(last.final, true);
  assert.equal(last.done, 7);
});

test('a NaN gradient behind a finite loss stops the run at that step, before it is checkpointed', async () => {
  const { data, glove } = tinyTask();
  const dir = tmp();
  const cfg = config({ strategy: 'stale' });
  const poison = { on: false, fn: nanGradient };
  await assert.rejects(
    trainRetriever({ config: cfg, data, runDir: dir, makeEncoders: poisoned(encoderFactory(cfg.encoder, data, 1, glove), poison), onStep: (s) => { if (s.step === 4) poison.on = true; } }),
    // step 5 would be checkpointed (checkpointEvery 5): it is refused first, and no checkpoint exists yet
    (e: Error) => e instanceof InputError && /^training stale-s1 \(stale\): non-finite encoder gradients at step 5; .*no checkpoint was saved yet/.test(e.message),
  );
  assert.ok(!hasCheckpoint(path.join(dir, 'checkpoint')));
});

test('no tensors leak when the guard stops a run', async () => {
  const { data, glove } = tinyTask();
  const cfg = config({ strategy: 'corrector', corrector: { extraUniform: 2 } });
  const factory = encoderFactory(cfg.encoder, data, 1, glove);
  const warm = await factory(); // the factory keeps a template encoder: count from after it exists
  warm.query.dispose();
  warm.target.dispose();
  const before = tf.memory().numTensors;
  const poison = { on: false, fn: nanOutput };
  await assert.rejects(trainRetriever({
    config: cfg, data, runDir: tmp(), makeEncoders: poisoned(factory, poison),
    onStep: (s) => { if (s.step === 3) poison.on = true; },
  }), InputError);
  assert.equal(tf.memory().numTensors, before);
});

test('progress: one stage per run (two runs of one strategy get two), rates from the resumed step, a final event per stage, evaluation reported', async () => {
  const { data, glove } = tinyTask();
  const events: ProgressEvent[] = [];
  const progress = (e: ProgressEvent) => events.push(e);
  const dirs = [tmp(), tmp()];
  for (const [i, seed] of [1, 2].entries()) {
    const cfg = config({ strategy: 'corrector', seed, name: `corrector-s${seed}`, checkpointEvery: 0 });
    await trainRetriever({ config: cfg, data, runDir: dirs[i], makeEncoders: encoderFactory(cfg.encoder, data, seed, glove), progress, stopAfterStep: seed === 1 ? 4 : undefined });
  }
  const stages = [...new Set(events.map((e) => e.stage))];
  assert.deepEqual(stages, ['train corrector-s1', 'train corrector-s2', 'evaluate corrector-s2 on dev, test']);
  const of = (stage: string) => events.filter((e) => e.stage === stage);
  // the stopped run ends with a final event short of its total; the finished ones reach their totals
  assert.deepEqual([of('train corrector-s1').at(-1)!.done, of('train corrector-s1').at(-1)!.final], [4, true]);
  assert.equal(of('train corrector-s2').at(-1)!.done, 12);
  const N = data.corpusTexts.length;
  // the final evaluation encodes the corpus once, then searches the dev and test queries
  const evaluation = of('evaluate corrector-s2 on dev, test');
  assert.equal(evaluation.at(-1)!.done, N + data.splits.dev.queryIds.length + data.splits.test.queryIds.length);
  assert.equal(evaluation.at(-1)!.total, evaluation.at(-1)!.done);
  // resuming the stopped run: its events count from step 4
  events.length = 0;
  const cfg = config({ strategy: 'corrector', seed: 1, name: 'corrector-s1', checkpointEvery: 0 });
  await trainRetriever({ config: cfg, data, runDir: dirs[0], makeEncoders: encoderFactory(cfg.encoder, data, 1, glove), progress });
  const resumed = of('train corrector-s1');
  assert.deepEqual([resumed[0].done, resumed[0].start], [4, 4]);
  assert.ok(resumed.every((e) => e.start === 4));
  assert.equal(resumed.at(-1)!.done, 12);
});
