import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { median, quantile, iqr, summarize, ratioOfMedians, interleavedOrder, measureInterleaved, goalStatus, fmt, qpsAtRecall, writeBenchRecord } from '../../bench/harness';

describe('median / quantile / iqr', () => {
  test('median of odd and even counts, unsorted input left unchanged', () => {
    const xs = [5, 1, 3];
    assert.equal(median(xs), 3);
    assert.deepEqual(xs, [5, 1, 3]);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
  test('quantile interpolates like numpy (type 7)', () => {
    // numpy.quantile([1,2,3,4,10], [0.25, 0.75]) = [2, 4]; [1,2,3,4] at 0.25 = 1.75
    assert.equal(quantile([10, 1, 2, 3, 4], 0.25), 2);
    assert.equal(quantile([10, 1, 2, 3, 4], 0.75), 4);
    assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(quantile([7], 0.9), 7);
    assert.throws(() => quantile([1], 1.5), /p must be in/);
  });
  test('iqr and summary', () => {
    assert.equal(iqr([1, 2, 3, 4]), 1.5); // 3.25 - 1.75
    const s = summarize([2, 8, 4, 6]);
    assert.deepEqual([s.n, s.median, s.min, s.max, s.q1, s.q3, s.iqr], [4, 5, 2, 8, 3.5, 6.5, 3]);
    assert.equal(s.relIqr, 0.6);
  });
});

describe('ratioOfMedians', () => {
  test('median(a) / median(b)', () => {
    assert.equal(ratioOfMedians([2, 4, 100], [1, 2, 3]), 2);
    assert.ok(Number.isNaN(ratioOfMedians([1], [])));
    assert.ok(Number.isNaN(ratioOfMedians([1], [0])));
  });
});

describe('interleaving', () => {
  test('order is A B A B with warm-up rounds first', () => {
    const o = interleavedOrder(['A', 'B'], 2, 1);
    assert.deepEqual(o.map((x) => x.name).join(''), 'ABABAB');
    assert.deepEqual(o.map((x) => x.warmup), [true, true, false, false, false, false]);
    assert.deepEqual(o.map((x) => x.round), [-1, -1, 0, 0, 1, 1]);
    assert.throws(() => interleavedOrder(['A', 'A'], 1), /duplicate/);
  });
  test('measureInterleaved calls contestants in that order and drops warm-up times', async () => {
    const calls: string[] = [];
    let t = 0;
    const mk = (name: string) => ({ name, run: () => { calls.push(name); return ++t; } });
    const times = await measureInterleaved([mk('A'), mk('B'), mk('C')], { rounds: 2, warmup: 1 });
    assert.equal(calls.join(''), 'ABCABCABC');
    assert.deepEqual(times, { A: [4, 7], B: [5, 8], C: [6, 9] });
  });
});

describe('goals', () => {
  test('at-least and at-most factors', () => {
    const a = goalStatus(0.5, { what: 'ratio', kind: 'at-least', target: 1 });
    assert.equal(a.met, false);
    assert.equal(a.factor, 0.5);
    assert.equal(a.text, 'missed: needs 2x');
    const b = goalStatus(0.15, { what: 'overhead', kind: 'at-most', target: 0.3 });
    assert.equal(b.met, true);
    assert.equal(b.factor, 2);
    assert.equal(goalStatus(-0.1, { what: 'overhead', kind: 'at-most', target: 0.3 }).text, 'met');
    assert.equal(goalStatus(null, { what: 'x', kind: 'at-least', target: 1 }).text, 'not measured');
    assert.equal(goalStatus(NaN, { what: 'x', kind: 'at-least', target: 1 }).met, null);
  });
  test('fmt', () => {
    assert.equal(fmt(1.23456), '1.23');
    assert.equal(fmt(123456.7), '123,457');
    assert.equal(fmt(null), '–');
  });
});

describe('qpsAtRecall', () => {
  const sweep = [
    { ef: 16, qps: 1000, recall: 0.8 },
    { ef: 32, qps: 600, recall: 0.9 },
    { ef: 64, qps: 300, recall: 0.98 },
  ];
  test('interpolates linearly between the points around the target', () => {
    const near = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
    near(qpsAtRecall(sweep, 0.85), 800);
    near(qpsAtRecall(sweep, 0.94), 450);
    assert.equal(qpsAtRecall(sweep, 0.9), 600);
  });
  test('the first point when it already reaches the target; null when none does', () => {
    assert.equal(qpsAtRecall(sweep, 0.5), 1000);
    assert.equal(qpsAtRecall(sweep, 0.99), null);
  });
  test('a dominated (noisy) point is ignored', () => {
    // ef 32 measured slower than ef 64 at lower recall: off the Pareto front
    const noisy = [{ ef: 16, qps: 1000, recall: 0.8 }, { ef: 32, qps: 200, recall: 0.9 }, { ef: 64, qps: 300, recall: 0.98 }];
    const v = qpsAtRecall(noisy, 0.89);
    assert.ok(v !== null && Math.abs(v - (1000 - (0.09 * 700) / 0.18)) < 1e-9, String(v));
  });
});

describe('benchmark scripts: flags and records', () => {
  test('writeBenchRecord: bench, date, command, machine (extended by the body), then the body; folders made', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-bench-'));
    const file = path.join(dir, 'sub', 'x.json');
    const lines: string[] = [];
    const rec = writeBenchRecord(file, 'x', { machine: { backend: 'cpu' }, results: [1, 2] }, (l) => lines.push(l));
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(onDisk, JSON.parse(JSON.stringify(rec)));
    assert.deepEqual(Object.keys(onDisk), ['bench', 'date', 'command', 'machine', 'results']);
    assert.equal(onDisk.bench, 'x');
    assert.equal(onDisk.machine.backend, 'cpu');
    assert.equal(onDisk.machine.cpus, os.cpus().length);
    assert.ok(!Number.isNaN(Date.parse(onDisk.date)));
    assert.deepEqual(lines, [`wrote ${file}`]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('no script reads process.argv itself: every one declares its options and parses them through benchMain', () => {
    const benchDir = path.join(__dirname, '..', '..', 'bench');
    for (const f of fs.readdirSync(benchDir).filter((x) => x.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(benchDir, f), 'utf8');
      assert.ok(!/process\.argv\.(indexOf|includes)|argv\[i \+ 1\]/.test(text), `bench/${f} parses argv by hand`);
      if (/require\.main === module|^benchMain\(/m.test(text)) assert.match(text, /benchMain\(/, `bench/${f}`);
    }
  });

  test('a bad flag of a benchmark script: exit 2, one line naming the flag and its range', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'bench', 'theory.ts'), '--dim', '0x10'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), "error: --dim: expected an integer in 1..65536, got '0x10'");
  });
});
