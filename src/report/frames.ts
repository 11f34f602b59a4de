/**
 * Results as danfojs DataFrames, the way a Python researcher would use pandas: a frame from plain
 * records (one row per run), group statistics (mean, spread and count per group) and a pivot into a
 * table's layout (one row per method, one column per setting). Notebook tables show these frames
 * (`showTable` takes a DataFrame).
 *
 * danfojs-node is loaded on first use (it pulls in tfjs-node's addon and takes about a second), so
 * importing src/report costs nothing for code that never builds a frame.
 */
import type * as Danfo from 'danfojs-node';
import { InputError } from '../util/errors';
import { mean, sampleSd } from '../util/stats';

export type DataFrame = Danfo.DataFrame;

/** A cell of a record: numbers (NaN: missing), strings, or null (missing). */
export type FrameCell = number | string | null;

let danfo: typeof Danfo | undefined;

/** The danfojs-node module (loaded on first use). */
export function danfojs(): typeof Danfo {
  danfo ??= require('danfojs-node') as typeof Danfo;
  return danfo;
}

/** Non-finite numbers become null: danfojs and the tables treat null as missing; JSON has no NaN. */
function cleanCell(v: unknown): FrameCell {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return typeof v === 'string' ? v : null;
}

/**
 * A DataFrame of `records`, one row each; columns in the order given, else of the first record's
 * keys (a record lacking a column holds null there). An empty list gives an empty frame with those columns.
 */
export function recordsFrame(records: readonly Record<string, unknown>[], columns?: readonly string[]): DataFrame {
  const cols = columns ?? Object.keys(records[0] ?? {});
  const { DataFrame } = danfojs();
  if (records.length === 0) return new DataFrame([], { columns: [...cols] });
  return new DataFrame(records.map((r) => cols.map((c) => cleanCell(r[c]))), { columns: [...cols] });
}

/** The rows of a frame as plain records (column → cell). */
export function frameRecords(df: DataFrame): Record<string, FrameCell>[] {
  const cols = df.columns as string[];
  return (df.values as unknown[][]).map((row) => Object.fromEntries(cols.map((c, i) => [c, cleanCell(row[i])])));
}

/** The spread column of `value` in groupStats' output. */
export const sdColumn = (value: string): string => `${value} sd`;

/**
 * One row per distinct combination of the `by` columns (in first-seen order): those columns, `n`
 * (rows in the group), and for each of `values` its mean and its sample standard deviation (column
 * `<value> sd`; null for a group of one, where no spread was measured). Missing cells (null) are
 * left out of a value's mean and sd; a value missing in the whole group is null.
 * The groupby-mean-std of pandas, with the spread left empty where it is not a measurement.
 */
export function groupStats(df: DataFrame, by: readonly string[], values: readonly string[]): DataFrame {
  const cols = df.columns as string[];
  for (const c of [...by, ...values]) if (!cols.includes(c)) throw new InputError(`groupStats: no column '${c}' (have ${cols.join(', ')})`);
  const groups = new Map<string, Record<string, FrameCell>[]>();
  for (const r of frameRecords(df)) {
    const key = JSON.stringify(by.map((c) => r[c]));
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  const out = [...groups.values()].map((rows) => {
    const rec: Record<string, FrameCell> = Object.fromEntries(by.map((c) => [c, rows[0][c]]));
    rec.n = rows.length;
    for (const v of values) {
      const xs = rows.map((r) => r[v]).filter((x): x is number => typeof x === 'number');
      rec[v] = xs.length ? mean(xs) : null;
      rec[sdColumn(v)] = xs.length > 1 ? sampleSd(xs) : null;
    }
    return rec;
  });
  return recordsFrame(out, [...by, 'n', ...values.flatMap((v) => [v, sdColumn(v)])]);
}

export interface PivotOptions {
  /** The column whose values become the rows (e.g. the method). */
  index: string;
  /** The column whose values become column groups (e.g. the drift speed). */
  columns: string;
  /** The columns spread out under each group. */
  values: readonly string[];
  /** Header of one output column (default `<value> · <columns>=<group>`). */
  header?: (value: string, group: FrameCell) => string;
}

/**
 * The pivot of pandas: one row per distinct `index` value (first-seen order), and for each
 * distinct `columns` value (sorted; a column group, as a paper's table has one per setting) one
 * column per value; an empty combination holds null.
 * Two rows for one (index, group) pair are refused: aggregate first (groupStats).
 */
export function pivotFrame(df: DataFrame, o: PivotOptions): DataFrame {
  const records = frameRecords(df);
  const cols = df.columns as string[];
  for (const c of [o.index, o.columns, ...o.values]) if (!cols.includes(c)) throw new InputError(`pivotFrame: no column '${c}' (have ${cols.join(', ')})`);
  const header = o.header ?? ((v: string, g: FrameCell) => `${v} · ${o.columns}=${g}`);
  const groups = [...new Set(records.map((r) => r[o.columns]))].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  const rows = new Map<FrameCell, Record<string, FrameCell>>();
  for (const r of records) {
    const idx = r[o.index];
    if (!rows.has(idx)) rows.set(idx, { [o.index]: idx });
    const row = rows.get(idx)!;
    for (const v of o.values) {
      const h = header(v, r[o.columns]);
      if (h in row) throw new InputError(`pivotFrame: two rows for ${o.index}=${idx}, ${o.columns}=${r[o.columns]}; aggregate them first (groupStats)`);
      row[h] = r[v];
    }
  }
  const outCols = [o.index, ...groups.flatMap((g) => o.values.map((v) => header(v, g)))];
  return recordsFrame([...rows.values()], outCols);
}
