/**
 * Fitting a corrector from two caches of the same corpus: a stale one (built by an earlier encoder,
 * g′) and a fresh one (the current encoder, g). Rows are paired by position after checking that
 * both caches hold the same ids in the same order.
 */
import * as path from 'path';
import { firstNonFinite, openCache } from '../cache/reader';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { writeJsonAtomic } from '../util/atomic';
import type { ProgressFn } from '../util/progress';
import { fitCorrector, FitCorrectorOptions, FitCorrectorReport } from './fit';

export interface CachePairs {
  stale: Float32Array;
  fresh: Float32Array;
  dim: number;
  /** Row indices read (all rows in order, or a sorted random sample). */
  rows: Int32Array;
  /** Rows in each cache. */
  totalRows: number;
  /** Row pairs dropped because either row held NaN or ±Infinity (only with skipNonFinite). */
  skippedNonFinite: number;
}

/**
 * Reads paired rows of two caches (same dim, rows and ids, checked). `maxRows` reads a seeded random
 * sample of that many rows instead of all.
 */
export async function readCachePairs(staleDir: string, freshDir: string, opts: { maxRows?: number; seed?: number; skipNonFinite?: boolean } = {}): Promise<CachePairs> {
  const nonFinite = opts.skipNonFinite ? 'allow' : 'error';
  const a = await openCache(staleDir, { nonFinite });
  try {
    const b = await openCache(freshDir, { nonFinite });
    try {
      if (a.dim !== b.dim) throw new InputError(`${freshDir}: dim ${b.dim} differs from the stale cache's ${a.dim} (${staleDir})`);
      if (a.rows !== b.rows) throw new InputError(`${freshDir}: ${b.rows} rows, the stale cache ${staleDir} has ${a.rows}; both must embed the same corpus`);
      const idsA = a.ids;
      const idsB = b.ids;
      for (let i = 0; i < idsA.length; i++) {
        if (idsA[i] !== idsB[i]) throw new InputError(`${freshDir}: row ${i} has id '${idsB[i]}', the stale cache has '${idsA[i]}'; both must hold the same ids in the same order`);
      }
      const n = a.rows;
      const d = a.dim;
      let pairs: CachePairs;
      if (opts.maxRows === undefined || opts.maxRows >= n) {
        pairs = { stale: a.read(0, n), fresh: b.read(0, n), dim: d, rows: Int32Array.from({ length: n }, (_, i) => i), totalRows: n, skippedNonFinite: 0 };
      } else {
        if (!Number.isInteger(opts.maxRows) || opts.maxRows < 2) throw new InputError(`max rows: expected an integer ≥ 2, got ${opts.maxRows}`);
        const rows = Int32Array.from(new Rng(opts.seed ?? 0).sampleWithoutReplacement(n, opts.maxRows)).sort();
        const stale = new Float32Array(rows.length * d);
        const fresh = new Float32Array(rows.length * d);
        rows.forEach((r, i) => {
          a.readInto(r, r + 1, stale.subarray(i * d, (i + 1) * d));
          b.readInto(r, r + 1, fresh.subarray(i * d, (i + 1) * d));
        });
        pairs = { stale, fresh, dim: d, rows, totalRows: n, skippedNonFinite: 0 };
      }
      if (opts.skipNonFinite) pairs = dropNonFinitePairs(pairs);
      if (pairs.rows.length < 2) throw new InputError(`${staleDir}, ${freshDir}: ${pairs.rows.length} row pair(s) left after dropping ${pairs.skippedNonFinite} with non-finite values; a fit needs at least 2`);
      return pairs;
    } finally {
      b.close();
    }
  } finally {
    a.close();
  }
}

/** The pairs whose stale and fresh rows are both finite, with the count dropped. */
function dropNonFinitePairs(p: CachePairs): CachePairs {
  const d = p.dim;
  const keep: number[] = [];
  for (let i = 0; i < p.rows.length; i++) {
    if (firstNonFinite(p.stale.subarray(i * d, (i + 1) * d)) < 0 && firstNonFinite(p.fresh.subarray(i * d, (i + 1) * d)) < 0) keep.push(i);
  }
  if (keep.length === p.rows.length) return p;
  const stale = new Float32Array(keep.length * d);
  const fresh = new Float32Array(keep.length * d);
  keep.forEach((i, j) => {
    stale.set(p.stale.subarray(i * d, (i + 1) * d), j * d);
    fresh.set(p.fresh.subarray(i * d, (i + 1) * d), j * d);
  });
  return { ...p, stale, fresh, rows: Int32Array.from(keep, (i) => p.rows[i]), skippedNonFinite: p.rows.length - keep.length };
}

export interface FitCorrectorFromCachesOptions extends Omit<FitCorrectorOptions, 'stale' | 'fresh' | 'dim' | 'heldOut'> {
  staleDir: string;
  freshDir: string;
  /** Read at most this many rows (seeded sample); default all. */
  maxRows?: number;
  /** Drop row pairs holding NaN or ±Infinity (counted in the report) instead of refusing the caches. */
  skipNonFinite?: boolean;
  /** When given: save the corrector here (corrector.json + weights) and the report as fit-report.json. */
  outDir?: string;
  progress?: ProgressFn;
}

/** The report of fitCorrector without the corrector object, as written to fit-report.json. */
export type FitReportJson = Omit<FitCorrectorReport, 'corrector'> & { staleDir: string; freshDir: string; rowsRead: number; totalRows: number; skippedNonFinite: number };

/** Reads the pairs of two caches, fits a corrector (fitCorrector) and optionally saves it with its report. */
export async function fitCorrectorFromCaches(opts: FitCorrectorFromCachesOptions): Promise<{ report: FitCorrectorReport; json: FitReportJson }> {
  const { staleDir, freshDir, maxRows, skipNonFinite, outDir, ...fitOpts } = opts;
  const pairs = await readCachePairs(staleDir, freshDir, { maxRows, seed: opts.seed, skipNonFinite });
  const report = await fitCorrector({ ...fitOpts, stale: pairs.stale, fresh: pairs.fresh, dim: pairs.dim });
  const { corrector, ...rest } = report;
  const json: FitReportJson = { ...rest, staleDir, freshDir, rowsRead: pairs.rows.length, totalRows: pairs.totalRows, skippedNonFinite: pairs.skippedNonFinite };
  if (outDir) {
    try {
      await corrector.save(outDir);
      writeJsonAtomic(path.join(outDir, 'fit-report.json'), json);
    } catch (e) {
      corrector.dispose();
      throw e;
    }
  }
  return { report, json };
}
