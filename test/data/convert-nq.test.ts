import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { convertNq, readDprPassages, readDprQaCsv } from '../../src/data/convert/dpr-nq';
import { loadAnswers, loadCorpus, loadDataset, loadQueries } from '../../src/data/beir';
import { readManifest } from '../../src/data/dataset';
import { InputError } from '../../src/util/errors';

// Fixtures in DPR's published formats: psgs_w100.tsv (Python csv, quoted text), nq-*.qa.csv
// (question<TAB>Python list repr), biencoder-nq-*.json (a JSON array with positive_ctxs[].passage_id).

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-nq-'));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const PSGS = [
  'id\ttext\ttitle',
  '1\t"Aaron Aaron ( or ; ""Ahärôn"") is a prophet, high priest, and the brother of Moses."\tAaron',
  '2\t"God at Sinai granted Aaron the priesthood for himself and his male descendants."\tAaron',
  '3\t"The 1901 Nobel Prize in Physics was awarded to Wilhelm Conrad Röntgen."\tNobel Prize in Physics',
  '4\t"Deadpool 2 was released on May 18, 2018."\tDeadpool 2',
  '5\tplain passage with a "quote" inside\tSome "Title"',
].join('\n') + '\n';

const QA_TRAIN = [
  "who got the first nobel prize in physics\t['Wilhelm Conrad Röntgen']",
  "who is the brother of moses\t['Aaron']",
  `"what is the ""quoted"" question"\t['a', "b's"]`,
].join('\n') + '\n';
const QA_DEV = "when is the next deadpool movie being released\t['May 18 , 2018']\n";
const QA_TEST = ["who won the nobel prize\t['R\\xf6ntgen', 'Wilhelm']", "who was aaron\t['prophet']"].join('\n') + '\n';

function ctx(id: string | number | undefined, title = 't', text = 'x', key = 'passage_id') {
  return id === undefined ? { title, text } : { title, text, score: 1000, title_score: 1, [key]: id };
}

const BI_TRAIN = [
  { dataset: 'nq_train_psgs_w100', question: 'who got the first nobel prize in physics', answers: ['Wilhelm Conrad Röntgen'], positive_ctxs: [ctx('3'), ctx('5')], negative_ctxs: [ctx('4')], hard_negative_ctxs: [ctx('2')] },
  { dataset: 'nq_train_psgs_w100', question: 'who is the brother of moses', answers: ['Aaron'], positive_ctxs: [ctx(1)], negative_ctxs: [], hard_negative_ctxs: [] },
  { dataset: 'nq_train_psgs_w100', question: 'a question missing from the qa file', answers: ['x', 'y'], positive_ctxs: [ctx('2', 't', 'x', 'psg_id')], negative_ctxs: [], hard_negative_ctxs: [] },
];
const BI_DEV = [{ question: 'when is the next deadpool movie being released', answers: ['May 18 , 2018'], positive_ctxs: [ctx('4')], negative_ctxs: [], hard_negative_ctxs: [] }];

function fixture(name: string, files: Record<string, string | Buffer>): string {
  const d = path.join(root, name);
  for (const [f, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
    fs.writeFileSync(path.join(d, f), data);
  }
  return d;
}

function full(extra: Record<string, string | Buffer> = {}): Record<string, string | Buffer> {
  return {
    'psgs_w100.tsv.gz': gzipSync(PSGS),
    'nq-train.qa.csv': QA_TRAIN,
    'nq-dev.qa.csv': QA_DEV,
    'nq-test.qa.csv': QA_TEST,
    'biencoder-nq-train.json.gz': gzipSync(JSON.stringify(BI_TRAIN, null, 2)),
    'biencoder-nq-dev.json': JSON.stringify(BI_DEV),
    ...extra,
  };
}

describe('convertNq', () => {
  test('passages, queries, answers, qrels; test split answers-only', async () => {
    const from = fixture('ok', full());
    const out = path.join(root, 'ok-out');
    const r = await convertNq({ from, out });
    const m = readManifest(path.join(out, 'dataset.json'));
    assert.equal(m.name, 'nq');
    assert.deepEqual(m.counts.qrels, { dev: { queries: 1, rows: 1 }, train: { queries: 3, rows: 4 } });
    assert.equal(m.counts.corpus, 5);
    assert.equal(m.counts.queries, 3 + 1 + 1 + 2); // train qa rows + one biencoder-only + dev + test
    assert.deepEqual(m.splits, ['dev', 'train']);
    assert.deepEqual((m.extra as Record<string, unknown>).answerOnlySplits, ['test']);
    assert.deepEqual((m.extra as Record<string, unknown>).querySplits, { train: 4, dev: 1, test: 2 });
    assert.ok(r.notes.some((n) => /1 biencoder questions not found/.test(n)));

    const corpus = await loadCorpus(path.join(out, 'corpus.jsonl'));
    assert.deepEqual(corpus.ids, ['1', '2', '3', '4', '5']);
    assert.equal(corpus.texts[0], 'Aaron Aaron ( or ; "Ahärôn") is a prophet, high priest, and the brother of Moses.');
    assert.equal(corpus.titles[0], 'Aaron');
    assert.equal(corpus.texts[4], 'plain passage with a "quote" inside');
    assert.equal(corpus.titles[4], 'Some "Title"');

    const queries = await loadQueries(path.join(out, 'queries.jsonl'));
    assert.deepEqual(queries.map((q) => q.id), ['train-0', 'train-1', 'train-2', 'train-bi2', 'dev-0', 'test-0', 'test-1']);
    assert.equal(queries[2].text, 'what is the "quoted" question');
    const answers = await loadAnswers(path.join(out, 'answers.jsonl'));
    assert.deepEqual(answers.get('train-2'), ['a', "b's"]);
    assert.deepEqual(answers.get('train-bi2'), ['x', 'y']);
    assert.deepEqual(answers.get('test-0'), ['Röntgen', 'Wilhelm']);

    const train = await loadDataset(out, { split: 'train' });
    assert.deepEqual([...train.qrels.get('train-0')!.entries()], [['3', 1], ['5', 1]]);
    assert.deepEqual([...train.qrels.get('train-1')!.keys()], ['1']);
    assert.deepEqual([...train.qrels.get('train-bi2')!.keys()], ['2']);
    assert.deepEqual(train.answers!.get('train-1'), ['Aaron']);
    const dev = await loadDataset(out, { split: 'dev' });
    assert.deepEqual([...dev.qrels.get('dev-0')!.keys()], ['4']);
  });

  test('positives: first keeps only the first positive', async () => {
    const from = fixture('first', full());
    const out = path.join(root, 'first-out');
    const r = await convertNq({ from, out, positives: 'first', splits: ['train'] });
    assert.deepEqual(r.manifest.counts.qrels, { train: { queries: 3, rows: 3 } });
    assert.equal(r.manifest.counts.queries, 4);
  });

  test('missingPositives: drop removes positives that are not in the passages, with a note', async () => {
    const bi = [{ ...BI_DEV[0], positive_ctxs: [ctx('999'), ctx('4')] }, { question: 'orphan', answers: ['o'], positive_ctxs: [ctx('998')] }];
    const from = fixture('drop', full({ 'biencoder-nq-dev.json': JSON.stringify(bi) }));
    const out = path.join(root, 'drop-out');
    await assert.rejects(convertNq({ from, out, splits: ['dev'] }), /corpus id "99[89]", which is not in the corpus \(2 such ids\)/);
    const r = await convertNq({ from, out, splits: ['dev'], missingPositives: 'drop' });
    assert.deepEqual(r.manifest.counts.qrels, { dev: { queries: 1, rows: 1 } });
    assert.ok(r.notes.some((n) => /dev: dropped 2 positives .* \(1 questions left without positives\)/.test(n)), r.notes.join('; '));
    const dev = await loadDataset(out, { split: 'dev' });
    assert.deepEqual([...dev.qrels.get('dev-0')!.keys()], ['4']);
  });

  test('only a test split: no qrels, a clear error, nothing written', async () => {
    const from = fixture('testonly', full());
    const out = path.join(root, 'testonly-out');
    await assert.rejects(convertNq({ from, out, splits: ['test'] }), /no qrels/);
    assert.equal(fs.existsSync(path.join(out, 'dataset.json')), false);
  });

  const malformed: [string, Record<string, string | Buffer>, RegExp][] = [
    ['qa answers not a list', { 'nq-train.qa.csv': QA_TRAIN + "bad question\tAaron\n" }, /nq-train\.qa\.csv:4: answers \(column 2\) are not a Python list/],
    ['qa missing answers column', { 'nq-dev.qa.csv': QA_DEV + 'no tab here\n' }, /nq-dev\.qa\.csv:2: expected question<TAB>answers/],
    ['passage with 2 fields', { 'psgs_w100.tsv.gz': gzipSync(PSGS + '6\tonly text\n') }, /psgs_w100\.tsv\.gz:7: expected 3 tab-separated fields/],
    ['passage quote never closed', { 'psgs_w100.tsv.gz': gzipSync(PSGS + '6\t"never closed\tT\n') }, /psgs_w100\.tsv\.gz:7: a quoted field opened here is not closed/],
    ['duplicate passage id', { 'psgs_w100.tsv.gz': gzipSync(PSGS + '3\tagain\tT\n') }, /duplicate id "3"/],
    ['positive without passage_id', { 'biencoder-nq-dev.json': JSON.stringify([{ ...BI_DEV[0], positive_ctxs: [ctx(undefined)] }]) }, /biencoder-nq-dev\.json:1: element 0: positive_ctxs\[0\] has no "passage_id"/],
    ['biencoder truncated', { 'biencoder-nq-dev.json': JSON.stringify(BI_DEV, null, 1).slice(0, 60) }, /biencoder-nq-dev\.json:\d+: the file ends inside the JSON array/],
    ['biencoder element without question', { 'biencoder-nq-dev.json': '[\n{"answers": []}\n]' }, /biencoder-nq-dev\.json:2: element 0: missing "question"/],
    ['positive passage not in the corpus', { 'biencoder-nq-dev.json': JSON.stringify([{ ...BI_DEV[0], positive_ctxs: [ctx('999')] }]) }, /names corpus id "999", which is not in the corpus/],
  ];
  for (const [name, files, pattern] of malformed) {
    test(`malformed input: ${name}`, async () => {
      const from = fixture(`bad-${name.replace(/\W+/g, '-')}`, full(files));
      const out = path.join(root, `bad-out-${name.replace(/\W+/g, '-')}`);
      await assert.rejects(convertNq({ from, out }), (e: unknown) => e instanceof InputError && pattern.test((e as Error).message));
      assert.equal(fs.existsSync(path.join(out, 'dataset.json')), false, 'no manifest: the folder is not a finished dataset');
      assert.equal(fs.existsSync(path.join(out, 'corpus.jsonl')), false, 'no corpus committed');
    });
  }

  test('missing passages file', async () => {
    const from = fixture('nopsgs', { 'nq-dev.qa.csv': QA_DEV });
    await assert.rejects(convertNq({ from, out: path.join(root, 'x') }), /psgs_w100\.tsv.*not found/);
  });
});

test('readDprPassages and readDprQaCsv stream records', async () => {
  const d = fixture('stream', { 'p.tsv': PSGS, 'q.csv': QA_TEST });
  const docs: string[] = [];
  for await (const p of readDprPassages(path.join(d, 'p.tsv'))) docs.push(p.id);
  assert.deepEqual(docs, ['1', '2', '3', '4', '5']);
  const rows = [];
  for await (const r of readDprQaCsv(path.join(d, 'q.csv'))) rows.push(r);
  assert.deepEqual(rows, [
    { question: 'who won the nobel prize', answers: ['Röntgen', 'Wilhelm'], lineNo: 1 },
    { question: 'who was aaron', answers: ['prophet'], lineNo: 2 },
  ]);
});
