/**
 * Compares two evaluations of the same queries metric by metric, with a paired t-test and a paired
 * randomisation test on the per-query values.
 */
import { InputError } from '../util/errors';
import type { EvaluationResult } from './evaluate';
import { pairedTTest, randomizationTest } from './significance';

export interface MetricComparison {
  metric: string;
  /** Queries with a value in both evaluations. */
  n: number;
  meanA: number;
  meanB: number;
  /** meanA - meanB over the paired queries. */
  diff: number;
  tTestP: number;
  randomizationP: number;
}

export interface CompareOptions {
  /** Trials of the randomisation test (default 10,000). */
  trials?: number;
  seed?: number | string;
}

/**
 * Pairs the per-query values of `a` and `b` by query id for every metric both computed, and tests
 * the difference (two-sided paired t-test; seeded randomisation test). Queries where either value
 * is NaN (no ground truth) are left out.
 */
export function compareEvaluations(a: EvaluationResult, b: EvaluationResult, opts: CompareOptions = {}): MetricComparison[] {
  const bIndex = new Map<string, number>();
  b.queryIds.forEach((q, i) => bIndex.set(q, i));
  const out: MetricComparison[] = [];
  for (const spec of a.metrics) {
    const va = a.perQuery[spec.name];
    const vb = b.perQuery[spec.name];
    if (!vb) continue;
    const xa: number[] = [];
    const xb: number[] = [];
    a.queryIds.forEach((q, i) => {
      const j = bIndex.get(q);
      if (j === undefined) return;
      if (Number.isNaN(va[i]) || Number.isNaN(vb[j])) return;
      xa.push(va[i]);
      xb.push(vb[j]);
    });
    if (xa.length < 2) throw new InputError(`compare: metric ${spec.name} has ${xa.length} query(ies) in common between the two runs; need at least 2`);
    const meanA = xa.reduce((s, x) => s + x, 0) / xa.length;
    const meanB = xb.reduce((s, x) => s + x, 0) / xb.length;
    out.push({
      metric: spec.name,
      n: xa.length,
      meanA,
      meanB,
      diff: meanA - meanB,
      tTestP: pairedTTest(xa, xb).p,
      randomizationP: randomizationTest(xa, xb, { trials: opts.trials, seed: opts.seed }).p,
    });
  }
  return out;
}
