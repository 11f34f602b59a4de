import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { detectRunFormat, loadJudgements, readRun, readRunGroups, writeRun } from '../../src/eval';
import type { Run } from '../../src/eval';
import { InputError } from '../../src/util/errors';

let dir = '';
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-eval-run-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const rejects = (p: Promise<unknown>, re: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof InputError && re.test(e.message));

describe('TREC run files', () => {
  test('reads qid Q0 docid rank score tag; skips blank and # lines; ignores extra fields', async () => {
    const f = write('a.trec', '# comment\nq1 Q0 d1 1 2.5 tag\n\nq1\tQ0\td2\t2\t-1e-3\ttag extra\nq2 Q0 d1 1 7 tag\n');
    assert.equal(await detectRunFormat(f), 'trec');
    const run = await readRun(f);
    assert.deepEqual([...run.keys()], ['q1', 'q2']);
    assert.deepEqual(run.get('q1'), [{ docId: 'd1', score: 2.5, rank: 1 }, { docId: 'd2', score: -0.001, rank: 2 }]);
  });
  test('malformed lines name file:line and what was expected', async () => {
    await rejects(readRun(write('b.trec', 'q1 Q0 d1 1 2.5 t\nq1 Q0 d2 2 2.5\n')), /b\.trec:2: expected a TREC run line 'qid Q0 docid rank score tag' \(6 fields\), found 5/);
    await rejects(readRun(write('c.trec', 'q1 Q0 d1 1 abc t\n')), /c\.trec:1: expected a finite number as score, found 'abc'/);
    await rejects(readRun(write('d.trec', 'q1 Q0 d1 x 1 t\n')), /d\.trec:1: expected an integer rank, found 'x'/);
    await rejects(readRun(write('e.trec', 'q1 Q0 d1 1 1 t\nq1 Q0 d1 2 0 t\n')), /e\.trec:2: document 'd1' is listed twice for query 'q1'/);
    await rejects(readRun(write('f.trec', '\n# only a comment\n')), /f\.trec: empty run file/);
    await rejects(readRun(path.join(dir, 'missing.trec')), /missing\.trec: run file not found/);
  });
  test('interleaved queries: groups stream as they come; readRun joins them and still catches duplicates', async () => {
    const f = write('g.trec', 'q1 Q0 a 1 3 t\nq2 Q0 b 1 3 t\nq1 Q0 c 2 2 t\n');
    const groups = [];
    for await (const g of readRunGroups(f)) groups.push(g.qid);
    assert.deepEqual(groups, ['q1', 'q2', 'q1']);
    const run = await readRun(f);
    assert.deepEqual(run.get('q1')!.map((e) => e.docId), ['a', 'c']);
    await rejects(readRun(write('h.trec', 'q1 Q0 a 1 3 t\nq2 Q0 b 1 3 t\nq1 Q0 a 2 2 t\n')), /document 'a' is listed twice for query 'q1'/);
  });
});

describe('run file bytes parse exactly like Number(text)', () => {
  test('score and rank spellings, CRLF, no final newline, non-ASCII ids, gzip', async () => {
    const scores = ['3', '-0.5', '+.25', '1.', '0.1', '15.123456789012345678', '1e-3', '-2.5E+2', '0.30000000000000004', '123456789012345.6', '007.70', '-0'];
    let text = '';
    scores.forEach((sc, i) => (text += `q1 Q0 d${i} ${i === 0 ? '+1' : i + 1} ${sc} t${i % 2 ? '\r' : ''}\n`));
    text += 'qé Q0 dé 1 2 t'; // non-ASCII ids, no final newline
    for (const f of [write('s.trec', text), path.join(dir, 's.trec.gz')]) {
      if (f.endsWith('.gz')) fs.writeFileSync(f, gzipSync(text));
      const run = await readRun(f);
      assert.deepEqual(run.get('q1')!.map((e) => e.score), scores.map(Number));
      assert.deepEqual(run.get('q1')!.map((e) => e.rank), scores.map((_, i) => i + 1));
      assert.deepEqual(run.get('qé'), [{ docId: 'dé', score: 2, rank: 1 }]);
      assert.ok(Object.is(run.get('q1')![11].score, -0));
    }
  });
  test('lines that cross 1 MiB read chunks, including one longer than a chunk', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 60000; i++) lines.push(`q${Math.floor(i / 1000)} Q0 doc${i} ${(i % 1000) + 1} ${(1000 - (i % 1000)) / 3} tag`);
    const longId = 'L'.repeat(1_500_000);
    lines.splice(30000, 0, `q30 Q0 ${longId} 1001 -1 tag`);
    const f = write('big.trec', lines.join('\n') + '\n');
    const run = await readRun(f);
    assert.equal(run.size, 60);
    let n = 0;
    for (const line of lines) {
      const [qid, , docId, rank, score] = line.split(' ');
      const e = run.get(qid)!.find((x) => x.docId === docId)!;
      assert.ok(e && e.score === Number(score) && e.rank === Number(rank), line.slice(0, 40));
      n++;
    }
    assert.equal([...run.values()].reduce((s, l) => s + l.length, 0), n);
  });
  test('a malformed line after many good ones still names its line', async () => {
    const good = Array.from({ length: 5000 }, (_, i) => `q${i >> 8} Q0 d${i} ${i} ${i / 7} t`).join('\n');
    await rejects(readRun(write('late.trec', good + '\nq9 Q0 dx 1 Infinity t\n')), /late\.trec:5001: expected a finite number as score, found 'Infinity'/);
  });
});

describe('MS MARCO run files', () => {
  test('qid<TAB>pid<TAB>rank; score = -rank so score order is rank order', async () => {
    const f = write('m.tsv', '1\t10\t1\n1\t20\t2\n2\t30\t1\n');
    assert.equal(await detectRunFormat(f), 'msmarco');
    const run = await readRun(f);
    assert.deepEqual(run.get('1'), [{ docId: '10', score: -1, rank: 1 }, { docId: '20', score: -2, rank: 2 }]);
  });
  test('wrong field counts are errors; format can be forced', async () => {
    await rejects(readRun(write('n.tsv', '1\t10\t1\n1\t20\n')), /n\.tsv:2: expected an MS MARCO run line 'qid<TAB>pid<TAB>rank' \(3 fields\), found 2/);
    await rejects(readRun(write('o.tsv', '1\t10\t1\t5\n')), /o\.tsv:1: expected a TREC run line .* or an MS MARCO line/);
    await rejects(readRun(write('p.tsv', '1\t10\t1\n'), { format: 'trec' }), /p\.tsv:1: expected a TREC run line/);
  });
});

describe('writing runs', () => {
  test('TREC: sorted by score (ties by id descending), ranks 1..n, round-trips; no temp file left', async () => {
    const run: Run = new Map([
      ['q1', [{ docId: 'a', score: 1 }, { docId: 'b', score: 3 }, { docId: 'c', score: 1 }]],
      ['q2', [{ docId: 'z', score: 0.125 }]],
    ]);
    const f = path.join(dir, 'out', 'w.trec');
    writeRun(f, run, { tag: 'mine' });
    assert.equal(fs.readFileSync(f, 'utf8'), 'q1 Q0 b 1 3 mine\nq1 Q0 c 2 1 mine\nq1 Q0 a 3 1 mine\nq2 Q0 z 1 0.125 mine\n');
    const back = await readRun(f);
    assert.deepEqual(back.get('q1')!.map((e) => [e.docId, e.score, e.rank]), [['b', 3, 1], ['c', 1, 2], ['a', 1, 3]]);
    assert.deepEqual(fs.readdirSync(path.dirname(f)), ['w.trec']);
  });
  test('MS MARCO format and depth', async () => {
    const run: Run = new Map([['7', [{ docId: 'x', score: 0.2 }, { docId: 'y', score: 0.9 }]]]);
    const f = path.join(dir, 'w.tsv');
    writeRun(f, run, { format: 'msmarco', depth: 1 });
    assert.equal(fs.readFileSync(f, 'utf8'), '7\ty\t1\n');
  });
  test('ids with whitespace cannot be written, and nothing is left behind', () => {
    const f = path.join(dir, 'bad', 'x.trec');
    assert.throws(() => writeRun(f, new Map([['q 1', [{ docId: 'a', score: 1 }]]])), /cannot write query id 'q 1' to a run file: the id "q 1" contains a space/);
    assert.deepEqual(fs.readdirSync(path.dirname(f)), []);
  });
});

describe('qrels', () => {
  test('TREC qrels: qid iter docid rel', async () => {
    const q = await loadJudgements(write('q.trec', '1 0 a 1\n1 0 b 0\n2 Q0 c 2\n\n'));
    assert.deepEqual([...q.keys()], ['1', '2']);
    assert.deepEqual([...q.get('1')!], [['a', 1], ['b', 0]]);
  });
  test('BEIR qrels TSV with header', async () => {
    const q = await loadJudgements(write('q.tsv', 'query-id\tcorpus-id\tscore\nq1\tdoc1\t1\nq1\tdoc2\t2\n'));
    assert.deepEqual([...q.get('q1')!], [['doc1', 1], ['doc2', 2]]);
  });
  test('bad lines are errors naming file:line', async () => {
    await rejects(loadJudgements(write('r1.tsv', 'query-id\tcorpus-id\tscore\nq1\tdoc1\n')), /r1\.tsv:2: expected BEIR qrels .*found 2/);
    await rejects(loadJudgements(write('r2.tsv', 'query-id\tcorpus-id\tscore\nq1\tdoc1\t0.5\n')), /r2\.tsv:2: expected an integer relevance grade, found '0\.5'/);
    await rejects(loadJudgements(write('r3.trec', '1 0 a 1\n1 0 a 2\n')), /r3\.trec:2: document 'a' is judged twice for query '1'/);
    await rejects(loadJudgements(write('r4.trec', '1 0 a 1 extra junk\n')), /r4\.trec:1: expected the BEIR header .* or a TREC qrels row .*found 6 field/);
    // the one rule of every qrels reader: 3 fields without the BEIR header are refused (data/qrels-format.ts)
    await rejects(loadJudgements(write('r7.tsv', 'q1\tdoc1\t1\n')), /r7\.tsv:1: .*found 3 field\(s\).*add the header line/);
    assert.equal((await loadJudgements(write('r8.tsv', 'q1\tdoc1\t1\n'), { format: 'beir' })).get('q1')!.get('doc1'), 1);
    await rejects(loadJudgements(write('r5.trec', 'query-id\tcorpus-id\tscore\n'), { format: 'trec' }), /r5\.trec:1: found a BEIR header/);
    await rejects(loadJudgements(write('r6.trec', '\n')), /r6\.trec: no qrels lines/);
  });
});
