import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareEvaluations, evaluate, formatMetricsTable } from '../../src/eval';
import type { Run } from '../../src/eval';
import { InputError } from '../../src/util/errors';

let dir = '';
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-eval-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// q1: relevant d2 (rank 2), d3 (grade 2, rank 3). q2: d5 and d4 tie at 5 → d5 first, relevant d4 at rank 2.
// q3: in the qrels, not in the run. q9: in the run, not in the qrels.
const RUN = 'q1 Q0 d1 1 3.0 r\nq1 Q0 d2 2 2.0 r\nq1 Q0 d3 3 1.0 r\nq2 Q0 d4 1 5 r\nq2 Q0 d5 2 5 r\nq9 Q0 d1 1 1 r\n';
const QRELS = 'query-id\tcorpus-id\tscore\nq1\td2\t1\nq1\td3\t2\nq2\td4\t1\nq3\td9\t1\n';

describe('evaluate on files', () => {
  test('queries missing from the run count as 0; run-only queries are ignored', async () => {
    const r = await evaluate({ run: write('a.trec', RUN), qrels: write('y.tsv', QRELS), metrics: ['mrr@10', 'recall@1', 'ndcg@10', 'map', 'p@2', 'success@1'] });
    assert.deepEqual(r.queryIds, ['q1', 'q2', 'q3']);
    assert.deepEqual(r.perQuery['mrr@10'], [1 / 2, 1 / 2, 0]);
    close(r.aggregate['mrr@10'], 1 / 3);
    assert.deepEqual(r.perQuery['recall@1'], [0, 0, 0]);
    close(r.perQuery['map'][0], (1 / 2 + 2 / 3) / 2);
    close(r.perQuery['ndcg@10'][0], (1 / Math.log2(3) + 2 / Math.log2(4)) / (2 + 1 / Math.log2(3)));
    close(r.perQuery['ndcg@10'][1], 1 / Math.log2(3));
    assert.deepEqual(r.perQuery['p@2'], [0.5, 0.5, 0]);
    assert.equal(r.counts.queries, 3);
    assert.equal(r.counts.runQueries, 3);
    assert.equal(r.counts.runQueriesUnjudged, 1);
    assert.equal(r.counts.queriesMissingFromRun, 1);
    assert.equal(r.counts.runLines, 6);
    assert.equal(r.counts.runGrouped, true);
    assert.match(formatMetricsTable(r), /^metric\s+value\s+queries\nmrr@10\s+0\.3333\s+3\n/);
  });
  test('onlyRunQueries averages over the queries in both (trec_eval without -c)', async () => {
    const r = await evaluate({ run: write('a.trec', RUN), qrels: write('y.tsv', QRELS), metrics: ['mrr@10'], onlyRunQueries: true });
    assert.deepEqual(r.queryIds, ['q1', 'q2']);
    close(r.aggregate['mrr@10'], 1 / 2);
  });
  test('relevance threshold applies to graded qrels', async () => {
    const r = await evaluate({ run: write('a.trec', RUN), qrels: write('y.tsv', QRELS), metrics: ['mrr@10', 'recall@10'], relevanceThreshold: 2 });
    assert.deepEqual(r.perQuery['mrr@10'], [1 / 3, 0, 0]);
    assert.deepEqual(r.perQuery['recall@10'], [1, 0, 0]);
  });
  test('MS MARCO MRR@10 divides by the number of qrels queries and uses the rank column', async () => {
    // q1: the rank column puts d3 first although its score is lowest
    const run = write('m.tsv', 'q1\td3\t1\nq1\td1\t2\nq2\td5\t1\nq2\td4\t2\n');
    const qrels = write('m.qrels', 'q1 0 d3 1\nq2 0 d4 1\nq3 0 d7 1\nq4 0 d8 1\n');
    const r = await evaluate({ run, qrels, metrics: ['mrr_msmarco@10'] });
    close(r.aggregate['mrr_msmarco@10'], (1 + 1 / 2) / 4);
  });
  test('a run whose queries are interleaved gives the same numbers as a grouped one', async () => {
    const grouped = await evaluate({ run: write('a.trec', RUN), qrels: write('y.tsv', QRELS) });
    const lines = RUN.trim().split('\n');
    const shuffled = [lines[0], lines[3], lines[5], lines[1], lines[4], lines[2]].join('\n') + '\n';
    const mixed = await evaluate({ run: write('mixed.trec', shuffled), qrels: write('y.tsv', QRELS) });
    assert.equal(mixed.counts.runGrouped, false);
    assert.deepEqual(mixed.aggregate, grouped.aggregate);
    assert.deepEqual(mixed.perQuery, grouped.perQuery);
  });
  test('default metrics are the qrels set', async () => {
    const r = await evaluate({ run: write('a.trec', RUN), qrels: write('y.tsv', QRELS) });
    assert.deepEqual(r.metrics.map((m) => m.name), ['mrr@10', 'recall@100', 'ndcg@10', 'map', 'p@10', 'success@1', 'recall@1000']);
  });
  test('clear errors: no overlap, missing ground truth, bad metric', async () => {
    const other = write('other.tsv', 'query-id\tcorpus-id\tscore\nzz\td1\t1\n');
    await assert.rejects(evaluate({ run: write('a.trec', RUN), qrels: other }), (e: unknown) => e instanceof InputError && /no query of the run \(3 queries\) is in the qrels/.test(e.message));
    await assert.rejects(evaluate({ run: write('a.trec', RUN), qrels: write('y.tsv', QRELS), metrics: ['acc@5'] }), /need --answers and --corpus/);
    await assert.rejects(evaluate({ run: write('a.trec', RUN), qrels: write('y.tsv', QRELS), metrics: ['ndcg@x'] }), /unknown metric 'ndcg@x'/);
    await assert.rejects(evaluate({ run: write('a.trec', RUN) }), /give qrels/);
  });
});

describe('evaluate: DPR top-k answer accuracy', () => {
  const corpusRows = [
    { _id: 'p1', title: 'Paris', text: 'The capital is not named here.' },
    { _id: 'p2', title: 'France', text: 'Its capital is PARIS, on the Seine.' },
    { _id: 'p3', title: 'Café', text: 'A café serves coffee.' },
    { _id: 'p4', title: 'Other', text: 'Nothing useful.' },
  ];
  const answers = '{"_id": "n1", "answers": ["Paris"]}\n{"_id": "n2", "answers": ["cafe\u0301", "tea"]}\n{"_id": "n3", "answers": ["Mars"]}\n';
  // n1: p1 (score 3, no match: title not used) then p2 (match at rank 2); n2: p3 at rank 1; n3: not in the run.
  const run = 'n1 Q0 p1 1 3 r\nn1 Q0 p2 2 2 r\nn1 Q0 p4 3 1 r\nn2 Q0 p3 1 9 r\nn2 Q0 p404 2 1 r\n';
  test('from a run, answers.jsonl and corpus.jsonl; missing questions count 0', async () => {
    const corpus = write('corpus.jsonl', corpusRows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await evaluate({ run: write('n.trec', run), answers: write('answers.jsonl', answers), corpus, metrics: ['acc@1', 'acc@2', 'acc@100'] });
    assert.deepEqual(r.queryIds, ['n1', 'n2', 'n3']);
    assert.deepEqual(r.perQuery['acc@1'], [0, 1, 0]);
    assert.deepEqual(r.perQuery['acc@2'], [1, 1, 0]);
    close(r.aggregate['acc@2'], 2 / 3);
    assert.equal(r.counts.passagesNotInCorpus, 1);
    const withTitle = await evaluate({ run: write('n.trec', run), answers: write('answers.jsonl', answers), corpus, metrics: ['acc@1'], useTitle: true });
    assert.deepEqual(withTitle.perQuery['acc@1'], [1, 1, 0]);
  });
  test('in memory, regex mode, and mixed with qrels metrics (NaN where a query has no ground truth)', async () => {
    const mem: Run = new Map([['n1', [{ docId: 'p1', score: 1 }, { docId: 'p2', score: 0.5 }]]]);
    const corpus = new Map(corpusRows.map((r) => [r._id, { title: r.title, text: r.text }]));
    const r = await evaluate({
      run: mem,
      answers: new Map([['n1', ['capital\\s+is\\s+p']]]),
      corpus,
      answerMatch: 'regex',
      qrels: new Map([['n1', new Map([['p2', 1]])], ['q0', new Map([['x', 1]])]]),
      metrics: ['acc@1', 'acc@2', 'mrr@10'],
    });
    assert.deepEqual(r.queryIds, ['n1', 'q0']);
    assert.deepEqual(r.perQuery['acc@2'], [1, NaN]);
    assert.deepEqual(r.perQuery['acc@1'], [0, NaN]);
    assert.deepEqual(r.perQuery['mrr@10'], [0.5, 0]);
    close(r.aggregate['acc@2'], 1);
    close(r.aggregate['mrr@10'], 0.25);
  });
});

describe('comparing two runs', () => {
  test('pairs queries by id and reports both p-values', async () => {
    const qrels = new Map<string, Map<string, number>>();
    const a: Run = new Map();
    const b: Run = new Map();
    for (let i = 0; i < 12; i++) {
      qrels.set(`q${i}`, new Map([['rel', 1]]));
      a.set(`q${i}`, [{ docId: 'rel', score: 2 }, { docId: 'x', score: 1 }]);
      b.set(`q${i}`, [{ docId: 'rel', score: i % 3 === 0 ? 2 : 0 }, { docId: 'x', score: 1 }]);
    }
    const ra = await evaluate({ run: a, qrels, metrics: ['mrr@10'] });
    const rb = await evaluate({ run: b, qrels, metrics: ['mrr@10'] });
    const [c] = compareEvaluations(ra, rb, { trials: 2000, seed: 3 });
    assert.equal(c.n, 12);
    close(c.meanA, 1);
    close(c.meanB, (4 * 1 + 8 * 0.5) / 12);
    assert.ok(c.tTestP < 0.001, `t-test p ${c.tTestP}`);
    assert.ok(c.randomizationP < 0.01, `randomisation p ${c.randomizationP}`);
    const [same] = compareEvaluations(ra, ra, { trials: 100 });
    assert.equal(same.tTestP, 1);
    assert.equal(same.randomizationP, 1);
  });
});
