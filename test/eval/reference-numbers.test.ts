import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REFERENCE_NUMBERS, quotedRows, referenceNumbersFor } from '../../src/eval/reference-numbers';
import { parseMetric } from '../../src/eval/metrics';

test('the quoted numbers are the published ones, under src/eval metric names, each with a source', () => {
  const get = (system: string, dataset: string, metric: string) => REFERENCE_NUMBERS.find((r) => r.system.startsWith(system) && r.dataset === dataset && r.metric === metric)?.percent;
  assert.deepEqual([1, 5, 10, 20, 100].map((k) => get('corrector', 'nq', `acc@${k}`)), [50.61, 71.0, 77.73, 82.66, 88.39]);
  assert.deepEqual([get('DPR', 'nq', 'acc@20'), get('DPR', 'nq', 'acc@100')], [78.4, 85.4]);
  assert.deepEqual([get('ANCE', 'nq', 'acc@20'), get('ANCE', 'nq', 'acc@100')], [81.9, 87.5]);
  assert.deepEqual([get('BM25', 'nq', 'acc@20'), get('BM25', 'nq', 'acc@100')], [59.1, 73.7]);
  assert.equal(get('ANCE', 'msmarco', 'mrr_msmarco@10'), 33.0);
  assert.equal(get('BM25', 'msmarco', 'mrr_msmarco@10'), 18.7);
  assert.equal(REFERENCE_NUMBERS.length, 5 + 2 + 2 + 2 + 1 + 1);
  for (const r of REFERENCE_NUMBERS) {
    assert.equal(parseMetric(r.metric).name, r.metric); // canonical names, so they line up with our columns
    assert.ok(r.source.length > 20, r.system);
    assert.ok(r.percent > 0 && r.percent < 100);
    assert.equal(r.split, r.dataset === 'nq' ? 'test' : 'dev.small');
  }
  assert.match(REFERENCE_NUMBERS.find((r) => r.system.startsWith('corrector'))!.note!, /indicative/);
});

test('quotedRows: one row per system, labelled (quoted), keyed `<split> <metric>`', () => {
  const nq = quotedRows('nq');
  assert.deepEqual(nq.map((r) => r.label), ['corrector (Monath et al. 2024) (quoted)', 'DPR (quoted)', 'ANCE (quoted)', 'BM25 (quoted)']);
  assert.deepEqual(nq[1].values, { 'test acc@20': 78.4, 'test acc@100': 85.4 });
  assert.equal(Object.keys(nq[0].values).length, 5);
  assert.equal(nq[3].sources.length, 1);
  const ms = quotedRows('msmarco');
  assert.deepEqual(ms.map((r) => [r.label, r.values['dev.small mrr_msmarco@10']]), [['ANCE (quoted)', 33.0], ['BM25 (quoted)', 18.7]]);
  assert.deepEqual(quotedRows('wordnet'), []);
  assert.equal(referenceNumbersFor('nq', 'dev').length, 0);
  assert.equal(referenceNumbersFor('nq', 'test').length, 11);
});
