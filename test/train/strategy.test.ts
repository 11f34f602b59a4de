import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStrategy, DEFAULT_BM25_DEPTH } from '../../src/train/strategy';

test('labels parse into the flags the loop reads, with canonical labels', () => {
  assert.deepEqual(parseStrategy('stale'), { label: 'stale', usesCache: true, corrector: false, refreshEvery: null, refreshOnUse: false, oracle: false, bm25Depth: null });
  assert.equal(parseStrategy('in-batch').usesCache, false);
  assert.equal(parseStrategy('refresh:250').refreshEvery, 250);
  assert.equal(parseStrategy('oracle').oracle, true);
  const c = parseStrategy(' refresh-on-use + corrector ');
  assert.equal(c.label, 'corrector+refresh-on-use');
  assert.ok(c.corrector && c.refreshOnUse);
  assert.equal(parseStrategy('refresh:10+corrector').label, 'corrector+refresh:10');
  // bm25: no cache; a bare label is the default depth, spelled one way
  assert.deepEqual(parseStrategy('bm25'), { label: 'bm25', usesCache: false, corrector: false, refreshEvery: null, refreshOnUse: false, oracle: false, bm25Depth: DEFAULT_BM25_DEPTH });
  assert.equal(parseStrategy(`bm25:${DEFAULT_BM25_DEPTH}`).label, 'bm25');
  assert.deepEqual([parseStrategy('bm25:8').label, parseStrategy('bm25:8').bm25Depth], ['bm25:8', 8]);
});

test('bad labels are one-line errors naming the source and the choices', () => {
  for (const [label, re] of [
    ['refresh', /refresh needs a step interval/],
    ['refresh:0', /refresh needs a step interval/],
    ['stale+corrector', /'stale' does not combine/],
    ['corrector+corrector', /given twice/],
    ['nope', /unknown part 'nope'/],
    ['', /empty strategy/],
    ['refresh:5+refresh-on-use', /combine only with corrector/],
    ['bm25:0', /bm25 takes a depth N ≥ 1/],
    ['bm25:2.5', /bm25 takes a depth N ≥ 1/],
    ['bm25:', /bm25 takes a depth N ≥ 1/],
    ['bm25+corrector', /'bm25' does not combine/],
    ['in-batch+bm25', /'in-batch' does not combine/],
  ] as const) {
    assert.throws(() => parseStrategy(label, 'config.strategies'), (e: Error) => re.test(e.message) && e.message.startsWith('config.strategies') && !e.message.includes('\n'), label);
  }
});
