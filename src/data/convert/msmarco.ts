/**
 * MS MARCO passage ranking → the canonical layout.
 *
 * Inputs (from `collectionandqueries.tar.gz` and `qrels.train.tsv`), found in `from` or one folder
 * below: `collection.tsv` (`pid<TAB>passage`), `queries.<split>.tsv` (`qid<TAB>query`) and
 * `qrels.<split>.tsv` (TREC qrels `qid 0 pid rel`, tab- or space-separated) for each split, e.g.
 * `train`, `dev.small` (6,980 queries, 7,437 qrels: the MRR@10 set) or `dev`. Passages have no
 * title (''). Query and passage ids are kept as they are.
 */
import * as fs from 'fs';
import { InputError, inputErrorAt, throwIfAborted } from '../../util/errors';
import { readLines } from '../../util/lines';
import { writeDataset } from '../beir';
import type { CorpusDoc, Qrels, Query } from '../dataset';
import { CONVERT_REPORT_EVERY, ConvertCommonOptions, ConvertResult, requireSourceFile } from './common';

/** Passages of MS MARCO's collection.tsv. */
export const MSMARCO_PASSAGES = 8_841_823;

/** Options of convertMsmarco. */
export interface ConvertMsmarcoOptions extends ConvertCommonOptions {
  /** Splits (file infixes) to convert; default ['train', 'dev.small']. */
  splits?: string[];
  /** Keep queries without qrels rows too (default false: queries.train.tsv has 808k, 503k judged). */
  allQueries?: boolean;
  /** Dataset name in dataset.json (default 'msmarco-passage'). */
  name?: string;
}

/** `id<TAB>text` records of an MS MARCO TSV (collection or queries), checked. */
export async function* readIdTextTsv(file: string, what: string, signal?: AbortSignal): AsyncGenerator<{ id: string; text: string; lineNo: number }> {
  let n = 0;
  for await (const { line, lineNo } of readLines(file)) {
    if (line.trim() === '') continue;
    const tab = line.indexOf('\t');
    if (tab === -1) throw inputErrorAt(file, lineNo, `expected ${what} (id<TAB>text), found no tab`);
    const id = line.slice(0, tab).trim();
    if (id === '') throw inputErrorAt(file, lineNo, `empty id (column 1); expected ${what}`);
    if (++n % 65536 === 0) throwIfAborted(signal, `reading ${file}`);
    yield { id, text: line.slice(tab + 1), lineNo };
  }
  if (n === 0) throw new InputError(`${file}: empty file (expected ${what} lines)`);
}

/** Reads TREC-style MS MARCO qrels (`qid 0 pid rel`) into a Qrels map; repeated pairs keep the last grade. */
export async function readMsmarcoQrels(file: string, signal?: AbortSignal): Promise<{ qrels: Qrels; rows: number }> {
  const qrels: Qrels = new Map();
  let rows = 0;
  for await (const { line, lineNo } of readLines(file)) {
    if (line.trim() === '') continue;
    const cols = line.trim().split(/\s+/);
    if (cols.length !== 4) {
      throw inputErrorAt(file, lineNo, `expected 4 columns (qid 0 pid relevance), found ${cols.length}` + (cols.length === 3 ? ' (a BEIR qrels file? use convert beir)' : ''));
    }
    const [qid, , pid, rel] = cols;
    const score = Number(rel);
    if (!Number.isFinite(score)) throw inputErrorAt(file, lineNo, `relevance (column 4) ${JSON.stringify(rel)} is not a number`);
    let docs = qrels.get(qid);
    if (!docs) qrels.set(qid, (docs = new Map()));
    docs.set(pid, score);
    if (++rows % 65536 === 0) throwIfAborted(signal, `reading ${file}`);
  }
  if (rows === 0) throw new InputError(`${file}: empty file (expected qid 0 pid relevance rows)`);
  return { qrels, rows };
}

/**
 * Converts MS MARCO passage files in `from` to the canonical layout in `out`: corpus streamed from
 * collection.tsv, the chosen splits' queries and qrels (split names as in the file names, e.g.
 * 'dev.small'). InputError naming file:line for malformed lines, for a qrels query missing from the
 * split's queries file, for one query id with two texts, and for a qrels passage id missing from the
 * collection (checked before anything is committed).
 */
export async function convertMsmarco(opts: ConvertMsmarcoOptions): Promise<ConvertResult> {
  const { from, signal, progress } = opts;
  const splits = opts.splits ?? ['train', 'dev.small'];
  if (splits.length === 0) throw new InputError('splits: expected at least one MS MARCO split (e.g. train, dev.small)');
  const collection = requireSourceFile(from, ['collection.tsv', 'collection.tsv.gz'], 'MS MARCO collection.tsv');
  const notes: string[] = [];
  const queryText = new Map<string, string>();
  const queryWhere = new Map<string, string>();
  const queries: Query[] = [];
  const qrels: Record<string, Qrels> = {};
  for (const split of splits) {
    if (!/^[A-Za-z0-9_.-]+$/.test(split)) throw new InputError(`splits: ${JSON.stringify(split)} is not a split name (letters, digits, '_', '-', '.')`);
    const qFile = requireSourceFile(from, [`queries.${split}.tsv`, `queries.${split}.tsv.gz`], `queries of split '${split}'`);
    const rFile = requireSourceFile(from, [`qrels.${split}.tsv`, `qrels.${split}.tsv.gz`], `qrels of split '${split}'`);
    const { qrels: q, rows } = await readMsmarcoQrels(rFile, signal);
    let kept = 0;
    let total = 0;
    for await (const r of readIdTextTsv(qFile, 'qid<TAB>query', signal)) {
      total++;
      const prev = queryText.get(r.id);
      if (prev !== undefined) {
        if (prev !== r.text) throw inputErrorAt(qFile, r.lineNo, `query ${JSON.stringify(r.id)} has a different text in ${queryWhere.get(r.id)}`);
        continue;
      }
      if (!opts.allQueries && !q.has(r.id)) continue;
      queryText.set(r.id, r.text);
      queryWhere.set(r.id, qFile);
      queries.push({ id: r.id, text: r.text });
      kept++;
    }
    for (const qid of q.keys()) {
      if (!queryText.has(qid)) throw new InputError(`${rFile}: query ${JSON.stringify(qid)} is not in ${qFile}`);
    }
    qrels[split] = q;
    notes.push(`${split}: ${total} queries in ${qFile.split(/[\\/]/).pop()}, ${kept} kept${opts.allQueries ? '' : ' (judged)'}; ${rows} qrels rows for ${q.size} queries`);
    progress?.({ stage: `read MS MARCO ${split}`, done: kept, total: kept, unit: 'queries' });
  }
  const corpusTotal = fs.statSync(collection).size > 1e9 ? MSMARCO_PASSAGES : undefined;
  let n = 0;
  async function* corpus(): AsyncGenerator<CorpusDoc> {
    for await (const r of readIdTextTsv(collection, 'pid<TAB>passage', signal)) {
      if (++n % CONVERT_REPORT_EVERY === 0) progress?.({ stage: 'read collection.tsv', done: n, total: corpusTotal, unit: 'passages' });
      yield { id: r.id, title: '', text: r.text };
    }
  }
  const manifest = await writeDataset(
    opts.out,
    {
      name: opts.name ?? 'msmarco-passage',
      description: 'MS MARCO passage ranking (8.8M passages); MRR@10 on dev.small is the standard metric',
      licence: 'MS MARCO terms: non-commercial research use only',
      source: 'https://microsoft.github.io/msmarco/ (collectionandqueries.tar.gz, qrels.train.tsv)',
      corpus: corpus(),
      queries,
      qrels,
      gzipCorpus: opts.gzipCorpus,
      extra: { converter: 'convertMsmarco', splits, allQueries: !!opts.allQueries },
    },
    { signal, progress, corpusTotal },
  );
  return { out: opts.out, manifest, notes };
}
