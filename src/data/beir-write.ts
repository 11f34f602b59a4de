/** Atomic, streaming writers of the BEIR layout and writeDataset (a whole folder plus dataset.json). */
import * as fs from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { AtomicWriter, writeJsonAtomic } from '../util/atomic';
import { InputError, inputErrorAt, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import {
  AnswerRecord,
  CorpusDoc,
  DATASET_FILES,
  DATASET_FORMAT_NAME,
  DATASET_FORMAT_VERSION,
  DatasetManifest,
  IdIndex,
  idProblem,
  QRELS_HEADER,
  QrelRow,
  Qrels,
  Query,
  SplitCounts,
  countQrels,
  validateManifest,
} from './dataset';

import { type StreamOptions, REPORT_EVERY, typeName } from './beir-read';

/** Bytes writers buffer before one write call. */
const WRITE_CHUNK = 1 << 20;

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
  const why = idProblem(id);
  if (why) throw new InputError(`${file}: ${what} ${i}: ${why}`);
  return id as string;
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
  /**
   * Where each split's qrels were read from, when from a file: a corpus id missing from the corpus
   * is then reported at the source file and the first line that names it.
   */
  qrelsSources?: Record<string, { file: string; docFirstLine: ReadonlyMap<string, number> }>;
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
      const split = referenced.get(first)!;
      const source = input.qrelsSources?.[split];
      if (source) {
        // the earliest line of that file naming a missing id
        let at: [string, number] | undefined;
        for (const id of missing) {
          const line = source.docFirstLine.get(id);
          if (line !== undefined && (!at || line < at[1])) at = [id, line];
        }
        if (at) throw inputErrorAt(source.file, at[1], `corpus-id ${JSON.stringify(at[0])} is not in the corpus (${missing.size} such ids)`);
      }
      throw new InputError(`${dir}: qrels split '${split}' names corpus id ${JSON.stringify(first)}, which is not in the corpus (${missing.size} such ids)`);
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

