import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { tinyTask } from './helpers';
import { resolveConfig } from '../../src/train/config';
import { encoderFactory } from '../../src/train/encoders';
import { trainRetriever } from '../../src/train/loop';

before(async () => {
  await initBackend();
});

test('empty and all-unknown passages (zero embeddings) train with finite losses and finite metrics', async () => {
  const { data, glove } = tinyTask();
  // train positives of the first queries: one empty, one of words GloVe does not know; a batch of
  // all 60 training queries puts them in the first step, before the projection's bias moves them off zero
  data.corpusTexts[0] = '';
  data.corpusTexts[1] = 'zzqx vvbn';
  data.corpusTexts[61] = ''; // a dev positive too
  const cfg = resolveConfig({
    strategy: 'stale', steps: 6, batchSize: 60, negatives: 3, logEvery: 3, checkpointEvery: 0, probeRows: 50, probeQueries: 10,
    lr: 5e-2, beta: 5, blockRows: 32, dataset: 'tiny', encoder: { pooling: 'mean', projection: 'linear', normalize: true },
  });
  const losses: number[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-empty-'));
  const r = await trainRetriever({ config: cfg, data, runDir: dir, makeEncoders: encoderFactory(cfg.encoder, data, 1, glove), onStep: (s) => losses.push(s.loss) });
  assert.equal(losses.length, 6);
  assert.ok(losses.every(Number.isFinite), `losses: ${losses.join(', ')}`);
  assert.ok(Number.isFinite(r.dev.mrr10) && r.dev.mrr10 < 1, `dev MRR@10 ${r.dev.mrr10}`);
  const scores = fs.readFileSync(path.join(dir, 'dev.trec'), 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[4]));
  assert.ok(scores.every(Number.isFinite));
  fs.rmSync(dir, { recursive: true, force: true });
});
