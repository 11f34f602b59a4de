/**
 * The cost multiple at which a corrector matches the refresh baselines of an experiment table: the
 * number behind the paper's "4–80x less re-embedding".
 */
import { InputError } from '../util/errors';
import type { ExperimentSummaryRow } from './experiment-table';
import { refreshInterval } from './run-labels';

export interface CostMultiple {
  /** The corrector row compared. */
  corrector: string;
  correctorAccuracy: number;
  /** The corrector's total target-encoder forward passes (initial cache and per-step fresh encodes included). */
  correctorEncodes: number;
  /** The cheapest refresh:R row (by re-embedding cost) whose accuracy ≥ the corrector's; undefined when none. */
  refresh?: string;
  refreshAccuracy?: number;
  /** That row's re-embedding cost (full corpus re-encodes, in target forward passes). */
  refreshReembed?: number;
  /** That row's total target forward passes. */
  refreshEncodes?: number;
  /** refreshReembed / correctorEncodes: how many times the corrector's whole encoding budget the refresh baseline spends on re-embedding alone. */
  multiple?: number;
  /** refreshEncodes / correctorEncodes (total against total). */
  totalMultiple?: number;
  reached: boolean;
  /** When not reached: the largest refresh re-embedding cost tried / correctorEncodes, a lower bound on the multiple. */
  atLeast?: number;
}

/**
 * The cost multiple at which the corrector matches the refresh baselines: among rows labelled
 * `refresh:R`, the one with the smallest re-embedding cost (`reembed`) whose `metric` ≥ the
 * corrector's; multiple = its re-embedding cost / the corrector's total target encodes
 * (`totalTargetEncodes`). Not reached (reached = false) when no refresh row is as accurate; then
 * `atLeast` is the most re-embedding any refresh row spent over the same denominator.
 */
export function costMultiple(rows: readonly ExperimentSummaryRow[], correctorLabel: string, metric: 'devMrr10' | 'testMrr10' | 'devSuccess10' | 'devSuccess100' = 'devMrr10'): CostMultiple {
  const c = rows.find((r) => r.label === correctorLabel);
  if (!c) throw new InputError(`cost multiple: no row '${correctorLabel}' (rows: ${rows.map((r) => r.label).join(', ')})`);
  const base: CostMultiple = { corrector: c.label, correctorAccuracy: c[metric], correctorEncodes: c.totalTargetEncodes, reached: false };
  const matching = rows
    .filter((r) => refreshInterval(r.label) !== undefined && Number.isFinite(r[metric]) && r[metric] >= c[metric])
    .sort((a, b) => a.reembed - b.reembed || a.totalTargetEncodes - b.totalTargetEncodes);
  const best = matching[0];
  if (!best) {
    const tried = rows.filter((r) => refreshInterval(r.label) !== undefined).map((r) => r.reembed);
    return tried.length ? { ...base, atLeast: Math.max(...tried) / c.totalTargetEncodes } : base;
  }
  return {
    ...base,
    refresh: best.label,
    refreshAccuracy: best[metric],
    refreshReembed: best.reembed,
    refreshEncodes: best.totalTargetEncodes,
    multiple: best.reembed / c.totalTargetEncodes,
    totalMultiple: best.totalTargetEncodes / c.totalTargetEncodes,
    reached: true,
  };
}
