import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  headlineSummary, headlineRows, headlineFactors, readHeadlineSummary, formatFactorTable, formatKnobTable, formatHeadlineRows, headlineFigure,
  HEADLINE_SUMMARY_FORMAT, type HeadlineRun, type HeadlineGroup, type HeadlineMeta,
} from '../../src/report';
import { InputError } from '../../src/util/errors';

const meta: HeadlineMeta = {
  command: 'npm start -- --sweep headline', experiment: 'headline', dataset: 'data/wordnet', corpusSize: 1000, steps: 400, defaultLr: 2e-3, embeddingDim: 100,
  projection: { encoder: 'BERT-base', tokens: 128, flopsPerText: 2e10, correctorScale: 7.68 }, generated: '2026-12-05T00:00:00Z',
};

/** A run whose four cost measures are all `passes` (FLOPs × 1e9), so factors are the same on every measure. */
function run(label: string, seed: number, role: HeadlineGroup['role'], mrr10: number, passes: number, group: Partial<HeadlineGroup> = {}): HeadlineRun {
  return {
    label, seed, strategy: label, lr: 2e-3 * (group.drift ?? 1),
    group: { regime: 'default', drift: 1, knob: '', role, ...group },
    dev: { mrr10, success1: 0, success10: 0, success100: 0 },
    cost: { corpusPasses: passes, targetEncodes: passes, flops: passes * 1e9, bertFlops: passes * 1e9 },
    reembedCorpusPasses: Math.max(0, passes - 1), correctorFlops: 0, wallSeconds: 10,
    telemetry: { last: { staleness: 0.5, overlapStale: 0.4, overlapCorrected: 0.8 }, mean: {} },
  };
}

// two seeds at the default drift, one at ×4; seed 2's curve is higher, so its factor is smaller
const runs: HeadlineRun[] = [
  ...[1, 2].flatMap((s) => {
    const up = s === 2 ? 0.01 : 0;
    return [
      run('in-batch', s, 'in-batch', 0.16, 0.2),
      run('stale', s, 'stale', 0.15 + up, 1),
      run('refresh:100', s, 'refresh', 0.16 + up, 4, { refreshEvery: 100 }),
      run('refresh:20', s, 'refresh', 0.18 + up, 20, { refreshEvery: 20 }),
      run('corrector', s, 'corrector', 0.17, 1),
      run('corrector[loss=softmax]', s, 'corrector', 0.2, 1, { knob: 'loss=softmax' }),
    ];
  }),
  run('oracle', 1, 'oracle', 0.19, 400),
  run('stale[lr×4]', 1, 'stale', 0.1, 1, { drift: 4 }),
  run('refresh:20[lr×4]', 1, 'refresh', 0.12, 20, { drift: 4, refreshEvery: 20 }),
  run('corrector[lr×4]', 1, 'corrector', 0.11, 1, { drift: 4 }),
];

describe('the headline summary', () => {
  test('rows: each label\'s seeds together (mean, sd, range)', () => {
    const rows = headlineRows(runs);
    const stale = rows.find((r) => r.label === 'stale')!;
    assert.deepEqual(stale.seeds, [1, 2]);
    assert.ok(Math.abs(stale.devMrr10.mean - 0.155) < 1e-12);
    assert.ok(Math.abs(stale.devMrr10.min - 0.15) < 1e-12 && Math.abs(stale.devMrr10.max - 0.16) < 1e-12);
    assert.ok(Math.abs(stale.devMrr10.sd - Math.sqrt(0.00005)) < 1e-12);
    assert.equal(rows.find((r) => r.label === 'oracle')!.seeds.length, 1);
  });

  test('factors: every corrector row on every measure, against the curve of its own drift; per-seed factors on per-seed curves', () => {
    const factors = headlineFactors(runs);
    assert.equal(factors.length, 3 * 4);
    const base = factors.find((f) => f.corrector === 'corrector' && f.measure === 'corpusPasses')!;
    assert.deepEqual(base.curve, ['stale', 'refresh:100', 'refresh:20']);
    // mean curve: stale 0.155 @1, refresh:100 0.165 @4, refresh:20 0.185 @20; target 0.17 → a quarter of the way 4 → 20
    assert.equal(base.mean.bound, 'estimate');
    assert.ok(Math.abs(base.mean.factor - 4 * 5 ** 0.25) < 1e-9, String(base.mean.factor));
    // seed 1: halfway 4 → 20 (√80); seed 2: curve 0.16 @1, 0.17 @4 → exactly refresh:100's 4 passes
    const bySeed = Object.fromEntries(base.perSeed.map((p) => [p.seed, p.factor.factor]));
    assert.ok(Math.abs(bySeed[1] - Math.sqrt(80)) < 1e-9);
    assert.ok(Math.abs(bySeed[2] - 4) < 1e-9);
    assert.ok(Math.abs(base.range!.min.factor - 4) < 1e-9 && Math.abs(base.range!.max.factor - Math.sqrt(80)) < 1e-9);
    // the softmax knob (default drift) reads the default curve and is not reached
    const knob = factors.find((f) => f.corrector === 'corrector[loss=softmax]' && f.measure === 'flops')!;
    assert.equal(knob.mean.bound, 'at-least');
    assert.deepEqual(knob.curve, ['stale', 'refresh:100', 'refresh:20']);
    // the fast drift reads its own curve: 0.11 halfway between 0.10 @1 and 0.12 @20
    const fast = factors.find((f) => f.corrector === 'corrector[lr×4]' && f.measure === 'targetEncodes')!;
    assert.deepEqual(fast.curve, ['stale[lr×4]', 'refresh:20[lr×4]']);
    assert.ok(Math.abs(fast.mean.factor - Math.sqrt(20)) < 1e-9);
  });

  test('written and read back; a file of another format or version is an input error naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headline-summary-'));
    try {
      const s = headlineSummary(meta, runs);
      const file = path.join(dir, 'summary.json');
      fs.writeFileSync(file, JSON.stringify(s));
      const back = readHeadlineSummary(file);
      assert.deepEqual(back.factors.map((f) => f.mean.factor), s.factors.map((f) => f.mean.factor));
      fs.writeFileSync(file, JSON.stringify({ ...s, format: 'other' }));
      assert.throws(() => readHeadlineSummary(file), (e: Error) => e instanceof InputError && e.message.includes(file) && e.message.includes(HEADLINE_SUMMARY_FORMAT));
      fs.writeFileSync(file, JSON.stringify({ ...s, version: 99 }));
      assert.throws(() => readHeadlineSummary(file), (e: Error) => e instanceof InputError && /version 99/.test(e.message));
      fs.writeFileSync(file, '{');
      assert.throws(() => readHeadlineSummary(file), InputError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('tables: the factor per drift with seeds\' range and bracketing runs; knobs; every row', () => {
    const s = headlineSummary(meta, runs);
    const md = formatFactorTable(s);
    const lines = md.split('\n');
    assert.match(lines[0], /^\| drift \(encoder lr\) \| corrector \| corrector dev MRR@10 \| re-embedding incl\. the initial cache \|/);
    assert.match(md, /\| lr×1 \(0\.002\) \| corrector \| 0\.170 ± 0\.000 \| 5\.98x \(seeds 4\.00x – 8\.94x\) \|.* \| refresh:100–refresh:20 \|/);
    assert.match(md, /\| lr×4 \(0\.008\) \| corrector\[lr×4\] \| 0\.110 \| 4\.47x \|/);
    assert.match(md, /BERT-base target encoder at 128 tokens/);
    assert.match(formatKnobTable(s), /\| corrector\[loss=softmax\] \| 0\.200 ± 0\.000 \| not reached at ≥ 20\.0x \(seeds not reached at ≥ 20\.0x\) \|/);
    assert.match(formatHeadlineRows(s), /\| stale \| 2 \| 0\.155 ± 0\.007 \[0\.150, 0\.160\] \| – \| 1\.00 \| 1\.00 \| 1\.00e\+9 \| 0\.500 \| – \| 0\.400 \/ 0\.800 \|/);
  });

  test('figure: a panel per drift, seeds\' range as error bars, the refresh curve, in-batch as a line', () => {
    const s = headlineSummary(meta, runs);
    const fig = headlineFigure(s);
    assert.ok(fig.layout.xaxis && fig.layout.xaxis2 && !fig.layout.xaxis3);
    assert.equal((fig.layout.xaxis as { type?: string }).type, 'log');
    const stalePts = fig.data.find((t) => t.xaxis === 'x' && Array.isArray(t.text) && t.text.includes('stale'))!;
    const i = (stalePts.text as string[]).indexOf('stale');
    const err = stalePts.error_y as { array: number[]; arrayminus: number[] };
    assert.ok(Math.abs(err.array[i] - 0.005) < 1e-12 && Math.abs(err.arrayminus[i] - 0.005) < 1e-12);
    const curve = fig.data.find((t) => t.xaxis === 'x' && t.name === 'refresh curve')!;
    assert.deepEqual(curve.x, [1, 4, 20]);
    const inBatch = fig.data.find((t) => t.name === 'in-batch (no cache)')!;
    assert.deepEqual(inBatch.y, [0.16, 0.16]);
    // one legend entry per name across panels
    const shown = fig.data.filter((t) => t.showlegend).map((t) => t.name);
    assert.equal(new Set(shown).size, shown.length);
  });
});
