/**
 * Natural Questions as DPR ships it → the canonical layout.
 *
 * Inputs (facebookresearch/DPR download_data.py names), found in `from` or one folder below:
 * - `psgs_w100.tsv(.gz)`: header `id<TAB>text<TAB>title`, then one passage per record, read as
 *   DPR reads it (Python csv, tab delimiter, quoted fields; DPR then strips `"` from the ends of
 *   the text, and so do we) → corpus (`_id` = DPR passage id).
 * - `nq-{train,dev,test}.qa.csv`: `question<TAB>answers` with answers a Python list literal
 *   (`['a', "b's"]`) → queries `<split>-<row>` (0-based record number in that file) and answers.
 * - `biencoder-nq-{train,dev}.json(.gz)`: a JSON array of {question, answers, positive_ctxs:
 *   [{title, text, passage_id}], negative_ctxs, hard_negative_ctxs} → qrels/<split>.tsv (score 1
 *   for each positive's passage id). A biencoder question is matched to its qa.csv row by exact
 *   text; one with no row becomes query `<split>-bi<index>` with the biencoder's answers.
 * The test split has no positives in DPR's release: its queries and answers are written (for
 * DPR top-k answer accuracy) but it has no qrels file; dataset.json `extra.answerOnlySplits` lists it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError, inputErrorAt } from '../../util/errors';
import { writeDataset } from '../beir';
import { idProblem } from '../dataset';
import type { AnswerRecord, CorpusDoc, Qrels, Query } from '../dataset';
import { CONVERT_REPORT_EVERY, ConvertCommonOptions, ConvertResult, findSourceFile, parsePythonStringList, readQuotedTsv, requireSourceFile } from './common';
import { readJsonArray } from './json-array';

/** Rows of DPR's psgs_w100.tsv (Wikipedia, Dec 2018, 100-word passages). */
export const DPR_PASSAGES = 21_015_324;

/** NQ splits DPR publishes. */
export const NQ_SPLITS = ['train', 'dev', 'test'] as const;
export type NqSplit = (typeof NQ_SPLITS)[number];

/** Options of convertNq. */
export interface ConvertNqOptions extends ConvertCommonOptions {
  /** Splits to convert (default: those whose files are present). */
  splits?: NqSplit[];
  /** Use every positive passage of a biencoder question (default) or only the first, as DPR training does. */
  positives?: 'all' | 'first';
  /** Dataset name in dataset.json (default 'nq'). */
  name?: string;
  /**
   * A positive passage id that is not in psgs_w100: 'error' (default; the conversion stops before
   * committing anything) or 'drop' (costs one extra pass over the passages to find them; drops those
   * qrels rows, and questions left without positives, and says how many).
   */
  missingPositives?: 'error' | 'drop';
}

/** DPR passage TSV records → corpus documents (header skipped; 3 fields each). */
export async function* readDprPassages(file: string, signal?: AbortSignal): AsyncGenerator<CorpusDoc> {
  let first = true;
  for await (const { fields, lineNo } of readQuotedTsv(file, signal)) {
    if (first) {
      first = false;
      if (fields[0] === 'id') continue;
    }
    if (fields.length !== 3) throw inputErrorAt(file, lineNo, `expected 3 tab-separated fields (id, text, title), found ${fields.length}`);
    const [id, text, title] = fields;
    const why = idProblem(id);
    if (why) throw inputErrorAt(file, lineNo, `bad passage id: ${why}`);
    yield { id, title, text: stripQuotes(text) };
  }
}

/** Python's str.strip('"'). */
function stripQuotes(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) === 34) a++;
  while (b > a && s.charCodeAt(b - 1) === 34) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** One row of a DPR qa.csv file. */
export interface QaRow {
  question: string;
  answers: string[];
  lineNo: number;
}

/** Streams `question<TAB>['answer', ...]` rows of a DPR qa.csv file, checking each. */
export async function* readDprQaCsv(file: string, signal?: AbortSignal): AsyncGenerator<QaRow> {
  for await (const { fields, lineNo } of readQuotedTsv(file, signal)) {
    if (fields.length < 2) throw inputErrorAt(file, lineNo, `expected question<TAB>answers (a Python list such as ['a', 'b']), found ${fields.length} field`);
    const question = fields[0].trim();
    if (question === '') throw inputErrorAt(file, lineNo, 'empty question (column 1)');
    let answers: string[];
    try {
      answers = parsePythonStringList(fields[1]);
    } catch (e) {
      throw inputErrorAt(file, lineNo, `answers (column 2) are not a Python list of strings: ${(e as Error).message}`);
    }
    yield { question, answers, lineNo };
  }
}

/** Passage id of a DPR context object: `passage_id` (NQ), `psg_id` (TriviaQA) or `id`. */
function ctxId(ctx: unknown): string | undefined {
  if (typeof ctx !== 'object' || ctx === null) return undefined;
  const c = ctx as Record<string, unknown>;
  const v = c.passage_id ?? c.psg_id ?? c.id;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

/**
 * Converts DPR's NQ files in `from` to the canonical layout in `out` (see the module comment):
 * corpus streamed from psgs_w100, queries and answers from the qa.csv files, qrels from the
 * biencoder positives; InputError naming file:line for a malformed record, and for a positive
 * passage id missing from the corpus (checked before anything is committed).
 */
export async function convertNq(opts: ConvertNqOptions): Promise<ConvertResult> {
  const { from, signal, progress } = opts;
  const notes: string[] = [];
  const passages = requireSourceFile(from, ['psgs_w100.tsv', 'psgs_w100.tsv.gz'], 'DPR Wikipedia passages (psgs_w100.tsv.gz)');
  const splitFiles = NQ_SPLITS.map((s) => ({
    split: s,
    qa: findSourceFile(from, [`nq-${s}.qa.csv`, `nq-${s}.qa.csv.gz`]),
    bi: findSourceFile(from, [`biencoder-nq-${s}.json`, `biencoder-nq-${s}.json.gz`]),
  }));
  const wanted = opts.splits ?? splitFiles.filter((f) => f.qa || f.bi).map((f) => f.split);
  for (const s of wanted) {
    if (!(NQ_SPLITS as readonly string[]).includes(s)) throw new InputError(`splits: unknown NQ split ${JSON.stringify(s)} (expected ${NQ_SPLITS.join(', ')})`);
    const f = splitFiles.find((x) => x.split === s)!;
    if (!f.qa && !f.bi) throw new InputError(`${from}: no files for NQ split '${s}' (expected nq-${s}.qa.csv or biencoder-nq-${s}.json.gz)`);
  }
  const queries: Query[] = [];
  const answers: AnswerRecord[] = [];
  const qrels: Record<string, Qrels> = {};
  const querySplits: Record<string, number> = {};
  const answerOnly: string[] = [];
  for (const { split, qa, bi } of splitFiles.filter((f) => wanted.includes(f.split))) {
    const byText = new Map<string, string[]>(); // question text → unclaimed query ids
    let count = 0;
    if (qa) {
      let row = 0;
      for await (const r of readDprQaCsv(qa, signal)) {
        const id = `${split}-${row++}`;
        queries.push({ id, text: r.question });
        answers.push({ id, answers: r.answers });
        const ids = byText.get(r.question);
        if (ids) ids.push(id);
        else byText.set(r.question, [id]);
      }
      count += row;
    } else notes.push(`${split}: no nq-${split}.qa.csv; queries come from the biencoder file only`);
    if (bi) {
      const q: Qrels = new Map();
      let unmatched = 0;
      let noPositive = 0;
      for await (const { value, index, lineNo } of readJsonArray(bi, { signal, progress, what: 'a DPR biencoder JSON array' })) {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw inputErrorAt(bi, lineNo, `array element ${index} is not an object`);
        const rec = value as Record<string, unknown>;
        if (typeof rec.question !== 'string' || rec.question.trim() === '') throw inputErrorAt(bi, lineNo, `element ${index}: missing "question" (expected a non-empty string)`);
        const question = rec.question.trim();
        const pos = rec.positive_ctxs;
        if (!Array.isArray(pos)) throw inputErrorAt(bi, lineNo, `element ${index}: "positive_ctxs" is ${pos === undefined ? 'missing' : 'not an array'}`);
        let id = byText.get(question)?.shift();
        if (id === undefined) {
          id = `${split}-bi${index}`;
          const a = rec.answers;
          if (!Array.isArray(a) || !a.every((x) => typeof x === 'string')) throw inputErrorAt(bi, lineNo, `element ${index}: "answers" is not an array of strings`);
          queries.push({ id, text: question });
          answers.push({ id, answers: a as string[] });
          unmatched++;
          count++;
        }
        const used = opts.positives === 'first' ? pos.slice(0, 1) : pos;
        if (used.length === 0) {
          noPositive++;
          continue;
        }
        const docs = new Map<string, number>();
        used.forEach((ctx, k) => {
          const pid = ctxId(ctx);
          if (pid === undefined) throw inputErrorAt(bi, lineNo, `element ${index}: positive_ctxs[${k}] has no "passage_id" (expected the psgs_w100 id)`);
          docs.set(pid, 1);
        });
        q.set(id, docs);
      }
      if (q.size === 0) throw new InputError(`${bi}: no question has a positive passage`);
      qrels[split] = q;
      if (qa && unmatched) notes.push(`${split}: ${unmatched} biencoder questions not found verbatim in ${path.basename(qa)} (added as ${split}-bi<index>)`);
      if (noPositive) notes.push(`${split}: ${noPositive} biencoder questions without positives (no qrels rows)`);
    } else {
      answerOnly.push(split);
      notes.push(`${split}: no biencoder file, so no qrels; queries and answers only (DPR top-k answer accuracy)`);
    }
    querySplits[split] = count;
    progress?.({ stage: `read NQ ${split}`, done: count, total: count, unit: 'queries' });
  }
  if (Object.keys(qrels).length === 0) {
    throw new InputError(`${from}: no biencoder-nq-{train,dev}.json(.gz) among the chosen splits, so there are no qrels to write (the canonical layout needs at least one split with qrels)`);
  }
  if (opts.missingPositives === 'drop') notes.push(...(await dropMissingPositives(passages, qrels, signal)));
  // the real file: show an ETA; a fixture or a slice: no total
  const corpusTotal = fs.statSync(passages).size > 1e9 ? DPR_PASSAGES : undefined;
  let n = 0;
  async function* corpus(): AsyncGenerator<CorpusDoc> {
    for await (const d of readDprPassages(passages, signal)) {
      if (++n % CONVERT_REPORT_EVERY === 0) progress?.({ stage: 'read psgs_w100', done: n, total: corpusTotal, unit: 'passages' });
      yield d;
    }
  }
  const manifest = await writeDataset(
    opts.out,
    {
      name: opts.name ?? 'nq',
      description: 'Natural Questions (DPR preprocessing) over the Dec 2018 Wikipedia split in 100-word passages',
      licence: 'NQ: CC BY-SA 3.0; Wikipedia text: CC BY-SA 3.0',
      source: 'https://github.com/facebookresearch/DPR (psgs_w100.tsv.gz, biencoder-nq-*.json.gz, nq-*.qa.csv)',
      corpus: corpus(),
      queries,
      qrels,
      answers,
      gzipCorpus: opts.gzipCorpus,
      extra: {
        converter: 'convertNq',
        querySplits,
        answerOnlySplits: answerOnly,
        queryIds: '<split>-<0-based row of nq-<split>.qa.csv>; <split>-bi<index> for biencoder questions missing from the qa.csv',
        positives: opts.positives ?? 'all',
        missingPositives: opts.missingPositives ?? 'error',
      },
    },
    { signal, progress, corpusTotal },
  );
  return { out: opts.out, manifest, notes };
}

/** Removes qrels rows whose passage is not in the passages file (one pass over it); returns notes. */
async function dropMissingPositives(passages: string, qrels: Record<string, Qrels>, signal?: AbortSignal): Promise<string[]> {
  const referenced = new Set<string>();
  for (const q of Object.values(qrels)) for (const docs of q.values()) for (const d of docs.keys()) referenced.add(d);
  const found = new Set<string>();
  for await (const d of readDprPassages(passages, signal)) if (referenced.has(d.id)) found.add(d.id);
  const notes: string[] = [];
  for (const [split, q] of Object.entries(qrels)) {
    let rows = 0;
    let questions = 0;
    for (const [qid, docs] of q) {
      for (const d of [...docs.keys()]) {
        if (!found.has(d)) {
          docs.delete(d);
          rows++;
        }
      }
      if (docs.size === 0) {
        q.delete(qid);
        questions++;
      }
    }
    if (rows) notes.push(`${split}: dropped ${rows} positives whose passage id is not in ${path.basename(passages)} (${questions} questions left without positives)`);
    if (q.size === 0) throw new InputError(`${passages}: none of the '${split}' positives is in the passages file (wrong passages file?)`);
  }
  return notes;
}
