/**
 * Streaming readers of the BEIR layout (corpus, queries, answers, qrels) and the in-memory loaders
 * built on them. Every malformed record is an InputError naming the file and line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError, inputErrorAt, throwIfAborted } from '../util/errors';
import { readLines } from '../util/lines';
import type { ProgressFn } from '../util/progress';
import { AnswerRecord, CorpusDoc, IdIndex, QrelRow, Qrels, Query, idProblem } from './dataset';
import { BEIR_QRELS_HEADER, detectQrelsFormat, type QrelsFileFormat } from './qrels-format';

/** Options shared by the streaming readers and writers. */
export interface StreamOptions {
  signal?: AbortSignal;
  progress?: ProgressFn;
  /** Total record count for the progress bar, when known (e.g. from dataset.json). */
  total?: number;
}

/** How often (records) streaming readers and writers check the signal and report progress. */
export const REPORT_EVERY = 10_000;
// ---------------------------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------------------------

function assertFileExists(file: string, what: string): void {
  if (!fs.existsSync(file)) throw new InputError(`${file}: file not found (expected the ${what})`);
  if (!fs.statSync(file).isFile()) throw new InputError(`${file}: not a file (expected the ${what})`);
}

/**
 * Streams the JSON objects of a .jsonl (or .jsonl.gz) file with their 1-based line numbers.
 * Blank lines are skipped. Throws an InputError for a missing file, a line that is not JSON or
 * not an object, and a file with no records.
 */
export async function* readJsonlObjects(
  file: string,
  what: string,
  opts: StreamOptions = {},
): AsyncGenerator<{ obj: Record<string, unknown>; lineNo: number }> {
  assertFileExists(file, what);
  let n = 0;
  for await (const { line, lineNo } of readLines(file)) {
    if (line.trim() === '') continue;
    const value = parseJsonObjectLine(line, file, lineNo, what);
    n++;
    if (n % REPORT_EVERY === 0) {
      throwIfAborted(opts.signal, `reading ${file}`);
      opts.progress?.({ stage: `read ${path.basename(file)}`, done: n, total: opts.total, unit: 'lines' });
    }
    yield { obj: value as Record<string, unknown>, lineNo };
  }
  if (n === 0) throw new InputError(`${file}: empty file (expected one JSON object per line: ${what})`);
  opts.progress?.({ stage: `read ${path.basename(file)}`, done: n, total: opts.total ?? n, unit: 'lines' });
}

/** One line of a .jsonl file as a JSON object; InputError (file:line) otherwise. */
export function parseJsonObjectLine(line: string, file: string, lineNo: number, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw inputErrorAt(file, lineNo, `not valid JSON (${(e as Error).message}); expected one JSON object per line (${what})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw inputErrorAt(file, lineNo, `expected a JSON object, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

export function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Checks an id read from `file:lineNo` (idProblem: a non-empty string without whitespace). */
function checkId(v: unknown, field: string, file: string, lineNo: number): string {
  if (v === undefined) throw inputErrorAt(file, lineNo, `missing "${field}" (expected a string id)`);
  if (typeof v !== 'string') throw inputErrorAt(file, lineNo, `expected "${field}" to be a string, found ${typeName(v)} ${JSON.stringify(v)}`);
  const why = idProblem(v);
  if (why) throw inputErrorAt(file, lineNo, `"${field}": ${why}`);
  return v;
}

function checkText(v: unknown, field: string, file: string, lineNo: number, optional: boolean): string {
  if (v === undefined || (optional && v === null)) {
    if (optional) return '';
    throw inputErrorAt(file, lineNo, `missing "${field}" (expected a string)`);
  }
  if (typeof v !== 'string') throw inputErrorAt(file, lineNo, `expected "${field}" to be a string, found ${typeName(v)}`);
  return v;
}

/** Options of the corpus and query readers. */
export interface ReadRecordsOptions extends StreamOptions {
  /**
   * Throw on a repeated `_id` (default true). Keeps every id in memory (an IdIndex:
   * about 110 bytes per short id, 1.8 GB for 17M); turn off only for a corpus already checked.
   */
  checkDuplicates?: boolean;
}

function duplicateChecker(file: string, enabled: boolean): (id: string, lineNo: number) => void {
  if (!enabled) return () => {};
  const seen = new IdIndex();
  return (id, lineNo) => {
    const prev = seen.add(id, lineNo);
    if (prev !== undefined) throw inputErrorAt(file, lineNo, `duplicate "_id" ${JSON.stringify(id)} (first at line ${prev}); ids must be unique`);
  };
}

export const CORPUS_WHAT = 'corpus: {"_id", "title", "text"}';
export const QUERIES_WHAT = 'queries: {"_id", "text"}';

/** A corpus record's fields, checked (InputError at file:line for a bad `_id`, `title` or `text`). */
export function corpusRecord(obj: Record<string, unknown>, file: string, lineNo: number): CorpusDoc {
  return { id: checkId(obj._id, '_id', file, lineNo), title: checkText(obj.title, 'title', file, lineNo, true), text: checkText(obj.text, 'text', file, lineNo, false) };
}

/** A query record's fields, checked (InputError at file:line for a bad `_id` or `text`). */
export function queryRecord(obj: Record<string, unknown>, file: string, lineNo: number): Query {
  return { id: checkId(obj._id, '_id', file, lineNo), text: checkText(obj.text, 'text', file, lineNo, false) };
}
const ANSWERS_WHAT = 'answers: {"_id", "answers": [strings]}';

/** Corpus records with their line numbers (see readCorpus). */
export async function* readCorpusLines(file: string, opts: ReadRecordsOptions = {}): AsyncGenerator<CorpusDoc & { lineNo: number }> {
  const dup = duplicateChecker(file, opts.checkDuplicates ?? true);
  for await (const { obj, lineNo } of readJsonlObjects(file, CORPUS_WHAT, opts)) {
    const { id, title, text } = corpusRecord(obj, file, lineNo);
    dup(id, lineNo);
    yield { id, title, text, lineNo };
  }
}

/**
 * Streams the passages of a BEIR `corpus.jsonl` (or .gz): `{"_id": string, "title"?: string,
 * "text": string}` per line; other fields are ignored; a null title reads as ''. Never holds the
 * file: memory is the duplicate check's id set only. InputError (file:line) on malformed lines, a
 * missing or non-string `_id`/`text`, a non-string `title`, duplicate ids and an empty file.
 */
export async function* readCorpus(file: string, opts: ReadRecordsOptions = {}): AsyncGenerator<CorpusDoc> {
  for await (const d of readCorpusLines(file, opts)) yield { id: d.id, title: d.title, text: d.text };
}

/** Query records with their line numbers (see readQueries). */
export async function* readQueriesLines(file: string, opts: ReadRecordsOptions = {}): AsyncGenerator<Query & { lineNo: number }> {
  const dup = duplicateChecker(file, opts.checkDuplicates ?? true);
  for await (const { obj, lineNo } of readJsonlObjects(file, QUERIES_WHAT, opts)) {
    const { id, text } = queryRecord(obj, file, lineNo);
    dup(id, lineNo);
    yield { id, text, lineNo };
  }
}

/**
 * Streams the queries of a BEIR `queries.jsonl` (or .gz): `{"_id": string, "text": string}` per
 * line; other fields (BEIR's `metadata`) are ignored. Same errors as readCorpus.
 */
export async function* readQueries(file: string, opts: ReadRecordsOptions = {}): AsyncGenerator<Query> {
  for await (const q of readQueriesLines(file, opts)) yield { id: q.id, text: q.text };
}

/** Answer records with their line numbers (see readAnswers). */
export async function* readAnswersLines(file: string, opts: ReadRecordsOptions = {}): AsyncGenerator<AnswerRecord & { lineNo: number }> {
  const dup = duplicateChecker(file, opts.checkDuplicates ?? true);
  for await (const { obj, lineNo } of readJsonlObjects(file, ANSWERS_WHAT, opts)) {
    const id = checkId(obj._id, '_id', file, lineNo);
    const a = obj.answers;
    if (a === undefined) throw inputErrorAt(file, lineNo, 'missing "answers" (expected an array of strings)');
    if (!Array.isArray(a) || !a.every((s) => typeof s === 'string')) {
      throw inputErrorAt(file, lineNo, `expected "answers" to be an array of strings, found ${typeName(a)}`);
    }
    dup(id, lineNo);
    yield { id, answers: a as string[], lineNo };
  }
}

/**
 * Streams `answers.jsonl` (or .gz): `{"_id": query id, "answers": string[]}` per line.
 * InputError on malformed lines, a missing `_id`, `answers` that is not an array of strings,
 * duplicate ids and an empty file.
 */
export async function* readAnswers(file: string, opts: ReadRecordsOptions = {}): AsyncGenerator<AnswerRecord> {
  for await (const a of readAnswersLines(file, opts)) yield { id: a.id, answers: a.answers };
}

/** A qrels row with the line it came from. */
export interface QrelRowAt extends QrelRow {
  lineNo: number;
}

/**
 * Parses a qrels file line by line under the one format rule of qrels-format.ts (BEIR with its
 * header, or headerless 4-field TREC qrels): `line` returns the row of a line, undefined for a
 * blank or header line, and throws an InputError (file:line) for a malformed one. Readers stop at
 * the first error; `data check` goes on to the next line.
 */
export class QrelsLineParser {
  private format: QrelsFileFormat | undefined;
  /** Rows parsed so far. */
  rows = 0;

  constructor(readonly file: string) {}

  /** The file's format, once its first line was seen. */
  get detected(): QrelsFileFormat | undefined {
    return this.format;
  }

  line(line: string, lineNo: number): QrelRowAt | undefined {
    if (line.trim() === '') return undefined;
    const file = this.file;
    if (this.format === undefined) {
      try {
        const d = detectQrelsFormat(line, file, lineNo);
        this.format = d.format;
        if (d.header) return undefined;
      } catch (e) {
        this.format = 'beir'; // go on reading rows as BEIR (data check reports every line)
        throw e;
      }
    }
    let queryId: string, docId: string, s: string;
    if (this.format === 'trec') {
      const cols = line.trim().split(/\s+/);
      if (cols.length !== 4) throw inputErrorAt(file, lineNo, `expected 4 whitespace-separated fields (TREC qrels: qid iter docid rel, as line 1), found ${cols.length}`);
      [queryId, , docId, s] = cols;
    } else {
      const cols = line.split('\t');
      if (cols.length !== 3) {
        throw inputErrorAt(file, lineNo, `expected 3 tab-separated columns (query-id, corpus-id, score), found ${cols.length}` + (cols.length === 1 ? ' (columns must be separated by tabs)' : ''));
      }
      [queryId, docId, s] = cols;
    }
    for (const [id, column] of [[queryId, 'query-id (column 1)'], [docId, `corpus-id (column ${this.format === 'trec' ? 3 : 2})`]]) {
      const why = idProblem(id);
      if (why) throw inputErrorAt(file, lineNo, `${column}: ${why}`);
    }
    const score = s.trim() === '' ? NaN : Number(s);
    if (!Number.isFinite(score)) throw inputErrorAt(file, lineNo, `expected a number as the score (${this.format === 'trec' ? 'column 4' : 'column 3'}), found ${JSON.stringify(s)}`);
    this.rows++;
    return { queryId, docId, score, lineNo };
  }

  /** Throws for a file with no rows (after the lines were fed). */
  finish(): void {
    if (this.format === undefined) throw new InputError(`${this.file}: empty file (expected the header ${JSON.stringify(BEIR_QRELS_HEADER.join('\t'))} and then rows, or TREC qrels rows)`);
    if (this.rows === 0) throw new InputError(`${this.file}: no rows after the header (expected query-id<TAB>corpus-id<TAB>score rows)`);
  }
}

/**
 * Streams the rows of a qrels file `qrels/<split>.tsv` (or .gz), each with its line number: BEIR (a header line
 * `query-id<TAB>corpus-id<TAB>score`, then `query-id<TAB>corpus-id<TAB>score` rows) or TREC qrels
 * (`qid iter docid rel`, no header), told apart by the first line (qrels-format.ts). Scores are
 * finite numbers; blank lines are skipped. InputError (file:line) on a missing file, an empty file,
 * a first line that is neither format, a file with a header but no rows, a row of the wrong width,
 * an empty id and a non-numeric score.
 */
export async function* readQrelsLines(file: string, opts: StreamOptions = {}): AsyncGenerator<QrelRowAt> {
  assertFileExists(file, 'qrels file (query-id<TAB>corpus-id<TAB>score)');
  const parser = new QrelsLineParser(file);
  for await (const { line, lineNo } of readLines(file)) {
    const row = parser.line(line, lineNo);
    if (!row) continue;
    if (parser.rows % REPORT_EVERY === 0) {
      throwIfAborted(opts.signal, `reading ${file}`);
      opts.progress?.({ stage: `read ${path.basename(file)}`, done: parser.rows, total: opts.total, unit: 'rows' });
    }
    yield row;
  }
  parser.finish();
}

/** Something that answers whether an id is known (a Set, an IdIndex, a Map). */
export interface IdLookup {
  has(id: string): boolean;
}

/** Options of loadQrels. */
export interface LoadQrelsOptions extends StreamOptions {
  /** When given, a row whose query id is not here is an error. */
  knownQueries?: IdLookup;
  /** When given, a row whose corpus id is not here is an error. */
  knownDocs?: IdLookup;
}

/** Qrels with, for each corpus id they name, the first line naming it (for later checks). */
export interface LoadedQrels {
  qrels: Qrels;
  rows: number;
  docFirstLine: Map<string, number>;
}

/**
 * Reads a whole qrels file into memory (query id → corpus id → score) with the errors of
 * readQrelsLines, plus: a repeated (query-id, corpus-id) pair, and ids missing from `knownQueries` /
 * `knownDocs` when those are given.
 */
export async function loadQrels(file: string, opts: LoadQrelsOptions = {}): Promise<LoadedQrels> {
  const qrels: Qrels = new Map();
  const docFirstLine = new Map<string, number>();
  const pairLine = new Map<string, Map<string, number>>();
  let rows = 0;
  for await (const r of readQrelsLines(file, opts)) {
    if (opts.knownQueries && !opts.knownQueries.has(r.queryId)) {
      throw inputErrorAt(file, r.lineNo, `query-id ${JSON.stringify(r.queryId)} is not in the queries file`);
    }
    if (opts.knownDocs && !opts.knownDocs.has(r.docId)) {
      throw inputErrorAt(file, r.lineNo, `corpus-id ${JSON.stringify(r.docId)} is not in the corpus`);
    }
    let docs = qrels.get(r.queryId);
    let lines = pairLine.get(r.queryId);
    if (!docs || !lines) {
      qrels.set(r.queryId, (docs = new Map()));
      pairLine.set(r.queryId, (lines = new Map()));
    }
    const prev = lines.get(r.docId);
    if (prev !== undefined) {
      throw inputErrorAt(file, r.lineNo, `repeated pair (${JSON.stringify(r.queryId)}, ${JSON.stringify(r.docId)}) (first at line ${prev}); each pair must appear once`);
    }
    lines.set(r.docId, r.lineNo);
    docs.set(r.docId, r.score);
    if (!docFirstLine.has(r.docId)) docFirstLine.set(r.docId, r.lineNo);
    rows++;
  }
  return { qrels, rows, docFirstLine };
}

/** All queries of a queries file in file order (duplicates rejected). */
export async function loadQueries(file: string, opts: StreamOptions = {}): Promise<Query[]> {
  const out: Query[] = [];
  for await (const q of readQueries(file, opts)) out.push(q);
  return out;
}

/** All answers of an answers file: query id → answer strings. */
export async function loadAnswers(file: string, opts: StreamOptions = {}): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for await (const a of readAnswers(file, opts)) out.set(a.id, a.answers);
  return out;
}

/** The corpus ids in row order (row = record order in the file) and the id → row index. */
export interface CorpusIds {
  ids: string[];
  /** id → row. */
  index: IdIndex;
}

/**
 * A corpus held in memory as parallel arrays (row i: ids[i], titles[i], texts[i]) plus the
 * id → row index: what training and the cache builder use to turn corpus ids into rows.
 */
export interface CorpusArrays extends CorpusIds {
  titles: string[];
  texts: string[];
}

/**
 * Loads a whole corpus file into arrays in file order (row = line order among records), with
 * the id → row index. For small and mid-size corpora; stream big ones with readCorpus.
 */
export async function loadCorpus(file: string, opts: StreamOptions = {}): Promise<CorpusArrays> {
  const ids: string[] = [];
  const titles: string[] = [];
  const texts: string[] = [];
  const index = new IdIndex();
  // duplicates are caught by the index itself, so the reader need not keep a second id set
  for await (const d of readCorpusLines(file, { ...opts, checkDuplicates: false })) {
    const prev = index.add(d.id, ids.length);
    if (prev !== undefined) throw inputErrorAt(file, d.lineNo, `duplicate "_id" ${JSON.stringify(d.id)} (same as row ${prev}); ids must be unique`);
    ids.push(d.id);
    titles.push(d.title);
    texts.push(d.text);
  }
  return { ids, titles, texts, index };
}

/**
 * Loads only the corpus ids (row order) and the id → row index, streaming past the texts: the
 * mapping training needs on a corpus too big to hold as text. Duplicate ids are errors.
 */
export async function loadCorpusIds(file: string, opts: StreamOptions = {}): Promise<CorpusIds> {
  const ids: string[] = [];
  const index = new IdIndex();
  for await (const d of readCorpusLines(file, { ...opts, checkDuplicates: false })) {
    const prev = index.add(d.id, ids.length);
    if (prev !== undefined) throw inputErrorAt(file, d.lineNo, `duplicate "_id" ${JSON.stringify(d.id)} (same as row ${prev}); ids must be unique`);
    ids.push(d.id);
  }
  return { ids, index };
}

/**
 * Rows of the relevant documents of each query: query id → corpus rows with score ≥ `minScore`
 * (default 1), in qrels order. Ids the index lacks are skipped (loadDataset has already checked).
 */
export function relevantRows(qrels: Qrels, index: { get(id: string): number | undefined }, minScore = 1): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [q, docs] of qrels) {
    const rows: number[] = [];
    for (const [d, s] of docs) {
      if (s < minScore) continue;
      const r = index.get(d);
      if (r !== undefined) rows.push(r);
    }
    out.set(q, rows);
  }
  return out;
}

