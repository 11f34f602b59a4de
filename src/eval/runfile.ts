/**
 * Run files, read as a stream and written atomically.
 *
 * - TREC: `qid Q0 docid rank score tag`, whitespace separated; fields after the 6th are ignored,
 *   blank lines and lines starting with '#' are skipped (as trec_eval's get_trec_results.c). The rank
 *   must be an integer and the score a finite number (trec_eval's atof would silently read junk as 0).
 * - MS MARCO: `qid<TAB>pid<TAB>rank` (ms_marco_eval.py's candidate format). It has no score: entries
 *   get score = -rank, so score order is rank order and every metric can use it.
 *
 * A document listed twice for one query is an error, as in trec_eval ("duplicate docs") and
 * ms_marco_eval.py ("Cannot rank a passage multiple times").
 */
import * as fs from 'fs';
import { AtomicWriter } from '../util/atomic';
import { InputError, inputErrorAt, throwIfAborted } from '../util/errors';
import { readLineChunks, readLines } from '../util/lines';
import type { ProgressFn } from '../util/progress';
import { parseIntStrict, parseScore, splitFields } from './fields';
import { sortTrec } from './ranking';
import type { Run, RunEntry } from './types';
import { idProblem } from '../data/dataset';

export type RunFormat = 'trec' | 'msmarco' | 'auto';

/** The lines of one query that are adjacent in the file, as parallel arrays (file order). */
export interface RunGroup {
  qid: string;
  docIds: string[];
  scores: number[];
  ranks: number[];
  /** 1-based line of the group's first line. */
  firstLine: number;
}

export interface ReadRunOptions {
  format?: RunFormat;
  signal?: AbortSignal;
  progress?: ProgressFn;
}

const REPORT_EVERY = 1 << 18;

/** Reads the first content line and says which format it is in. */
export async function detectRunFormat(file: string): Promise<'trec' | 'msmarco'> {
  const f: string[] = [];
  for await (const { line, lineNo } of readLines(file)) {
    const n = splitFields(line, f, 6);
    if (n === 0 || f[0].startsWith('#')) continue;
    if (n >= 6) return 'trec';
    if (n === 3) return 'msmarco';
    throw inputErrorAt(file, lineNo, `expected a TREC run line 'qid Q0 docid rank score tag' (6 fields) or an MS MARCO line 'qid<TAB>pid<TAB>rank' (3 fields), found ${n} field(s)`);
  }
  throw new InputError(`${file}: empty run file (expected TREC 'qid Q0 docid rank score tag' or MS MARCO 'qid<TAB>pid<TAB>rank' lines)`);
}

/**
 * Parses run lines into groups of adjacent lines with the same query id. Lines come in as byte
 * ranges of a buffer; the common shape (ASCII-digit rank, plain decimal score) is parsed straight
 * from the bytes, and anything else goes through the string parser, which gives the same values or
 * the InputError. Numbers agree exactly with `Number(text)`: a plain decimal with at most 15
 * significant digits and at most 22 decimals is mantissa / 10^decimals, one correctly rounded
 * division of two exact doubles (Clinger's fast path); everything else is handed to Number().
 */
class RunParser {
  readonly done: RunGroup[] = [];
  private cur: RunGroup | null = null;
  private curQidBytes: Buffer | null = null;
  private seen = new Set<string>();
  private lines = 0;
  private readonly f: string[] = [];
  private readonly want: number;

  constructor(private readonly file: string, private readonly trec: boolean, private readonly opts: ReadRunOptions) {
    this.want = trec ? 6 : 3;
  }

  /** One line, bytes [s, e) of buf (no newline). */
  bytes(buf: Buffer, s: number, e: number, lineNo: number): void {
    // field boundaries, at most `want` fields
    let i = s;
    let n = 0;
    let ascii = true;
    let q0 = 0, q1 = 0, d0 = 0, d1 = 0, r0 = 0, r1 = 0, c0 = 0, c1 = 0;
    while (i < e) {
      let c = buf[i];
      while (i < e && (c === 32 || c === 9 || c === 13)) c = buf[++i];
      if (i >= e) break;
      const a = i;
      while (i < e && c !== 32 && c !== 9 && c !== 13) {
        if (c > 127) ascii = false;
        c = buf[++i];
      }
      if (n === 0) { q0 = a; q1 = i; }
      if (this.trec) {
        if (n === 2) { d0 = a; d1 = i; } else if (n === 3) { r0 = a; r1 = i; } else if (n === 4) { c0 = a; c1 = i; }
      } else if (n === 1) { d0 = a; d1 = i; } else if (n === 2) { r0 = a; r1 = i; }
      n++;
      if (n === this.want && this.trec) break; // TREC: fields after the 6th are ignored
    }
    if (n === 0) return;
    if (!ascii || buf[q0] === 35 /* # */ || n !== this.want || (!this.trec && i < e && !restIsSpace(buf, i, e))) {
      this.text(buf.toString('utf8', s, e), lineNo);
      return;
    }
    const rank = parseIntBytes(buf, r0, r1);
    const score = this.trec ? parseDecimalBytes(buf, c0, c1) : -rank;
    if (Number.isNaN(rank) || Number.isNaN(score)) {
      this.text(buf.toString('utf8', s, e), lineNo);
      return;
    }
    let qid: string | undefined;
    const cq = this.curQidBytes;
    if (this.cur !== null && cq!.length === q1 - q0) {
      let k = 0;
      while (k < cq!.length && cq![k] === buf[q0 + k]) k++;
      if (k === cq!.length) qid = this.cur.qid;
    }
    if (qid === undefined) qid = buf.toString('latin1', q0, q1);
    this.add(qid, buf.toString('latin1', d0, d1), score, rank, lineNo);
  }

  /** One line as text (the general parser: every malformed-line error comes from here). */
  text(line: string, lineNo: number): void {
    const f = this.f;
    const trec = this.trec;
    const file = this.file;
    const n = splitFields(line, f, this.want);
    if (n === 0) return;
    if (trec) {
      if (f[0].charCodeAt(0) === 35 /* # */) return;
      if (n < 6) throw inputErrorAt(file, lineNo, `expected a TREC run line 'qid Q0 docid rank score tag' (6 fields), found ${n}`);
    } else if (n !== 3) {
      throw inputErrorAt(file, lineNo, `expected an MS MARCO run line 'qid<TAB>pid<TAB>rank' (3 fields), found ${n > 3 ? 'more than 3' : n}`);
    }
    const rankText = trec ? f[3] : f[2];
    const rank = parseIntStrict(rankText);
    if (Number.isNaN(rank)) throw inputErrorAt(file, lineNo, `expected an integer rank, found '${rankText}'`);
    let score: number;
    if (trec) {
      score = parseScore(f[4]);
      if (Number.isNaN(score)) throw inputErrorAt(file, lineNo, `expected a finite number as score, found '${f[4]}'`);
    } else score = -rank;
    this.add(f[0], trec ? f[2] : f[1], score, rank, lineNo);
  }

  private add(qid: string, docId: string, score: number, rank: number, lineNo: number): void {
    let cur = this.cur;
    if (cur === null || cur.qid !== qid) {
      if (cur) this.done.push(cur);
      cur = this.cur = { qid, docIds: [], scores: [], ranks: [], firstLine: lineNo };
      this.curQidBytes = Buffer.from(qid, 'utf8');
      this.seen = new Set();
    }
    if (this.seen.has(docId)) throw inputErrorAt(this.file, lineNo, `document '${docId}' is listed twice for query '${qid}'`);
    this.seen.add(docId);
    cur.docIds.push(docId);
    cur.scores.push(score);
    cur.ranks.push(rank);
    if (++this.lines % REPORT_EVERY === 0) {
      throwIfAborted(this.opts.signal, `reading ${this.file}`);
      this.opts.progress?.({ stage: 'read run', done: this.lines, unit: 'lines' });
    }
  }

  /** Ends the file: the last group, or an error when there was none. */
  finish(): void {
    if (this.cur) this.done.push(this.cur);
    else throw new InputError(`${this.file}: empty run file (no result lines)`);
    this.cur = null;
  }
}

function restIsSpace(buf: Buffer, i: number, e: number): boolean {
  for (; i < e; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** [+-]?digits from bytes; NaN for anything else (or more than 15 digits). */
function parseIntBytes(buf: Buffer, s: number, e: number): number {
  let neg = false;
  if (s < e && (buf[s] === 45 || buf[s] === 43)) neg = buf[s++] === 45;
  if (s >= e || e - s > 15) return NaN;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k); // exact doubles up to 1e22

/** A finite decimal from bytes, exactly as Number(text) would give it; NaN when not a finite number. */
function parseDecimalBytes(buf: Buffer, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && (buf[i] === 45 || buf[i] === 43)) neg = buf[i++] === 45;
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let seenDigit = false;
  let dot = false;
  for (; i < e; i++) {
    const c = buf[i];
    if (c === 46 && !dot) {
      dot = true;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) break;
    seenDigit = true;
    if (mant !== 0 || d !== 0) digits++;
    mant = mant * 10 + d;
    if (dot) frac++;
  }
  if (i === e && seenDigit && digits <= 15 && frac <= 22) {
    const v = mant / POW10[frac];
    return neg ? -v : v;
  }
  return parseScore(buf.toString('latin1', s, e)); // exponents, long mantissas, junk
}

/**
 * Streams a run file (gzip when it ends in .gz) as groups of adjacent lines with the same query id.
 * A query whose lines are not adjacent comes out as several groups (callers that need one group per
 * query use readRun). Duplicate documents inside a group are an InputError naming the line. Takes
 * the bytes in chunks of whole lines from util/lines.ts (strict UTF-8, byte-order mark skipped, the
 * same 1-based line numbers as readLines) and splits the lines itself, because per-line async
 * iteration costs more than the evaluation.
 */
export async function* readRunGroups(file: string, opts: ReadRunOptions = {}): AsyncGenerator<RunGroup> {
  if (!fs.existsSync(file)) throw new InputError(`${file}: run file not found`);
  const format = !opts.format || opts.format === 'auto' ? await detectRunFormat(file) : opts.format;
  const parser = new RunParser(file, format === 'trec', opts);
  for await (const { buf, lineNo: first } of readLineChunks(file)) {
    let lineNo = first;
    let pos = 0;
    while (pos < buf.length) {
      let nl = buf.indexOf(10, pos);
      if (nl < 0) nl = buf.length; // the file's last line, without a newline
      parser.bytes(buf, pos, nl, lineNo++);
      pos = nl + 1;
    }
    for (const g of parser.done) yield g;
    parser.done.length = 0;
  }
  parser.finish();
  for (const g of parser.done) yield g;
}

/**
 * Reads a whole run into memory: query id → entries in file order (a query's non-adjacent lines
 * are joined; a document repeated across them is an InputError).
 */
export async function readRun(file: string, opts: ReadRunOptions = {}): Promise<Run> {
  const run: Run = new Map();
  const docsOf = new Map<string, Set<string>>();
  for await (const g of readRunGroups(file, opts)) {
    let list = run.get(g.qid);
    if (!list) {
      run.set(g.qid, (list = []));
    } else {
      let ids = docsOf.get(g.qid);
      if (!ids) docsOf.set(g.qid, (ids = new Set(list.map((e) => e.docId))));
      for (const d of g.docIds) {
        if (ids.has(d)) throw new InputError(`${file}: document '${d}' is listed twice for query '${g.qid}' (second time in the lines from ${g.firstLine})`);
        ids.add(d);
      }
    }
    for (let i = 0; i < g.docIds.length; i++) list.push({ docId: g.docIds[i], score: g.scores[i], rank: g.ranks[i] });
  }
  return run;
}

export interface WriteRunOptions {
  format?: 'trec' | 'msmarco';
  /** TREC run tag (6th column); default 'freshcache'. */
  tag?: string;
  /** Keep at most this many documents per query (after sorting). */
  depth?: number;
}

/**
 * Writes a run atomically (temp file + rename). Each query's documents are written in trec_eval
 * order (score descending, ties by document id descending) with ranks 1..n, so the file's rank
 * column and its scores agree. Queries are written in the Map's order.
 */
export function writeRun(file: string, run: Run, opts: WriteRunOptions = {}): void {
  const format = opts.format ?? 'trec';
  const tag = opts.tag ?? 'freshcache';
  if (/\s/.test(tag) || tag === '') throw new InputError(`run tag '${tag}': expected a non-empty word without spaces`);
  const w = new AtomicWriter(file);
  try {
    let buf = '';
    for (const [qid, entries] of run) {
      checkId(qid, 'query id');
      const sorted = sortTrec(entries);
      const n = Math.min(sorted.length, opts.depth ?? Infinity);
      for (let i = 0; i < n; i++) {
        const e = sorted[i];
        checkId(e.docId, 'document id');
        if (!Number.isFinite(e.score)) throw new InputError(`${file}: cannot write score ${e.score} of query '${qid}' document '${e.docId}': run files hold finite scores only (the encoders produced non-finite embeddings?)`);
        buf += format === 'trec' ? `${qid} Q0 ${e.docId} ${i + 1} ${e.score} ${tag}\n` : `${qid}\t${e.docId}\t${i + 1}\n`;
        if (buf.length > 1 << 20) {
          w.write(buf);
          buf = '';
        }
      }
    }
    w.write(buf);
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}

function checkId(id: string, what: string): void {
  const why = idProblem(id);
  if (why) throw new InputError(`cannot write ${what} '${id}' to a run file: ${why}`);
}

/** A Run from parallel arrays of one query, for building runs in memory. */
export function runEntries(docIds: readonly string[], scores: ArrayLike<number>): RunEntry[] {
  return docIds.map((docId, i) => ({ docId, score: scores[i] }));
}
