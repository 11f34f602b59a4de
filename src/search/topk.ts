/**
 * Pure-JS pieces shared by every search path: a running top-k per query with a fixed tie-break
 * (higher key first, then lower row index), and per-query exclusion sets.
 */
import { InputError } from '../util/errors';

/** Per-query row indices that must never be returned (e.g. the gold positives). */
export type ExcludeSets = ReadonlyArray<Iterable<number> | null | undefined>;

/** k best candidates per query, kept sorted by (key desc, row asc); NaN keys rank as -Infinity. */
export class RunningTopK {
  readonly keys: Float64Array;
  readonly rows: Int32Array;
  readonly scores: Float32Array;
  readonly counts: Int32Array;

  constructor(readonly nq: number, readonly k: number) {
    this.keys = new Float64Array(nq * k).fill(-Infinity);
    this.rows = new Int32Array(nq * k).fill(-1);
    this.scores = new Float32Array(nq * k).fill(-Infinity);
    this.counts = new Int32Array(nq);
  }

  /** Offers row `row` with ranking key `key` (and reported score `score`) to query `q`. */
  offer(q: number, key: number, row: number, score: number): void {
    if (key !== key) key = -Infinity;
    const k = this.k;
    const base = q * k;
    let n = this.counts[q];
    if (n === k) {
      const wk = this.keys[base + k - 1];
      if (key < wk || (key === wk && row > this.rows[base + k - 1])) return;
      n = k - 1; // the worst drops out
    }
    // insertion position: after every entry that ranks ahead of (key, row)
    let pos = n;
    while (pos > 0) {
      const pk = this.keys[base + pos - 1];
      if (pk > key || (pk === key && this.rows[base + pos - 1] < row)) break;
      pos--;
    }
    for (let j = n; j > pos; j--) {
      this.keys[base + j] = this.keys[base + j - 1];
      this.rows[base + j] = this.rows[base + j - 1];
      this.scores[base + j] = this.scores[base + j - 1];
    }
    this.keys[base + pos] = key;
    this.rows[base + pos] = row;
    this.scores[base + pos] = score;
    this.counts[q] = Math.min(k, this.counts[q] + 1);
  }
}

/** Exclusion sets in a form for fast block counting (sorted rows) and membership (Set). */
export class Exclusions {
  private readonly sorted: Int32Array[];
  private readonly sets: Set<number>[];

  constructor(exclude: ExcludeSets | undefined, readonly nq: number) {
    if (exclude !== undefined && exclude.length !== nq) {
      throw new InputError(`exclude: expected one set of row indices per query (${nq}), got ${exclude.length}`);
    }
    this.sets = [];
    this.sorted = [];
    for (let q = 0; q < nq; q++) {
      const s = new Set<number>();
      const given = exclude?.[q];
      if (given) {
        for (const r of given) {
          if (!Number.isInteger(r)) throw new InputError(`exclude[${q}]: expected integer row indices, got ${r}`);
          s.add(r);
        }
      }
      this.sets.push(s);
      this.sorted.push(Int32Array.from(s).sort());
    }
  }

  has(q: number, row: number): boolean {
    return this.sets[q].size > 0 && this.sets[q].has(row);
  }

  /** Number of excluded rows of query q in [start, end). */
  countIn(q: number, start: number, end: number): number {
    const a = this.sorted[q];
    return a.length === 0 ? 0 : lowerBound(a, end) - lowerBound(a, start);
  }

  /** The excluded rows of query q in [start, end), ascending. */
  rowsIn(q: number, start: number, end: number): Int32Array {
    const a = this.sorted[q];
    return a.length === 0 ? a : a.subarray(lowerBound(a, start), lowerBound(a, end));
  }

  /** max over queries of countIn(q, start, end). */
  maxIn(start: number, end: number): number {
    let m = 0;
    for (let q = 0; q < this.nq; q++) m = Math.max(m, this.countIn(q, start, end));
    return m;
  }

  size(q: number): number {
    return this.sets[q].size;
  }
}

function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
