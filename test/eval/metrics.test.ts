import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averagePrecisionAt,
  judgeRanking,
  msmarcoReciprocalRank,
  ndcgAt,
  parseMetric,
  parseMetrics,
  precisionAt,
  recallAt,
  reciprocalRankAt,
  successAt,
  computeQrelsMetric,
} from '../../src/eval';
import type { RunEntry } from '../../src/eval';
import { InputError } from '../../src/util/errors';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

// Graded fixture. qrels: a=2, b=0, c=1, d=3, z=1 (z never retrieved).
// Scores give the trec order a(1) x(2) c(3) b(4) d(5) y(6).
const qrels = new Map([['a', 2], ['b', 0], ['c', 1], ['d', 3], ['z', 1]]);
const run: RunEntry[] = [
  { docId: 'y', score: 0.4 },
  { docId: 'c', score: 0.7 },
  { docId: 'a', score: 0.9 },
  { docId: 'd', score: 0.5 },
  { docId: 'x', score: 0.8 },
  { docId: 'b', score: 0.6 },
];

describe('qrels metrics on a graded, hand-computed query (threshold 1: a, c, d, z relevant)', () => {
  const q = judgeRanking(run, qrels, 1);
  test('ranks of judged documents follow score order, num_rel counts unretrieved z', () => {
    assert.deepEqual(q.judged, [{ rank: 1, rel: 2 }, { rank: 3, rel: 1 }, { rank: 4, rel: 0 }, { rank: 5, rel: 3 }]);
    assert.equal(q.numRel, 4);
    assert.deepEqual(q.idealGains, [3, 2, 1, 1]);
  });
  test('precision@k divides by k even past the end of the run', () => {
    assert.equal(precisionAt(q, 1), 1);
    close(precisionAt(q, 3), 2 / 3);
    close(precisionAt(q, 5), 3 / 5);
    close(precisionAt(q, 10), 3 / 10);
  });
  test('recall@k over all relevant qrels documents', () => {
    close(recallAt(q, 1), 1 / 4);
    close(recallAt(q, 3), 2 / 4);
    close(recallAt(q, 5), 3 / 4);
    close(recallAt(q, 1000), 3 / 4);
  });
  test('success@k and reciprocal rank', () => {
    assert.equal(successAt(q, 1), 1);
    assert.equal(reciprocalRankAt(q), 1);
    assert.equal(reciprocalRankAt(q, 10), 1);
  });
  test('average precision: (1/1 + 2/3 + 3/5) / 4; map@3 = (1 + 2/3) / 4', () => {
    close(averagePrecisionAt(q), (1 + 2 / 3 + 3 / 5) / 4);
    close(averagePrecisionAt(q, 3), (1 + 2 / 3) / 4);
  });
  test('nDCG: linear gains, log2(rank+1) discount, ideal from qrels grades', () => {
    const dcg5 = 2 / Math.log2(2) + 1 / Math.log2(4) + 3 / Math.log2(6);
    const idcg5 = 3 / Math.log2(2) + 2 / Math.log2(3) + 1 / Math.log2(4) + 1 / Math.log2(5);
    close(ndcgAt(q, 5), dcg5 / idcg5);
    close(ndcgAt(q, 1), 2 / 3);
    const idcg3 = 3 + 2 / Math.log2(3) + 1 / Math.log2(4);
    close(ndcgAt(q, 3), (2 + 1 / Math.log2(4)) / idcg3);
    close(ndcgAt(q), dcg5 / (idcg5));
  });
});

describe('relevance threshold (graded qrels)', () => {
  test('threshold 2: only a and d are relevant', () => {
    const q = judgeRanking(run, qrels, 2);
    assert.equal(q.numRel, 2);
    close(precisionAt(q, 5), 2 / 5);
    close(recallAt(q, 5), 1);
    close(averagePrecisionAt(q), (1 + 2 / 5) / 2);
    assert.equal(reciprocalRankAt(q), 1);
  });
  test('threshold 3: only d (rank 5)', () => {
    const q = judgeRanking(run, qrels, 3);
    close(reciprocalRankAt(q), 1 / 5);
    assert.equal(reciprocalRankAt(q, 4), 0);
    assert.equal(successAt(q, 1), 0);
    assert.equal(successAt(q, 5), 1);
    close(averagePrecisionAt(q), 1 / 5);
  });
  test('nDCG ignores the threshold (trec_eval gains are raw grades)', () => {
    close(ndcgAt(judgeRanking(run, qrels, 3), 5), ndcgAt(judgeRanking(run, qrels, 1), 5));
  });
  test('no relevant document: recall, AP and nDCG are 0, not NaN', () => {
    const q = judgeRanking(run, new Map([['a', 0]]), 1);
    assert.equal(recallAt(q, 10), 0);
    assert.equal(averagePrecisionAt(q), 0);
    assert.equal(ndcgAt(q, 10), 0);
    assert.equal(precisionAt(q, 10), 0);
  });
});

describe('ties: score descending, then document id descending (trec_eval comp_sim_docno)', () => {
  test('equal scores put the larger id first', () => {
    const r = [{ docId: 'b', score: 1 }, { docId: 'a', score: 1 }, { docId: 'c', score: 1 }];
    close(reciprocalRankAt(judgeRanking(r, new Map([['a', 1]]), 1)), 1 / 3);
    close(reciprocalRankAt(judgeRanking(r, new Map([['c', 1]]), 1)), 1);
  });
  test('ids compare as strings, not numbers: "9" ranks before "10"', () => {
    const r = [{ docId: '10', score: 5 }, { docId: '9', score: 5 }];
    close(reciprocalRankAt(judgeRanking(r, new Map([['10', 1]]), 1)), 1 / 2);
  });
  test('a tie only matters between equal scores', () => {
    const r = [{ docId: 'a', score: 2 }, { docId: 'z', score: 1 }];
    assert.equal(reciprocalRankAt(judgeRanking(r, new Map([['a', 1]]), 1)), 1);
  });
  test('many judged documents (sort path) give the same ranks as the counting path', () => {
    const entries: RunEntry[] = [];
    const judgements = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      entries.push({ docId: `d${(i * 37) % 200}`, score: Math.floor(i / 7) % 5 });
      if (i % 5 === 0) judgements.set(`d${(i * 37) % 200}`, 1 + (i % 3));
    }
    const many = judgeRanking(entries, judgements, 1); // 40 judged: sort path
    for (const [id, rel] of judgements) {
      const single = judgeRanking(entries, new Map([[id, rel]]), 1); // counting path
      assert.ok(many.judged.some((j) => j.rank === single.judged[0].rank && j.rel === rel));
    }
    const ranks = many.judged.map((j) => j.rank);
    assert.equal(new Set(ranks).size, ranks.length);
  });
});

describe('MS MARCO MRR@10 follows the rank column, not the scores', () => {
  test('rank order differs from score order', () => {
    const r = [
      { docId: 'd1', score: 0.9, rank: 3 },
      { docId: 'd2', score: 0.1, rank: 1 },
      { docId: 'd3', score: 0.5, rank: 2 },
    ];
    const q = judgeRanking(r, new Map([['d1', 1]]), 1);
    assert.equal(reciprocalRankAt(q, 10), 1);
    close(msmarcoReciprocalRank(q), 1 / 3);
  });
  test('only ranks 1..10 count', () => {
    const r = [{ docId: 'a', score: 1, rank: 11 }, { docId: 'b', score: 0, rank: 10 }];
    assert.equal(msmarcoReciprocalRank(judgeRanking(r, new Map([['a', 1]]), 1)), 0);
    close(msmarcoReciprocalRank(judgeRanking(r, new Map([['b', 1]]), 1)), 1 / 10);
  });
  test('a rank given twice: the later line owns the slot (ms_marco_eval.py overwrites)', () => {
    const r = [{ docId: 'rel', score: 2, rank: 1 }, { docId: 'other', score: 1, rank: 1 }, { docId: 'x', score: 0, rank: 2 }];
    assert.equal(msmarcoReciprocalRank(judgeRanking(r, new Map([['rel', 1]]), 1)), 0);
    assert.equal(msmarcoReciprocalRank(judgeRanking(r, new Map([['other', 1]]), 1)), 1);
  });
  test('in-memory entries without ranks use list order', () => {
    const r = [{ docId: 'a', score: 0 }, { docId: 'b', score: 9 }];
    close(msmarcoReciprocalRank(judgeRanking(r, new Map([['a', 1]]), 1)), 1);
  });
});

describe('metric names', () => {
  test('canonical names, aliases, case and trec_eval spellings', () => {
    assert.equal(parseMetric('MRR@10').name, 'mrr@10');
    assert.equal(parseMetric('R@1000').name, 'recall@1000');
    assert.equal(parseMetric('P.10').name, 'p@10');
    assert.equal(parseMetric('ndcg_cut.10').name, 'ndcg@10');
    assert.equal(parseMetric('hit@5').name, 'success@5');
    assert.equal(parseMetric('map').k, Infinity);
    assert.equal(parseMetric('msmarco_mrr').name, 'mrr_msmarco@10');
    assert.equal(parseMetric('accuracy@20').name, 'acc@20');
    assert.equal(parseMetric('acc@20').label, 'Top-20 answer accuracy');
    assert.equal(parseMetric('acc@20').needsAnswers, true);
    assert.deepEqual(parseMetrics(['map', 'MAP', 'ndcg@10']).map((s) => s.name), ['map', 'ndcg@10']);
  });
  test('bad names are InputErrors naming the metric', () => {
    assert.throws(() => parseMetric('foo@10', '--metrics'), (e: unknown) => e instanceof InputError && /--metrics: unknown metric 'foo@10'/.test(e.message));
    assert.throws(() => parseMetric('recall'), /needs a cutoff/);
    assert.throws(() => parseMetric('p@0'), /positive integer/);
    assert.throws(() => parseMetric('mrr_msmarco@100'), /at 10 only/);
    assert.throws(() => parseMetrics([]), /at least one metric/);
  });
  test('dispatch computes the named metric', () => {
    const q = judgeRanking(run, qrels, 1);
    close(computeQrelsMetric(parseMetric('p@3'), q), 2 / 3);
    close(computeQrelsMetric(parseMetric('map'), q), (1 + 2 / 3 + 3 / 5) / 4);
    assert.throws(() => computeQrelsMetric(parseMetric('acc@5'), q), /answer metric/);
  });
});
