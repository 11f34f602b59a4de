import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, tf } from '../../src/tensor';
import { tinyTask, tinyConfig, spying } from './helpers';
import { encoderFactory } from '../../src/train/encoders';
import { trainRetriever, candidateMask, type StepInfo } from '../../src/train/loop';
import { readLog } from '../../src/train/log';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fc-train-'));

const config = tinyConfig;

before(async () => {
  await initBackend();
});

test('the ledger counts exactly the target-encoder calls made, by kind', async () => {
  const { data, glove } = tinyTask();
  for (const strategy of ['stale', 'corrector', 'refresh:5', 'refresh-on-use', 'oracle', 'in-batch']) {
    const counter = { n: 0 };
    const cfg = config({ strategy, corrector: { extraUniform: 4, warmupSteps: 3 } });
    const r = await trainRetriever({ config: cfg, data, runDir: tmp(), makeEncoders: spying(encoderFactory(cfg.encoder, data, 1, glove), counter) });
    const c = r.cost;
    assert.equal(counter.n, c.totalTargetEncodes + c.measure.probe + c.measure.eval, strategy);
    const N = data.corpusTexts.length;
    if (strategy === 'refresh:5') assert.equal(c.byKind.refresh, 3 * N); // steps 5, 10, 15
    if (strategy === 'oracle') assert.equal(c.byKind.oracle, 20 * N);
    assert.equal(c.reembed, c.byKind.refresh + c.byKind.oracle);
    assert.equal(c.byKind['initial-cache'], strategy === 'in-batch' || strategy === 'oracle' ? 0 : N, strategy);
    if (strategy === 'corrector') {
      assert.equal(c.byKind['corrector-extra'], 20 * 4);
      assert.ok(c.byKind.warmup > 0);
      assert.ok(c.correctorFlops > 0);
    } else assert.equal(c.byKind['corrector-extra'], 0);
  }
});

test('gold positives are never selected as negatives (top-k and Gumbel, exact and ANN pools)', async () => {
  const { data, glove } = tinyTask();
  for (const [selection, pool] of [['topk', 'exact'], ['gumbel', 'exact'], ['topk', 'ann'], ['gumbel', 'ann']] as const) {
    const cfg = config({ strategy: 'corrector', selection, pool, poolSize: 20, negatives: 10, steps: 15 });
    let seen = 0;
    await trainRetriever({
      config: cfg, data, runDir: tmp(), makeEncoders: encoderFactory(cfg.encoder, data, 1, glove),
      onStep: (s: StepInfo) => {
        s.queries.forEach((qi, i) => {
          const gold = new Set(data.splits.train.positives[qi]);
          assert.equal(s.negatives[i].length, 10);
          for (const r of s.negatives[i]) assert.ok(!gold.has(r), `step ${s.step}: positive ${r} selected as a negative`);
          seen += s.negatives[i].length;
        });
      },
    });
    assert.equal(seen, 15 * 8 * 10);
  }
});

test('a run stopped at a checkpoint and resumed ends with the same numbers as an uninterrupted one', async () => {
  const { data, glove } = tinyTask();
  for (const strategy of ['corrector', 'refresh-on-use']) {
    const cfg = config({ strategy, selection: 'gumbel', corrector: { extraUniform: 2 } });
    const make = () => encoderFactory(cfg.encoder, data, 1, glove);
    const whole = tmp();
    const a = await trainRetriever({ config: cfg, data, runDir: whole, makeEncoders: make() });
    const parted = tmp();
    const first = await trainRetriever({ config: cfg, data, runDir: parted, makeEncoders: make(), stopAfterStep: 8 });
    assert.equal(first.stopped, true);
    assert.equal(first.steps, 8);
    const b = await trainRetriever({ config: cfg, data, runDir: parted, makeEncoders: make() });
    assert.equal(b.steps, 20);
    assert.deepEqual(b.dev, a.dev, strategy);
    assert.deepEqual(b.cost, a.cost, strategy);
    const strip = (f: string) => readLog(f).map(({ seconds: _s, ...rest }) => rest);
    assert.deepEqual(strip(path.join(parted, 'log.jsonl')), strip(path.join(whole, 'log.jsonl')), strategy);
    assert.equal(fs.readFileSync(path.join(parted, 'dev.trec'), 'utf8'), fs.readFileSync(path.join(whole, 'dev.trec'), 'utf8'));
  }
});

test('no tensor leaks across 100 steps', async () => {
  const { data, glove } = tinyTask();
  const cfg = config({ strategy: 'corrector+refresh:30', steps: 100, logEvery: 10, corrector: { loss: 'softmax', extraUniform: 2, warmupSteps: 5 } });
  const counts: number[] = [];
  await trainRetriever({
    config: cfg, data, runDir: tmp(), makeEncoders: encoderFactory(cfg.encoder, data, 1, glove),
    onStep: (s) => {
      if (s.step === 10 || s.step === 100) counts.push(tf.memory().numTensors);
    },
  });
  assert.equal(counts.length, 2);
  assert.equal(counts[1], counts[0]);
});

test('the loss trains the encoders: accuracy on the training queries rises over the untrained start', async () => {
  const { data, glove } = tinyTask();
  const cfg0 = config({ strategy: 'stale', steps: 1, lr: 1e-9, devSplit: 'train' });
  const r0 = await trainRetriever({ config: cfg0, data, runDir: tmp(), makeEncoders: encoderFactory(cfg0.encoder, data, 1, glove) });
  const cfg = config({ strategy: 'stale', steps: 60, lr: 5e-2, devSplit: 'train' });
  const r = await trainRetriever({ config: cfg, data, runDir: tmp(), makeEncoders: encoderFactory(cfg.encoder, data, 1, glove) });
  assert.ok(r.dev.mrr10 > r0.dev.mrr10, `MRR@10 ${r.dev.mrr10} should beat the start ${r0.dev.mrr10}`);
});

test('candidateMask: own positive and negatives always, others only in-batch, never a false negative', () => {
  // cols: rows [10, 11, 12, 13]; query 0 positive 10 (also relevant: 12), negatives col 3; query 1 positive 11
  const relevant = [[10, 12], [11]];
  const m1 = candidateMask(relevant, [0, 1], [[3], []], [10, 11, 12, 13], true);
  assert.deepEqual(Array.from(m1), [1, 1, 0, 1, /**/ 1, 1, 1, 1]);
  const m0 = candidateMask(relevant, [0, 1], [[3], []], [10, 11, 12, 13], false);
  assert.deepEqual(Array.from(m0), [1, 0, 0, 1, /**/ 0, 1, 0, 0]);
});

test('resuming a run folder with different settings is refused, not silently mixed', async () => {
  const { data, glove } = tinyTask();
  const dir = tmp();
  const cfg = config({ strategy: 'stale' });
  await trainRetriever({ config: cfg, data, runDir: dir, makeEncoders: encoderFactory(cfg.encoder, data, 1, glove), stopAfterStep: 4 });
  const other = config({ strategy: 'stale', lr: 1e-3 });
  await assert.rejects(
    trainRetriever({ config: other, data, runDir: dir, makeEncoders: encoderFactory(other.encoder, data, 1, glove) }),
    /holds a run with other settings: lr 0\.05 → 0\.001;/,
  );
});
