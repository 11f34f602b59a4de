import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { Rng } from '../../src/util/rng';
import { InputError } from '../../src/util/errors';
import type { Glove } from '../../src/data/glove';
import { convertNq } from '../../src/data/convert/dpr-nq';
import { convertMsmarco } from '../../src/data/convert/msmarco';
import { subsampleDataset } from '../../src/data/subsample';
import { loadDataset } from '../../src/data/beir';
import { reproduce, type ReproduceOptions } from '../../src/experiments/reproduce';
import { detectDatasetKind, reproductionProfile, RETRIEVAL_METRICS } from '../../src/experiments/datasets';
import { writeOwnDataset } from '../fixtures/own-data';

// Tiny fixtures in the published formats (DPR NQ, MS MARCO passage), converted by the converters and
// reproduced with a tiny GloVe-like table and a few steps. Passage i holds a unique answer token a<i>
// (not in the table, so the encoder never sees it) and five table words; question i repeats three of
// them. With 60 passages and depth 100, every passage is retrieved: acc@100 and R@100 are 100%.

let root: string;
let glove: Glove;
const WORDS = Array.from({ length: 40 }, (_, i) => `w${i}`);

before(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-repro-'));
  const rng = new Rng(5);
  glove = { words: WORDS, index: new Map(WORDS.map((w, i) => [w, i])), dim: 8, matrix: new Float32Array(WORDS.length * 8).map(() => rng.normal()) };
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function passages(n: number, seed: number): { words: string[][]; text: (i: number) => string } {
  const rng = new Rng(seed);
  const words = Array.from({ length: n }, () => Array.from({ length: 5 }, () => WORDS[rng.int(WORDS.length)]));
  return { words, text: (i: number) => `${words[i].join(' ')} a${i}` };
}

function question(ws: string[], i: number, rng: Rng): string {
  return `q${i} ${ws[0]} ${ws[2]} ${ws[4]} ${WORDS[rng.int(WORDS.length)]}`;
}

function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [f, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), data);
  }
  return dir;
}

/** DPR's files: psgs_w100.tsv, nq-{train,dev,test}.qa.csv, biencoder-nq-{train,dev}.json. */
function nqFixture(dir: string): string {
  const n = 60;
  const p = passages(n, 11);
  const rng = new Rng(12);
  const psgs = ['id\ttext\ttitle', ...Array.from({ length: n }, (_, i) => `${i}\t"${p.text(i)}"\tTitle ${i}`)].join('\n') + '\n';
  const files: Record<string, string> = { 'psgs_w100.tsv': psgs };
  const ranges: Record<string, [number, number]> = { train: [0, 36], dev: [36, 48], test: [48, 60] };
  for (const [split, [a, b]] of Object.entries(ranges)) {
    const qs = Array.from({ length: b - a }, (_, j) => ({ i: a + j, q: question(p.words[a + j], a + j, rng) }));
    files[`nq-${split}.qa.csv`] = qs.map(({ i, q }) => `${q}\t['a${i}']`).join('\n') + '\n';
    if (split !== 'test') {
      files[`biencoder-nq-${split}.json`] = JSON.stringify(qs.map(({ i, q }) => ({
        question: q, answers: [`a${i}`], positive_ctxs: [{ title: `Title ${i}`, text: p.text(i), passage_id: String(i) }], negative_ctxs: [], hard_negative_ctxs: [],
      })));
    }
  }
  return writeFiles(dir, files);
}

/** MS MARCO's files: collection.tsv, queries.{train,dev.small}.tsv, qrels.{train,dev.small}.tsv. */
function msmarcoFixture(dir: string): string {
  const n = 60;
  const p = passages(n, 21);
  const rng = new Rng(22);
  const files: Record<string, string> = { 'collectionandqueries/collection.tsv': Array.from({ length: n }, (_, i) => `${1000 + i}\t${p.text(i)}`).join('\n') + '\n' };
  for (const [split, a, b] of [['train', 0, 40], ['dev.small', 40, 60]] as const) {
    const ids = Array.from({ length: b - a }, (_, j) => a + j);
    files[`collectionandqueries/queries.${split}.tsv`] = ids.map((i) => `${5000 + i}\t${question(p.words[i], i, rng)}`).join('\n') + '\n';
    files[`collectionandqueries/qrels.${split}.tsv`] = ids.map((i) => `${5000 + i}\t0\t${1000 + i}\t1`).join('\n') + '\n';
  }
  return writeFiles(dir, files);
}

function tinyOptions(dataset: string, name: string): ReproduceOptions {
  return {
    dataset, name, strategies: ['in-batch', 'corrector'], seeds: [1], steps: 6, glove,
    base: { batchSize: 8, negatives: 2, logEvery: 3, checkpointEvery: 0, probeRows: 20, probeQueries: 4, blockRows: 32, encoder: { pooling: 'mean' }, corrector: { width: 8 } },
    runsDir: path.join(root, 'runs'), resultsDir: path.join(root, 'results'),
  };
}

test('NQ: converted DPR fixture → train, dev acc@k and qrels, answers-only test acc@k, quoted rows; a second call reuses every stage', async () => {
  const from = nqFixture(path.join(root, 'raw-nq'));
  const dir = path.join(root, 'nq');
  await convertNq({ from, out: dir });
  assert.equal(detectDatasetKind(dir), 'nq');
  // the answers-only test split opens for evaluation: its questions and answers, no qrels
  const t = await loadDataset(dir, { split: 'test' });
  assert.equal(t.answerOnly, true);
  assert.equal(t.qrels.size, 0);
  assert.deepEqual(t.queries.map((q) => q.id), Array.from({ length: 12 }, (_, j) => `test-${j}`));
  assert.deepEqual(t.answers!.get('test-0'), ['a48']);
  assert.equal(t.answers!.size, 12);
  assert.equal((await loadDataset(dir, { split: 'dev' })).answerOnly, undefined);
  await assert.rejects(loadDataset(dir, { split: 'nope' }), /split 'nope'/);
  const profile = reproductionProfile(dir, 'nq');
  assert.deepEqual(profile.evalSplits.map((s) => [s.split, s.qrels, s.answers]), [['dev', true, true], ['test', false, true]]);
  // --metrics: answer accuracy where the answers are, qrels metrics where the qrels are; a split left with none is not scored
  assert.deepEqual(reproductionProfile(dir, 'nq', ['ndcg@10', 'acc@5']).evalSplits.map((s) => [s.split, s.metrics]), [['dev', ['ndcg@10', 'acc@5']], ['test', ['acc@5']]]);
  assert.deepEqual(reproductionProfile(dir, 'nq', ['ndcg@10']).evalSplits.map((s) => [s.split, s.metrics]), [['dev', ['ndcg@10']]]);

  const logs: string[] = [];
  const first = await reproduce({ ...tinyOptions(dir, 'nq-tiny'), log: (l) => logs.push(l) });
  assert.equal(first.kind, 'nq');
  const labels = first.table.rows.map((r) => r.label);
  assert.deepEqual(labels, ['BM25', 'zero-shot', 'in-batch', 'corrector', 'corrector (Monath et al. 2024) (quoted)', 'DPR (quoted)', 'ANCE (quoted)', 'BM25 (quoted)']);
  const ours = first.table.rows.filter((r) => !r.quoted && r.label !== 'BM25');
  for (const r of ours) {
    // 60 passages, depth 100: every question's passage (and its answer a<i>) is retrieved
    assert.equal(r.values['dev acc@100'], 100);
    assert.equal(r.values['dev success@100'], 100);
    assert.equal(r.values['test acc@100'], 100);
    const acc = [1, 5, 10, 20, 100].map((k) => r.values[`test acc@${k}`]);
    for (let i = 0; i < acc.length; i++) {
      assert.ok(acc[i] >= 0 && acc[i] <= 100, `test acc = ${acc}`);
      if (i > 0) assert.ok(acc[i - 1] <= acc[i], `test acc@k not monotone in k: ${acc}`);
    }
    assert.equal(r.reembedCorpusPasses, 0);
  }
  // BM25 is scored on the same splits and metrics; no seeds, no encoder cost
  const bm25 = first.table.rows.find((r) => r.label === 'BM25')!;
  assert.deepEqual(Object.keys(bm25.values).sort(), Object.keys(ours[0].values).sort());
  assert.equal(bm25.seeds, undefined);
  assert.equal(bm25.reembedCorpusPasses, undefined);
  assert.ok(bm25.wallSeconds! >= 0);
  assert.match(first.markdown, /\| BM25 \| - \|( [\d.]+ \|)+ - \| \d+ \|/);
  assert.match(first.markdown, /BM25: lexical retrieval .* not a dense strategy/);
  assert.equal(first.table.rows.find((r) => r.label === 'zero-shot')!.seeds, 1);
  assert.equal(first.evaluations['corrector-s1'].test.queries, 12);
  assert.equal(first.evaluations['corrector-s1'].dev.queries, 12);
  // the dev answer accuracy agrees with the qrels view where they coincide (one positive, unique answer)
  for (const r of ours) assert.equal(r.values['dev acc@20'], r.values['dev success@20']);
  const dpr = first.table.rows.find((r) => r.label === 'DPR (quoted)')!;
  assert.equal(dpr.values['test acc@20'], 78.4);
  assert.equal(dpr.values['test acc@100'], 85.4);
  assert.match(first.markdown, /\| DPR \(quoted\) \| - \|/);
  assert.match(first.markdown, /Karpukhin/);
  // files: tables, stage record, run files of both splits
  const results = path.join(root, 'results', 'nq-tiny');
  for (const f of ['reproduction.md', 'reproduction.json', 'reproduction.csv', 'stages.json', 'table.md']) assert.ok(fs.existsSync(path.join(results, f)), f);
  const stages = JSON.parse(fs.readFileSync(path.join(results, 'stages.json'), 'utf8'));
  for (const s of ['data', 'train', 'evaluate', 'table']) assert.equal(stages[s].done, true, s);
  assert.equal(stages.evaluate.reused, 0);
  for (const s of ['dev', 'test']) assert.ok(fs.readFileSync(path.join(root, 'runs', 'nq-tiny', 'corrector-s1', `reproduce-${s}.trec`), 'utf8').split('\n').length > 12 * 50);
  assert.ok(fs.existsSync(path.join(root, 'runs', 'nq-tiny', 'initial-cache-s1', 'manifest.json')));

  // second call: finished runs and evaluations are reused, the table is the same
  const evalFile = path.join(root, 'runs', 'nq-tiny', 'in-batch-s1', 'reproduce-eval.json');
  const mtime = fs.statSync(evalFile).mtimeMs;
  const second = await reproduce(tinyOptions(dir, 'nq-tiny'));
  assert.deepEqual(second.reused, { runs: 3, evaluations: 3 });
  assert.deepEqual(second.table, first.table);
  assert.equal(fs.statSync(evalFile).mtimeMs, mtime);
  const stages2 = JSON.parse(fs.readFileSync(path.join(results, 'stages.json'), 'utf8'));
  assert.equal(stages2.evaluate.reused, 3);
  assert.equal(stages2.train.bm25.reused, true);
});

test('NQ and MS MARCO subsampled fixtures reproduce end to end with their metrics', async () => {
  // NQ slice (train, dev): the dev split is scored by answers and qrels
  const nqSub = path.join(root, 'nq-sub');
  if (!fs.existsSync(path.join(root, 'nq', 'dataset.json'))) await convertNq({ from: nqFixture(path.join(root, 'raw-nq2')), out: path.join(root, 'nq') });
  await subsampleDataset({ from: path.join(root, 'nq'), out: nqSub, extra: 10, seed: 0, splits: ['train', 'dev'] });
  assert.equal(detectDatasetKind(nqSub), 'nq');
  const nq = await reproduce(tinyOptions(nqSub, 'nq-sub'));
  assert.deepEqual(nq.profile.evalSplits.map((s) => s.split), ['dev']);
  for (const r of nq.table.rows.filter((x) => !x.quoted && x.label !== 'BM25')) assert.equal(r.values['dev acc@100'], 100); // 58 passages < 100
  assert.ok(nq.table.columns.some((c) => c.key === 'test acc@20')); // quoted-only column kept
  assert.equal(nq.table.rows.find((r) => r.label === 'in-batch')!.values['test acc@20'], undefined);

  // MS MARCO: convert, slice, reproduce on dev.small with MRR@10 (official convention) and R@1000
  const msFrom = msmarcoFixture(path.join(root, 'raw-msmarco'));
  const ms = path.join(root, 'msmarco');
  await convertMsmarco({ from: msFrom, out: ms });
  const msSub = path.join(root, 'msmarco-sub');
  await subsampleDataset({ from: ms, out: msSub, extra: 5, seed: 0 });
  assert.equal(detectDatasetKind(msSub), 'msmarco');
  const r = await reproduce(tinyOptions(msSub, 'ms-sub'));
  assert.equal(r.profile.depth, 1000);
  assert.deepEqual(r.table.columns.map((c) => c.key), ['dev.small mrr_msmarco@10', 'dev.small ndcg@10', 'dev.small recall@1000']);
  for (const row of r.table.rows.filter((x) => !x.quoted && x.label !== 'BM25')) {
    assert.equal(row.values['dev.small recall@1000'], 100);
    const mrr = row.values['dev.small mrr_msmarco@10'];
    assert.ok(mrr > 0 && mrr <= 100, String(mrr));
  }
  assert.deepEqual(r.table.rows.filter((x) => x.quoted).map((x) => [x.label, x.values['dev.small mrr_msmarco@10']]), [['ANCE (quoted)', 33], ['BM25 (quoted)', 18.7]]);
  assert.match(r.markdown, /dev\.small MRR@10 \| dev\.small nDCG@10 \| dev\.small recall@1000/);

  // the same pipeline with a transformer: both encoders from a (tiny) Hugging Face BERT folder
  const bert = path.join(root, 'bert-tiny-a');
  fs.mkdirSync(bert, { recursive: true });
  const FIX = path.join(__dirname, '..', 'fixtures', 'hf');
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(FIX, 'bert-tiny-a', f), path.join(bert, f));
  fs.copyFileSync(path.join(FIX, 'tiny-vocab.txt'), path.join(bert, 'vocab.txt'));
  const b = await reproduce({ ...tinyOptions(msSub, 'ms-sub-bert'), encoder: bert, strategies: ['stale'], steps: 3 });
  assert.equal(b.table.encoder, 'bert:bert-tiny-a');
  const cfg = JSON.parse(fs.readFileSync(path.join(root, 'runs', 'ms-sub-bert', 'stale-s1', 'config.json'), 'utf8'));
  assert.deepEqual([cfg.encoder.kind, cfg.encoder.checkpoint, cfg.lr], ['bert', bert, 2e-5]);
  const stale = b.table.rows.find((x) => x.label === 'stale')!;
  assert.equal(stale.values['dev.small recall@1000'], 100);
  assert.ok(stale.values['dev.small mrr_msmarco@10'] > 0);
});

test('nq / msmarco not converted yet: one-line InputError with the download, convert and subsample commands', async () => {
  const dataDir = path.join(root, 'empty-data');
  for (const name of ['nq', 'msmarco'] as const) {
    await assert.rejects(reproduce({ dataset: name, dataDir }), (e: Error) => {
      assert.ok(e instanceof InputError);
      assert.ok(!e.message.includes('\n'));
      assert.match(e.message, new RegExp(`freshcache data download ${name} .* && npx freshcache data convert ${name} --from`));
      assert.match(e.message, /freshcache data subsample/);
      return true;
    });
  }
  await assert.rejects(reproduce({ dataset: path.join(root, 'nowhere') }), /not found/);
});

test('--metrics replaces the profile\'s metrics under their canonical names, retrieves to the largest cutoff, and refuses what no split can score', () => {
  const own = writeOwnDataset(path.join(root, 'own'));
  assert.deepEqual(reproductionProfile(own, 'generic').evalSplits.map((s) => [s.split, s.metrics]), [['dev', RETRIEVAL_METRICS], ['test', RETRIEVAL_METRICS]]);
  assert.deepEqual(RETRIEVAL_METRICS, ['mrr@10', 'ndcg@10', 'recall@100', 'success@1', 'success@10', 'success@100']);
  const p = reproductionProfile(own, 'generic', ['nDCG@10', 'R@1000', 'ndcg_cut.10']);
  assert.deepEqual(p.evalSplits.map((s) => [s.split, s.metrics]), [['dev', ['ndcg@10', 'recall@1000']], ['test', ['ndcg@10', 'recall@1000']]]);
  assert.equal(p.depth, 1000);
  assert.throws(() => reproductionProfile(own, 'generic', ['mrr@10', 'acc@20']), /^InputError: --metrics: acc@20 needs answers \(answers\.jsonl\), which no evaluation split of .*own has \(dev: qrels; test: qrels\)$/);
  assert.throws(() => reproductionProfile(own, 'generic', ['bogus@3']), /--metrics: unknown metric 'bogus@3'/);
});
