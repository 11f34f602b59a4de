import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import {
  loadAnswers,
  loadCorpus,
  loadCorpusIds,
  loadDataset,
  loadQrels,
  loadQueries,
  readAnswers,
  readCorpus,
  readQrelsLines,
  readQueries,
  relevantRows,
  writeCorpus,
  writeDataset,
  writeQrels,
  writeQueries,
} from '../../src/data/beir';
import {
  DATASET_FORMAT_VERSION,
  IdIndex,
  QrelRow,
  qrelsFromRows,
  qrelsToRows,
  readManifest,
  resolveDatasetPaths,
  validateManifest,
} from '../../src/data/dataset';
import { AbortedError, InputError } from '../../src/util/errors';

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-beir-'));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

let counter = 0;
/** A fresh file with `content` under the test temp folder. */
function file(name: string, content: string | Buffer): string {
  const dir = path.join(root, `f${counter++}`);
  fs.mkdirSync(dir, { recursive: true });
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}

async function drain<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

/** Asserts `p` rejects with an InputError whose message matches every pattern. */
async function rejectsInput(p: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    for (const re of patterns) assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one-line message');
    return true;
  });
}

const jl = (...objs: unknown[]) => objs.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n') + '\n';

/** A small valid dataset folder; `patch` overrides files (name → content, null deletes). */
function makeDataset(patch: Record<string, string | null> = {}): string {
  const dir = path.join(root, `ds${counter++}`);
  const files: Record<string, string | null> = {
    'corpus.jsonl': jl(
      { _id: 'd1', title: 'Paris', text: 'Paris is the capital of France.' },
      { _id: 'd2', title: 'Berlin', text: 'Berlin is the capital of Germany.' },
      { _id: 'd3', text: 'No title here.' },
      { _id: 'd4', title: 'Rome', text: 'Rome is in Italy.', metadata: { x: 1 } },
    ),
    'queries.jsonl': jl(
      { _id: 'q1', text: 'capital of france' },
      { _id: 'q2', text: 'capital of germany' },
      { _id: 'q3', text: 'italy city' },
    ),
    'qrels/train.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n',
    'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq3\td4\t2\nq3\td3\t0\n',
    'answers.jsonl': jl({ _id: 'q1', answers: ['Paris'] }, { _id: 'q3', answers: ['Rome', 'Roma'] }),
    ...patch,
  };
  for (const [name, content] of Object.entries(files)) {
    if (content === null) continue;
    const f = path.join(dir, name);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, content);
  }
  return dir;
}

describe('readCorpus', () => {
  test('reads records in order, title defaults to empty, extra fields ignored, blank lines skipped', async () => {
    const f = file('corpus.jsonl', jl({ _id: 'a', title: 'T', text: 'x' }, '', { _id: 'b', text: 'y', other: 3 }, { _id: 'c', title: null, text: '' }));
    const docs = await drain(readCorpus(f));
    assert.deepEqual(docs, [
      { id: 'a', title: 'T', text: 'x' },
      { id: 'b', title: '', text: 'y' },
      { id: 'c', title: '', text: '' },
    ]);
  });

  test('reads gzipped corpus (multi-member gzip too)', async () => {
    const gz = Buffer.concat([gzipSync(jl({ _id: 'a', text: 'x' })), gzipSync(jl({ _id: 'b', text: 'y' }))]);
    const f = file('corpus.jsonl.gz', gz);
    assert.deepEqual((await drain(readCorpus(f))).map((d) => d.id), ['a', 'b']);
  });

  test('malformed JSON line names file and line', async () => {
    const f = file('corpus.jsonl', jl({ _id: 'a', text: 'x' }, '{"_id": "b", "text": '));
    await rejectsInput(drain(readCorpus(f)), /corpus\.jsonl:2: not valid JSON/);
  });

  test('a line that is not an object', async () => {
    const f = file('corpus.jsonl', jl({ _id: 'a', text: 'x' }, '[1,2]'));
    await rejectsInput(drain(readCorpus(f)), /:2: expected a JSON object, found an array/);
    const g = file('corpus.jsonl', jl('"just a string"'));
    await rejectsInput(drain(readCorpus(g)), /:1: expected a JSON object/);
  });

  test('missing _id', async () => {
    const f = file('corpus.jsonl', jl({ _id: 'a', text: 'x' }, { title: 't', text: 'y' }));
    await rejectsInput(drain(readCorpus(f)), /corpus\.jsonl:2: missing "_id"/);
  });

  test('missing text', async () => {
    const f = file('corpus.jsonl', jl({ _id: 'a', title: 'only a title' }));
    await rejectsInput(drain(readCorpus(f)), /corpus\.jsonl:1: missing "text"/);
  });

  test('non-string _id, text and title', async () => {
    await rejectsInput(drain(readCorpus(file('corpus.jsonl', jl({ _id: 7, text: 'x' })))), /:1: expected "_id" to be a string, found number 7/);
    await rejectsInput(drain(readCorpus(file('corpus.jsonl', jl({ _id: 'a', text: ['x'] })))), /:1: expected "text" to be a string, found array/);
    await rejectsInput(drain(readCorpus(file('corpus.jsonl', jl({ _id: 'a', text: null })))), /:1: expected "text" to be a string, found null/);
    await rejectsInput(drain(readCorpus(file('corpus.jsonl', jl({ _id: 'a', title: 5, text: 'x' })))), /:1: expected "title" to be a string, found number/);
  });

  test('empty id and id with a tab or a space', async () => {
    await rejectsInput(drain(readCorpus(file('corpus.jsonl', jl({ _id: '', text: 'x' })))), /:1: "_id": the id is empty/);
    await rejectsInput(drain(readCorpus(file('corpus.jsonl', jl({ _id: 'a\tb', text: 'x' })))), /:1: "_id": the id "a\\tb" contains a tab/);
    await rejectsInput(drain(readCorpus(file('corpus.jsonl', jl({ _id: 'a b', text: 'x' })))), /:1: "_id": the id "a b" contains a space; ids go into whitespace-separated run files/);
  });

  test('duplicate id names both lines; can be turned off', async () => {
    const f = file('corpus.jsonl', jl({ _id: 'a', text: 'x' }, { _id: 'b', text: 'y' }, { _id: 'a', text: 'z' }));
    await rejectsInput(drain(readCorpus(f)), /corpus\.jsonl:3: duplicate "_id" "a" \(first at line 1\)/);
    assert.equal((await drain(readCorpus(f, { checkDuplicates: false }))).length, 3);
  });

  test('empty file and whitespace-only file', async () => {
    await rejectsInput(drain(readCorpus(file('corpus.jsonl', ''))), /corpus\.jsonl: empty file/);
    await rejectsInput(drain(readCorpus(file('corpus.jsonl', '\n  \n'))), /empty file/);
  });

  test('missing file', async () => {
    await rejectsInput(drain(readCorpus(path.join(root, 'nope', 'corpus.jsonl'))), /nope.corpus\.jsonl: file not found/);
  });

  test('abort signal stops a long read', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 25_000; i++) lines.push(JSON.stringify({ _id: `d${i}`, text: 't' }));
    const f = file('corpus.jsonl', lines.join('\n'));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(drain(readCorpus(f, { signal: ac.signal })), AbortedError);
  });

  test('progress is reported with counts', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_001; i++) lines.push(JSON.stringify({ _id: `d${i}`, text: 't' }));
    const f = file('corpus.jsonl', lines.join('\n'));
    const seen: number[] = [];
    await drain(readCorpus(f, { progress: (e) => seen.push(e.done) }));
    assert.deepEqual(seen, [10_000, 20_000, 20_001]);
  });
});

describe('readQueries / loadQueries', () => {
  test('reads queries and ignores metadata', async () => {
    const f = file('queries.jsonl', jl({ _id: 'q1', text: 'a', metadata: {} }, { _id: 'q2', text: 'b' }));
    assert.deepEqual(await loadQueries(f), [
      { id: 'q1', text: 'a' },
      { id: 'q2', text: 'b' },
    ]);
  });

  test('every malformed case names file and line', async () => {
    await rejectsInput(drain(readQueries(file('queries.jsonl', jl({ _id: 'q', text: 'a' }, 'nope')))), /queries\.jsonl:2: not valid JSON/);
    await rejectsInput(drain(readQueries(file('queries.jsonl', jl({ text: 'a' })))), /queries\.jsonl:1: missing "_id"/);
    await rejectsInput(drain(readQueries(file('queries.jsonl', jl({ _id: 'q' })))), /queries\.jsonl:1: missing "text"/);
    await rejectsInput(drain(readQueries(file('queries.jsonl', jl({ _id: 1, text: 'a' })))), /:1: expected "_id" to be a string/);
    await rejectsInput(drain(readQueries(file('queries.jsonl', jl({ _id: 'q', text: 3 })))), /:1: expected "text" to be a string/);
    await rejectsInput(loadQueries(file('queries.jsonl', jl({ _id: 'q', text: 'a' }, { _id: 'q', text: 'b' }))), /queries\.jsonl:2: duplicate "_id" "q" \(first at line 1\)/);
    await rejectsInput(loadQueries(file('queries.jsonl', '')), /queries\.jsonl: empty file/);
    await rejectsInput(loadQueries(path.join(root, 'missing-queries.jsonl')), /file not found/);
  });
});

describe('readAnswers', () => {
  test('reads answers', async () => {
    const m = await loadAnswers(file('answers.jsonl', jl({ _id: 'q1', answers: ['a', 'b'] }, { _id: 'q2', answers: [] })));
    assert.deepEqual([...m], [
      ['q1', ['a', 'b']],
      ['q2', []],
    ]);
  });

  test('bad answers', async () => {
    await rejectsInput(drain(readAnswers(file('answers.jsonl', jl({ _id: 'q1' })))), /:1: missing "answers"/);
    await rejectsInput(drain(readAnswers(file('answers.jsonl', jl({ _id: 'q1', answers: 'a' })))), /:1: expected "answers" to be an array of strings, found string/);
    await rejectsInput(drain(readAnswers(file('answers.jsonl', jl({ _id: 'q1', answers: ['a', 2] })))), /:1: expected "answers" to be an array of strings/);
    await rejectsInput(drain(readAnswers(file('answers.jsonl', jl({ _id: 'q1', answers: [] }, { _id: 'q1', answers: [] })))), /:2: duplicate "_id"/);
  });
});

describe('readQrelsLines / loadQrels', () => {
  const H = 'query-id\tcorpus-id\tscore\n';

  test('reads rows after the header; scores may be 0, negative or fractional', async () => {
    const rows = await drain(readQrelsLines(file('t.tsv', H + 'q1\td1\t1\n\nq1\td2\t0\nq2\td1\t-1\nq3\td9\t0.5\n')));
    assert.deepEqual(
      rows.map((r) => [r.queryId, r.docId, r.score, r.lineNo]),
      [
        ['q1', 'd1', 1, 2],
        ['q1', 'd2', 0, 4],
        ['q2', 'd1', -1, 5],
        ['q3', 'd9', 0.5, 6],
      ],
    );
  });

  test('loadQrels builds query → doc → score', async () => {
    const { qrels, rows } = await loadQrels(file('t.tsv', H + 'q1\td1\t1\nq1\td2\t2\nq2\td1\t1\n'));
    assert.equal(rows, 3);
    assert.deepEqual([...qrels.get('q1')!], [
      ['d1', 1],
      ['d2', 2],
    ]);
    assert.deepEqual([...qrels.get('q2')!], [['d1', 1]]);
  });

  test('reads gzipped qrels', async () => {
    const { rows } = await loadQrels(file('t.tsv.gz', gzipSync(H + 'q1\td1\t1\n')));
    assert.equal(rows, 1);
  });

  test('one format rule: BEIR needs its header; headerless 4-field lines are TREC qrels; 3 fields without the header are refused', async () => {
    await rejectsInput(drain(readQrelsLines(file('t.tsv', 'q1\td1\t1\n'))), /t\.tsv:1: expected the BEIR header "query-id<TAB>corpus-id<TAB>score" or a TREC qrels row .* found 3 field\(s\)/);
    await rejectsInput(drain(readQrelsLines(file('t.tsv', 'q1 d1\n'))), /t\.tsv:1: expected the BEIR header .* found 2 field\(s\)/);
    assert.equal((await loadQrels(file('t.tsv', 'query-id corpus-id score\nq1\td1\t1\n'))).rows, 1);
    const trec = await loadQrels(file('t.tsv', 'q1 0 d1 2\nq1\t0\td2\t0\n\nq2 Q0 d1 1\n'));
    assert.equal(trec.rows, 3);
    assert.equal(trec.qrels.get('q1')!.get('d1'), 2);
    assert.equal(trec.qrels.get('q2')!.get('d1'), 1);
    await rejectsInput(drain(readQrelsLines(file('t.tsv', 'q1 0 d1 2\nq1 d2 1\n'))), /t\.tsv:2: expected 4 whitespace-separated fields \(TREC qrels/);
  });

  test('empty file and header without rows', async () => {
    await rejectsInput(drain(readQrelsLines(file('t.tsv', ''))), /t\.tsv: empty file/);
    await rejectsInput(drain(readQrelsLines(file('t.tsv', H))), /t\.tsv: no rows after the header/);
  });

  test('wrong column count', async () => {
    await rejectsInput(drain(readQrelsLines(file('t.tsv', H + 'q1\td1\t1\nq1\td2\n'))), /t\.tsv:3: expected 3 tab-separated columns .* found 2/);
    await rejectsInput(drain(readQrelsLines(file('t.tsv', H + 'q1\t0\td1\t1\n'))), /t\.tsv:2: expected 3 tab-separated columns .* found 4/);
    await rejectsInput(drain(readQrelsLines(file('t.tsv', H + 'q1 d1 1\n'))), /t\.tsv:2: .*found 1 \(columns must be separated by tabs\)/);
  });

  test('non-numeric or empty score, empty ids', async () => {
    await rejectsInput(drain(readQrelsLines(file('t.tsv', H + 'q1\td1\thigh\n'))), /t\.tsv:2: expected a number as the score \(column 3\), found "high"/);
    await rejectsInput(drain(readQrelsLines(file('t.tsv', H + 'q1\td1\t\n'))), /t\.tsv:2: expected a number as the score \(column 3\), found ""/);
    await rejectsInput(drain(readQrelsLines(file('t.tsv', H + 'q1\td1\tNaN\n'))), /t\.tsv:2: expected a number as the score/);
    await rejectsInput(drain(readQrelsLines(file('t.tsv', H + '\td1\t1\n'))), /t\.tsv:2: query-id \(column 1\): the id is empty/);
    await rejectsInput(drain(readQrelsLines(file('t.tsv', H + 'q1\t\t1\n'))), /t\.tsv:2: corpus-id \(column 2\): the id is empty/);
  });

  test('repeated pair', async () => {
    await rejectsInput(loadQrels(file('t.tsv', H + 'q1\td1\t1\nq2\td1\t1\nq1\td1\t2\n')), /t\.tsv:4: repeated pair \("q1", "d1"\) \(first at line 2\)/);
  });

  test('unknown query and corpus ids when known sets are given', async () => {
    const f = file('t.tsv', H + 'q1\td1\t1\nq9\td1\t1\n');
    await rejectsInput(loadQrels(f, { knownQueries: new Set(['q1']) }), /t\.tsv:3: query-id "q9" is not in the queries file/);
    const g = file('t.tsv', H + 'q1\td1\t1\nq1\td7\t1\n');
    await rejectsInput(loadQrels(g, { knownDocs: new Set(['d1']) }), /t\.tsv:3: corpus-id "d7" is not in the corpus/);
  });

  test('missing file', async () => {
    await rejectsInput(drain(readQrelsLines(path.join(root, 'none.tsv'))), /none\.tsv: file not found/);
  });
});

describe('loadCorpus and IdIndex', () => {
  test('arrays in file order with an id → row index', async () => {
    const c = await loadCorpus(file('corpus.jsonl', jl({ _id: 'x', title: 'X', text: '1' }, { _id: 'y', text: '2' })));
    assert.deepEqual(c.ids, ['x', 'y']);
    assert.deepEqual(c.titles, ['X', '']);
    assert.deepEqual(c.texts, ['1', '2']);
    assert.equal(c.index.get('y'), 1);
    assert.equal(c.index.get('z'), undefined);
    assert.equal(c.index.size, 2);
  });

  test('loadCorpusIds: ids and index only', async () => {
    const c = await loadCorpusIds(file('corpus.jsonl', jl({ _id: 'x', title: 'X', text: '1' }, { _id: 'y', text: '2' })));
    assert.deepEqual(c, { ids: ['x', 'y'], index: c.index });
    assert.equal(c.index.get('y'), 1);
    await rejectsInput(loadCorpusIds(file('corpus.jsonl', jl({ _id: 'x', text: '1' }, { _id: 'x', text: '2' }))), /corpus\.jsonl:2: duplicate "_id" "x" \(same as row 0\)/);
  });

  test('duplicate id in loadCorpus', async () => {
    await rejectsInput(loadCorpus(file('corpus.jsonl', jl({ _id: 'x', text: '1' }, { _id: 'x', text: '2' }))), /corpus\.jsonl:2: duplicate "_id" "x"/);
  });

  test('IdIndex holds many ids across shards and reports duplicates', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `id${i}`);
    const idx = IdIndex.fromIds(ids);
    assert.equal(idx.size, 5000);
    for (const i of [0, 1, 2500, 4999]) assert.equal(idx.get(`id${i}`), i);
    assert.equal(idx.has('id5000'), false);
    assert.equal(idx.add('id3', 99), 3);
    assert.throws(() => IdIndex.fromIds(['a', 'b', 'a'], 'ids.txt'), /ids\.txt: duplicate id "a" at rows 0 and 2/);
  });

  test('relevantRows keeps scores ≥ minScore', () => {
    const qrels = qrelsFromRows([
      { queryId: 'q', docId: 'b', score: 1 },
      { queryId: 'q', docId: 'a', score: 0 },
      { queryId: 'r', docId: 'a', score: 2 },
    ]);
    const index = IdIndex.fromIds(['a', 'b']);
    assert.deepEqual([...relevantRows(qrels, index)], [
      ['q', [1]],
      ['r', [0]],
    ]);
    assert.deepEqual(relevantRows(qrels, index, 0).get('q'), [1, 0]);
  });

  test('qrelsToRows inverts qrelsFromRows', () => {
    const rows: QrelRow[] = [
      { queryId: 'q', docId: 'b', score: 1 },
      { queryId: 'r', docId: 'a', score: 2 },
    ];
    assert.deepEqual(qrelsToRows(qrelsFromRows(rows)), rows);
  });
});

describe('loadDataset', () => {
  test('test split: its queries, qrels, answers; corpus streams', async () => {
    const ds = await loadDataset(makeDataset(), { split: 'test' });
    assert.deepEqual(ds.queries, [{ id: 'q3', text: 'italy city' }]);
    assert.deepEqual([...ds.qrels.get('q3')!], [
      ['d4', 2],
      ['d3', 0],
    ]);
    assert.deepEqual([...ds.answers!], [['q3', ['Rome', 'Roma']]]);
    assert.equal(ds.corpus, undefined);
    assert.equal(ds.manifest, undefined);
    const docs = await drain(ds.streamCorpus());
    assert.deepEqual(docs.map((d) => d.id), ['d1', 'd2', 'd3', 'd4']);
    assert.equal(docs[2].title, '');
  });

  test('train split with the corpus in memory; allQueries keeps all', async () => {
    const ds = await loadDataset(makeDataset(), { split: 'train', loadCorpus: true });
    assert.deepEqual(ds.queries.map((q) => q.id), ['q1', 'q2']);
    assert.deepEqual(ds.corpus!.ids, ['d1', 'd2', 'd3', 'd4']);
    assert.deepEqual(relevantRows(ds.qrels, ds.corpus!.index).get('q2'), [1]);
    assert.equal(ds.corpusIds, ds.corpus);
    const idsOnly = await loadDataset(makeDataset(), { split: 'train', loadCorpus: 'ids' });
    assert.equal(idsOnly.corpus, undefined);
    assert.deepEqual(idsOnly.corpusIds!.ids, ['d1', 'd2', 'd3', 'd4']);
    const all = await loadDataset(makeDataset(), { split: 'train', allQueries: true });
    assert.deepEqual(all.queries.map((q) => q.id), ['q1', 'q2', 'q3']);
    assert.deepEqual([...all.answers!.keys()], ['q1', 'q3']);
  });

  test('unknown split lists the available ones', async () => {
    await rejectsInput(loadDataset(makeDataset(), { split: 'dev' }), /qrels.dev\.tsv: file not found \(split 'dev'; available splits: test, train\)/);
  });

  test('missing folder, corpus, queries, qrels folder', async () => {
    await rejectsInput(loadDataset(path.join(root, 'no-such-dataset'), { split: 'test' }), /dataset folder not found/);
    await rejectsInput(loadDataset(makeDataset({ 'corpus.jsonl': null }), { split: 'test' }), /corpus\.jsonl: file not found/);
    await rejectsInput(loadDataset(makeDataset({ 'queries.jsonl': null }), { split: 'test' }), /queries\.jsonl: file not found/);
    await rejectsInput(loadDataset(makeDataset({ 'qrels/train.tsv': null, 'qrels/test.tsv': null }), { split: 'test' }), /qrels: qrels folder not found/);
  });

  test('qrels naming an unknown query', async () => {
    const dir = makeDataset({ 'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq3\td4\t1\nq8\td1\t1\n' });
    await rejectsInput(loadDataset(dir, { split: 'test' }), /test\.tsv:3: query-id "q8" is not in the queries file/);
  });

  test('qrels naming an unknown corpus id: found by the streaming pass and with loadCorpus', async () => {
    const dir = makeDataset({ 'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq3\td4\t1\nq3\tzz\t1\nq1\tyy\t1\n' });
    await rejectsInput(loadDataset(dir, { split: 'test' }), /test\.tsv:3: corpus-id "zz" is not in the corpus \(2 such ids/);
    await rejectsInput(loadDataset(dir, { split: 'test', loadCorpus: true }), /test\.tsv:3: corpus-id "zz" is not in the corpus/);
    await rejectsInput(loadDataset(dir, { split: 'test', loadCorpus: 'ids' }), /test\.tsv:3: corpus-id "zz" is not in the corpus/);
    const ds = await loadDataset(dir, { split: 'test', checkCorpusIds: false });
    assert.equal(ds.qrels.get('q3')!.get('zz'), 1);
    // a second split checked against the corpus ids loaded for the first: still file:line
    const first = await loadDataset(dir, { split: 'train', loadCorpus: 'ids' });
    await rejectsInput(loadDataset(dir, { split: 'test', knownCorpus: first.corpusIds }), /test\.tsv:3: corpus-id "zz" is not in the corpus/);
  });

  test('answers naming an unknown query', async () => {
    const dir = makeDataset({ 'answers.jsonl': jl({ _id: 'q1', answers: ['x'] }, { _id: 'q77', answers: ['y'] }) });
    await rejectsInput(loadDataset(dir, { split: 'train' }), /answers\.jsonl:2: "_id" "q77" is not in the queries file/);
  });

  test('errors inside the files surface through loadDataset', async () => {
    await rejectsInput(loadDataset(makeDataset({ 'corpus.jsonl': jl({ _id: 'd1', text: 'a' }, { _id: 'd1', text: 'b' }) }), { split: 'train' }), /corpus\.jsonl:2: duplicate "_id" "d1"/);
    await rejectsInput(loadDataset(makeDataset({ 'queries.jsonl': '' }), { split: 'train' }), /queries\.jsonl: empty file/);
    await rejectsInput(loadDataset(makeDataset({ 'qrels/train.tsv': '' }), { split: 'train' }), /train\.tsv: empty file/);
  });

  test('gzipped corpus is found', async () => {
    const dir = makeDataset({ 'corpus.jsonl': null, 'corpus.jsonl.gz': '' });
    fs.writeFileSync(path.join(dir, 'corpus.jsonl.gz'), gzipSync(jl({ _id: 'd1', text: 'a' }, { _id: 'd2', text: 'b' }, { _id: 'd3', text: 'c' }, { _id: 'd4', text: 'd' })));
    const ds = await loadDataset(dir, { split: 'test', loadCorpus: true });
    assert.equal(ds.corpus!.ids.length, 4);
  });
});

describe('manifest', () => {
  const good = {
    format: 'freshcache-dataset',
    formatVersion: DATASET_FORMAT_VERSION,
    name: 'tiny',
    counts: { corpus: 4, queries: 3, answers: 2, qrels: { train: { queries: 2, rows: 2 }, test: { queries: 1, rows: 2 } } },
    splits: ['test', 'train'],
  };

  test('a matching manifest is read', async () => {
    const ds = await loadDataset(makeDataset({ 'dataset.json': JSON.stringify(good) }), { split: 'test' });
    assert.equal(ds.name, 'tiny');
    assert.equal(ds.manifest!.counts.corpus, 4);
  });

  test('unknown format version is refused with a clear message', async () => {
    const dir = makeDataset({ 'dataset.json': JSON.stringify({ ...good, formatVersion: 99 }) });
    await rejectsInput(loadDataset(dir, { split: 'test' }), /dataset\.json: format version 99 is not supported \(this freshcache reads version 1\)/);
    assert.throws(() => validateManifest({ ...good, formatVersion: undefined }), /format version undefined is not supported/);
  });

  test('wrong format, bad fields, invalid JSON', () => {
    assert.throws(() => validateManifest({ ...good, format: 'other' }), /expected "format": "freshcache-dataset"/);
    assert.throws(() => validateManifest({ ...good, name: '' }), /"name"/);
    assert.throws(() => validateManifest({ ...good, counts: { ...good.counts, corpus: -1 } }), /counts\.corpus/);
    assert.throws(() => validateManifest({ ...good, counts: { ...good.counts, qrels: { test: { rows: 1 } } } }), /counts\.qrels\.test/);
    assert.throws(() => validateManifest([]), /expected a JSON object/);
    assert.throws(() => readManifest(file('dataset.json', '{oops')), (e: unknown) => e instanceof InputError && /dataset\.json: not valid JSON/.test(e.message));
  });

  test('counts that disagree with the files are errors', async () => {
    const short = { ...good, counts: { ...good.counts, corpus: 5 } };
    await rejectsInput(loadDataset(makeDataset({ 'dataset.json': JSON.stringify(short) }), { split: 'test' }), /corpus\.jsonl: has 4 passages but .*dataset\.json says 5/);
    const q = { ...good, counts: { ...good.counts, queries: 2 } };
    await rejectsInput(loadDataset(makeDataset({ 'dataset.json': JSON.stringify(q) }), { split: 'test' }), /queries\.jsonl: has 3 queries but .* says 2/);
    const r = { ...good, counts: { ...good.counts, qrels: { test: { queries: 1, rows: 3 } } } };
    await rejectsInput(loadDataset(makeDataset({ 'dataset.json': JSON.stringify(r) }), { split: 'test' }), /test\.tsv: has 2 rows but .* says 3/);
  });
});

describe('writers', () => {
  test('writeDataset → loadDataset round trip, manifest counts', async () => {
    const dir = path.join(root, `w${counter++}`);
    async function* corpus() {
      yield { id: 'p1', title: 'A', text: 'alpha "quoted"\ttab' };
      yield { id: 'p2', title: '', text: 'béta ünïcode' };
      yield { id: 'p3', title: 'C', text: 'gamma' };
    }
    const manifest = await writeDataset(dir, {
      name: 'roundtrip',
      description: 'test',
      licence: 'CC0',
      corpus: corpus(),
      queries: [
        { id: 'a', text: 'first?' },
        { id: 'b', text: 'second' },
      ],
      qrels: {
        train: [{ queryId: 'a', docId: 'p1', score: 1 }],
        test: qrelsFromRows([
          { queryId: 'b', docId: 'p2', score: 1 },
          { queryId: 'b', docId: 'p3', score: 0 },
        ]),
      },
      answers: [{ id: 'a', answers: ['alpha'] }],
    });
    assert.deepEqual(manifest.counts, { corpus: 3, queries: 2, answers: 1, qrels: { test: { queries: 1, rows: 2 }, train: { queries: 1, rows: 1 } } });
    assert.deepEqual(manifest.splits, ['test', 'train']);
    assert.equal(fs.readFileSync(path.join(dir, 'qrels', 'test.tsv'), 'utf8'), 'query-id\tcorpus-id\tscore\nb\tp2\t1\nb\tp3\t0\n');
    const ds = await loadDataset(dir, { split: 'test', loadCorpus: true });
    assert.equal(ds.name, 'roundtrip');
    assert.deepEqual(ds.corpus!.texts, ['alpha "quoted"\ttab', 'béta ünïcode', 'gamma']);
    assert.deepEqual(ds.queries, [{ id: 'b', text: 'second' }]);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.tmp-')), []);
    assert.equal(resolveDatasetPaths(dir).manifest, path.join(dir, 'dataset.json'));
  });

  test('gzipped corpus round trip', async () => {
    const dir = path.join(root, `w${counter++}`);
    const docs = Array.from({ length: 3000 }, (_, i) => ({ id: `d${i}`, title: `t${i}`, text: 'x'.repeat(500) }));
    await writeDataset(dir, { name: 'gz', corpus: docs, queries: [{ id: 'q', text: 'q' }], qrels: { test: [{ queryId: 'q', docId: 'd2999', score: 1 }] }, gzipCorpus: true });
    assert.ok(fs.existsSync(path.join(dir, 'corpus.jsonl.gz')));
    assert.ok(!fs.existsSync(path.join(dir, 'corpus.jsonl')));
    const ds = await loadDataset(dir, { split: 'test', loadCorpus: true });
    assert.equal(ds.corpus!.ids.length, 3000);
    assert.equal(ds.corpus!.index.get('d2999'), 2999);
  });

  test('writeDataset refuses qrels naming unknown queries or passages, and leaves no corpus or manifest', async () => {
    const dir = path.join(root, `w${counter++}`);
    const base = { name: 'bad', corpus: [{ id: 'p1', title: '', text: 'x' }], queries: [{ id: 'a', text: 'q' }] };
    await rejectsInput(writeDataset(dir, { ...base, qrels: { test: [{ queryId: 'zz', docId: 'p1', score: 1 }] } }), /names query "zz"/);
    await rejectsInput(writeDataset(dir, { ...base, qrels: { test: [{ queryId: 'a', docId: 'p9', score: 1 }] } }), /names corpus id "p9", which is not in the corpus/);
    await rejectsInput(writeDataset(dir, { ...base, qrels: {} }), /no qrels splits/);
    await rejectsInput(writeDataset(dir, { ...base, answers: [{ id: 'nope', answers: [] }], qrels: { test: [{ queryId: 'a', docId: 'p1', score: 1 }] } }), /answers name query "nope"/);
    await rejectsInput(writeDataset(dir, { ...base, qrels: { test: [{ queryId: 'a', docId: 'p1', score: Infinity }] } }), /qrels row 0 has score Infinity/);
    await rejectsInput(writeDataset(dir, { ...base, queries: [], qrels: { test: [] } }), /no queries given/);
    await rejectsInput(writeDataset(dir, { ...base, queries: [{ id: 'a', text: 'x' }, { id: 'a', text: 'y' }], qrels: { test: [] } }), /duplicate query id "a"/);
    await rejectsInput(writeDataset(dir, { ...base, qrels: { test: [] } }), /qrels split 'test' is empty/);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['qrels']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'qrels')), []);
  });

  test('writers refuse to write an empty file (readers would refuse it)', async () => {
    const dir = path.join(root, `w${counter++}`);
    await rejectsInput(writeCorpus(path.join(dir, 'corpus.jsonl'), []), /corpus\.jsonl: nothing to write/);
    await rejectsInput(writeQrels(path.join(dir, 't.tsv'), new Map()), /t\.tsv: nothing to write/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('a writer that fails midway leaves neither the file nor a temp file', async () => {
    const dir = path.join(root, `w${counter++}`);
    fs.mkdirSync(dir);
    const f = path.join(dir, 'corpus.jsonl');
    fs.writeFileSync(f, 'old content\n');
    function* docs() {
      yield { id: 'a', title: '', text: 'x' };
      yield { id: 'a', title: '', text: 'dup' };
    }
    await rejectsInput(writeCorpus(f, docs()), /duplicate id "a" \(passages 0 and 1\)/);
    assert.equal(fs.readFileSync(f, 'utf8'), 'old content\n', 'old file untouched');
    assert.deepEqual(fs.readdirSync(dir), ['corpus.jsonl']);
    await rejectsInput(writeCorpus(f, [{ id: 'a\tb', title: '', text: 'x' }]), /passage 0: the id "a\\tb" contains a tab/);
    await rejectsInput(writeQueries(path.join(dir, 'q.jsonl'), [{ id: 'q', text: 5 as unknown as string }]), /query 0 has text of type number/);
    await rejectsInput(writeQrels(path.join(dir, 'r.tsv'), [{ queryId: 'q', docId: 'd', score: NaN }]), /qrels row 0 has score NaN; expected a finite number/);
    assert.deepEqual(fs.readdirSync(dir), ['corpus.jsonl']);
  });

  test('an aborted write leaves no file', async () => {
    const dir = path.join(root, `w${counter++}`);
    const ac = new AbortController();
    function* docs() {
      for (let i = 0; i < 20_000; i++) {
        if (i === 5) ac.abort();
        yield { id: `d${i}`, title: '', text: 'x' };
      }
    }
    await assert.rejects(writeCorpus(path.join(dir, 'corpus.jsonl'), docs(), { signal: ac.signal }), AbortedError);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('writeCorpus streams many records and returns the count', async () => {
    const dir = path.join(root, `w${counter++}`);
    const f = path.join(dir, 'corpus.jsonl');
    function* docs() {
      for (let i = 0; i < 30_000; i++) yield { id: `d${i}`, title: '', text: `passage ${i}` };
    }
    assert.equal(await writeCorpus(f, docs()), 30_000);
    const back = await drain(readCorpus(f));
    assert.equal(back.length, 30_000);
    assert.deepEqual(back[29_999], { id: 'd29999', title: '', text: 'passage 29999' });
  });
});
