/**
 * A researcher's own dataset end to end (issue 16), through the CLI: data check, build-cache with
 * the zero-shot encoder, dense and BM25 search, evaluate with graded relevance; the encoder checks
 * between cache and query encoder; a build-cache cache accepted as a run's initial cache.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeOwnDataset } from '../fixtures/own-data';
import { runCli } from '../fixtures/cli';
import { readManifest } from '../../src/cache/manifest';
import { initBackend } from '../../src/tensor';
import { resolveConfig } from '../../src/train/config';
import { loadTrainData } from '../../src/train/data';
import { encoderFactory } from '../../src/train/encoders';
import { readInitialCache } from '../../src/train/initial-cache';

let root: string;
let data: string;
before(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-own-'));
  data = writeOwnDataset(path.join(root, 'my-task'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('data check: a clean folder gives its statistics, a broken one every problem at file:line', async () => {
  const ok = await runCli('data', 'check', data, '--quiet');
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /no problems/);
  assert.match(ok.out, /documents: 24\b/);
  assert.match(ok.out, /queries: 12\b/);
  assert.match(ok.out, /split test: 4 queries, 11 judgements; judged per query 2–3 \(mean 2\.8\); grades \{0: 3, 1: 4, 2: 4\}/);
  assert.match(ok.out, /documents in zero-shot tokens: mean [\d.]+, longest \d+; 0 \(0\.0%\) longer than its 64 and cut/);

  const bad = path.join(root, 'broken');
  writeOwnDataset(bad);
  fs.appendFileSync(path.join(bad, 'corpus.jsonl'), '{"_id": "x1", "text": 5}\nnot json\n{"_id": "astronomy-0", "text": "again"}\n');
  fs.appendFileSync(path.join(bad, 'qrels', 'test.tsv'), 'q1\tnope\t1\nq99\tmusic-0\t1\nq2\tcooking-0\t1\nq3\tmusic-1\thigh\n');
  const r = await runCli('data', 'check', bad, '--quiet', '--encoder', 'none');
  assert.equal(r.code, 2);
  const lines = r.out.split('\n');
  const has = (re: RegExp) => assert.ok(lines.some((l) => re.test(l)), `no line matching ${re}:\n${r.out}`);
  has(/corpus\.jsonl:25: expected "text" to be a string, found number/);
  has(/corpus\.jsonl:26: not valid JSON/);
  has(/corpus\.jsonl:27: expected a unique "_id", found "astronomy-0" again \(first at line 1\)/);
  has(/test\.tsv:13: expected a corpus-id of corpus\.jsonl, found "nope"/);
  has(/test\.tsv:14: expected a query-id of queries\.jsonl, found "q99"/);
  has(/test\.tsv:15: expected each \(query-id, corpus-id\) pair once, found \("q2", "cooking-0"\) again \(first at line 5\)/);
  has(/test\.tsv:16: expected a number as the score \(column 3\), found "high"/);
  assert.match(r.out, /7 problem\(s\) in 2 file\(s\)/);
});

test('build-cache (zero-shot by default), dense and BM25 search, evaluate: a table of nDCG@10 with graded relevance', async () => {
  const cache = path.join(root, 'cache');
  const built = await runCli('build-cache', '--corpus', data, '--out', cache, '--quiet');
  assert.equal(built.code, 0, built.err);
  assert.match(built.out, /24 rows × 100 f32 .* encoder zero-shot \(glove-bag\)/);
  assert.equal(readManifest(cache).encoder.name, 'zero-shot');

  // the cache's encoder is the encoder training starts from: same fingerprint, and train --cache takes it
  const td = await loadTrainData(data, ['train', 'dev', 'test']);
  const pair = await encoderFactory(resolveConfig({}).encoder, td, 1)();
  assert.equal(readManifest(cache).encoder.fingerprint, await pair.target.fingerprint());
  const expected = { name: "the run's initial target encoder", targetFingerprint: await pair.target.fingerprint(), dim: pair.target.dim };
  assert.equal((await readInitialCache(cache, td.corpusIds, expected)).length, 24 * 100);
  await assert.rejects(readInitialCache(cache, td.corpusIds, { ...expected, targetFingerprint: 'f'.repeat(64) }), /built by encoder zero-shot \(glove-bag\) [0-9a-f]{12}, but the run's initial target encoder pairs with a cache built by ffffffffffff/);
  pair.query.dispose();
  pair.target.dispose();

  const queries = path.join(data, 'queries.jsonl');
  const dense = path.join(root, 'dense.trec');
  const s = await runCli('search', '--cache', cache, '--queries', queries, '--out', dense, '--k', '10', '--quiet');
  assert.equal(s.code, 0, s.err);

  // another encoder than the cache's is refused in one line, unless on purpose
  const other = path.join(root, 'other.trec');
  const mismatch = await runCli('search', '--cache', cache, '--queries', queries, '--encoder', 'random', '--out', other, '--quiet');
  assert.equal(mismatch.code, 2);
  assert.match(mismatch.err, /^error: .*cache: built by encoder zero-shot \(glove-bag\) [0-9a-f]{12}, but --encoder random pairs with a cache built by [0-9a-f]{12}; .*--allow-encoder-mismatch/);
  assert.equal(mismatch.err.split('\n').length, 1);
  assert.ok(!fs.existsSync(other));
  assert.equal((await runCli('search', '--cache', cache, '--queries', queries, '--encoder', 'random', '--allow-encoder-mismatch', '--out', other, '--quiet')).code, 0);

  const bm25 = path.join(root, 'bm25.trec');
  assert.equal((await runCli('search', '--bm25', '--corpus', data, '--queries', queries, '--out', bm25, '--k', '10', '--quiet')).code, 0);

  const qrels = path.join(data, 'qrels', 'test.tsv');
  const metrics = ['--metrics', 'ndcg@10,mrr@10,recall@10,success@1'];
  const eb = await runCli('evaluate', '--run', bm25, '--qrels', qrels, ...metrics, '--json', path.join(root, 'bm25.json'), '--quiet');
  const ed = await runCli('evaluate', '--run', dense, '--qrels', qrels, ...metrics, '--json', path.join(root, 'dense.json'), '--quiet');
  assert.equal(eb.code, 0, eb.err);
  assert.equal(ed.code, 0, ed.err);
  for (const out of [eb.out, ed.out]) for (const m of ['ndcg@10', 'mrr@10', 'recall@10', 'success@1']) assert.match(out, new RegExp(m.replace('@', '@')));
  const b = JSON.parse(fs.readFileSync(path.join(root, 'bm25.json'), 'utf8'));
  const d = JSON.parse(fs.readFileSync(path.join(root, 'dense.json'), 'utf8'));
  // every test query's grade-2 passage shares its words: BM25 ranks them first
  assert.equal(b.aggregate['success@1'], 1);
  assert.ok(b.aggregate['ndcg@10'] > 0.8, `bm25 nDCG@10 ${b.aggregate['ndcg@10']}`);
  assert.ok(d.aggregate['ndcg@10'] > 0.3, `zero-shot nDCG@10 ${d.aggregate['ndcg@10']}`);
  assert.equal(b.counts.queries, 4);
});
