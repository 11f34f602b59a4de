import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../util/errors';
import { hashString } from '../util/rng';
import { readTextFile } from '../util/lines';

/**
 * The canonical dataset layout (BEIR): a folder with `corpus.jsonl` (`_id`, `title`, `text`),
 * `queries.jsonl` (`_id`, `text`), `qrels/<split>.tsv` (header `query-id\tcorpus-id\tscore`),
 * optionally `answers.jsonl` (`_id`, `answers[]`) and our `dataset.json` manifest. Any of the
 * .jsonl files may instead be gzipped (`corpus.jsonl.gz`); readers take either.
 */
export const DATASET_FILES = {
  corpus: 'corpus.jsonl',
  queries: 'queries.jsonl',
  answers: 'answers.jsonl',
  qrelsDir: 'qrels',
  manifest: 'dataset.json',
} as const;

/** The qrels header line BEIR writes and our readers require. */
export const QRELS_HEADER = ['query-id', 'corpus-id', 'score'] as const;

/** Version of `dataset.json` this code writes; readers refuse any other. */
export const DATASET_FORMAT_VERSION = 1;

const WHITESPACE_NAMES: Record<string, string> = { ' ': 'a space', '\t': 'a tab', '\n': 'a line break', '\r': 'a line break' };

/**
 * Why `id` cannot be a query or passage id, or undefined when it can. Ids go into whitespace-
 * separated files (TREC run files and qrels; the BEIR qrels TSV), so they must be non-empty strings
 * without whitespace: one rule, checked when a dataset is read or written and when a run is written.
 */
export function idProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return `expected a string id, found ${id === null ? 'null' : typeof id}`;
  if (id === '') return 'the id is empty';
  const ws = /\s/.exec(id);
  if (ws) return `the id ${JSON.stringify(id.length > 60 ? id.slice(0, 60) + '…' : id)} contains ${WHITESPACE_NAMES[ws[0]] ?? `whitespace U+${ws[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`}; ids go into whitespace-separated run files and qrels, so they can hold none`;
  return undefined;
}

/** Value of the `format` field of `dataset.json`. */
export const DATASET_FORMAT_NAME = 'freshcache-dataset';

/** One passage of the corpus (BEIR: `_id`, `title`, `text`); `title` is '' when it has none. */
export interface CorpusDoc {
  id: string;
  title: string;
  text: string;
}

/** One query. */
export interface Query {
  id: string;
  text: string;
}

/** One qrels row: the relevance `score` of corpus document `docId` for query `queryId`. */
export interface QrelRow {
  queryId: string;
  docId: string;
  score: number;
}

/** Relevance judgements of one split: query id → (corpus id → score). */
export type Qrels = Map<string, Map<string, number>>;

/** Answer strings of one query (NQ-style answer matching). */
export interface AnswerRecord {
  id: string;
  answers: string[];
}

/** Per-split counts in the manifest. */
export interface SplitCounts {
  /** Distinct queries with at least one qrels row. */
  queries: number;
  /** Qrels rows. */
  rows: number;
}

/** `dataset.json`: who the dataset is and how big, written beside the BEIR files. */
export interface DatasetManifest {
  format: typeof DATASET_FORMAT_NAME;
  formatVersion: number;
  name: string;
  description?: string;
  /** Licence text or SPDX id of the data (not of this toolkit). */
  licence?: string;
  /** Where the data came from (URL, package, script). */
  source?: string;
  counts: {
    corpus: number;
    queries: number;
    answers?: number;
    qrels: Record<string, SplitCounts>;
  };
  /** Split names that have `qrels/<split>.tsv`, e.g. ['train', 'dev', 'test']. */
  splits: string[];
  /** Free-form extra facts (builder options, seeds). */
  extra?: Record<string, unknown>;
}

/** Paths of a dataset's files, resolved (`.gz` variants found); absent optional files are undefined. */
export interface DatasetPaths {
  dir: string;
  corpus: string;
  queries: string;
  answers?: string;
  manifest?: string;
  /** split name → qrels file */
  qrels: Record<string, string>;
}

/** `file` if it exists, else `file.gz` if that exists, else undefined. */
export function findPlainOrGz(file: string): string | undefined {
  if (fs.existsSync(file)) return file;
  if (fs.existsSync(file + '.gz')) return file + '.gz';
  return undefined;
}

/**
 * Finds the files of the dataset in `dir`. Throws an InputError naming the missing file when
 * the folder, corpus, queries or qrels folder is missing.
 */
export function resolveDatasetPaths(dir: string): DatasetPaths {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new InputError(`${dir}: dataset folder not found (expected a folder with ${DATASET_FILES.corpus}, ${DATASET_FILES.queries} and ${DATASET_FILES.qrelsDir}/<split>.tsv)`);
  }
  const need = (name: string): string => {
    const f = findPlainOrGz(path.join(dir, name));
    if (!f) throw new InputError(`${path.join(dir, name)}: file not found (every dataset needs ${DATASET_FILES.corpus}, ${DATASET_FILES.queries} and ${DATASET_FILES.qrelsDir}/<split>.tsv)`);
    return f;
  };
  const corpus = need(DATASET_FILES.corpus);
  const queries = need(DATASET_FILES.queries);
  const answers = findPlainOrGz(path.join(dir, DATASET_FILES.answers));
  const manifestFile = path.join(dir, DATASET_FILES.manifest);
  const qrelsDir = path.join(dir, DATASET_FILES.qrelsDir);
  if (!fs.existsSync(qrelsDir) || !fs.statSync(qrelsDir).isDirectory()) {
    throw new InputError(`${qrelsDir}: qrels folder not found (expected ${DATASET_FILES.qrelsDir}/<split>.tsv files, e.g. test.tsv)`);
  }
  const qrels: Record<string, string> = {};
  for (const f of fs.readdirSync(qrelsDir).sort()) {
    const m = /^(.+)\.tsv(\.gz)?$/.exec(f);
    if (m && !f.startsWith('.tmp-') && !(m[1] in qrels)) qrels[m[1]] = path.join(qrelsDir, f);
  }
  return { dir, corpus, queries, answers, manifest: fs.existsSync(manifestFile) ? manifestFile : undefined, qrels };
}

/** The qrels file of `split` in `paths`, or an InputError listing the splits there are. */
export function qrelsPathOf(paths: DatasetPaths, split: string): string {
  const f = paths.qrels[split];
  if (!f) {
    const have = Object.keys(paths.qrels);
    throw new InputError(
      `${path.join(paths.dir, DATASET_FILES.qrelsDir, split + '.tsv')}: file not found (split '${split}'; ` +
        (have.length ? `available splits: ${have.join(', ')})` : 'the qrels folder has no <split>.tsv files)'),
    );
  }
  return f;
}

/**
 * Checks a parsed `dataset.json` and returns it typed. Refuses an unknown `format` or
 * `formatVersion` with a message that says which versions this code reads.
 */
export function validateManifest(value: unknown, file: string = DATASET_FILES.manifest): DatasetManifest {
  const bad = (what: string) => new InputError(`${file}: ${what}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('expected a JSON object');
  const m = value as Record<string, unknown>;
  if (m.format !== DATASET_FORMAT_NAME) throw bad(`expected "format": "${DATASET_FORMAT_NAME}", found ${JSON.stringify(m.format)}`);
  if (m.formatVersion !== DATASET_FORMAT_VERSION) {
    throw bad(
      `format version ${JSON.stringify(m.formatVersion)} is not supported (this freshcache reads version ${DATASET_FORMAT_VERSION}); ` +
        `use a freshcache release that reads it, or rewrite the dataset with this one`,
    );
  }
  if (typeof m.name !== 'string' || m.name === '') throw bad('expected "name" to be a non-empty string');
  for (const k of ['description', 'licence', 'source'] as const) {
    if (m[k] !== undefined && typeof m[k] !== 'string') throw bad(`expected "${k}" to be a string`);
  }
  if (!Array.isArray(m.splits) || !m.splits.every((s) => typeof s === 'string')) throw bad('expected "splits" to be an array of strings');
  const c = m.counts as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) throw bad('expected "counts" to be an object');
  const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!isCount(c.corpus)) throw bad('expected "counts.corpus" to be a non-negative integer');
  if (!isCount(c.queries)) throw bad('expected "counts.queries" to be a non-negative integer');
  if (c.answers !== undefined && !isCount(c.answers)) throw bad('expected "counts.answers" to be a non-negative integer');
  const q = c.qrels as Record<string, unknown> | undefined;
  if (typeof q !== 'object' || q === null) throw bad('expected "counts.qrels" to be an object of split → {queries, rows}');
  for (const [split, sc] of Object.entries(q)) {
    const s = sc as Record<string, unknown> | null;
    if (typeof s !== 'object' || s === null || !isCount(s.queries) || !isCount(s.rows)) {
      throw bad(`expected "counts.qrels.${split}" to be {"queries": n, "rows": n}`);
    }
  }
  return m as unknown as DatasetManifest;
}

/** Reads and checks `dataset.json` (see validateManifest). */
export function readManifest(file: string): DatasetManifest {
  let text: string;
  try {
    text = readTextFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`${file}: file not found`);
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return validateManifest(value, file);
}

/** Number of Maps an IdIndex spreads over; V8 caps one Map at 2^24 entries, a DPR corpus has 21M. */
const ID_INDEX_SHARDS = 16;

/**
 * A map from string id to row index (0-based) that holds more than V8's 2^24-entry limit of a
 * single Map (a 21M-passage corpus), by spreading ids over several Maps by hash. Used to detect
 * duplicate ids and to turn corpus ids into cache row numbers.
 */
export class IdIndex {
  private shards: Map<string, number>[] = [];
  private count = 0;

  constructor() {
    for (let i = 0; i < ID_INDEX_SHARDS; i++) this.shards.push(new Map());
  }

  /** Builds the index of `ids` (row i ↦ ids[i]); throws on a duplicate id. */
  static fromIds(ids: readonly string[], where = 'ids'): IdIndex {
    const index = new IdIndex();
    for (let i = 0; i < ids.length; i++) {
      const prev = index.add(ids[i], i);
      if (prev !== undefined) throw new InputError(`${where}: duplicate id ${JSON.stringify(ids[i])} at rows ${prev} and ${i}`);
    }
    return index;
  }

  private shardOf(id: string): Map<string, number> {
    return this.shards[hashString(id) & (ID_INDEX_SHARDS - 1)];
  }

  /** Adds id → row unless the id is already there; returns the existing row in that case. */
  add(id: string, row: number): number | undefined {
    const shard = this.shardOf(id);
    const prev = shard.get(id);
    if (prev !== undefined) return prev;
    shard.set(id, row);
    this.count++;
    return undefined;
  }

  /** Row of `id`, or undefined. */
  get(id: string): number | undefined {
    return this.shardOf(id).get(id);
  }

  has(id: string): boolean {
    return this.shardOf(id).has(id);
  }

  get size(): number {
    return this.count;
  }
}

/** Number of distinct queries and of rows in `qrels`. */
export function countQrels(qrels: Qrels): SplitCounts {
  let rows = 0;
  for (const docs of qrels.values()) rows += docs.size;
  return { queries: qrels.size, rows };
}

/** Qrels as a flat list of rows (query order, then document order as inserted). */
export function qrelsToRows(qrels: Qrels): QrelRow[] {
  const rows: QrelRow[] = [];
  for (const [queryId, docs] of qrels) for (const [docId, score] of docs) rows.push({ queryId, docId, score });
  return rows;
}

/** Qrels map from rows (a later row for the same pair overwrites an earlier one). */
export function qrelsFromRows(rows: Iterable<QrelRow>): Qrels {
  const qrels: Qrels = new Map();
  for (const r of rows) {
    let docs = qrels.get(r.queryId);
    if (!docs) qrels.set(r.queryId, (docs = new Map()));
    docs.set(r.docId, r.score);
  }
  return qrels;
}
