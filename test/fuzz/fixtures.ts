/**
 * The good inputs the fuzz cases break: a tiny dataset, a run and its qrels, two caches of the same
 * corpus, a trained run with its checkpoint, a tiny BERT checkpoint folder. Built once per fuzz run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeDataset } from '../../src/data/beir';
import { buildCache } from '../../src/cache/build';
import { hashEncode, hashEncoderMeta } from '../cache/helpers';
import { runCli } from '../cli/child';

export interface Fixtures {
  root: string;
  /** A dataset folder: 200 passages, 60 queries, qrels train/dev/test, dataset.json. */
  dataset: string;
  corpus: string;
  /** A TREC run over the dev queries and TREC qrels for them. */
  run: string;
  qrels: string;
  /** Caches of `corpus` (dim 8, shards of 64 rows): a stale one and a fresh one. */
  cache: string;
  freshCache: string;
  /** runs/<name> of a finished 4-step training run (checkpoint included) and the args that resume it. */
  runsDir: string;
  runName: string;
  trainArgs: string[];
  /** A Hugging Face BERT folder (config.json, model.safetensors, vocab.txt). */
  bert: string;
}

const WORDS = 'the cat sat on a mat dog ran in the park bird flew over tree fish swam under river boat hill'.split(' ');
const text = (i: number, k: number) => Array.from({ length: k }, (_, j) => WORDS[(i * 7 + j * 3 + (i >> 3)) % WORDS.length]).join(' ');

export async function buildFixtures(root: string): Promise<Fixtures> {
  fs.mkdirSync(root, { recursive: true });
  const dataset = path.join(root, 'dataset');
  const qrelsRows = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => ({ queryId: `q${a + k}`, docId: `d${(a + k) * 3}`, score: 1 }));
  await writeDataset(dataset, {
    name: 'fuzz',
    corpus: Array.from({ length: 200 }, (_, i) => ({ id: `d${i}`, title: i % 5 ? '' : `title ${i}`, text: text(i, 8) })),
    queries: Array.from({ length: 60 }, (_, i) => ({ id: `q${i}`, text: text(i * 3, 3) })),
    qrels: { train: qrelsRows(0, 40), dev: qrelsRows(40, 50), test: qrelsRows(50, 60) },
  });
  const corpus = path.join(dataset, 'corpus.jsonl');
  const run = path.join(root, 'run.trec');
  fs.writeFileSync(run, Array.from({ length: 10 }, (_, q) => Array.from({ length: 5 }, (_, r) => `q${40 + q} Q0 d${(40 + q) * 3 + r} ${r + 1} ${(10 - r) / 10} fuzz`).join('\n')).join('\n') + '\n');
  const qrels = path.join(root, 'qrels.txt');
  fs.writeFileSync(qrels, Array.from({ length: 10 }, (_, q) => `q${40 + q} 0 d${(40 + q) * 3} 1`).join('\n') + '\n');
  const docs = Array.from({ length: 200 }, (_, i) => ({ id: `d${i}`, title: '', text: text(i, 8) }));
  const cache = path.join(root, 'cache');
  const freshCache = path.join(root, 'cache-fresh');
  await buildCache({ dir: cache, corpus: docs, encode: hashEncode(8), encoder: hashEncoderMeta(8), dim: 8, normalized: false, shardRows: 64 });
  await buildCache({ dir: freshCache, corpus: docs.map((d) => ({ ...d, text: d.text + ' x' })), encode: hashEncode(8), encoder: hashEncoderMeta(8, 'fresh'), dim: 8, normalized: false, shardRows: 64 });
  const runsDir = path.join(root, 'runs');
  const runName = 'r';
  const trainArgs = ['train', '--dataset', dataset, '--strategy', 'stale', '--steps', '4', '--batch-size', '8', '--checkpoint-every', '2', '--eval-every', '0', '--log-every', '2', '--name', runName, '--runs-dir', runsDir, '--quiet'];
  const trained = await runCli(trainArgs, { timeoutMs: 600_000 });
  if (trained.code !== 0) throw new Error(`fixtures: training the checkpoint fixture failed:\n${trained.stderr}`);
  const bert = path.join(root, 'bert');
  fs.cpSync(path.join(__dirname, '..', 'fixtures', 'hf', 'bert-tiny-a'), bert, { recursive: true });
  fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'hf', 'tiny-vocab.txt'), path.join(bert, 'vocab.txt'));
  return { root, dataset, corpus, run, qrels, cache, freshCache, runsDir, runName, trainArgs, bert };
}
