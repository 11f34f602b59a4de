/**
 * Run labels as experiments name them (`refresh:50`, `corrector[mlp w=64]`, `stale`): their
 * strategy family, a refresh interval, and a colour per run for one figure.
 */
import { strategyColor } from './palette';

/** The refresh interval R of a label `refresh:R` (or `refresh:R[...]`), else undefined. */
export function refreshInterval(label: string): number | undefined {
  const m = /^refresh:(\d+)/.exec(label);
  return m ? Number(m[1]) : undefined;
}

/** The strategy family of a label, for colours and legends: `refresh:50` → `refresh`, `corrector[mlp w=64]` → `corrector`. */
export function strategyFamily(label: string): string {
  return label.replace(/\[.*$/, '').replace(/:.*$/, '');
}

/** Shades of blue from dark to light for refresh intervals (most refreshes darkest). */
const REFRESH_SHADES = ['#08306b', '#08519c', '#2171b5', '#4292c6', '#6baed6'];

/**
 * A colour per run label for one figure: the strategy colour (palette.ts), except that the
 * `refresh:R` runs get clearly distinct shades of blue, darkest for the smallest R (the palette's
 * log-scale shades make R = 4 … 30 look alike).
 */
export function runColors(labels: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const refresh = labels.filter((l) => refreshInterval(l) !== undefined).sort((a, b) => refreshInterval(a)! - refreshInterval(b)!);
  const step = refresh.length > 1 ? (REFRESH_SHADES.length - 1) / (refresh.length - 1) : 0;
  refresh.forEach((l, i) => (out[l] = REFRESH_SHADES[Math.min(REFRESH_SHADES.length - 1, Math.round(i * step))]));
  for (const l of labels) if (!(l in out)) out[l] = strategyColor(l);
  return out;
}
