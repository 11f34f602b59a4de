/**
 * The reduction factor: how many times the corrector's cost a periodic-refresh schedule needs to
 * reach the corrector's accuracy. The number behind the paper's "4–80x less re-embedding".
 *
 * The refresh curve is accuracy against cost over refresh:R runs, R from every few steps to never
 * (`stale`, the cheapest point). The cost a schedule needs to reach an accuracy target is read off
 * that curve: the cheapest cost at which the curve, joined piecewise linearly in log cost, first
 * reaches the target (the two runs bracketing the crossing are named). The factor is that cost
 * divided by the corrector's. Two edge cases are reported as bounds, never as a plain number:
 *   - the cheapest run (stale) already reaches the target: the factor is at most its cost over
 *     the corrector's (`at-most`);
 *   - no run reaches it: the factor is at least the costliest run's cost over the corrector's
 *     (`at-least`, printed "not reached at ≥ X").
 * A curve that is not monotone is read at its first crossing (the cheapest way to the target).
 *
 * Seeds: the headline number uses the mean accuracy and mean cost of each label over its seeds;
 * the spread is the range of the same factor computed on each seed's own curve and own corrector
 * run (factorRange). Pure functions, no I/O.
 */
import { InputError } from '../util/errors';

/** A point of a refresh curve: a run (or a label's seed mean) at a cost with an accuracy. */
export interface CurvePoint {
  label: string;
  cost: number;
  accuracy: number;
}

/** Where a curve reaches an accuracy target. */
export type Reach =
  /** Between two runs: `below` is under the target, `above` reaches it; cost interpolated in log cost. */
  | { kind: 'interpolated'; cost: number; below: CurvePoint; above: CurvePoint }
  /** The cheapest run already reaches the target: the cost needed is at most its cost. */
  | { kind: 'at-cheapest'; cost: number; run: CurvePoint }
  /** No run reaches it: more than the costliest run's cost is needed. */
  | { kind: 'not-reached'; cost: number; run: CurvePoint };

function checkPoint(p: CurvePoint, where: string): void {
  if (!(Number.isFinite(p.cost) && p.cost > 0)) throw new InputError(`${where}: run '${p.label}' has cost ${p.cost}; a log-cost curve needs finite costs > 0`);
  if (!Number.isFinite(p.accuracy)) throw new InputError(`${where}: run '${p.label}' has no finite accuracy (${p.accuracy})`);
}

/**
 * The cost at which `curve` first reaches `target`: points sorted by cost (equal costs: the more
 * accurate first), then the first point with accuracy ≥ target; between it and the point before,
 * log cost is interpolated linearly in accuracy:
 *   log c = log c₀ + (target − a₀) / (a₁ − a₀) · (log c₁ − log c₀).
 */
export function costToReach(curve: readonly CurvePoint[], target: number): Reach {
  if (curve.length === 0) throw new InputError('reduction factor: the refresh curve has no runs');
  if (!Number.isFinite(target)) throw new InputError(`reduction factor: the accuracy target is ${target}, not a finite number`);
  for (const p of curve) checkPoint(p, 'reduction factor');
  const pts = [...curve].sort((a, b) => a.cost - b.cost || b.accuracy - a.accuracy);
  if (pts[0].accuracy >= target) return { kind: 'at-cheapest', cost: pts[0].cost, run: pts[0] };
  for (let i = 1; i < pts.length; i++) {
    const [lo, hi] = [pts[i - 1], pts[i]];
    if (hi.accuracy < target) continue;
    const frac = (target - lo.accuracy) / (hi.accuracy - lo.accuracy); // hi ≥ target > lo, so 0 < frac ≤ 1
    const cost = Math.exp(Math.log(lo.cost) + frac * (Math.log(hi.cost) - Math.log(lo.cost)));
    return { kind: 'interpolated', cost, below: lo, above: hi };
  }
  const last = pts[pts.length - 1];
  return { kind: 'not-reached', cost: last.cost, run: last };
}

/** The reduction factor of one corrector against one refresh curve, on one cost measure. */
export interface ReductionFactor {
  /** The corrector's accuracy: the target the curve must reach. */
  target: number;
  correctorCost: number;
  reach: Reach;
  /** reach.cost / correctorCost: an estimate, or a bound as `bound` says. */
  factor: number;
  /** `estimate` (interpolated), `at-most` (the cheapest run already reaches it), `at-least` (not reached). */
  bound: 'estimate' | 'at-most' | 'at-least';
}

/** The factor for a corrector at `corrector.cost` with accuracy `corrector.accuracy` against `curve`. */
export function reductionFactor(curve: readonly CurvePoint[], corrector: { label?: string; cost: number; accuracy: number }): ReductionFactor {
  checkPoint({ label: corrector.label ?? 'corrector', ...corrector }, 'reduction factor');
  const reach = costToReach(curve, corrector.accuracy);
  const bound = reach.kind === 'interpolated' ? 'estimate' : reach.kind === 'at-cheapest' ? 'at-most' : 'at-least';
  return { target: corrector.accuracy, correctorCost: corrector.cost, reach, factor: reach.cost / corrector.cost, bound };
}

/**
 * The smallest and the largest of per-seed factors. Order: by factor, except that a not-reached
 * seed (`at-least`) ranks above every reached one (its true factor is unknown and larger), the
 * larger bound higher among them.
 */
export function factorRange(perSeed: readonly ReductionFactor[]): { min: ReductionFactor; max: ReductionFactor } | undefined {
  if (perSeed.length === 0) return undefined;
  const key = (f: ReductionFactor): [number, number] => [f.bound === 'at-least' ? 1 : 0, f.factor];
  const cmp = (a: ReductionFactor, b: ReductionFactor) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1];
  const sorted = [...perSeed].sort(cmp);
  return { min: sorted[0], max: sorted[sorted.length - 1] };
}

/** A factor as text: `4.2x`; `≤ 1.0x` when the cheapest run reaches the target; `not reached at ≥ 80x`. */
export function formatFactor(f: ReductionFactor): string {
  const x = f.factor >= 100 ? f.factor.toFixed(0) : f.factor >= 10 ? f.factor.toFixed(1) : f.factor >= 0.1 ? f.factor.toFixed(2) : f.factor.toPrecision(2);
  return f.bound === 'estimate' ? `${x}x` : f.bound === 'at-most' ? `≤ ${x}x` : `not reached at ≥ ${x}x`;
}

/** The runs behind a factor: `refresh:50–refresh:20` (interpolated), `stale` (at-most), `refresh:5` (the costliest, not reached). */
export function formatBracket(f: ReductionFactor): string {
  return f.reach.kind === 'interpolated' ? `${f.reach.below.label}–${f.reach.above.label}` : f.reach.run.label;
}

/** A seed range as text: `2.1x–4.5x`, or one value when min and max agree. */
export function formatFactorRange(r: { min: ReductionFactor; max: ReductionFactor }): string {
  const [a, b] = [formatFactor(r.min), formatFactor(r.max)];
  return a === b ? a : `${a} – ${b}`;
}
