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
import { loadDataset, writeDataset } from '../../src/data/beir';
import { gloveBagFromGlove } from '../../src/encoders/glove-bag';

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

test('loading a dataset warns once with the count of empty passages and empty queries', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-empty-ds-'));
  await writeDataset(dir, {
    name: 'empty-texts',
    corpus: [{ id: 'd1', title: '', text: 'words' }, { id: 'd2', title: ' ', text: '' }, { id: 'd3', title: '', text: '\t' }],
    queries: [{ id: 'q1', text: '' }, { id: 'q2', text: 'x' }],
    qrels: { train: [{ queryId: 'q1', docId: 'd1', score: 1 }, { queryId: 'q2', docId: 'd2', score: 1 }] },
  });
  const warnings: string[] = [];
  await loadDataset(dir, { split: 'train', loadCorpus: true, warn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0], /queries\.jsonl: 1 of the 2 queries of split 'train' have empty text \("q1"\)/);
  assert.match(warnings[1], /corpus\.jsonl: 2 of 3 passages have empty title and text \("d2", "d3"\)/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a GloVe bag warns with the count of texts none of whose words GloVe knows', () => {
  const { glove } = tinyTask();
  const warnings: string[] = [];
  const enc = gloveBagFromGlove(glove, { vocabTexts: ['w1 w2', 'zzqx vvbn', '', 'w3 zzqx', 'qqq'], warn: (m) => warnings.push(m) });
  enc.dispose();
  assert.deepEqual(warnings.length, 1);
  assert.match(warnings[0], /glove-bag: 2 of 5 texts have no word GloVe knows \("zzqx vvbn", "qqq"\)/);
});
