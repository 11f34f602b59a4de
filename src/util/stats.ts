/**
 * Plain statistics over seeds and runs: the mean, the sample standard deviation (n − 1), and the
 * mean ± 95% interval the sweeps report. Tables and sweeps share these so a number means the same
 * everywhere it is printed.
 */

/** Arithmetic mean (NaN for no values; a NaN among the values gives NaN). */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation with n − 1 in the denominator; 0 for fewer than 2 values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** mean, sample sd and 95% interval half-width 1.96·sd/√n over seeds (non-finite values dropped). */
export interface SeedStat {
  mean: number;
  sd: number;
  ci95: number;
  n: number;
  values: number[];
}

/** The finite values' mean, sample sd (n − 1) and ci95 = 1.96·sd/√n; `values` keeps every input. */
export function seedStat(values: number[]): SeedStat {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  const m = n ? mean(v) : NaN;
  const sd = sampleSd(v);
  return { mean: m, sd, ci95: n > 0 ? (1.96 * sd) / Math.sqrt(n) : NaN, n, values };
}
