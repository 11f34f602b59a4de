/**
 * Fixed colours per strategy, so a strategy has the same colour in every figure and notebook.
 *
 * A strategy name is `family` or `family:variant` (e.g. `refresh:100`, `corrector:softmax`). The
 * family picks the hue from STRATEGY_COLORS; a variant picks a shade of it: for a numeric variant
 * (a refresh interval R) the shade darkens as R shrinks (more refreshes), on a log scale, so
 * `refresh:10` … `refresh:10000` read as one family from dark to light (a factor of 10 in R moves
 * lightness by about 17 points; R = 100 and 200 are hard to tell apart). Within one figure,
 * figureColors spreads the variants present over a wide ramp instead, so neighbours differ clearly.
 * Names outside the table get a colour from OTHER_COLORS chosen by a hash of the name (stable, but
 * may collide).
 */

/** Base colour of each known strategy family. */
export const STRATEGY_COLORS: Readonly<Record<string, string>> = {
  corrector: '#d62728', // red: the method under study stands out
  stale: '#ff7f0e', // orange
  refresh: '#1f77b4', // blue (ANCE-style full refresh every R steps)
  'refresh-on-use': '#9467bd', // purple (Negative-Cache style)
  'in-batch': '#2ca02c', // green
  oracle: '#444444', // dark grey: the upper bound
  identity: '#ff7f0e', // the identity corrector is the stale cache
};

/** Colours for series that are not strategies (bound terms, metrics), by position or by hash. */
export const OTHER_COLORS: readonly string[] = ['#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#637939', '#8c6d31'];

/** Splits `refresh:100` into `{ family: 'refresh', variant: '100' }`. */
export function splitStrategy(name: string): { family: string; variant?: string } {
  const i = name.indexOf(':');
  return i < 0 ? { family: name.trim() } : { family: name.slice(0, i).trim(), variant: name.slice(i + 1).trim() };
}

/** FNV-1a 32-bit hash of a string; stable across runs and machines. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The colour of strategy `name` (hex `#rrggbb`), the same in every figure. Known families come from
 * STRATEGY_COLORS; a variant shifts lightness (numeric: by log10 of the value; otherwise by hash).
 */
export function strategyColor(name: string): string {
  const { family, variant } = splitStrategy(name);
  const base = STRATEGY_COLORS[family];
  if (base === undefined) return OTHER_COLORS[hashString(name) % OTHER_COLORS.length];
  if (variant === undefined || variant === '') return base;
  const [h, s] = hexToHsl(base);
  const num = Number(variant);
  let light: number;
  if (Number.isFinite(num) && num > 0) {
    // log10 R in [1, 4] (R = 10 .. 10000) -> lightness 22% .. 72%, clamped outside
    const t = Math.min(1, Math.max(0, (Math.log10(num) - 1) / 3));
    light = 0.22 + 0.5 * t;
  } else {
    const steps = [0.3, 0.42, 0.54, 0.66];
    light = steps[hashString(variant) % steps.length];
  }
  return hslToHex(h, s, light);
}

/**
 * Colours for the strategies shown together in one figure: strategyColor for each, except that two
 * or more numeric variants of one family (`refresh:4`, `refresh:8`, `refresh:15`, …) are spread by
 * rank over a ramp from dark to light (smallest value darkest) that also turns the hue by 40°, so
 * adjacent intervals are clearly distinct. A variant's shade thus depends on which others are in the
 * figure; the family's hue does not. Names that are not strategies are left out.
 */
export function figureColors(names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const numeric = new Map<string, { name: string; value: number }[]>();
  for (const name of new Set(names)) {
    if (!isKnownStrategy(name)) continue;
    out[name] = strategyColor(name);
    const { family, variant } = splitStrategy(name);
    const value = Number(variant);
    if (variant && Number.isFinite(value) && value > 0) numeric.set(family, [...(numeric.get(family) ?? []), { name, value }]);
  }
  for (const [family, variants] of numeric) {
    if (variants.length < 2) continue;
    const [h, s] = hexToHsl(STRATEGY_COLORS[family]);
    variants.sort((a, b) => a.value - b.value || (a.name < b.name ? -1 : 1));
    variants.forEach((v, i) => {
      const t = i / (variants.length - 1); // 0: smallest value, darkest
      out[v.name] = hslToHex((h + ((0.5 - t) * 40) / 360 + 1) % 1, Math.max(s, 0.6), 0.2 + 0.42 * t);
    });
  }
  return out;
}

/** Whether `name` belongs to a known strategy family (so it gets a fixed colour). */
export function isKnownStrategy(name: string): boolean {
  return STRATEGY_COLORS[splitStrategy(name).family] !== undefined;
}

/** Colours of a figure's series, by position: figureColors for strategies, else OTHER_COLORS by position. */
export function seriesColors(names: readonly string[]): string[] {
  const known = figureColors(names);
  return names.map((name, i) => known[name] ?? OTHER_COLORS[i % OTHER_COLORS.length]);
}

/** `#rrggbb` + alpha in [0, 1] -> `rgba(r,g,b,a)`, for translucent bands. */
export function withAlpha(hex: string, alpha: number): string {
  const [r, g, b] = hexToRgb(hex);
  return `rgba(${r},${g},${b},${alpha})`;
}

function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: '${hex}'`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

function hexToHsl(hex: string): [number, number, number] {
  const [r, g, b] = hexToRgb(hex).map((v) => v / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  let h: number;
  if (max === r) h = (g - b) / d + (g < b ? 6 : 0);
  else if (max === g) h = (b - r) / d + 2;
  else h = (r - g) / d + 4;
  return [h / 6, s, l];
}

function hslToHex(h: number, s: number, l: number): string {
  const hue = (p: number, q: number, t: number) => {
    if (t < 0) t += 1;
    if (t > 1) t -= 1;
    if (t < 1 / 6) return p + (q - p) * 6 * t;
    if (t < 1 / 2) return q;
    if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
    return p;
  };
  let r: number, g: number, b: number;
  if (s === 0) r = g = b = l;
  else {
    const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
    const p = 2 * l - q;
    r = hue(p, q, h + 1 / 3);
    g = hue(p, q, h);
    b = hue(p, q, h - 1 / 3);
  }
  const hx = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255).toString(16).padStart(2, '0');
  return `#${hx(r)}${hx(g)}${hx(b)}`;
}
