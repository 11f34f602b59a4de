/**
 * The bm25 strategy: static BM25 hard negatives mined once per run (DPR's choice for NQ), drawn
 * per step by the run's RNG and encoded fresh with the positives.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { Rng } from '../../src/util/rng';
import { Bm25Index } from '../../src/search/bm25';
import { encoderFactory } from '../../src/train/encoders';
import { trainRetriever, type StepInfo } from '../../src/train/loop';
import { BM25_NEGATIVES_FILE, bm25NegativeTable, sampleBm25Negatives } from '../../src/train/bm25-table';
import { readLog } from '../../src/train/log';
import { runCli } from '../fixtures/cli';
import { writeOwnDataset } from '../fixtures/own-data';
import { tinyTask, tinyConfig, spying } from './helpers';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-bm25neg-'));
let n = 0;
const tmp = () => fs.mkdtempSync(path.join(root, `run${n++}-`));
after(() => fs.rmSync(root, { recursive: true, force: true }));

before(async () => {
  await initBackend();
});

test('sampleBm25Negatives: k distinct mined rows in BM25 order, every row reachable; all rows without a draw when there are no more than k', () => {
  const mined = Int32Array.from([50, 7, 31, 2, 88, 13]);
  const rng = new Rng(5);
  const before = rng.getState();
  assert.deepEqual(sampleBm25Negatives(mined, 6, rng), [50, 7, 31, 2, 88, 13]);
  assert.deepEqual(sampleBm25Negatives(mined.subarray(0, 2), 4, rng), [50, 7]);
  assert.deepEqual(rng.getState(), before, 'no draw when every row is taken');
  const hits = new Map<number, number>();
  for (let i = 0; i < 3000; i++) {
    const s = sampleBm25Negatives(mined, 2, rng);
    assert.equal(new Set(s).size, 2);
    assert.ok(mined.indexOf(s[0]) < mined.indexOf(s[1]), 'BM25 order');
    for (const r of s) hits.set(r, (hits.get(r) ?? 0) + 1);
  }
  // uniform: each of the 6 rows in 1/3 of the draws (1000 ± 4 sd of 26)
  for (const r of mined) assert.ok(Math.abs((hits.get(r) ?? 0) - 1000) < 105, `row ${r} drawn ${hits.get(r)} times of 3000`);
  assert.deepEqual(sampleBm25Negatives(mined, 3, new Rng(9)), sampleBm25Negatives(mined, 3, new Rng(9)));
});

test('bm25 runs: the ledger equals the encoder calls; negatives are the fresh encodes of the drawn rows, never a positive, and no re-embedding', async () => {
  const { data, glove } = tinyTask();
  const train = data.splits.train;
  const index = await Bm25Index.build(data.corpusTexts.map((text, i) => ({ id: data.corpusIds[i], text })));
  // the exclusion matters: unexcluded, most training queries rank their own positive in their top 6
  const ownInTop = train.queryTexts.filter((q, qi) => Array.from(index.search(q, 6).rows).includes(train.positives[qi][0])).length;
  assert.ok(ownInTop > train.queryIds.length / 2, `${ownInTop} of ${train.queryIds.length}`);
  for (const [strategy, inBatchNegatives] of [['bm25:6', true], ['bm25:3', false]] as const) {
    const counter = { n: 0 };
    const cfg = tinyConfig({ strategy, inBatchNegatives });
    const runDir = tmp();
    let negativeEncodes = 0;
    let positiveEncodes = 0;
    const drawn: StepInfo[] = [];
    const r = await trainRetriever({
      config: cfg, data, runDir, makeEncoders: spying(encoderFactory(cfg.encoder, data, 1, glove), counter),
      onStep: (s) => {
        drawn.push(s);
        const pos = new Set(s.positives);
        positiveEncodes += pos.size;
        negativeEncodes += new Set(s.negatives.flat().filter((row) => !pos.has(row))).size;
      },
    });
    const c = r.cost;
    assert.equal(counter.n, c.totalTargetEncodes + c.measure.probe + c.measure.eval, strategy);
    assert.equal(c.byKind.negatives, negativeEncodes, strategy);
    assert.equal(c.byKind.positives, positiveEncodes, strategy);
    assert.ok(negativeEncodes > 0);
    assert.equal(c.totalTargetEncodes, negativeEncodes + positiveEncodes, `${strategy}: only the step's fresh encodes, no initial cache`);
    assert.equal(c.reembed, 0);
    const table = await bm25NegativeTable({ runDir, data, train, depth: strategy === 'bm25:6' ? 6 : 3, reuse: true });
    for (const s of drawn) {
      s.queries.forEach((qi, i) => {
        const gold = new Set(train.positives[qi]);
        const mined = Array.from(table[qi]);
        assert.equal(s.negatives[i].length, Math.min(3, mined.length));
        for (const row of s.negatives[i]) {
          assert.ok(!gold.has(row), `step ${s.step}: positive ${row} of query ${qi} drawn as a negative`);
          assert.ok(mined.includes(row), `step ${s.step}: ${row} is not among query ${qi}'s mined negatives`);
        }
        if (strategy === 'bm25:3') assert.deepEqual(s.negatives[i], mined, 'depth = negatives: always the first k');
      });
    }
    // the table in the run folder is the BM25 ranking with the relevant rows taken out
    train.queryTexts.forEach((q, qi) => {
      const gold = new Set(train.positives[qi]);
      const ranked = Array.from(index.search(q, 20).rows).filter((row) => !gold.has(row)).slice(0, strategy === 'bm25:6' ? 6 : 3);
      assert.deepEqual(Array.from(table[qi]), ranked);
    });
  }
});

test('bm25: a run stopped at a checkpoint and resumed ends as an uninterrupted one, with its table read back or mined again; an edited table is refused', async () => {
  const { data, glove } = tinyTask();
  const cfg = tinyConfig({ strategy: 'bm25:6', checkpointEvery: 4 });
  const make = () => encoderFactory(cfg.encoder, data, 1, glove);
  const whole = tmp();
  const a = await trainRetriever({ config: cfg, data, runDir: whole, makeEncoders: make() });
  const strip = (f: string) => readLog(f).map(({ seconds: _s, ...rest }) => rest);
  for (const tableGone of [false, true]) {
    const parted = tmp();
    const first = await trainRetriever({ config: cfg, data, runDir: parted, makeEncoders: make(), stopAfterStep: 8 });
    assert.equal(first.steps, 8);
    const file = path.join(parted, BM25_NEGATIVES_FILE);
    if (tableGone) fs.rmSync(file);
    else {
      // what the resumed run reads is this file: a different table would change the run
      const mined = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, mined.replace(/"d(\d+)"/, (_, d) => `"d${(Number(d) + 1) % 90}"`));
      await assert.rejects(
        trainRetriever({ config: cfg, data, runDir: parted, makeEncoders: make() }),
        (e: Error) => /sha256 differs .* start over with --fresh, or delete .*bm25-negatives\.json/.test(e.message) && !e.message.includes('\n'),
      );
      fs.writeFileSync(file, mined);
    }
    const b = await trainRetriever({ config: cfg, data, runDir: parted, makeEncoders: make() });
    assert.equal(b.steps, 20);
    assert.deepEqual(b.dev, a.dev, `table gone: ${tableGone}`);
    assert.deepEqual(b.cost, a.cost);
    assert.deepEqual(strip(path.join(parted, 'log.jsonl')), strip(path.join(whole, 'log.jsonl')));
    assert.equal(fs.readFileSync(path.join(parted, 'dev.trec'), 'utf8'), fs.readFileSync(path.join(whole, 'dev.trec'), 'utf8'));
    assert.equal(fs.readFileSync(path.join(parted, BM25_NEGATIVES_FILE), 'utf8'), fs.readFileSync(path.join(whole, BM25_NEGATIVES_FILE), 'utf8'));
  }
  // more steps extend the finished run from its final checkpoint, with the table it mined
  const mtime = fs.statSync(path.join(whole, BM25_NEGATIVES_FILE)).mtimeMs;
  const c = await trainRetriever({ config: { ...cfg, steps: 24 }, data, runDir: whole, makeEncoders: make() });
  assert.equal(c.steps, 24);
  assert.equal(fs.statSync(path.join(whole, BM25_NEGATIVES_FILE)).mtimeMs, mtime, 'not mined again');
});

test('bm25: a tiny run trains (training-query MRR@10 rises over the untrained start)', async () => {
  const { data, glove } = tinyTask();
  const cfg0 = tinyConfig({ strategy: 'bm25', steps: 1, lr: 1e-9, devSplit: 'train' });
  const r0 = await trainRetriever({ config: cfg0, data, runDir: tmp(), makeEncoders: encoderFactory(cfg0.encoder, data, 1, glove) });
  const cfg = tinyConfig({ strategy: 'bm25', steps: 60, devSplit: 'train' });
  const r = await trainRetriever({ config: cfg, data, runDir: tmp(), makeEncoders: encoderFactory(cfg.encoder, data, 1, glove) });
  assert.ok(r.dev.mrr10 > r0.dev.mrr10 + 0.05, `MRR@10 ${r.dev.mrr10} should beat the start ${r0.dev.mrr10}`);
});

test('freshcache train --strategy bm25 on a dataset folder: trains, names the table it wrote; more negatives than the depth is a one-line error', async () => {
  const dataset = writeOwnDataset(path.join(root, 'own'));
  const runsDir = path.join(root, 'cli-runs');
  const r = await runCli('train', '--dataset', dataset, '--strategy', 'bm25:5', '--steps', '6', '--batch-size', '4', '--negatives', '2', '--runs-dir', runsDir, '--quiet');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^bm25:5: dev MRR@10 \d\.\d{4}/m);
  assert.match(r.out, /re-embedding cost: 0 target encodes/);
  assert.match(r.out, /run folder: .*bm25_5: .*bm25-negatives\.json/);
  const bad = await runCli('train', '--dataset', dataset, '--strategy', 'bm25:5', '--negatives', '6', '--runs-dir', runsDir, '--name', 'deep', '--quiet');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /6 negatives per query cannot be drawn from the top 5 BM25 passages of strategy bm25:5/);
  assert.equal(bad.err.trim().split('\n').length, 1, bad.err);
});

test('a table read back against a dataset where a mined negative is now relevant is refused', async () => {
  const { data } = tinyTask();
  const runDir = tmp();
  const train = data.splits.train;
  const table = await bm25NegativeTable({ runDir, data, train, depth: 4, reuse: false });
  const changed = { ...train, positives: train.positives.map((p, qi) => (qi === 2 ? Int32Array.from([...p, table[2][1]]) : p)) };
  await assert.rejects(
    bm25NegativeTable({ runDir, data, train: changed, depth: 4, reuse: true }),
    /negative "d\d+" of query "q2" is relevant to it \(was the dataset changed\?\); start over with --fresh/,
  );
  await assert.rejects(bm25NegativeTable({ runDir, data, train, depth: 5, reuse: true }), /mined with perQuery 4, expected 5/);
});
