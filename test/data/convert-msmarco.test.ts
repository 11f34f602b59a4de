import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { convertMsmarco, readMsmarcoQrels } from '../../src/data/convert/msmarco';
import { loadCorpus, loadDataset } from '../../src/data/beir';
import { InputError } from '../../src/util/errors';

// Fixtures in MS MARCO's formats: collection.tsv (pid<TAB>passage), queries.<split>.tsv
// (qid<TAB>query), qrels.<split>.tsv (qid<TAB>0<TAB>pid<TAB>1); laid out like the extracted
// collectionandqueries.tar.gz plus a separately downloaded qrels.train.tsv.

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-msmarco-'));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const COLLECTION = ['0\tThe presence of communication amid scientific minds was equally important.', '1\tThe Manhattan Project and its atomic bomb helped bring an end to World War II.', '2\tEssay on the Manhattan Project.', '3\tNobel prize passage', '4\tunrelated'].join('\n') + '\n';
const Q_TRAIN = ['121352\tdefine extreme', '634306\twhat does chattel mean on credit history', '920825\twhat was the great leap forward brainly'].join('\n') + '\n';
const QR_TRAIN = ['121352\t0\t2\t1', '634306\t0\t1\t1', '634306\t0\t3\t1'].join('\n') + '\n';
const Q_DEV = ['1048585\twhat is paula deen\'s brother', '2\tAndrogen receptor define'].join('\n') + '\n';
const QR_DEV = '1048585\t0\t0\t1\n2 0 4 1\n';

function fixture(name: string, files: Record<string, string>): string {
  const d = path.join(root, name);
  for (const [f, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
    fs.writeFileSync(path.join(d, f), data);
  }
  return d;
}

function full(over: Record<string, string> = {}): Record<string, string> {
  return {
    'collectionandqueries/collection.tsv': COLLECTION,
    'collectionandqueries/queries.train.tsv': Q_TRAIN,
    'collectionandqueries/queries.dev.small.tsv': Q_DEV,
    'collectionandqueries/qrels.dev.small.tsv': QR_DEV,
    'qrels.train.tsv': QR_TRAIN,
    ...over,
  };
}

describe('convertMsmarco', () => {
  test('collection, judged queries, qrels of train and dev.small', async () => {
    const from = fixture('ok', full());
    const out = path.join(root, 'ok-out');
    const r = await convertMsmarco({ from, out });
    assert.equal(r.manifest.counts.corpus, 5);
    assert.equal(r.manifest.counts.queries, 2 + 2); // 920825 has no qrels
    assert.deepEqual(r.manifest.counts.qrels, { 'dev.small': { queries: 2, rows: 2 }, train: { queries: 2, rows: 3 } });
    assert.deepEqual(r.manifest.splits, ['dev.small', 'train']);
    const corpus = await loadCorpus(path.join(out, 'corpus.jsonl'));
    assert.deepEqual(corpus.ids, ['0', '1', '2', '3', '4']);
    assert.equal(corpus.texts[1], 'The Manhattan Project and its atomic bomb helped bring an end to World War II.');
    assert.equal(corpus.titles[1], '');
    const dev = await loadDataset(out, { split: 'dev.small' });
    assert.deepEqual(dev.queries.map((q) => [q.id, q.text]), [['1048585', "what is paula deen's brother"], ['2', 'Androgen receptor define']]);
    assert.deepEqual([...dev.qrels.get('2')!.keys()], ['4']);
    const train = await loadDataset(out, { split: 'train' });
    assert.deepEqual([...train.qrels.get('634306')!.keys()], ['1', '3']);
  });

  test('allQueries keeps unjudged queries; splits picks files', async () => {
    const from = fixture('all', full());
    const r = await convertMsmarco({ from, out: path.join(root, 'all-out'), splits: ['train'], allQueries: true, gzipCorpus: true });
    assert.equal(r.manifest.counts.queries, 3);
    assert.ok(fs.existsSync(path.join(root, 'all-out', 'corpus.jsonl.gz')));
  });

  const malformed: [string, Record<string, string>, RegExp][] = [
    ['collection line without tab', { 'collectionandqueries/collection.tsv': COLLECTION + '5 no tab\n' }, /collection\.tsv:6: expected pid<TAB>passage/],
    ['qrels with 3 columns', { 'qrels.train.tsv': QR_TRAIN + '121352\t2\t1\n' }, /qrels\.train\.tsv:4: expected 4 columns.*BEIR/],
    ['qrels relevance not a number', { 'collectionandqueries/qrels.dev.small.tsv': QR_DEV + '2\t0\t3\tyes\n' }, /qrels\.dev\.small\.tsv:3: relevance \(column 4\) "yes"/],
    ['query line without tab', { 'collectionandqueries/queries.train.tsv': Q_TRAIN + 'broken\n' }, /queries\.train\.tsv:4: expected qid<TAB>query/],
    ['qrels query not in the queries file', { 'qrels.train.tsv': QR_TRAIN + '777\t0\t1\t1\n' }, /qrels\.train\.tsv: query "777" is not in/],
    ['qrels passage not in the collection', { 'qrels.train.tsv': QR_TRAIN + '121352\t0\t99\t1\n' }, /corpus id "99", which is not in the corpus/],
    ['duplicate passage id', { 'collectionandqueries/collection.tsv': COLLECTION + '3\tagain\n' }, /duplicate id "3"/],
  ];
  for (const [name, files, pattern] of malformed) {
    test(`malformed input: ${name}`, async () => {
      const tag = name.replace(/\W+/g, '-');
      const from = fixture(`bad-${tag}`, full(files));
      const out = path.join(root, `bad-out-${tag}`);
      await assert.rejects(convertMsmarco({ from, out }), (e: unknown) => e instanceof InputError && pattern.test((e as Error).message));
      assert.equal(fs.existsSync(path.join(out, 'dataset.json')), false);
    });
  }

  test('a missing split file is named', async () => {
    const from = fixture('nodev', { 'collection.tsv': COLLECTION, 'queries.train.tsv': Q_TRAIN, 'qrels.train.tsv': QR_TRAIN });
    await assert.rejects(convertMsmarco({ from, out: path.join(root, 'nodev-out') }), /queries of split 'dev\.small' not found/);
  });
});

test('readMsmarcoQrels reads tab- and space-separated rows', async () => {
  const d = fixture('qr', { 'q.tsv': QR_DEV });
  const { qrels, rows } = await readMsmarcoQrels(path.join(d, 'q.tsv'));
  assert.equal(rows, 2);
  assert.deepEqual([...qrels.entries()].map(([q, m]) => [q, [...m.entries()]]), [['1048585', [['0', 1]]], ['2', [['4', 1]]]]);
});
