import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { subsampleDataset } from '../../src/data/subsample';
import { loadAnswers, loadCorpusIds, loadDataset, writeDataset } from '../../src/data/beir';
import type { Qrels } from '../../src/data/dataset';
import { InputError } from '../../src/util/errors';

let root: string;
let src: string;
// corpus d0..d99; test: q_i → d(10 i) for i < 10, plus q0 → d5 with score 0; train: q_i → d(10 i + 1) for i ≥ 5
const TEST_GOLD = ['d0', 'd5', 'd10', 'd20', 'd30', 'd40', 'd50', 'd60', 'd70', 'd80', 'd90'];
const TRAIN_GOLD = ['d51', 'd61', 'd71', 'd81', 'd91'];

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-subsample-'));
  src = path.join(root, 'src');
  const test: Qrels = new Map();
  const train: Qrels = new Map();
  for (let i = 0; i < 10; i++) {
    test.set(`q${i}`, new Map([[`d${10 * i}`, 1]]));
    if (i >= 5) train.set(`q${i}`, new Map([[`d${10 * i + 1}`, 1]]));
  }
  test.get('q0')!.set('d5', 0);
  await writeDataset(src, {
    name: 'toy',
    licence: 'test licence',
    corpus: Array.from({ length: 100 }, (_, i) => ({ id: `d${i}`, title: `t${i}`, text: `passage ${i}` })),
    queries: Array.from({ length: 11 }, (_, i) => ({ id: `q${i}`, text: `query ${i}` })), // q10 is unjudged
    qrels: { test, train },
    answers: Array.from({ length: 11 }, (_, i) => ({ id: `q${i}`, answers: [`a${i}`] })),
  });
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const num = (id: string) => Number(id.slice(1));

describe('subsampleDataset', () => {
  test('all gold passages plus exactly N random others, in corpus order; same layout', async () => {
    const out = path.join(root, 'a');
    const r = await subsampleDataset({ from: src, out, extra: 20, seed: 1 });
    const { ids } = await loadCorpusIds(path.join(out, 'corpus.jsonl'));
    assert.equal(ids.length, TEST_GOLD.length + TRAIN_GOLD.length + 20);
    for (const g of [...TEST_GOLD, ...TRAIN_GOLD]) assert.ok(ids.includes(g), `gold ${g} kept`);
    assert.deepEqual(ids, [...ids].sort((a, b) => num(a) - num(b)), 'file order kept');
    assert.equal(r.gold, 16);
    assert.equal(r.extra, 20);
    assert.equal(r.sourceCorpus, 100);
    assert.equal(r.manifest.name, 'toy-sub20-s1');
    assert.equal(r.manifest.licence, 'test licence');
    assert.equal((r.manifest.extra as Record<string, unknown>).extraPassages, 20);
    assert.equal(r.manifest.counts.queries, 10, 'the unjudged q10 is dropped');
    const ds = await loadDataset(out, { split: 'test', loadCorpus: true });
    assert.equal(ds.qrels.get('q0')!.get('d5'), 0);
    assert.deepEqual(ds.answers!.get('q3'), ['a3']);
    assert.equal(ds.corpus!.texts[ds.corpus!.index.get('d30')!], 'passage 30');
  });

  test('deterministic per seed; different seeds differ; always exactly N', async () => {
    const draw = async (seed: number, tag: string) => {
      const out = path.join(root, `seed-${tag}`);
      await subsampleDataset({ from: src, out, extra: 10, seed, splits: ['test'] });
      return (await loadCorpusIds(path.join(out, 'corpus.jsonl'))).ids;
    };
    const a = await draw(7, 'a');
    const b = await draw(7, 'b');
    assert.deepEqual(a, b);
    const others = [await draw(8, 'c'), await draw(9, 'd'), await draw(10, 'e')];
    assert.ok(others.some((o) => o.join() !== a.join()));
    for (const ids of [a, ...others]) assert.equal(ids.length, TEST_GOLD.length + 10);
  });

  test('extra larger than the non-gold passages takes them all', async () => {
    const r = await subsampleDataset({ from: src, out: path.join(root, 'big'), extra: 1000 });
    assert.equal(r.manifest.counts.corpus, 100);
    assert.equal(r.extra, 84);
  });

  test('maxQueries caps judged queries per split (seeded), keeping only their gold passages', async () => {
    const out = path.join(root, 'cap');
    const r = await subsampleDataset({ from: src, out, extra: 0, maxQueries: 3, splits: ['test'], seed: 3 });
    assert.equal(r.manifest.counts.queries, 3);
    assert.deepEqual(r.manifest.splits, ['test']);
    const ds = await loadDataset(out, { split: 'test', loadCorpus: 'ids' });
    const gold = new Set<string>();
    for (const docs of ds.qrels.values()) for (const d of docs.keys()) gold.add(d);
    assert.deepEqual(new Set(ds.corpusIds!.ids), gold);
    const answers = await loadAnswers(path.join(out, 'answers.jsonl'));
    assert.deepEqual([...answers.keys()].sort(), ds.queries.map((q) => q.id).sort());
    const again = await subsampleDataset({ from: src, out: path.join(root, 'cap2'), extra: 0, maxQueries: 3, splits: ['test'], seed: 3 });
    assert.equal(again.manifest.counts.corpus, r.manifest.counts.corpus);
  });

  test('without dataset.json it counts the corpus first and gives the same slice', async () => {
    const copy = path.join(root, 'nomanifest');
    fs.cpSync(src, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'dataset.json'));
    await subsampleDataset({ from: copy, out: path.join(root, 'nm-out'), extra: 15, seed: 4 });
    await subsampleDataset({ from: src, out: path.join(root, 'm-out'), extra: 15, seed: 4 });
    const a = (await loadCorpusIds(path.join(root, 'nm-out', 'corpus.jsonl'))).ids;
    const b = (await loadCorpusIds(path.join(root, 'm-out', 'corpus.jsonl'))).ids;
    assert.deepEqual(a, b);
  });

  test('a corpus that disagrees with dataset.json is refused, nothing finished', async () => {
    const copy = path.join(root, 'shortened');
    fs.cpSync(src, copy, { recursive: true });
    const lines = fs.readFileSync(path.join(copy, 'corpus.jsonl'), 'utf8').split('\n');
    fs.writeFileSync(path.join(copy, 'corpus.jsonl'), lines.slice(0, 95).join('\n') + '\n');
    const out = path.join(root, 'short-out');
    await assert.rejects(subsampleDataset({ from: copy, out, extra: 5 }), InputError);
    assert.equal(fs.existsSync(path.join(out, 'dataset.json')), false);
  });

  test('bad options', async () => {
    await assert.rejects(subsampleDataset({ from: src, out: path.join(root, 'x'), extra: -1 }), /extra: expected a non-negative integer/);
    await assert.rejects(subsampleDataset({ from: src, out: src, extra: 1 }), /different folder/);
    await assert.rejects(subsampleDataset({ from: src, out: path.join(root, 'x'), extra: 1, splits: ['dev'] }), /no qrels for split 'dev'/);
    await assert.rejects(subsampleDataset({ from: src, out: path.join(root, 'x'), extra: 1, maxQueries: 0 }), /maxQueries/);
  });
});
