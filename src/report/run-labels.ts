/**
 * Run labels as experiments name them (`refresh:50`, `corrector[mlp w=64]`, `stale`): their
 * strategy family and refresh interval. (A colour per run for one figure: palette.ts figureColors.)
 */

/** The refresh interval R of a label `refresh:R` (or `refresh:R[...]`), else undefined. */
export function refreshInterval(label: string): number | undefined {
  const m = /^refresh:(\d+)/.exec(label);
  return m ? Number(m[1]) : undefined;
}

/** The strategy family of a label, for colours and legends: `refresh:50` → `refresh`, `corrector[mlp w=64]` → `corrector`. */
export function strategyFamily(label: string): string {
  return label.replace(/\[.*$/, '').replace(/:.*$/, '');
}
