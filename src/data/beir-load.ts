/** loadDataset: opens a BEIR-layout dataset folder for one split, with every cross-file check. */
import * as path from 'path';
import { InputError, inputErrorAt, throwIfAborted, warnOnStderr, type WarnFn } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import {
  CorpusDoc,
  DatasetManifest,
  DatasetPaths,
  Qrels,
  Query,
  qrelsPathOf,
  readManifest,
  resolveDatasetPaths,
} from './dataset';

import {
  type ReadRecordsOptions,
  type CorpusArrays,
  type CorpusIds,
  type LoadedQrels,
  loadQueries,
  loadCorpus,
  loadCorpusIds,
  loadQrels,
  readCorpus,
  readAnswersLines,
} from './beir-read';

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
  /**
   * The corpus ids, already loaded (e.g. for another split of the same dataset): qrels corpus ids
   * are checked against them, each unknown one reported at its file:line, without reading the
   * corpus again.
   */
  knownCorpus?: CorpusIds;
  /** Keep all queries, not only those with qrels rows in the split. Default false. */
  allQueries?: boolean;
  signal?: AbortSignal;
  progress?: ProgressFn;
  /** Gets one line per kind of odd but legal input (empty passages or queries); default stderr. */
  warn?: WarnFn;
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
    : await loadQrels(qrelsFile, { signal, progress, knownQueries: queryIds, knownDocs: checkDocs ? (corpusIds ?? opts.knownCorpus)?.index : undefined });
  const expected = answerOnly ? undefined : manifest?.counts.qrels[opts.split];
  if (expected && expected.rows !== loaded.rows) {
    throw new InputError(`${qrelsFile}: has ${loaded.rows} rows but ${paths.manifest} says ${expected.rows} (truncated or replaced file?)`);
  }

  if (checkDocs && !corpusIds && !opts.knownCorpus) {
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
  warnEmptyTexts(opts.warn ?? warnOnStderr, paths, opts.split, queries, corpus);

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

const isBlank = (s: string) => s.trim() === '';

/**
 * Empty texts are legal but carry nothing: an encoder maps them all to one vector (zero for a bag of
 * words), which no query can tell apart. Says how many there are, with examples.
 */
function warnEmptyTexts(warn: WarnFn, paths: DatasetPaths, split: string, queries: Query[], corpus: CorpusArrays | undefined): void {
  const examples = (ids: string[]) => `${ids.slice(0, 3).map((id) => JSON.stringify(id)).join(', ')}${ids.length > 3 ? ', …' : ''}`;
  const emptyQueries = queries.filter((q) => isBlank(q.text)).map((q) => q.id);
  if (emptyQueries.length > 0) warn(`${paths.queries}: ${emptyQueries.length} of the ${queries.length} queries of split '${split}' have empty text (${examples(emptyQueries)})`);
  if (!corpus) return;
  const emptyPassages = corpus.ids.filter((_, i) => isBlank(corpus.titles[i]) && isBlank(corpus.texts[i]));
  if (emptyPassages.length > 0) {
    warn(`${paths.corpus}: ${emptyPassages.length} of ${corpus.ids.length} passages have empty title and text (${examples(emptyPassages)}); they all embed to one vector`);
  }
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

