import * as fs from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { AtomicWriter, writeJsonAtomic } from '../util/atomic';
import { InputError, inputErrorAt, throwIfAborted } from '../util/errors';
import { readLines } from '../util/lines';
import type { ProgressFn } from '../util/progress';
import {
  AnswerRecord,
  CorpusDoc,
  DATASET_FILES,
  DATASET_FORMAT_NAME,
  DATASET_FORMAT_VERSION,
  DatasetManifest,
  DatasetPaths,
  IdIndex,
  QRELS_HEADER,
  QrelRow,
  Qrels,
  Query,
  SplitCounts,
  countQrels,
  qrelsPathOf,
  readManifest,
  resolveDatasetPaths,
  validateManifest,
} from './dataset';

/** Options shared by the streaming readers and writers. */
export interface StreamOptions {
  signal?: AbortSignal;
  progress?: ProgressFn;
  /** Total record count for the progress bar, when known (e.g. from dataset.json). */
  total?: number;
}

/** How often (records) streaming readers and writers check the signal and report progress. */
const REPORT_EVERY = 10_000;
/** Bytes writers buffer before one write call. */
const WRITE_CHUNK = 1 << 20;

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
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw inputErrorAt(file, lineNo, `not valid JSON (${(e as Error).message}); expected one JSON object per line (${what})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw inputErrorAt(file, lineNo, `expected a JSON object, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
    }
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

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Checks an id read from `file:lineNo` (non-empty string, no tab or line break). */
function checkId(v: unknown, field: string, file: string, lineNo: number): string {
  if (v === undefined) throw inputErrorAt(file, lineNo, `missing "${field}" (expected a string id)`);
  if (typeof v !== 'string') throw inputErrorAt(file, lineNo, `expected "${field}" to be a string, found ${typeName(v)} ${JSON.stringify(v)}`);
  if (v === '') throw inputErrorAt(file, lineNo, `"${field}" is empty (expected a non-empty id)`);
  if (/[\t\r\n]/.test(v)) throw inputErrorAt(file, lineNo, `"${field}" ${JSON.stringify(v)} contains a tab or line break (ids go into TSV qrels and run files)`);
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

const CORPUS_WHAT = 'corpus: {"_id", "title", "text"}';
const QUERIES_WHAT = 'queries: {"_id", "text"}';
const ANSWERS_WHAT = 'answers: {"_id", "answers": [strings]}';

/** Corpus records with their line numbers (see readCorpus). */
export async function* readCorpusLines(file: string, opts: ReadRecordsOptions = {}): AsyncGenerator<CorpusDoc & { lineNo: number }> {
  const dup = duplicateChecker(file, opts.checkDuplicates ?? true);
  for await (const { obj, lineNo } of readJsonlObjects(file, CORPUS_WHAT, opts)) {
    const id = checkId(obj._id, '_id', file, lineNo);
    const title = checkText(obj.title, 'title', file, lineNo, true);
    const text = checkText(obj.text, 'text', file, lineNo, false);
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
    const id = checkId(obj._id, '_id', file, lineNo);
    const text = checkText(obj.text, 'text', file, lineNo, false);
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
 * Streams a BEIR qrels file `qrels/<split>.tsv` (or .gz): a header line
 * `query-id<TAB>corpus-id<TAB>score`, then one `query-id<TAB>corpus-id<TAB>score` row per line
 * (score a finite number). Blank lines are skipped. InputError (file:line) on a missing file,
 * an empty file, a missing or different header, a file with a header but no rows, a row with
 * other than 3 columns, an empty id and a non-numeric score.
 */
export async function* readQrels(file: string, opts: StreamOptions = {}): AsyncGenerator<QrelRowAt> {
  assertFileExists(file, 'qrels file (query-id<TAB>corpus-id<TAB>score)');
  const header = QRELS_HEADER.join('\t');
  let sawHeader = false;
  let n = 0;
  for await (const { line, lineNo } of readLines(file)) {
    if (line.trim() === '') continue;
    const cols = line.split('\t');
    if (!sawHeader) {
      if (cols.length === 3 && cols.every((c, i) => c.trim().toLowerCase() === QRELS_HEADER[i])) {
        sawHeader = true;
        continue;
      }
      throw inputErrorAt(file, lineNo, `missing header: expected the first line to be ${JSON.stringify(header)}, found ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (cols.length !== 3) {
      throw inputErrorAt(
        file,
        lineNo,
        `expected 3 tab-separated columns (query-id, corpus-id, score), found ${cols.length}` +
          (cols.length === 4 ? ' (TREC qrels have 4: drop the second, iteration, column)' : cols.length === 1 ? ' (columns must be separated by tabs)' : ''),
      );
    }
    const [queryId, docId, s] = cols;
    if (queryId === '') throw inputErrorAt(file, lineNo, 'empty query-id (column 1)');
    if (docId === '') throw inputErrorAt(file, lineNo, 'empty corpus-id (column 2)');
    const score = s.trim() === '' ? NaN : Number(s);
    if (!Number.isFinite(score)) throw inputErrorAt(file, lineNo, `score (column 3) ${JSON.stringify(s)} is not a number`);
    n++;
    if (n % REPORT_EVERY === 0) {
      throwIfAborted(opts.signal, `reading ${file}`);
      opts.progress?.({ stage: `read ${path.basename(file)}`, done: n, total: opts.total, unit: 'rows' });
    }
    yield { queryId, docId, score, lineNo };
  }
  if (!sawHeader) throw new InputError(`${file}: empty file (expected the header ${JSON.stringify(header)} and then rows)`);
  if (n === 0) throw new InputError(`${file}: no rows after the header (expected query-id<TAB>corpus-id<TAB>score rows)`);
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
 * readQrels, plus: a repeated (query-id, corpus-id) pair, and ids missing from `knownQueries` /
 * `knownDocs` when those are given.
 */
export async function loadQrels(file: string, opts: LoadQrelsOptions = {}): Promise<LoadedQrels> {
  const qrels: Qrels = new Map();
  const docFirstLine = new Map<string, number>();
  const pairLine = new Map<string, Map<string, number>>();
  let rows = 0;
  for await (const r of readQrels(file, opts)) {
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

// ---------------------------------------------------------------------------------------------
// loadDataset
// ---------------------------------------------------------------------------------------------

/** Options of loadDataset. */
export interface LoadDatasetOptions {
  /** Which qrels/<split>.tsv to use, e.g. 'train', 'dev', 'test'. */
  split: string;
  /**
   * Also load the corpus: true = arrays of ids, titles and texts with the id → row index
   * (`corpus` and `corpusIds`); 'ids' = only the ids and the index (`corpusIds`). Default false.
   */
  loadCorpus?: boolean | 'ids';
  /**
   * Check that every corpus id in the split's qrels is in the corpus (default true). Without
   * loadCorpus this streams the corpus once (checking every record), keeping only the qrels' ids and the duplicate check;
   * set false to skip that pass on a huge corpus.
   */
  checkCorpusIds?: boolean;
  /** Keep all queries, not only those with qrels rows in the split. Default false. */
  allQueries?: boolean;
  signal?: AbortSignal;
  progress?: ProgressFn;
}

/** A dataset opened for one split. */
export interface Dataset {
  dir: string;
  /** Manifest name, or the folder name when there is no dataset.json. */
  name: string;
  manifest?: DatasetManifest;
  paths: DatasetPaths;
  split: string;
  /** Queries of the split (those with qrels rows; with answers for an answers-only split), in queries-file order. */
  queries: Query[];
  /** The split's qrels: query id → corpus id → score (empty for an answers-only split). */
  qrels: Qrels;
  /**
   * True for a split with answers but no qrels (NQ test as DPR publishes it, listed in dataset.json
   * `extra.answerOnlySplits`): its queries are those with id `<split>-…` and an answer; evaluate it
   * with top-k answer accuracy.
   */
  answerOnly?: boolean;
  /** Answers of the split's queries when answers.jsonl exists. */
  answers?: Map<string, string[]>;
  /** The corpus in memory, when `loadCorpus` was true. */
  corpus?: CorpusArrays;
  /** Corpus ids in row order and id → row, when `loadCorpus` was true or 'ids' (same object as `corpus` when true). */
  corpusIds?: CorpusIds;
  /** Streams the corpus (file order = row order) each time it is called. */
  streamCorpus(opts?: ReadRecordsOptions): AsyncGenerator<CorpusDoc>;
}

/**
 * Opens a BEIR-layout dataset folder for one split: reads dataset.json if present (refusing an
 * unknown format version), the queries, the split's qrels and the answers, checks that qrels and
 * answers name known queries and (unless `checkCorpusIds: false`) known corpus ids, compares
 * counts with the manifest, and optionally loads the corpus into arrays. Every problem is an
 * InputError naming the file and line. A split listed in dataset.json `extra.answerOnlySplits` with
 * no qrels file (DPR's NQ test) opens with empty qrels, `answerOnly: true`, and as queries those
 * with id `<split>-…` that have answers (for top-k answer accuracy).
 */
export async function loadDataset(dir: string, opts: LoadDatasetOptions): Promise<Dataset> {
  const { signal, progress } = opts;
  const paths = resolveDatasetPaths(dir);
  const manifest = paths.manifest ? readManifest(paths.manifest) : undefined;
  const answerOnly = isAnswerOnlySplit(paths, manifest, opts.split);
  const qrelsFile = answerOnly ? '' : qrelsPathOf(paths, opts.split);

  throwIfAborted(signal, 'loading dataset');
  const allQueries = await loadQueries(paths.queries, { signal, progress, total: manifest?.counts.queries });
  if (manifest && manifest.counts.queries !== allQueries.length) {
    throw new InputError(`${paths.queries}: has ${allQueries.length} queries but ${paths.manifest} says ${manifest.counts.queries} (truncated or replaced file?)`);
  }
  const queryIds = new Set(allQueries.map((q) => q.id));

  let corpus: CorpusArrays | undefined;
  let corpusIds: CorpusIds | undefined;
  const corpusOpts = { signal, progress, total: manifest?.counts.corpus };
  if (opts.loadCorpus === true) corpusIds = corpus = await loadCorpus(paths.corpus, corpusOpts);
  else if (opts.loadCorpus === 'ids') corpusIds = await loadCorpusIds(paths.corpus, corpusOpts);
  else if (opts.loadCorpus !== undefined && opts.loadCorpus !== false) {
    throw new InputError(`loadDataset: loadCorpus must be true, false or 'ids', got ${JSON.stringify(opts.loadCorpus)}`);
  }
  if (corpusIds) checkCorpusCount(paths, manifest, corpusIds.ids.length);

  const checkDocs = !answerOnly && (opts.checkCorpusIds ?? true);
  const loaded: LoadedQrels = answerOnly
    ? { qrels: new Map(), rows: 0, docFirstLine: new Map() }
    : await loadQrels(qrelsFile, { signal, progress, knownQueries: queryIds, knownDocs: checkDocs ? corpusIds?.index : undefined });
  const expected = answerOnly ? undefined : manifest?.counts.qrels[opts.split];
  if (expected && expected.rows !== loaded.rows) {
    throw new InputError(`${qrelsFile}: has ${loaded.rows} rows but ${paths.manifest} says ${expected.rows} (truncated or replaced file?)`);
  }

  if (checkDocs && !corpusIds) {
    // one streaming pass: tick off the (few) corpus ids the qrels name
    const missing = new Set(loaded.docFirstLine.keys());
    let n = 0;
    for await (const d of readCorpus(paths.corpus, { signal, progress, total: manifest?.counts.corpus })) {
      missing.delete(d.id);
      n++;
    }
    checkCorpusCount(paths, manifest, n);
    if (missing.size > 0) {
      const first = [...missing].sort((a, b) => loaded.docFirstLine.get(a)! - loaded.docFirstLine.get(b)!)[0];
      throw inputErrorAt(qrelsFile, loaded.docFirstLine.get(first)!, `corpus-id ${JSON.stringify(first)} is not in the corpus (${missing.size} such ids in this file)`);
    }
  }

  let answers: Map<string, string[]> | undefined;
  if (paths.answers) {
    answers = new Map();
    const inSplit = (id: string) => (answerOnly ? id.startsWith(`${opts.split}-`) : loaded.qrels.has(id));
    for await (const a of readAnswersLines(paths.answers, { signal })) {
      if (!queryIds.has(a.id)) throw inputErrorAt(paths.answers, a.lineNo, `"_id" ${JSON.stringify(a.id)} is not in the queries file`);
      if (opts.allQueries || inSplit(a.id)) answers.set(a.id, a.answers);
    }
  }
  const queries = opts.allQueries ? allQueries : allQueries.filter((q) => (answerOnly ? answers!.has(q.id) : loaded.qrels.has(q.id)));

  return {
    dir,
    name: manifest?.name ?? path.basename(path.resolve(dir)),
    manifest,
    paths,
    split: opts.split,
    queries,
    qrels: loaded.qrels,
    ...(answerOnly ? { answerOnly: true } : {}),
    answers,
    corpus,
    corpusIds,
    streamCorpus: (o?: ReadRecordsOptions) => readCorpus(paths.corpus, { total: manifest?.counts.corpus, ...o }),
  };
}

/**
 * A split listed in dataset.json `extra.answerOnlySplits` that has no qrels file but an answers
 * file: DPR's NQ test split (queries `test-<row>` with answers, no positives published).
 */
function isAnswerOnlySplit(paths: DatasetPaths, manifest: DatasetManifest | undefined, split: string): boolean {
  const listed = manifest?.extra?.answerOnlySplits;
  return Array.isArray(listed) && listed.includes(split) && paths.qrels[split] === undefined && paths.answers !== undefined;
}

function checkCorpusCount(paths: DatasetPaths, manifest: DatasetManifest | undefined, n: number): void {
  if (manifest && manifest.counts.corpus !== n) {
    throw new InputError(`${paths.corpus}: has ${n} passages but ${paths.manifest} says ${manifest.counts.corpus} (truncated or replaced file?)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------

/**
 * Buffered line writer over AtomicWriter: nothing appears at `file` until `commit()`. A file
 * ending in `.gz` is written gzipped (one gzip member per buffered chunk; gunzip reads them as
 * one stream).
 */
class LineSink {
  private w: AtomicWriter;
  private buf: string[] = [];
  private bufBytes = 0;
  private gz: boolean;

  constructor(readonly file: string) {
    this.w = new AtomicWriter(file);
    this.gz = file.endsWith('.gz');
  }

  line(s: string): void {
    this.buf.push(s, '\n');
    this.bufBytes += s.length + 1;
    if (this.bufBytes >= WRITE_CHUNK) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('');
    this.buf = [];
    this.bufBytes = 0;
    this.w.write(this.gz ? gzipSync(Buffer.from(chunk, 'utf8')) : chunk);
  }

  commit(): void {
    this.flush();
    this.w.commit();
  }

  abort(): void {
    this.w.abort();
  }
}

async function writeLines<T>(
  file: string,
  records: Iterable<T> | AsyncIterable<T>,
  toLine: (r: T, i: number) => string,
  opts: StreamOptions & { header?: string; stage?: string },
): Promise<number> {
  const sink = new LineSink(file);
  let n = 0;
  try {
    if (opts.header !== undefined) sink.line(opts.header);
    for await (const r of records as AsyncIterable<T>) {
      sink.line(toLine(r, n));
      n++;
      if (n % REPORT_EVERY === 0) {
        throwIfAborted(opts.signal, `writing ${file}`);
        opts.progress?.({ stage: opts.stage ?? `write ${path.basename(file)}`, done: n, total: opts.total, unit: 'lines' });
      }
    }
    if (n === 0) throw new InputError(`${file}: nothing to write (readers refuse empty files)`);
    sink.commit();
  } catch (e) {
    sink.abort();
    throw e;
  }
  opts.progress?.({ stage: opts.stage ?? `write ${path.basename(file)}`, done: n, total: n, unit: 'lines' });
  return n;
}

function checkWriteId(id: unknown, what: string, i: number, file: string): string {
  if (typeof id !== 'string' || id === '' || /[\t\r\n]/.test(id)) {
    throw new InputError(`${file}: ${what} ${i} has id ${JSON.stringify(id)}; expected a non-empty string without tabs or line breaks`);
  }
  return id;
}

function checkWriteText(v: unknown, field: string, what: string, i: number, file: string): void {
  if (typeof v !== 'string') throw new InputError(`${file}: ${what} ${i} has ${field} of type ${typeName(v)}; expected a string`);
}

/** Options of the corpus / queries writers. */
export interface WriteRecordsOptions extends StreamOptions {
  /** Throw on a repeated id (default true; keeps the ids in memory). */
  checkDuplicates?: boolean;
  /** Called with every id written (e.g. to tick off qrels references while streaming). */
  onId?: (id: string) => void;
}

function writeDupChecker(file: string, what: string, enabled: boolean): (id: string, i: number) => void {
  if (!enabled) return () => {};
  const seen = new IdIndex();
  return (id, i) => {
    const prev = seen.add(id, i);
    if (prev !== undefined) throw new InputError(`${file}: duplicate id ${JSON.stringify(id)} (${what}s ${prev} and ${i})`);
  };
}

/**
 * Streams passages to a BEIR `corpus.jsonl` (`.gz` when the name ends so) atomically: the file
 * appears whole on success and not at all on error or abort. Returns the number written.
 */
export async function writeCorpus(file: string, docs: Iterable<CorpusDoc> | AsyncIterable<CorpusDoc>, opts: WriteRecordsOptions = {}): Promise<number> {
  const dup = writeDupChecker(file, 'passage', opts.checkDuplicates ?? true);
  return writeLines(file, docs, (d, i) => {
    const id = checkWriteId(d.id, 'passage', i, file);
    checkWriteText(d.title ?? '', 'title', 'passage', i, file);
    checkWriteText(d.text, 'text', 'passage', i, file);
    dup(id, i);
    opts.onId?.(id);
    return JSON.stringify({ _id: id, title: d.title ?? '', text: d.text });
  }, opts);
}

/** Writes a BEIR `queries.jsonl` atomically; returns the number written. */
export async function writeQueries(file: string, queries: Iterable<Query> | AsyncIterable<Query>, opts: WriteRecordsOptions = {}): Promise<number> {
  const dup = writeDupChecker(file, 'query', opts.checkDuplicates ?? true);
  return writeLines(file, queries, (q, i) => {
    const id = checkWriteId(q.id, 'query', i, file);
    checkWriteText(q.text, 'text', 'query', i, file);
    dup(id, i);
    opts.onId?.(id);
    return JSON.stringify({ _id: id, text: q.text });
  }, opts);
}

/** Writes `answers.jsonl` atomically; returns the number written. */
export async function writeAnswers(file: string, answers: Iterable<AnswerRecord> | AsyncIterable<AnswerRecord>, opts: WriteRecordsOptions = {}): Promise<number> {
  const dup = writeDupChecker(file, 'answer record', opts.checkDuplicates ?? true);
  return writeLines(file, answers, (a, i) => {
    const id = checkWriteId(a.id, 'answer record', i, file);
    if (!Array.isArray(a.answers) || !a.answers.every((s) => typeof s === 'string')) {
      throw new InputError(`${file}: answer record ${i} (${JSON.stringify(id)}) has answers that are not an array of strings`);
    }
    dup(id, i);
    return JSON.stringify({ _id: id, answers: a.answers });
  }, opts);
}

/**
 * Writes a BEIR qrels file (header `query-id<TAB>corpus-id<TAB>score`, then rows) atomically from
 * a Qrels map or rows; returns the number of rows.
 */
export async function writeQrels(file: string, qrels: Qrels | Iterable<QrelRow> | AsyncIterable<QrelRow>, opts: StreamOptions = {}): Promise<number> {
  const rows: Iterable<QrelRow> | AsyncIterable<QrelRow> = qrels instanceof Map ? qrelsRowsOf(qrels) : qrels;
  return writeLines(file, rows, (r, i) => {
    checkWriteId(r.queryId, 'qrels row', i, file);
    checkWriteId(r.docId, 'qrels row', i, file);
    if (typeof r.score !== 'number' || !Number.isFinite(r.score)) throw new InputError(`${file}: qrels row ${i} has score ${String(r.score)}; expected a finite number`);
    return `${r.queryId}\t${r.docId}\t${r.score}`;
  }, { ...opts, header: QRELS_HEADER.join('\t') });
}

function* qrelsRowsOf(qrels: Qrels): Generator<QrelRow> {
  for (const [queryId, docs] of qrels) for (const [docId, score] of docs) yield { queryId, docId, score };
}

/** Everything writeDataset needs. */
export interface DatasetInput {
  name: string;
  description?: string;
  licence?: string;
  source?: string;
  extra?: Record<string, unknown>;
  /** Streamed once, in row order. */
  corpus: Iterable<CorpusDoc> | AsyncIterable<CorpusDoc>;
  queries: Iterable<Query>;
  /** split name → qrels */
  qrels: Record<string, Qrels | QrelRow[]>;
  answers?: Iterable<AnswerRecord>;
  /** Write corpus.jsonl.gz instead of corpus.jsonl. */
  gzipCorpus?: boolean;
}

/** Options of writeDataset. */
export interface WriteDatasetOptions {
  signal?: AbortSignal;
  progress?: ProgressFn;
  /** Expected corpus size, for the progress bar. */
  corpusTotal?: number;
}

/**
 * Writes a whole dataset in the canonical layout into `dir`: corpus (streamed), queries, one
 * qrels file per split, answers, and last `dataset.json` with the counts (so a folder with a
 * manifest is complete). Checks before committing the corpus that qrels and answers name known
 * queries and corpus ids; on any error nothing new is committed except files already finished
 * (and the manifest is absent). Returns the manifest.
 */
export async function writeDataset(dir: string, input: DatasetInput, opts: WriteDatasetOptions = {}): Promise<DatasetManifest> {
  const { signal, progress } = opts;
  fs.mkdirSync(path.join(dir, DATASET_FILES.qrelsDir), { recursive: true });
  fs.rmSync(path.join(dir, DATASET_FILES.manifest), { force: true });

  const queries = [...input.queries];
  const queriesFile = path.join(dir, DATASET_FILES.queries);
  if (queries.length === 0) throw new InputError(`${queriesFile}: no queries given`);
  const queryIds = new Set<string>();
  queries.forEach((q, i) => {
    const id = checkWriteId(q.id, 'query', i, queriesFile);
    checkWriteText(q.text, 'text', 'query', i, queriesFile);
    if (queryIds.has(id)) throw new InputError(`${queriesFile}: duplicate query id ${JSON.stringify(id)} (query ${i})`);
    queryIds.add(id);
  });
  const splits = Object.keys(input.qrels).sort();
  if (splits.length === 0) throw new InputError(`${dir}: no qrels splits given (expected at least one of train/dev/test)`);
  const qrelsMaps: Record<string, Qrels> = {};
  const referenced = new Map<string, string>(); // corpus id → split that names it
  for (const split of splits) {
    if (!/^[A-Za-z0-9_.-]+$/.test(split)) throw new InputError(`${dir}: split name ${JSON.stringify(split)} must be letters, digits, '_', '-' or '.'`);
    const q = input.qrels[split];
    const m = q instanceof Map ? q : qrelsFromRowsChecked(q, split, dir);
    const qrelsFile = path.join(dir, DATASET_FILES.qrelsDir, `${split}.tsv`);
    let row = 0;
    for (const [qid, docs] of m) {
      if (!queryIds.has(qid)) throw new InputError(`${dir}: qrels split '${split}' names query ${JSON.stringify(qid)}, which is not among the queries`);
      for (const [d, score] of docs) {
        checkWriteId(d, 'qrels row', row, qrelsFile);
        if (typeof score !== 'number' || !Number.isFinite(score)) throw new InputError(`${qrelsFile}: qrels row ${row} has score ${String(score)}; expected a finite number`);
        if (!referenced.has(d)) referenced.set(d, split);
        row++;
      }
    }
    if (m.size === 0) throw new InputError(`${dir}: qrels split '${split}' is empty`);
    qrelsMaps[split] = m;
  }
  const answers = input.answers ? [...input.answers] : undefined;
  for (const a of answers ?? []) {
    if (!queryIds.has(a.id)) throw new InputError(`${dir}: answers name query ${JSON.stringify(a.id)}, which is not among the queries`);
  }

  // corpus: stream into a temp file, commit only once the qrels' corpus ids were all seen
  const corpusFile = path.join(dir, input.gzipCorpus ? DATASET_FILES.corpus + '.gz' : DATASET_FILES.corpus);
  const otherCorpus = path.join(dir, input.gzipCorpus ? DATASET_FILES.corpus : DATASET_FILES.corpus + '.gz');
  const missing = new Set(referenced.keys());
  const sink = new LineSink(corpusFile);
  const dup = writeDupChecker(corpusFile, 'passage', true);
  let corpusCount = 0;
  try {
    for await (const d of input.corpus as AsyncIterable<CorpusDoc>) {
      const id = checkWriteId(d.id, 'passage', corpusCount, corpusFile);
      checkWriteText(d.title ?? '', 'title', 'passage', corpusCount, corpusFile);
      checkWriteText(d.text, 'text', 'passage', corpusCount, corpusFile);
      dup(id, corpusCount);
      missing.delete(id);
      sink.line(JSON.stringify({ _id: id, title: d.title ?? '', text: d.text }));
      corpusCount++;
      if (corpusCount % REPORT_EVERY === 0) {
        throwIfAborted(signal, `writing ${corpusFile}`);
        progress?.({ stage: 'write corpus', done: corpusCount, total: opts.corpusTotal, unit: 'passages' });
      }
    }
    if (corpusCount === 0) throw new InputError(`${corpusFile}: the corpus is empty`);
    if (missing.size > 0) {
      const first = missing.values().next().value as string;
      throw new InputError(`${dir}: qrels split '${referenced.get(first)}' names corpus id ${JSON.stringify(first)}, which is not in the corpus (${missing.size} such ids)`);
    }
    sink.commit();
  } catch (e) {
    sink.abort();
    throw e;
  }
  progress?.({ stage: 'write corpus', done: corpusCount, total: corpusCount, unit: 'passages' });
  fs.rmSync(otherCorpus, { force: true });

  await writeQueries(queriesFile, queries, { signal });
  const qrelsCounts: Record<string, SplitCounts> = {};
  for (const split of splits) {
    await writeQrels(path.join(dir, DATASET_FILES.qrelsDir, `${split}.tsv`), qrelsMaps[split], { signal });
    qrelsCounts[split] = countQrels(qrelsMaps[split]);
  }
  const answersFile = path.join(dir, DATASET_FILES.answers);
  if (answers) await writeAnswers(answersFile, answers, { signal });
  else fs.rmSync(answersFile, { force: true });

  const manifest: DatasetManifest = {
    format: DATASET_FORMAT_NAME,
    formatVersion: DATASET_FORMAT_VERSION,
    name: input.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.licence !== undefined ? { licence: input.licence } : {}),
    ...(input.source !== undefined ? { source: input.source } : {}),
    counts: { corpus: corpusCount, queries: queries.length, ...(answers ? { answers: answers.length } : {}), qrels: qrelsCounts },
    splits,
    ...(input.extra !== undefined ? { extra: input.extra } : {}),
  };
  writeManifest(dir, manifest);
  return manifest;
}

function qrelsFromRowsChecked(rows: QrelRow[], split: string, dir: string): Qrels {
  const m: Qrels = new Map();
  for (const r of rows) {
    let docs = m.get(r.queryId);
    if (!docs) m.set(r.queryId, (docs = new Map()));
    if (docs.has(r.docId)) throw new InputError(`${dir}: qrels split '${split}' repeats the pair (${JSON.stringify(r.queryId)}, ${JSON.stringify(r.docId)})`);
    docs.set(r.docId, r.score);
  }
  return m;
}

/** Writes `dataset.json` into `dir` atomically (after checking it with validateManifest). */
export function writeManifest(dir: string, manifest: DatasetManifest): void {
  const file = path.join(dir, DATASET_FILES.manifest);
  validateManifest(manifest, file);
  writeJsonAtomic(file, manifest);
}
