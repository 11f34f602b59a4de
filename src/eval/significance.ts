/**
 * Significance tests between two systems' per-query scores (paired by query): Student's paired
 * t-test and a paired randomisation (sign-flip permutation) test.
 */
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  const EPS = 1e-15;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/**
 * Regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for a, b > 0 and
 * 0 <= x <= 1, by its continued fraction (using the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where the
 * fraction converges faster).
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incomplete beta: a and b must be > 0 (got ${a}, ${b})`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta: x must be in [0, 1] (got ${x})`);
  if (x === 0 || x === 1) return x;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(lnFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/**
 * CDF of Student's t distribution with `df` > 0 degrees of freedom:
 * P(T <= t) = 1 - ½·I_{df/(df+t²)}(df/2, ½) for t >= 0, and ½·I_{df/(df+t²)}(df/2, ½) for t < 0.
 */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`Student t: df must be > 0 (got ${df})`);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Two-sided p-value of a t statistic: P(|T| >= |t|) = I_{df/(df+t²)}(df/2, ½). */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

export interface PairedTestResult {
  /** Number of pairs. */
  n: number;
  /** mean(a) - mean(b). */
  meanDiff: number;
  /** Two-sided p-value. */
  p: number;
}

export interface TTestResult extends PairedTestResult {
  t: number;
  df: number;
}

function checkPairs(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  if (a.length !== b.length) throw new InputError(`paired test: the two systems have ${a.length} and ${b.length} per-query values; expected the same queries`);
  if (a.length < 2) throw new InputError(`paired test: needs at least 2 queries, got ${a.length}`);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    d[i] = a[i] - b[i];
    if (!Number.isFinite(d[i])) throw new InputError(`paired test: per-query value ${i} is not a finite number`);
  }
  return d;
}

/**
 * Paired Student t-test on d_i = a_i - b_i: t = mean(d) / (sd(d) / √n), sd with n-1, df = n-1,
 * two-sided p = I_{df/(df+t²)}(df/2, ½) (same as scipy.stats.ttest_rel). When every d_i is equal the
 * statistic is undefined: d ≡ 0 gives t = 0, p = 1; a constant non-zero d gives t = ±∞, p = 0.
 */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>): TTestResult {
  const d = checkPairs(a, b);
  const n = d.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += d[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (d[i] - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const df = n - 1;
  if (sd === 0 || sd <= 1e-15 * Math.abs(mean)) {
    if (mean === 0) return { n, meanDiff: 0, t: 0, df, p: 1 };
    return { n, meanDiff: mean, t: mean > 0 ? Infinity : -Infinity, df, p: 0 };
  }
  const t = mean / (sd / Math.sqrt(n));
  return { n, meanDiff: mean, t, df, p: studentTTwoSidedP(t, df) };
}

export interface RandomizationOptions {
  /** Number of random sign assignments (default 10,000). */
  trials?: number;
  /** Seed of the generator (default 0): the same seed gives the same p. */
  seed?: number | string;
}

export interface RandomizationResult extends PairedTestResult {
  trials: number;
}

/**
 * Paired randomisation test (Fisher; Smucker, Allan & Carterette 2007): under the null hypothesis
 * each query's pair of scores is exchangeable, so each d_i = a_i - b_i keeps or flips its sign with
 * probability ½. p = (1 + #{trials with |mean of signed d| >= |observed mean d|}) / (1 + trials),
 * two-sided, with a 1e-12 relative tolerance on the comparison. Seeded (src/util/rng).
 */
export function randomizationTest(a: ArrayLike<number>, b: ArrayLike<number>, opts: RandomizationOptions = {}): RandomizationResult {
  const d = checkPairs(a, b);
  const n = d.length;
  const trials = opts.trials ?? 10000;
  if (!Number.isSafeInteger(trials) || trials < 1) throw new InputError(`randomisation test: trials must be a positive integer, got ${trials}`);
  const rng = new Rng(opts.seed ?? 0);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += d[i];
  const observed = Math.abs(sum);
  const tol = 1e-12 * Math.max(1, observed);
  let atLeast = 0;
  for (let t = 0; t < trials; t++) {
    let s = 0;
    let bits = 0;
    let left = 0;
    for (let i = 0; i < n; i++) {
      if (left === 0) {
        bits = rng.nextUint32();
        left = 32;
      }
      s += bits & 1 ? d[i] : -d[i];
      bits >>>= 1;
      left--;
    }
    if (Math.abs(s) >= observed - tol) atLeast++;
  }
  return { n, meanDiff: sum / n, trials, p: (atLeast + 1) / (trials + 1) };
}
