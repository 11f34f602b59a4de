/**
 * The experiment table (results/<name>/table.json, .csv, .md, written by src/experiments): one row
 * per strategy or sweep point, mean over seeds, accuracy beside re-embedding cost. Its columns are
 * defined once here, for the Markdown that `npm start` prints and for the notebooks' tables.
 *
 * success@k is trec_eval's success_k: the share of queries with a relevant passage among the top k
 * (tables before this name said "R@k"; with one relevant passage per query, as on the WordNet task,
 * it equals recall@k).
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../util/errors';
import type { Row } from './table';

/** One row of the experiment table: a strategy or sweep point, mean over its seeds. */
export interface ExperimentSummaryRow {
  label: string;
  strategy: string;
  seeds: number;
  devMrr10: number;
  devMrr10Sd: number;
  devSuccess1: number;
  devSuccess10: number;
  devSuccess100: number;
  testMrr10: number;
  testSuccess1: number;
  testSuccess10: number;
  testSuccess100: number;
  /** Corpus re-encodes beyond the initial cache, in target forward passes and in corpus passes. */
  reembed: number;
  reembedCorpusPasses: number;
  /** Every target forward pass of the run, the initial cache included. */
  totalTargetEncodes: number;
  totalTargetEncodesCorpusPasses: number;
  correctorGflops: number;
  wallSeconds: number;
  /** A lexical row (BM25): no encoder, so no target encodes and no seeds; not a dense strategy. */
  lexical: boolean;
}

/** The table's columns: header, the value notebooks show, the text the Markdown prints. */
interface Column {
  header: string;
  value: (r: ExperimentSummaryRow) => number | string;
  markdown: (r: ExperimentSummaryRow) => string;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const metric = (header: string, get: (r: ExperimentSummaryRow) => number): Column => ({ header, value: get, markdown: (r) => f3(get(r)) });
/** A column a lexical row has no value in (seeds, encoder costs): '-' there, `text` for the others. */
const dense = (text: (r: ExperimentSummaryRow) => string) => (r: ExperimentSummaryRow) => (r.lexical ? '-' : text(r));

const COLUMNS: readonly Column[] = [
  { header: 'strategy', value: (r) => r.label, markdown: (r) => r.label },
  { header: 'seeds', value: (r) => r.seeds, markdown: dense((r) => String(r.seeds)) },
  { header: 'dev MRR@10', value: (r) => r.devMrr10, markdown: (r) => (r.seeds > 1 ? `${f3(r.devMrr10)} ± ${f3(r.devMrr10Sd)}` : f3(r.devMrr10)) },
  metric('dev success@1', (r) => r.devSuccess1),
  metric('dev success@10', (r) => r.devSuccess10),
  metric('dev success@100', (r) => r.devSuccess100),
  metric('test MRR@10', (r) => r.testMrr10),
  metric('test success@100', (r) => r.testSuccess100),
  { header: 're-embed (corpus passes)', value: (r) => r.reembedCorpusPasses, markdown: dense((r) => `${Math.round(r.reembed)} (${r.reembedCorpusPasses.toFixed(2)})`) },
  { header: 'all target encodes (corpus passes)', value: (r) => r.totalTargetEncodesCorpusPasses, markdown: dense((r) => `${Math.round(r.totalTargetEncodes)} (${r.totalTargetEncodesCorpusPasses.toFixed(2)})`) },
  { header: 'corrector GFLOP', value: (r) => r.correctorGflops, markdown: dense((r) => r.correctorGflops.toFixed(1)) },
  { header: 'wall s', value: (r) => r.wallSeconds, markdown: (r) => r.wallSeconds.toFixed(0) },
];

/** What the success@k columns mean, printed under the Markdown table. */
export const SUCCESS_AT_K_NOTE = 'success@k: the share of queries with a relevant passage in the top k (trec_eval success_k). Cost columns: target-encoder forward passes (in corpus passes).';

/** What rows a reader could mistake are (the rows of experiments/baselines.ts, and the bm25 strategy beside BM25), by label. */
const ROW_NOTES: readonly { applies: (label: string) => boolean; note: string }[] = [
  { applies: (l) => l === 'BM25', note: 'BM25: lexical retrieval (Lucene BM25, k1 0.9, b 0.4, EnglishAnalyzer terms), not a dense strategy: it has no encoder, so no target encodes ("-"); its wall s is indexing and searching.' },
  { applies: (l) => l === 'zero-shot', note: 'zero-shot: the initial encoders, not trained (0 steps); its one corpus pass is the cache it searches, as every cache strategy pays for its initial cache.' },
  { applies: (l) => /^bm25(:\d+)?$/.test(l), note: 'bm25: a dense strategy, trained on static BM25 hard negatives (DPR\'s), mined once before training: no cache, so no re-embedding.' },
];

/** The notes on the rows labelled `labels` that need one (see ROW_NOTES), in ROW_NOTES' order. */
export function rowNotes(labels: readonly string[]): string[] {
  return ROW_NOTES.filter((n) => labels.some(n.applies)).map((n) => n.note);
}

/** The notes under a table: the success@k note, then the notes on its rows. */
export function tableNotes(labels: readonly string[]): string[] {
  return [SUCCESS_AT_K_NOTE, ...rowNotes(labels)];
}

/** The table as Markdown (what `npm start` prints and the README quotes), with its notes under it. */
export function formatExperimentTable(summary: readonly ExperimentSummaryRow[]): string {
  const lines = [`| ${COLUMNS.map((c) => c.header).join(' | ')} |`, `|${COLUMNS.map((_, i) => (i < 1 ? '---' : '---:')).join('|')}|`];
  for (const r of summary) lines.push(`| ${COLUMNS.map((c) => c.markdown(r)).join(' | ')} |`);
  return [...lines, '', ...tableNotes(summary.map((r) => r.label))].join('\n');
}

/** Summary rows as table rows under the Markdown table's headers (values as numbers), for showTable. */
export function summaryTableRows(rows: readonly ExperimentSummaryRow[]): Row[] {
  return rows.map((r) => Object.fromEntries(COLUMNS.map((c) => [c.header, c.value(r)])));
}

// ---- reading results/<name>/table.json -------------------------------------------------------------

/** results/<experiment>/table.json as written by runExperiment. */
export interface ExperimentTable {
  name: string;
  file: string;
  summary: ExperimentSummaryRow[];
}

/** A row of an older table.json, whose success@k columns were named `devRecall1` etc. (and which had no lexical rows). */
function migrateRow(r: Record<string, unknown>): ExperimentSummaryRow {
  const out: Record<string, unknown> = { lexical: false, ...r };
  for (const split of ['dev', 'test']) {
    for (const k of [1, 10, 100]) {
      const old = `${split}Recall${k}`;
      if (old in out && !(`${split}Success${k}` in out)) out[`${split}Success${k}`] = out[old];
      delete out[old];
    }
  }
  return out as unknown as ExperimentSummaryRow;
}

/** Reads a table.json; InputError naming the file when it is not one. */
export function readExperimentTable(file: string): ExperimentTable {
  let json: { summary?: unknown };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not a readable table.json (${(e as Error).message})`);
  }
  if (!Array.isArray(json.summary) || json.summary.some((r) => typeof r !== 'object' || r === null || typeof (r as { label?: unknown }).label !== 'string')) {
    throw new InputError(`${file}: expected { summary: [{ label, ... }] } as written by runExperiment`);
  }
  return { name: path.basename(path.dirname(file)), file, summary: (json.summary as Record<string, unknown>[]).map(migrateRow) };
}

/** Every results/<name>/table.json, sorted by name; `match` filters the names. */
export function findResultTables(resultsDir = 'results', match?: RegExp): ExperimentTable[] {
  if (!fs.existsSync(resultsDir)) return [];
  return fs
    .readdirSync(resultsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && (!match || match.test(e.name)) && fs.existsSync(path.join(resultsDir, e.name, 'table.json')))
    .map((e) => readExperimentTable(path.join(resultsDir, e.name, 'table.json')))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The first of `names` with a results/<name>/table.json, or undefined. */
export function firstResultTable(names: readonly string[], resultsDir = 'results'): ExperimentTable | undefined {
  for (const n of names) {
    const f = path.join(resultsDir, n, 'table.json');
    if (fs.existsSync(f)) return readExperimentTable(f);
  }
  return undefined;
}
