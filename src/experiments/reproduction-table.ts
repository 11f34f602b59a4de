/**
 * The reproduction table: our rows (BM25, zero-shot, then every strategy; mean over seeds, in
 * percent) over the dataset profile's columns, with each row's re-embedding cost and wall time,
 * beside the published numbers of the dataset (src/eval/reference-numbers.ts), marked "(quoted)";
 * as Markdown, JSON and CSV under results/<name>/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { sampleSd, mean } from '../util/stats';
import { quotedRows } from '../eval/reference-numbers';
import type { SplitScore } from '../train/score';
import { rowNotes, type ExperimentSummaryRow } from '../report/experiment-table';
import type { DatasetKind, ReproductionProfile } from './datasets';

/** A column of the reproduction table: one metric on one split. */
export interface ReproductionColumn {
  /** `<split> <metric>`. */
  key: string;
  split: string;
  metric: string;
}

export interface ReproductionRow {
  label: string;
  /** A published number, not measured here. */
  quoted: boolean;
  /** Seeds of our dense rows (none for quoted and lexical rows). */
  seeds?: number;
  /** Column key → percent (mean over seeds for our rows). */
  values: Record<string, number>;
  /** Column key → standard deviation over seeds, in percent (our rows with several seeds). */
  sd?: Record<string, number>;
  /** Corpus re-encodes beyond the initial cache, in corpus passes (our dense rows). */
  reembedCorpusPasses?: number;
  /** Seconds of training per run (mean over seeds; TrainResult.wallSeconds); BM25: indexing and searching (our rows). */
  wallSeconds?: number;
  sources?: string[];
  notes?: string[];
}

export interface ReproductionTable {
  name: string;
  dataset: string;
  kind: DatasetKind;
  encoder: string;
  columns: ReproductionColumn[];
  rows: ReproductionRow[];
}

/** A row we measured: the scores of each of its runs (one per seed; one for BM25), split → scores. */
export interface MeasuredSystem {
  label: string;
  runs: Record<string, Pick<SplitScore, 'queries' | 'metrics'>>[];
}

/**
 * Our rows (mean over seeds, in percent; costs and wall time from the experiment's summary row of
 * the same label) and the quoted rows of the dataset, over the profile's columns plus any
 * quoted-only column.
 */
export function reproductionTable(o: {
  name: string; dataset: string; kind: DatasetKind; encoder: string; profile: ReproductionProfile;
  systems: MeasuredSystem[];
  summary: ExperimentSummaryRow[];
}): ReproductionTable {
  const columns: ReproductionColumn[] = o.profile.evalSplits.flatMap((s) => s.metrics.map((metric) => ({ key: `${s.split} ${metric}`, split: s.split, metric })));
  const quoted = o.kind === 'nq' || o.kind === 'msmarco' ? quotedRows(o.kind) : [];
  for (const q of quoted) {
    for (const key of Object.keys(q.values)) {
      if (!columns.some((c) => c.key === key)) {
        const [split, metric] = key.split(' ');
        columns.push({ key, split, metric });
      }
    }
  }
  const rows: ReproductionRow[] = [];
  for (const { label, runs } of o.systems) {
    const values: Record<string, number> = {};
    const sd: Record<string, number> = {};
    for (const c of columns) {
      const xs = runs.map((r) => r[c.split]?.metrics[c.metric]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      if (xs.length === 0) continue;
      values[c.key] = 100 * mean(xs);
      if (xs.length > 1) sd[c.key] = 100 * sampleSd(xs);
    }
    const s = o.summary.find((x) => x.label === label);
    rows.push({
      label, quoted: false, ...(s?.lexical ? {} : { seeds: runs.length }), values, ...(Object.keys(sd).length ? { sd } : {}),
      ...(s && !s.lexical ? { reembedCorpusPasses: s.reembedCorpusPasses } : {}), ...(s && Number.isFinite(s.wallSeconds) ? { wallSeconds: s.wallSeconds } : {}),
    });
  }
  for (const q of quoted) rows.push({ label: q.label, quoted: true, values: q.values, sources: q.sources, notes: q.notes });
  return { name: o.name, dataset: o.dataset, kind: o.kind, encoder: o.encoder, columns, rows };
}

/**
 * Column header, named for what it measures: answer accuracy is "top-k acc", a relevant passage in
 * the top k "success@k" (on NQ "gold success@k": the two differ), recall@k the share of a query's
 * relevant passages in the top k, nDCG@k graded; MS MARCO's MRR@10 is the official script's.
 */
function columnLabel(c: ReproductionColumn, kind: DatasetKind): string {
  const [, name, k] = /^([a-z_]+)(?:@(\d+))?$/.exec(c.metric) ?? [];
  const at = k ? `@${k}` : '';
  const m =
    name === 'acc' ? `top-${k} acc`
      : name === 'success' ? `${kind === 'nq' ? 'gold ' : ''}success${at}`
        : name === 'mrr' || name === 'mrr_msmarco' ? `MRR${at}`
          : name === 'ndcg' ? `nDCG${at}`
            : c.metric;
  return `${c.split} ${m}`;
}

/** The table as Markdown: our rows, then the quoted rows, then the sources of the quoted numbers. */
export function formatReproductionTable(t: ReproductionTable): string {
  const head = ['system', 'seeds', ...t.columns.map((c) => columnLabel(c, t.kind)), 're-embed (corpus passes)', 'wall s'];
  const lines = [
    `Reproduction on ${t.kind === 'generic' ? t.dataset : `${t.kind} (${t.dataset})`}, encoder ${t.encoder}. Our numbers in percent (mean over seeds); rows marked (quoted) are published numbers, not measured here.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ];
  const f = (r: ReproductionRow, key: string) => {
    const v = r.values[key];
    if (v === undefined) return '-';
    const sd = r.sd?.[key];
    return sd !== undefined ? `${v.toFixed(2)} ± ${sd.toFixed(2)}` : v.toFixed(2);
  };
  const opt = (x: number | undefined, digits: number) => (x === undefined ? '-' : x.toFixed(digits));
  for (const r of t.rows) {
    lines.push(`| ${[r.label, r.seeds === undefined ? '-' : String(r.seeds), ...t.columns.map((c) => f(r, c.key)), opt(r.reembedCorpusPasses, 2), opt(r.wallSeconds, 0)].join(' | ')} |`);
  }
  const quoted = t.rows.filter((r) => r.quoted);
  if (quoted.length) {
    lines.push('', 'Quoted numbers:');
    for (const r of quoted) lines.push(`- ${r.label}: ${(r.sources ?? []).join('; ')}${r.notes?.length ? ` (${r.notes.join('; ')})` : ''}`);
  }
  const notes: string[] = [];
  if (t.kind === 'nq') notes.push('NQ "top-k acc" is DPR top-k answer accuracy (an answer string in one of the top k passages; the "R@k" of NQ tables); "gold success@k" is a biencoder gold passage in the top k. The quoted numbers are on the full 21M-passage corpus, ours on this dataset folder\'s corpus.');
  else if (t.columns.some((c) => c.metric.startsWith('success@'))) notes.push('success@k: the share of queries with a relevant passage in the top k (trec_eval success_k).');
  if (t.columns.some((c) => c.metric.startsWith('recall@'))) notes.push('recall@k: the share of a query\'s relevant passages in the top k (trec_eval recall_k).');
  if (t.columns.some((c) => c.metric.startsWith('ndcg'))) notes.push('nDCG@k: graded, the qrels score as the gain (trec_eval ndcg_cut_k).');
  notes.push(...rowNotes(t.rows.filter((r) => !r.quoted).map((r) => r.label)));
  notes.push('wall s: seconds of training per run (mean over seeds; the final evaluation not included); BM25: indexing and searching every evaluated query.');
  return [...lines, '', ...notes].join('\n');
}

export function writeReproductionTable(dir: string, t: ReproductionTable, markdown: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'reproduction.json');
  const csv = path.join(dir, 'reproduction.csv');
  const md = path.join(dir, 'reproduction.md');
  writeJsonAtomic(json, t);
  const head = ['system', 'quoted', 'seeds', ...t.columns.map((c) => c.key), 'reembedCorpusPasses', 'wallSeconds'];
  const cell = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));
  writeFileAtomic(csv, [head.map((h) => JSON.stringify(h)).join(','), ...t.rows.map((r) => [cell(r.label), String(r.quoted), cell(r.seeds), ...t.columns.map((c) => cell(r.values[c.key])), cell(r.reembedCorpusPasses), cell(r.wallSeconds)].join(','))].join('\n') + '\n');
  writeFileAtomic(md, markdown + '\n');
  return [json, csv, md];
}
