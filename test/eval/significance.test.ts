import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { logGamma, pairedTTest, randomizationTest, regularizedIncompleteBeta, studentTCdf, studentTTwoSidedP } from '../../src/eval';
import { InputError } from '../../src/util/errors';

const close = (a: number, b: number, eps: number) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b} (±${eps})`);

describe('regularized incomplete beta I_x(a, b)', () => {
  test('closed forms: I_x(1,1)=x, I_x(a,1)=x^a, I_x(1,b)=1-(1-x)^b, I_½(a,a)=½', () => {
    for (const x of [0, 0.1, 0.37, 0.5, 0.93, 1]) {
      close(regularizedIncompleteBeta(x, 1, 1), x, 1e-14);
      close(regularizedIncompleteBeta(x, 3.5, 1), x ** 3.5, 1e-13);
      close(regularizedIncompleteBeta(x, 1, 4), 1 - (1 - x) ** 4, 1e-13);
    }
    for (const a of [0.5, 2, 7.5, 40]) close(regularizedIncompleteBeta(0.5, a, a), 0.5, 1e-13);
  });
  test('matches scipy.special.betainc', () => {
    close(regularizedIncompleteBeta(0.3, 2.5, 3.5), 0.29675298929566646, 1e-13);
    close(regularizedIncompleteBeta(0.9, 10, 0.5), 0.15164090963470994, 1e-13);
    close(regularizedIncompleteBeta(0.2, 0.5, 0.5), 0.2951672353008665, 1e-13);
  });
  test('arguments out of range throw', () => {
    assert.throws(() => regularizedIncompleteBeta(1.5, 1, 1), RangeError);
    assert.throws(() => regularizedIncompleteBeta(0.5, 0, 1), RangeError);
  });
  test('log gamma at integers and ½', () => {
    close(logGamma(1), 0, 1e-13);
    close(logGamma(5), Math.log(24), 1e-12);
    close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13);
  });
});

describe("Student's t distribution", () => {
  test('df = 1 is Cauchy: F(t) = ½ + atan(t)/π', () => {
    for (const t of [-10, -1.5, 0, 0.3, 2, 50]) close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-13);
  });
  test('df = 2: F(t) = ½ + t / (2√(2 + t²))', () => {
    for (const t of [-4, -0.7, 0, 1, 3.3]) close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-13);
  });
  test('matches scipy.stats.t', () => {
    close(studentTTwoSidedP(2.0, 10), 0.07338803477074037, 1e-12);
    close(studentTTwoSidedP(-0.5, 3), 0.651447964848151, 1e-12);
    close(studentTCdf(-1.3, 7), 0.11738391769618862, 1e-12);
    close(studentTTwoSidedP(4.2, 50), 0.00010968071735450304, 1e-15);
  });
});

describe('paired t-test', () => {
  const a = [0.1, 0.5, 0.3, 0.9, 0.4, 0.6];
  const b = [0.2, 0.3, 0.3, 0.5, 0.1, 0.65];
  test('matches scipy.stats.ttest_rel', () => {
    const r = pairedTTest(a, b);
    close(r.t, 1.4985022462565505, 1e-12);
    close(r.p, 0.19427701980071366, 1e-12);
    assert.equal(r.df, 5);
    close(r.meanDiff, (0.1 + 0.5 + 0.3 + 0.9 + 0.4 + 0.6 - (0.2 + 0.3 + 0.3 + 0.5 + 0.1 + 0.65)) / 6, 1e-15);
  });
  test('symmetric: swapping the systems flips t, keeps p', () => {
    const r = pairedTTest(b, a);
    close(r.t, -1.4985022462565505, 1e-12);
    close(r.p, 0.19427701980071366, 1e-12);
  });
  test('identical systems: p = 1; constant non-zero difference: p = 0', () => {
    assert.equal(pairedTTest(a, a).p, 1);
    assert.equal(pairedTTest(a.map((x) => x + 0.1), a).p, 0);
  });
  test('mismatched or too short inputs are InputErrors', () => {
    assert.throws(() => pairedTTest([1, 2], [1]), InputError);
    assert.throws(() => pairedTTest([1], [1]), InputError);
  });
});

describe('paired randomisation test', () => {
  const a = [0.1, 0.5, 0.3, 0.9, 0.4, 0.6];
  const b = [0.2, 0.3, 0.3, 0.5, 0.1, 0.65];
  /** Exact p over all 2^n sign assignments. */
  function exactP(x: number[], y: number[]): number {
    const d = x.map((v, i) => v - y[i]);
    const obs = Math.abs(d.reduce((s, v) => s + v, 0));
    let hits = 0;
    for (let mask = 0; mask < 1 << d.length; mask++) {
      let s = 0;
      for (let i = 0; i < d.length; i++) s += mask & (1 << i) ? d[i] : -d[i];
      if (Math.abs(s) >= obs - 1e-12) hits++;
    }
    return hits / (1 << d.length);
  }
  test('approaches the exact permutation p-value', () => {
    const p = randomizationTest(a, b, { trials: 20000, seed: 1 }).p;
    close(p, exactP(a, b), 0.015);
  });
  test('seeded: same seed same p, and the p has the (1 + hits)/(1 + trials) form', () => {
    const r1 = randomizationTest(a, b, { trials: 999, seed: 'x' });
    const r2 = randomizationTest(a, b, { trials: 999, seed: 'x' });
    assert.equal(r1.p, r2.p);
    assert.ok(Number.isInteger(r1.p * 1000 + 1e-9) || Math.abs(r1.p * 1000 - Math.round(r1.p * 1000)) < 1e-9);
  });
  test('identical systems give p = 1; a large consistent difference gives a small p', () => {
    assert.equal(randomizationTest(a, a, { trials: 500 }).p, 1);
    const big = Array.from({ length: 30 }, (_, i) => 0.5 + (i % 3) * 0.01);
    const small = big.map((x) => x - 0.2);
    assert.ok(randomizationTest(big, small, { trials: 2000 }).p < 0.002);
  });
});
