import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Bm25Index, lengthToNorm, normToLength, quantizedLength, PYSERINI_BM25 } from '../../src/search/bm25';
import { mineBm25Negatives, saveBm25Negatives, loadBm25Negatives } from '../../src/search/bm25-negatives';
import { main } from '../../src/cli/main';
import { readRun } from '../../src/eval';

const words = (t: string) => t.split(' ').filter(Boolean);

describe('Lucene length norm (SmallFloat.intToByte4 / byte4ToInt)', () => {
  test('lengths below 24 are exact; above, 4 significant bits rounded down', () => {
    for (let n = 0; n < 40; n++) assert.equal(quantizedLength(n), n, `length ${n}`);
    // 100 - 24 = 76 = 0b1001100: keep the top 4 bits 1001 → 72, so 24 + 72 = 96 (byte 57)
    assert.equal(lengthToNorm(100), 57);
    assert.equal(normToLength(57), 96);
    assert.equal(quantizedLength(41), 40); // 17 = 0b10001 → 0b10000 = 16
    assert.equal(normToLength(255), 24 + (0b1111 * 2 ** 27)); // the largest: 24 + 15·2^27
    for (let n = 1; n < 5000; n++) assert.ok(quantizedLength(n) <= n && quantizedLength(n) > n * 0.88, `length ${n}`);
  });
});

describe('Bm25Index against hand-computed Lucene BM25 (k1 0.9, b 0.4)', () => {
  // d0 "cat sat mat" (3 terms), d1 "cat cat dog" (3), d2 "dog" (1): N 3, avgdl 7/3
  const docs = [{ id: 'd0', text: 'cat sat mat' }, { id: 'd1', text: 'cat cat dog' }, { id: 'd2', text: 'dog' }];
  const k1 = 0.9;
  const b = 0.4;
  const avgdl = 7 / 3;
  const K = (len: number) => k1 * (1 - b + (b * len) / avgdl);
  const idf = (n: number) => Math.log(1 + (3 - n + 0.5) / (n + 0.5));

  test('one term: idf(cat) = ln 1.6, tf/(tf + K)', async () => {
    const index = await Bm25Index.build(docs, { analyzer: words });
    assert.equal(index.docCount, 3);
    assert.ok(Math.abs(index.avgdl - avgdl) < 1e-6);
    assert.ok(Math.abs(index.idf('cat') - Math.log(1.6)) < 1e-7);
    const s = index.scoreAll('cat');
    assert.deepEqual([...s.keys()].sort(), [0, 1]);
    // d0: 0.4700036 · 1/(1 + 1.0028571) = 0.2346666; d1: 0.4700036 · 2/(2 + 1.0028571) = 0.3130374
    assert.ok(Math.abs(s.get(0)! - 0.2346666) < 1e-6, `d0 ${s.get(0)}`);
    assert.ok(Math.abs(s.get(1)! - 0.3130374) < 1e-6, `d1 ${s.get(1)}`);
    assert.ok(Math.abs(s.get(0)! - idf(2) * (1 / (1 + K(3)))) < 1e-6);
    const hits = index.search('cat', 10);
    assert.deepEqual(Array.from(hits.rows), [1, 0]);
  });

  test('terms add up; a repeated query term counts twice; unknown terms score nothing', async () => {
    const index = await Bm25Index.build(docs, { analyzer: words });
    const s = index.scoreAll('dog cat dog zebra');
    const dog = (tf: number, len: number) => idf(2) * (tf / (tf + K(len)));
    const cat = (tf: number, len: number) => idf(2) * (tf / (tf + K(len)));
    assert.ok(Math.abs(s.get(1)! - (2 * dog(1, 3) + cat(2, 3))) < 1e-6);
    assert.ok(Math.abs(s.get(2)! - 2 * dog(1, 1)) < 1e-6);
    assert.ok(Math.abs(s.get(0)! - cat(1, 3)) < 1e-6);
    assert.equal(index.scoreAll('zebra').size, 0);
  });

  test('a document of 100 terms is scored with length 96 (the one-byte norm), not 100', async () => {
    const long = { id: 'long', text: ['cat', ...Array(99).fill('pad')].join(' ') };
    const index = await Bm25Index.build([...docs, long], { analyzer: words });
    const avg = (3 + 3 + 1 + 100) / 4;
    const score = (len: number) => Math.log(1 + (4 - 3 + 0.5) / (3 + 0.5)) * (1 / (1 + k1 * (1 - b + (b * len) / avg)));
    const got = index.scoreAll('cat').get(3)!;
    assert.ok(Math.abs(got - score(96)) < 1e-6, `${got} vs ${score(96)}`);
    assert.ok(Math.abs(got - score(100)) > 1e-4);
  });

  test('default analysis is Lucene EnglishAnalyzer: stop words dropped, Porter stems, title joined', async () => {
    const index = await Bm25Index.build([{ id: 'a', title: 'Running', text: 'The cats were running' }, { id: 'b', text: 'a dog' }]);
    assert.deepEqual(PYSERINI_BM25, { k1: 0.9, b: 0.4 });
    assert.equal(index.docFreq('run'), 1);
    assert.equal(index.docFreq('cat'), 1);
    assert.equal(index.docFreq('the'), 0);
    assert.deepEqual(Array.from(index.search('run', 5).rows), [0]);
    // "a" is a stop word: document b has one term, so N counts both documents
    assert.equal(index.docCount, 2);
  });

  test('ties rank by corpus order; a document without terms is never returned', async () => {
    const index = await Bm25Index.build([{ id: 'x', text: 'same words' }, { id: 'empty', text: 'the of a' }, { id: 'y', text: 'same words' }]);
    assert.equal(index.docCount, 2);
    assert.deepEqual(Array.from(index.search('same', 5).rows), [0, 2]);
  });
});

describe('BM25 hard negatives', () => {
  test('top BM25 rows without the relevant ones, best first; saved and read back by id', async () => {
    const corpus = [
      { id: 'p0', text: 'paris is the capital of france' },
      { id: 'p1', text: 'france borders spain' },
      { id: 'p2', text: 'the capital of spain is madrid' },
      { id: 'p3', text: 'bananas are yellow' },
    ];
    const index = await Bm25Index.build(corpus);
    const queries = ['capital of france', 'yellow fruit'];
    const negs = mineBm25Negatives({ index, queries, exclude: [[0], [3]], perQuery: 2 });
    // q0: p0 excluded; p1 (france) and p2 (capital) follow, both match one term
    assert.deepEqual(negs[0].length, 2);
    assert.ok(!Array.from(negs[0]).includes(0));
    assert.deepEqual(new Set(negs[0]), new Set([1, 2]));
    // q1: only p3 shares a term and it is relevant: no negative
    assert.equal(negs[1].length, 0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bm25-neg-'));
    try {
      const file = path.join(dir, 'neg.json');
      saveBm25Negatives(file, index, ['q0', 'q1'], negs, 2);
      const rowOf = new Map(corpus.map((d, i) => [d.id, i]));
      assert.deepEqual(loadBm25Negatives(file, ['q0', 'q1'], rowOf).map((a) => Array.from(a)), negs.map((a) => Array.from(a)));
      assert.throws(() => loadBm25Negatives(file, ['q9'], rowOf), /no negatives for query "q9"/);
      assert.throws(() => loadBm25Negatives(file, ['q0'], new Map()), /is not in the corpus/);
      assert.deepEqual(loadBm25Negatives(file, ['q1'], rowOf, { k1: 0.9, b: 0.4, perQuery: 2, corpusRows: 4 }).map((a) => a.length), [0]);
      assert.throws(() => loadBm25Negatives(file, ['q0'], rowOf, { perQuery: 3 }), /mined with perQuery 2, expected 3/);
      assert.throws(() => loadBm25Negatives(file, ['q0'], rowOf, { corpusRows: 5 }), /mined with corpusRows 4, expected 5/);
      // an edit the JSON reader cannot see (a swapped negative) is caught by the checksum
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"p1"', '"p3"'));
      assert.throws(() => loadBm25Negatives(file, ['q0'], rowOf), /sha256 differs from the one recorded/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('freshcache search --bm25', () => {
  test('writes a TREC run ranked by BM25; refuses --cache and a missing --corpus', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bm25-cli-'));
    try {
      fs.writeFileSync(path.join(dir, 'corpus.jsonl'), ['{"_id":"a","title":"","text":"red apples and green pears"}', '{"_id":"b","title":"","text":"green green grass"}', '{"_id":"c","title":"","text":"blue sky"}'].join('\n') + '\n');
      fs.writeFileSync(path.join(dir, 'queries.jsonl'), '{"_id":"q1","text":"green"}\n{"_id":"q2","text":"sky"}\n');
      const out = path.join(dir, 'run.trec');
      assert.equal(await main(['search', '--bm25', '--corpus', dir, '--queries', path.join(dir, 'queries.jsonl'), '--out', out, '--k', '5', '--quiet']), 0);
      const run = await readRun(out);
      assert.deepEqual(run.get('q1')!.map((e) => e.docId), ['b', 'a']);
      assert.deepEqual(run.get('q2')!.map((e) => e.docId), ['c']);
      assert.equal(await main(['search', '--bm25', '--cache', dir, '--corpus', dir, '--queries', path.join(dir, 'queries.jsonl'), '--out', out, '--quiet']), 2);
      assert.equal(await main(['search', '--bm25', '--queries', path.join(dir, 'queries.jsonl'), '--out', out, '--quiet']), 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
