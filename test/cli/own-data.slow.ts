/**
 * A researcher's own dataset end to end (issue 16), through the CLI: data check, build-cache with
 * the zero-shot encoder, dense and BM25 search, evaluate with graded relevance; the encoder checks
 * between cache and query encoder; a build-cache cache accepted as a run's initial cache; train with
 * the corrector from that cache and with BM25 hard negatives; reproduce: one table of BM25,
 * zero-shot and every strategy with nDCG@10 (graded), MRR@10, recall and success@k, whose BM25 and
 * zero-shot rows are the numbers of `search --bm25` and `search --cache` scored by `evaluate`.
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
import { evaluate } from '../../src/eval/evaluate';

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

test('train --cache with the corrector, then reproduce: BM25, zero-shot and every strategy in one table, nDCG@10 graded beside MRR@10, recall and success@k', async () => {
  const cache = path.join(root, 'cache');
  if (!fs.existsSync(path.join(cache, 'manifest.json'))) assert.equal((await runCli('build-cache', '--corpus', data, '--out', cache, '--quiet')).code, 0);
  const runs = path.join(root, 'runs');
  const tiny = ['--steps', '4', '--batch-size', '4', '--negatives', '2', '--log-every', '2', '--probe-rows', '12', '--probe-queries', '3', '--corrector-width', '8'];
  const t = await runCli('train', '--dataset', data, '--strategy', 'corrector', '--cache', cache, '--name', 'my-run', '--runs-dir', runs, ...tiny, '--quiet');
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^corrector: dev MRR@10 [\d.]+ success@1 [\d.]+ .*; test MRR@10 [\d.]+/);
  assert.match(t.out, /run folder: .*my-run: .*corrector\/.*result\.json.*test\.trec/);
  // and with BM25 hard negatives: mined once into the run folder, no re-embedding
  const b = await runCli('train', '--dataset', data, '--strategy', 'bm25', '--name', 'my-bm25', '--runs-dir', runs, ...tiny, '--quiet');
  assert.equal(b.code, 0, b.err);
  assert.match(b.out, /^bm25: dev MRR@10 [\d.]+ .*; test MRR@10 [\d.]+/);
  assert.match(b.out, /^re-embedding cost: 0 target encodes \(0\.00 corpus passes\)/m);
  assert.match(b.out, /run folder: .*my-bm25: .*bm25-negatives\.json/);

  const r = await runCli('reproduce', '--dataset', data, '--runs-dir', runs, '--results-dir', path.join(root, 'results'), '--name', 'own', ...tiny, '--quiet');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^dataset: .*my-task \(generic\); reused 0 finished runs and 0 evaluations; wall time \d+ s$/m);
  const table = r.out.split('\n').filter((l) => l.startsWith('|')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  const metrics = ['MRR@10', 'nDCG@10', 'recall@100', 'success@1', 'success@10', 'success@100'];
  assert.deepEqual(table[0], ['system', 'seeds', ...['dev', 'test'].flatMap((split) => metrics.map((m) => `${split} ${m}`)), 're-embed (corpus passes)', 'wall s']);
  const rows = table.slice(2);
  assert.deepEqual(rows.map((x) => x[0]), ['BM25', 'zero-shot', 'in-batch', 'bm25', 'stale', 'refresh:1', 'refresh-on-use', 'corrector', 'oracle']);
  const cost = (label: string) => rows.find((x) => x[0] === label)!.slice(-2, -1)[0];
  assert.deepEqual([cost('BM25'), cost('zero-shot'), cost('bm25'), cost('corrector'), cost('refresh:1'), cost('oracle')], ['-', '0.00', '0.00', '0.00', '3.00', '4.00']); // refresh:1 refreshes after steps 1-3, the oracle encodes every step
  assert.equal(rows[0][1], '-'); // BM25 has no seeds
  for (const x of rows) for (const v of x.slice(2, -2)) assert.match(v, /^\d+\.\d\d$/, `${x[0]}: ${v}`);
  assert.match(r.out, /BM25: lexical retrieval .* not a dense strategy/);
  assert.match(r.out, /zero-shot: the initial encoders, not trained/);
  assert.match(r.out, /bm25: a dense strategy, trained on static BM25 hard negatives/);
  assert.match(r.out, /nDCG@k: graded/);

  // the table's BM25 and zero-shot rows are what `search --bm25` / `search --cache` and `evaluate` give, with the graded qrels
  const qrels = path.join(data, 'qrels', 'test.tsv');
  const binary = path.join(root, 'test-binary.tsv');
  fs.writeFileSync(binary, fs.readFileSync(qrels, 'utf8').replace(/\t2$/gm, '\t1'));
  const json = JSON.parse(fs.readFileSync(path.join(root, 'results', 'own', 'reproduction.json'), 'utf8'));
  const value = (label: string, key: string) => json.rows.find((x: { label: string }) => x.label === label).values[key] as number;
  const bm25Run = path.join(root, 'bm25-100.trec');
  const denseRun = path.join(root, 'dense-100.trec');
  assert.equal((await runCli('search', '--bm25', '--corpus', data, '--queries', path.join(data, 'queries.jsonl'), '--out', bm25Run, '--quiet')).code, 0);
  assert.equal((await runCli('search', '--cache', cache, '--queries', path.join(data, 'queries.jsonl'), '--out', denseRun, '--quiet')).code, 0);
  for (const [label, run] of [['BM25', bm25Run], ['zero-shot', denseRun]]) {
    const graded = await evaluate({ run, qrels, metrics: ['ndcg@10', 'mrr@10', 'recall@100'] });
    for (const m of ['ndcg@10', 'mrr@10', 'recall@100']) assert.ok(Math.abs(value(label, `test ${m}`) - 100 * graded.aggregate[m]) < 1e-6, `${label} ${m}: ${value(label, `test ${m}`)} against ${100 * graded.aggregate[m]}`);
    const flat = await evaluate({ run, qrels: binary, metrics: ['ndcg@10'] });
    assert.notEqual(graded.aggregate['ndcg@10'], flat.aggregate['ndcg@10'], `${label}: grades made no difference`);
  }
  // the zero-shot row trained nothing: 0 steps, its one corpus pass counted as its initial cache
  const zs = JSON.parse(fs.readFileSync(path.join(runs, 'own', 'zero-shot-s1', 'result.json'), 'utf8'));
  assert.equal(zs.steps, 0);
  assert.deepEqual([zs.cost.reembed, zs.cost.totalTargetEncodes, zs.cost.byKind['initial-cache']], [0, 24, 24]);

  // --metrics: other columns from the same runs (reused, scored again), a bad name refused in one line before any work
  const again = await runCli('reproduce', '--dataset', data, '--runs-dir', runs, '--results-dir', path.join(root, 'results'), '--name', 'own', '--metrics', 'ndcg@10,R@1000', ...tiny, '--quiet');
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /reused 8 finished runs and 0 evaluations/);
  assert.match(again.out, /^\| system \| seeds \| dev nDCG@10 \| dev recall@1000 \| test nDCG@10 \| test recall@1000 \| re-embed \(corpus passes\) \| wall s \|$/m);
  const bad = await runCli('reproduce', '--dataset', data, '--metrics', 'ndcg@10,top5', '--quiet');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^error: --metrics: unknown metric 'top5'; expected one of/);
});
