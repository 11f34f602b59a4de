/**
 * Tables from plain rows (`{ column: value }` objects): an HTML table for notebooks and reports, a
 * fixed-width text table for the terminal, and conversion from a danfojs DataFrame (duck-typed, so
 * this module does not load danfojs).
 */

export type Cell = string | number | boolean | null | undefined;
export type Row = Record<string, Cell>;

/** How one column is shown. */
export interface ColumnSpec {
  /** Key in the row objects. */
  key: string;
  /** Header text (default: the key); the unit is appended as "label (unit)". */
  label?: string;
  unit?: string;
  /** Digits after the point for numbers (default: TableOptions.digits). */
  digits?: number;
  /** Mark the best value of this column in bold: the largest ('max') or smallest ('min'). */
  best?: 'max' | 'min';
}

export interface TableOptions {
  /** Columns in order; names or specs. Default: the keys of the rows, in first-seen order. */
  columns?: readonly (string | ColumnSpec)[];
  /** Digits after the point for numbers (default 3; integers are printed without a point). */
  digits?: number;
  /** Shown above the table. */
  caption?: string;
}

/** Column specs for `rows`: the given ones, or every key in first-seen order. */
export function tableColumns(rows: readonly Row[], columns?: readonly (string | ColumnSpec)[]): ColumnSpec[] {
  if (columns) return columns.map((c) => (typeof c === 'string' ? { key: c } : c));
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k)) (seen.add(k), keys.push(k));
  return keys.map((key) => ({ key }));
}

/**
 * A cell as text: integers as is, other numbers with `digits` decimals (exponent form when too
 * small or large for that), NaN/null/undefined as '–', and '0' for |v| ≤ `zeroBelow` (see zeroBelow).
 */
export function formatCell(v: Cell, digits = 3, zeroBelow = 0): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? '–' : v > 0 ? '∞' : '-∞';
    if (Math.abs(v) <= zeroBelow) return '0';
    if (Number.isInteger(v)) return String(v);
    if (Math.abs(v) !== 0 && (Math.abs(v) < 10 ** -digits || Math.abs(v) >= 1e9)) return v.toExponential(Math.max(1, digits - 1));
    return v.toFixed(digits);
  }
  return String(v);
}

/** Relative size below which a column's value is floating-point noise (e.g. 1 − 0.9 − 0.1). */
export const ROUNDING_NOISE = 1e-9;

/**
 * The magnitude at or below which values of column `key` print as 0: ROUNDING_NOISE times the
 * column's largest |value|. A difference of nearly equal numbers (-7.63e-17 beside values near 1)
 * is zero up to rounding, not a measurement.
 */
export function zeroBelow(rows: readonly Row[], key: string): number {
  let max = 0;
  for (const r of rows) {
    const v = r[key];
    if (typeof v === 'number' && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  }
  return ROUNDING_NOISE * max;
}

function header(c: ColumnSpec): string {
  const label = c.label ?? c.key;
  return c.unit ? `${label} (${c.unit})` : label;
}

/** Row indices holding the best value of column `c`, or an empty set when it has no `best`. */
function bestRows(rows: readonly Row[], c: ColumnSpec): Set<number> {
  const out = new Set<number>();
  if (!c.best) return out;
  let best: number | undefined;
  rows.forEach((r) => {
    const v = r[c.key];
    if (typeof v === 'number' && Number.isFinite(v) && (best === undefined || (c.best === 'max' ? v > best : v < best))) best = v;
  });
  rows.forEach((r, i) => {
    if (best !== undefined && r[c.key] === best) out.add(i);
  });
  return out;
}

/** Escapes `& < > " '` for HTML text and attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Above this many columns a table is set compactly (smaller type, tighter cells). */
const COMPACT_COLUMNS = 8;

/**
 * An HTML `<table>` of `rows` (self-contained inline styles, so it looks the same in JupyterLab,
 * GitHub and exported HTML): numbers right-aligned with fixed decimals, best values in bold. To fit
 * a notebook panel, headers wrap (numeric ones within 7em), wide tables are set compactly, and the
 * table scrolls sideways inside its own box rather than widening the page.
 */
export function htmlTable(rows: readonly Row[], opts: TableOptions = {}): string {
  const cols = tableColumns(rows, opts.columns);
  const digits = opts.digits ?? 3;
  const best = cols.map((c) => bestRows(rows, c));
  const zero = cols.map((c) => zeroBelow(rows, c.key));
  const numeric = cols.map((c) => rows.length > 0 && rows.every((r) => r[c.key] === null || r[c.key] === undefined || typeof r[c.key] === 'number'));
  const compact = cols.length > COMPACT_COLUMNS;
  const cellStyle = `padding:${compact ? '2px 6px' : '3px 10px'};border-bottom:1px solid #ddd;`;
  const parts: string[] = [
    '<div class="freshcache-table-box" style="max-width:100%;overflow-x:auto;">',
    `<table class="freshcache-table" style="border-collapse:collapse;font-size:${compact ? 12 : 13}px;margin:4px 0;">`,
  ];
  if (opts.caption) parts.push(`<caption style="caption-side:top;text-align:left;font-weight:bold;padding:4px 0;">${escapeHtml(opts.caption)}</caption>`);
  parts.push('<thead><tr>');
  cols.forEach((c, j) =>
    parts.push(`<th style="${cellStyle}border-bottom:2px solid #888;vertical-align:bottom;white-space:normal;${numeric[j] ? 'max-width:7em;' : ''}text-align:${numeric[j] ? 'right' : 'left'};">${escapeHtml(header(c))}</th>`),
  );
  parts.push('</tr></thead><tbody>');
  rows.forEach((r, i) => {
    parts.push('<tr>');
    cols.forEach((c, j) => {
      const text = escapeHtml(formatCell(r[c.key], c.digits ?? digits, zero[j]));
      const body = best[j].has(i) ? `<b>${text}</b>` : text;
      parts.push(`<td style="${cellStyle}text-align:${numeric[j] ? 'right' : 'left'};white-space:nowrap;font-variant-numeric:tabular-nums;">${body}</td>`);
    });
    parts.push('</tr>');
  });
  parts.push('</tbody></table></div>');
  return parts.join('');
}

/** A fixed-width text table of `rows` for terminals and logs (best values marked with `*`). */
export function textTable(rows: readonly Row[], opts: TableOptions = {}): string {
  const cols = tableColumns(rows, opts.columns);
  const digits = opts.digits ?? 3;
  const best = cols.map((c) => bestRows(rows, c));
  const zero = cols.map((c) => zeroBelow(rows, c.key));
  const cells = rows.map((r, i) => cols.map((c, j) => formatCell(r[c.key], c.digits ?? digits, zero[j]) + (best[j].has(i) ? '*' : '')));
  const heads = cols.map(header);
  const numeric = cols.map((c) => rows.length > 0 && rows.every((r) => r[c.key] === null || r[c.key] === undefined || typeof r[c.key] === 'number'));
  const widths = heads.map((h, j) => Math.max(h.length, ...cells.map((row) => row[j].length)));
  const pad = (s: string, j: number) => (numeric[j] ? s.padStart(widths[j]) : s.padEnd(widths[j]));
  const lines = [heads.map(pad).join('  '), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map((row) => row.map(pad).join('  '))];
  if (opts.caption) lines.unshift(opts.caption);
  return lines.map((l) => l.replace(/\s+$/, '')).join('\n');
}

/** Cells already formatted as aligned text columns: the first `left` columns padded on the right, the others on the left. */
export function alignedColumns(header: readonly string[], rows: readonly (readonly string[])[], left: number): string {
  const w = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: readonly string[]) => r.map((x, c) => (c < left ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** The parts of a danfojs DataFrame that rowsFromDataFrame reads. */
export interface DataFrameLike {
  columns: string[];
  values: unknown[][] | unknown[];
}

/** Whether `v` looks like a danfojs DataFrame (has `columns` and `values` arrays). */
export function isDataFrameLike(v: unknown): v is DataFrameLike {
  const d = v as DataFrameLike;
  return typeof v === 'object' && v !== null && Array.isArray(d.columns) && Array.isArray(d.values);
}

/** Plain rows from a danfojs DataFrame (`new dfd.DataFrame(rows)` round-trips). */
export function rowsFromDataFrame(df: DataFrameLike): Row[] {
  const values = df.values as unknown[];
  return values.map((vals) => {
    const row: Row = {};
    const arr = Array.isArray(vals) ? vals : [vals];
    df.columns.forEach((c, j) => {
      const v = arr[j];
      row[c] = v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : String(v);
    });
    return row;
  });
}
