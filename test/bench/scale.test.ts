import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scaleCorpus, type CorpusBase } from '../../bench/scale-corpus';
import { scaleGoals, scaleMarkdown, stepSecondsOf } from '../../bench/scale-report';

const base: CorpusBase = {
  ids: ['a', 'b', 'c'],
  titles: ['ta', 'tb', 'tc'],
  texts: ['one two three', 'four five', 'six seven eight nine'],
  tokens: ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
};

test('scale corpus: the real passages first, then seeded variants of them in the task vocabulary', () => {
  const docs = [...scaleCorpus(base, { rows: 500, seed: 3 })];
  assert.equal(docs.length, 500);
  assert.deepEqual(docs.slice(0, 3), [{ id: 'a', title: 'ta', text: 'one two three' }, { id: 'b', title: 'tb', text: 'four five' }, { id: 'c', title: 'tc', text: 'six seven eight nine' }]);
  assert.deepEqual([...scaleCorpus(base, { rows: 500, seed: 3 })], docs, 'deterministic');
  assert.notDeepEqual([...scaleCorpus(base, { rows: 500, seed: 4 })], docs);
  const vocab = new Set(base.tokens);
  let changed = 0;
  let words = 0;
  for (const d of docs.slice(3)) {
    const template = base.texts[base.titles.indexOf(d.title!)];
    const w = d.text.split(' ');
    assert.equal(w.length, template.split(' ').length, 'a variant keeps its template\'s length');
    assert.ok(w.every((x) => vocab.has(x)));
    w.forEach((x, i) => { words++; if (x !== template.split(' ')[i]) changed++; });
  }
  // half the words are redrawn, and a redrawn word equals the old one with probability ~1/9 here
  assert.ok(Math.abs(changed / words - 0.5 * (8 / 9)) < 0.05, `changed ${changed / words}`);
  assert.deepEqual([...scaleCorpus(base, { rows: 2 })].map((d) => d.id), ['a', 'b']);
  for (const d of scaleCorpus(base, { rows: 50, mix: 0 })) assert.ok(base.texts.includes(d.text));
});

test('scale report: estimated step times, goals and table', () => {
  const v = (name: string, selectSeconds: number, extra = {}) => ({ name, selectSeconds, selectCpuSeconds: 2 * selectSeconds, correctedRowsPerStep: 0, stepSeconds: null, ...extra });
  const size = (rows: number, stale: number, corr: number, am: number) => ({
    rows, dim: 100,
    build: { seconds: 1, cpuSeconds: 1, rowsPerSecond: rows, peakRssMiB: 100, cacheMiB: 1 },
    search: { exact: { queries: 10, seconds: [1], cpuSeconds: [2], queriesPerSecond: 10, queriesPerCpuSecond: 5, peakRssMiB: 1 }, hnsw: null },
    select: { peakRssMiB: 1, variants: [v('stale', stale), v('corrector', corr), v('amortised', am, { every: 10 })] },
  });
  const rec = {
    date: 'd', seconds: 1, loadAvgAtEnd: [1, 1, 1],
    settings: { stepSeconds: 0.2, fraction: 0.1, candidates: 64, pool: 256, batch: 64, negatives: 4, threads: 2, queries: 10, M: 16, efConstruction: 64 },
    sizes: [size(100000, 0.05, 0.15, 0.07), size(2000000, 1.0, 2.0, 0.1)],
  };
  // base = 0.2 − 0.05 = 0.15 s; corrector step at 100k = 0.30 s (+50%), amortised 0.22 s (+10%)
  assert.ok(Math.abs(stepSecondsOf(rec, rec.sizes[0], rec.sizes[0].select.variants[1])!.seconds - 0.3) < 1e-12);
  const goals = scaleGoals(rec);
  const g = (start: string) => goals.find((x) => x.what.startsWith(start))!;
  assert.ok(Math.abs(g('corrector, h on the whole cache: overhead').value! - 0.5) < 1e-9);
  assert.match(g('corrector, h on the whole cache: overhead').status, /missed/);
  assert.match(g('amortised: h(g′) every K steps: overhead').status, /met/);
  // growth to 2M: amortised (0.15 + 0.1) / 0.22, stale (0.15 + 1.0) / 0.2
  assert.ok(Math.abs(g('amortised: h(g′) every K steps: step time').value! - 0.25 / 0.22) < 1e-9);
  assert.match(g('stale (no h): step time').status, /missed/);
  const md = scaleMarkdown(rec);
  assert.match(md, /\| 2,000,000 \| 1,000 \/ 2,000 \(0\) \| 2,000 \/ 4,000 \(0\) \| 100 \/ 200 \(0\) K=10 \|/);
});
