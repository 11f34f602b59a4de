/**
 * `freshcache data check <dir>`: validates a dataset folder in the canonical (BEIR) layout without
 * converting it, and says what is in it. Unlike the readers, which stop at the first bad line, it
 * reports every problem, each as `file:line: what was expected, what was found` (the readers' own
 * messages: one validation, two ways of running it), then a summary: documents, queries per split,
 * judged documents per query and the grade histogram, empty texts, and, given an encoder, text
 * lengths in its tokens against its limit (how many passages it will cut) and texts with no token it
 * knows.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError, throwIfAborted } from '../util/errors';
import { readLines } from '../util/lines';
import type { ProgressFn } from '../util/progress';
import { CORPUS_WHAT, QUERIES_WHAT, QrelsLineParser, corpusRecord, parseJsonObjectLine, queryRecord } from './beir-read';
import { DATASET_FILES, IdIndex, readManifest, resolveDatasetPaths, type DatasetManifest } from './dataset';

/** What `data check` needs of an encoder: its token count of a text and its limit. */
export interface TokenCounter {
  /** How the user named it, for the summary. */
  name: string;
  maxTokens: number;
  countTokens(text: string): number;
}

export interface CheckDatasetOptions {
  /**
   * Builds the encoder whose tokens to count (called only when the corpus and queries files have no
   * problem, since the zero-shot encoder is built from them); undefined: no length statistics.
   */
  tokenCounter?: () => Promise<TokenCounter | undefined>;
  /** Problems listed per file (every one is counted). Default 50. */
  maxListedPerFile?: number;
  signal?: AbortSignal;
  progress?: ProgressFn;
}

/** Length statistics of texts in an encoder's tokens. */
export interface TokenLengths {
  texts: number;
  meanTokens: number;
  maxTokensSeen: number;
  /** Texts longer than the encoder's limit (cut to it). */
  truncated: number;
  /** Non-empty texts of which the encoder knows no token (they embed as nothing). */
  noKnownToken: number;
}

export interface SplitSummary {
  file: string;
  rows: number;
  queries: number;
  /** Judged documents per query. */
  judgedMin: number;
  judgedMean: number;
  judgedMax: number;
  /** Queries with no document of grade > 0 (nothing to train or score on). */
  queriesWithoutRelevant: number;
  /** grade → rows. */
  grades: Record<string, number>;
}

export interface DatasetCheck {
  dir: string;
  /** `file:line: ...` lines, at most maxListedPerFile per file. */
  problems: string[];
  /** file → number of problems (all of them). */
  problemCounts: Record<string, number>;
  documents: number;
  queries: number;
  /** Documents whose title and text are both blank; queries whose text is blank. */
  emptyDocuments: number;
  emptyQueries: number;
  splits: Record<string, SplitSummary>;
  /** Queries that no split judges. */
  queriesInNoSplit: number;
  manifest?: DatasetManifest;
  tokens?: { encoder: string; maxTokens: number; documents: TokenLengths; queries: TokenLengths };
  notes: string[];
}

/** Total number of problems found. */
export function problemTotal(c: DatasetCheck): number {
  return Object.values(c.problemCounts).reduce((a, b) => a + b, 0);
}

/** Where the summary's lists of problems go: counts every one, keeps the first few per file. */
class Problems {
  readonly list: string[] = [];
  readonly counts: Record<string, number> = {};

  constructor(private readonly perFile: number) {}

  add(file: string, e: unknown): void {
    if (!(e instanceof InputError)) throw e;
    const n = (this.counts[file] = (this.counts[file] ?? 0) + 1);
    if (n <= this.perFile) this.list.push(e.message);
    else if (n === this.perFile + 1) this.list.push(`${file}: more problems follow (counted, not listed)`);
  }

  has(file: string): boolean {
    return (this.counts[file] ?? 0) > 0;
  }
}

/** Every object line of a .jsonl file, parsed; a bad line is a problem and is skipped. */
async function* jsonlRecords(file: string, what: string, problems: Problems, signal?: AbortSignal): AsyncGenerator<{ obj: Record<string, unknown>; lineNo: number }> {
  let n = 0;
  for await (const { line, lineNo } of readLines(file)) {
    if (line.trim() === '') continue;
    if (++n % 10_000 === 0) throwIfAborted(signal, `checking ${file}`);
    try {
      yield { obj: parseJsonObjectLine(line, file, lineNo, what), lineNo };
    } catch (e) {
      problems.add(file, e);
    }
  }
  if (n === 0) problems.add(file, new InputError(`${file}: empty file (expected one JSON object per line: ${what})`));
}

/** Checks the dataset folder `dir` (see the module comment). Throws only when the folder or a required file is missing. */
export async function checkDataset(dir: string, opts: CheckDatasetOptions = {}): Promise<DatasetCheck> {
  const { signal } = opts;
  const paths = resolveDatasetPaths(dir);
  const problems = new Problems(opts.maxListedPerFile ?? 50);
  const notes: string[] = [];

  let manifest: DatasetManifest | undefined;
  if (paths.manifest) {
    try {
      manifest = readManifest(paths.manifest);
    } catch (e) {
      problems.add(paths.manifest, e);
    }
  }

  // corpus: ids (for the qrels check) and empty texts
  const corpusIds = new IdIndex();
  let documents = 0;
  let emptyDocuments = 0;
  for await (const { obj, lineNo } of jsonlRecords(paths.corpus, CORPUS_WHAT, problems, signal)) {
    try {
      const d = corpusRecord(obj, paths.corpus, lineNo);
      const prev = corpusIds.add(d.id, lineNo);
      if (prev !== undefined) throw new InputError(`${paths.corpus}:${lineNo}: expected a unique "_id", found ${JSON.stringify(d.id)} again (first at line ${prev})`);
      documents++;
      if (d.title.trim() === '' && d.text.trim() === '') emptyDocuments++;
    } catch (e) {
      problems.add(paths.corpus, e);
    }
  }
  opts.progress?.({ stage: 'check corpus', done: documents, total: documents, unit: 'passages' });

  const queryIds = new Map<string, number>();
  let emptyQueries = 0;
  for await (const { obj, lineNo } of jsonlRecords(paths.queries, QUERIES_WHAT, problems, signal)) {
    try {
      const q = queryRecord(obj, paths.queries, lineNo);
      const prev = queryIds.get(q.id);
      if (prev !== undefined) throw new InputError(`${paths.queries}:${lineNo}: expected a unique "_id", found ${JSON.stringify(q.id)} again (first at line ${prev})`);
      queryIds.set(q.id, lineNo);
      if (q.text.trim() === '') emptyQueries++;
    } catch (e) {
      problems.add(paths.queries, e);
    }
  }

  const splits: Record<string, SplitSummary> = {};
  const judged = new Set<string>();
  for (const [split, file] of Object.entries(paths.qrels)) {
    const parser = new QrelsLineParser(file);
    const perQuery = new Map<string, Map<string, number>>();
    const best = new Map<string, number>();
    const grades: Record<string, number> = {};
    for await (const { line, lineNo } of readLines(file)) {
      try {
        const r = parser.line(line, lineNo);
        if (!r) continue;
        if (!queryIds.has(r.queryId)) throw new InputError(`${file}:${lineNo}: expected a query-id of ${DATASET_FILES.queries}, found ${JSON.stringify(r.queryId)}`);
        if (!corpusIds.has(r.docId)) throw new InputError(`${file}:${lineNo}: expected a corpus-id of ${DATASET_FILES.corpus}, found ${JSON.stringify(r.docId)}`);
        let docs = perQuery.get(r.queryId);
        if (!docs) perQuery.set(r.queryId, (docs = new Map()));
        const prev = docs.get(r.docId);
        if (prev !== undefined) throw new InputError(`${file}:${lineNo}: expected each (query-id, corpus-id) pair once, found (${JSON.stringify(r.queryId)}, ${JSON.stringify(r.docId)}) again (first at line ${prev})`);
        docs.set(r.docId, lineNo);
        best.set(r.queryId, Math.max(best.get(r.queryId) ?? -Infinity, r.score));
        grades[String(r.score)] = (grades[String(r.score)] ?? 0) + 1;
        judged.add(r.queryId);
      } catch (e) {
        problems.add(file, e);
      }
    }
    try {
      parser.finish();
    } catch (e) {
      problems.add(file, e);
    }
    const sizes = [...perQuery.values()].map((m) => m.size);
    splits[split] = {
      file,
      rows: sizes.reduce((a, b) => a + b, 0),
      queries: perQuery.size,
      judgedMin: sizes.length ? Math.min(...sizes) : 0,
      judgedMean: sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : 0,
      judgedMax: sizes.length ? Math.max(...sizes) : 0,
      queriesWithoutRelevant: [...best.values()].filter((g) => g <= 0).length,
      grades,
    };
  }
  if (Object.keys(paths.qrels).length === 0) problems.add(path.join(dir, DATASET_FILES.qrelsDir), new InputError(`${path.join(dir, DATASET_FILES.qrelsDir)}: expected qrels/<split>.tsv files, found none`));

  if (manifest) {
    const m = manifest;
    const mfile = paths.manifest!;
    const mismatch = (what: string, have: number, says: number) => {
      if (have !== says) problems.add(mfile, new InputError(`${mfile}: expected ${what} ${says} as it says, found ${have} (truncated or replaced file?)`));
    };
    if (!problems.has(paths.corpus)) mismatch('counts.corpus', documents, m.counts.corpus);
    if (!problems.has(paths.queries)) mismatch('counts.queries', queryIds.size, m.counts.queries);
    for (const [split, sc] of Object.entries(m.counts.qrels)) {
      if (splits[split] && !problems.has(splits[split].file)) mismatch(`counts.qrels.${split}.rows`, splits[split].rows, sc.rows);
    }
  }

  const splitNames = Object.keys(paths.qrels);
  if (!splitNames.includes('dev')) {
    const alias = splitNames.find((s) => ['valid', 'validation', 'val'].includes(s));
    if (alias) notes.push(`training evaluates on a split named 'dev' by default; this dataset calls it '${alias}' (set the dev split to '${alias}')`);
  }

  const check: DatasetCheck = {
    dir, problems: problems.list, problemCounts: problems.counts, documents, queries: queryIds.size, emptyDocuments, emptyQueries, splits,
    queriesInNoSplit: [...queryIds.keys()].filter((q) => !judged.has(q)).length, ...(manifest ? { manifest } : {}), notes,
  };

  if (opts.tokenCounter && !problems.has(paths.corpus) && !problems.has(paths.queries) && fs.existsSync(paths.corpus)) {
    const counter = await opts.tokenCounter();
    if (counter) {
      const docs = lengthsOf(counter);
      const qs = lengthsOf(counter);
      for await (const { obj, lineNo } of jsonlRecords(paths.corpus, CORPUS_WHAT, problems, signal)) {
        const d = corpusRecord(obj, paths.corpus, lineNo);
        docs.add(d.title ? `${d.title}: ${d.text}` : d.text);
      }
      for await (const { obj, lineNo } of jsonlRecords(paths.queries, QUERIES_WHAT, problems, signal)) qs.add(queryRecord(obj, paths.queries, lineNo).text);
      check.tokens = { encoder: counter.name, maxTokens: counter.maxTokens, documents: docs.result(), queries: qs.result() };
    }
  }
  return check;
}

function lengthsOf(counter: TokenCounter) {
  let texts = 0;
  let sum = 0;
  let max = 0;
  let truncated = 0;
  let noKnownToken = 0;
  return {
    add(text: string): void {
      const n = counter.countTokens(text);
      texts++;
      sum += n;
      if (n > max) max = n;
      if (n > counter.maxTokens) truncated++;
      if (n === 0 && text.trim() !== '') noKnownToken++;
    },
    result: (): TokenLengths => ({ texts, meanTokens: texts ? sum / texts : 0, maxTokensSeen: max, truncated, noKnownToken }),
  };
}

const pct = (n: number, of: number) => (of > 0 ? `${((100 * n) / of).toFixed(1)}%` : '0%');

/** The summary as lines (problems are printed separately, before it). */
export function formatDatasetCheck(c: DatasetCheck): string[] {
  const out: string[] = [];
  const total = problemTotal(c);
  out.push(`${c.dir}: ${total === 0 ? 'no problems' : `${total} problem(s) in ${Object.keys(c.problemCounts).length} file(s)`}`);
  if (c.manifest) out.push(`  dataset.json: ${c.manifest.name}${c.manifest.source ? `; source: ${c.manifest.source}` : ''}`);
  out.push(`  documents: ${c.documents}${c.emptyDocuments ? ` (${c.emptyDocuments} with an empty title and text)` : ''}`);
  out.push(`  queries: ${c.queries}${c.emptyQueries ? ` (${c.emptyQueries} empty)` : ''}${c.queriesInNoSplit ? `; ${c.queriesInNoSplit} judged in no split` : ''}`);
  for (const [split, s] of Object.entries(c.splits)) {
    const grades = Object.entries(s.grades).sort((a, b) => Number(a[0]) - Number(b[0])).map(([g, n]) => `${g}: ${n}`).join(', ');
    out.push(
      `  split ${split}: ${s.queries} queries, ${s.rows} judgements; judged per query ${s.judgedMin}–${s.judgedMax} (mean ${s.judgedMean.toFixed(1)}); grades {${grades}}` +
        (s.queriesWithoutRelevant ? `; ${s.queriesWithoutRelevant} queries with no grade > 0 (not trained or scored on)` : ''),
    );
  }
  if (c.tokens) {
    const t = c.tokens;
    const line = (what: string, l: TokenLengths) =>
      `  ${what} in ${t.encoder} tokens: mean ${l.meanTokens.toFixed(1)}, longest ${l.maxTokensSeen}; ${l.truncated} (${pct(l.truncated, l.texts)}) longer than its ${t.maxTokens} and cut` +
      (l.noKnownToken ? `; ${l.noKnownToken} with no token it knows (embedded as nothing)` : '');
    out.push(line('documents', t.documents));
    out.push(line('queries', t.queries));
  }
  for (const n of c.notes) out.push(`  note: ${n}`);
  return out;
}
