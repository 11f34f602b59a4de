import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { createRandomProjectionEncoder } from '../../src/encoders/random-projection';
import type { Encoder, EncoderPair } from '../../src/encoders/types';
import { resolveConfig } from '../../src/train/config';
import { encoderFactory } from '../../src/train/encoders';
import { trainRetriever } from '../../src/train/loop';
import { scoreEncoders, retrievalMetrics, TABLE_METRICS } from '../../src/train/score';
import { scoreTrainedRun } from '../../src/experiments/reproduce';
import { tinyTask } from './helpers';

before(async () => {
  await initBackend();
});

/** An encoder that counts the texts it encodes and the passes over the whole corpus it starts. */
function spy(enc: Encoder, corpusTexts: string[], counts: { texts: number; corpusPasses: number }): Encoder {
  const s: Encoder = Object.create(enc);
  s.encode = (texts, o) => {
    counts.texts += texts.length;
    if (texts.length === corpusTexts.length && texts[0] === corpusTexts[0]) counts.corpusPasses++; // the tiny corpus fits one batch
    return enc.encode(texts, o);
  };
  return s;
}

test('scoreEncoders encodes the corpus once for every split, and its numbers are the brute-force ones', async () => {
  const { data } = tinyTask();
  const query = createRandomProjectionEncoder({ dim: 16, seed: 1 });
  const target = createRandomProjectionEncoder({ dim: 16, seed: 1 });
  const counts = { texts: 0, corpusPasses: 0 };
  const encoders: EncoderPair = { query, target: spy(target, data.corpusTexts, counts) };
  const scores = await scoreEncoders({
    data, encoders,
    splits: [{ split: 'dev', metrics: TABLE_METRICS }, { split: 'test', metrics: TABLE_METRICS }, { split: 'dev', metrics: ['success@5', 'recall@20'], depth: 20 }],
  });
  assert.equal(counts.texts, data.corpusTexts.length, 'the corpus is encoded once, not once per split');
  assert.equal(counts.corpusPasses, 1);
  assert.deepEqual(scores.map((s) => [s.split, s.queries]), [['dev', 20], ['test', 10], ['dev', 20]]);

  // the same numbers by brute force: every query against every passage, ties by lower row
  const emb = (e: Encoder, texts: string[]) => {
    const t = e.encode(texts);
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  };
  const d = 16;
  const docs = emb(target, data.corpusTexts);
  for (const [i, split] of [[0, 'dev'], [1, 'test']] as const) {
    const s = data.splits[split];
    const q = emb(query, s.queryTexts);
    let rr = 0, hit1 = 0, hit10 = 0;
    s.queryIds.forEach((_, qi) => {
      const scoresOf = data.corpusTexts.map((_, r) => {
        let x = 0;
        for (let j = 0; j < d; j++) x += q[qi * d + j] * docs[r * d + j];
        return x;
      });
      const pos = s.positives[qi][0];
      const rank = 1 + scoresOf.filter((x, r) => x > scoresOf[pos] || (x === scoresOf[pos] && r !== pos && data.corpusIds[r] > data.corpusIds[pos])).length;
      if (rank <= 10) rr += 1 / rank;
      if (rank <= 1) hit1++;
      if (rank <= 10) hit10++;
    });
    const m = retrievalMetrics(scores[i]);
    const n = s.queryIds.length;
    assert.ok(Math.abs(m.mrr10 - rr / n) < 1e-9, `${split} MRR@10 ${m.mrr10} vs ${rr / n}`);
    assert.ok(Math.abs(m.success1 - hit1 / n) < 1e-9, `${split} success@1`);
    assert.ok(Math.abs(m.success10 - hit10 / n) < 1e-9, `${split} success@10`);
    assert.equal(m.success100, 1); // 90 passages, depth 100: every positive is retrieved
  }
  // a seeded query sample, and given corpus embeddings: nothing encoded at all
  counts.texts = 0;
  const [sample] = await scoreEncoders({ data, encoders, corpusEmbeddings: docs, seed: 3, splits: [{ split: 'dev', metrics: ['mrr@10'], maxQueries: 7 }] });
  assert.equal(sample.queries, 7);
  assert.equal(counts.texts, 0);
  await assert.rejects(scoreEncoders({ data, encoders, splits: [{ split: 'nope', metrics: ['mrr@10'] }] }), /split 'nope' is not loaded/);
  query.dispose();
  target.dispose();
});

test('a run\'s final evaluation encodes the corpus once for dev and test; scoring a finished run later, once again', async () => {
  const { data, glove } = tinyTask();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-score-'));
  const cfg = resolveConfig({ name: 'r', strategy: 'stale', steps: 4, batchSize: 8, negatives: 2, logEvery: 2, checkpointEvery: 0, probeRows: 30, probeQueries: 4, blockRows: 32, encoder: { pooling: 'mean' } });
  const counts = { texts: 0, corpusPasses: 0 };
  const factory = encoderFactory(cfg.encoder, data, cfg.seed, glove);
  const makeEncoders = async () => {
    const pair = await factory();
    return { query: pair.query, target: spy(pair.target, data.corpusTexts, counts) };
  };
  const runDir = path.join(root, 'run');
  const r = await trainRetriever({
    config: cfg, data, makeEncoders, runDir,
    onStep: (s) => { if (s.step === cfg.steps) counts.corpusPasses = 0; },
    evaluation: { splits: [{ split: 'dev', metrics: ['success@5'], runFile: 'extra-dev.trec' }] },
  });
  assert.equal(counts.corpusPasses, 1, 'dev, test and the extra split share one encoding of the corpus');
  assert.equal(r.cost.measure.eval, data.corpusTexts.length);
  assert.ok(r.test && Number.isFinite(r.test.mrr10));
  assert.equal(r.evaluation?.[0].split, 'dev');
  assert.ok(fs.existsSync(path.join(runDir, 'extra-dev.trec')));

  // later: the trained encoders from the checkpoint, scored on two splits with one corpus pass
  counts.corpusPasses = 0;
  counts.texts = 0;
  const later = await scoreTrainedRun({ runDir, result: r, makeEncoders, data, splits: [{ split: 'dev', metrics: TABLE_METRICS }, { split: 'test', metrics: TABLE_METRICS }] });
  assert.equal(counts.corpusPasses, 1);
  assert.equal(counts.texts, data.corpusTexts.length);
  assert.deepEqual(retrievalMetrics(later[0]), r.dev, 'the restored encoders score what the run scored');
  assert.deepEqual(retrievalMetrics(later[1]), r.test);
  fs.rmSync(root, { recursive: true, force: true });
});
