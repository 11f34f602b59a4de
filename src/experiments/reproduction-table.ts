/**
 * The reproduction table: our rows (mean over seeds, in percent) over the dataset profile's
 * columns, beside the published numbers of the dataset (src/eval/reference-numbers.ts), marked
 * "(quoted)"; as Markdown, JSON and CSV under results/<name>/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { sampleSd, mean } from '../util/stats';
import { quotedRows } from '../eval/reference-numbers';
import type { TrainResult } from '../train/loop';
import type { SplitScore } from '../train/score';
import type { ExperimentSummaryRow } from '../report/experiment-table';
import type { DatasetKind, ReproductionProfile } from './datasets';
import { runFolderName } from './run-folder';

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
  seeds?: number;
  /** Column key → percent (mean over seeds for our rows). */
  values: Record<string, number>;
  /** Column key → standard deviation over seeds, in percent (our rows with several seeds). */
  sd?: Record<string, number>;
  /** Corpus re-encodes beyond the initial cache, in corpus passes (our rows). */
  reembedCorpusPasses?: number;
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

/** Our rows (mean over seeds, in percent) and the quoted rows of the dataset, over the profile's columns plus any quoted-only column. */
export function reproductionTable(o: {
  name: string; dataset: string; kind: DatasetKind; encoder: string; profile: ReproductionProfile;
  rows: { label: string; seed: number; result: TrainResult }[];
  evaluations: Record<string, Record<string, Pick<SplitScore, 'queries' | 'metrics'>>>;
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
  for (const label of [...new Set(o.rows.map((r) => r.label))]) {
    const runs = o.rows.filter((r) => r.label === label);
    const values: Record<string, number> = {};
    const sd: Record<string, number> = {};
    for (const c of columns) {
      const xs = runs.map((r) => o.evaluations[runFolderName(r.label, r.seed)]?.[c.split]?.metrics[c.metric]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      if (xs.length === 0) continue;
      values[c.key] = 100 * mean(xs);
      if (xs.length > 1) sd[c.key] = 100 * sampleSd(xs);
    }
    const s = o.summary.find((x) => x.label === label);
    rows.push({ label, quoted: false, seeds: runs.length, values, ...(Object.keys(sd).length ? { sd } : {}), ...(s ? { reembedCorpusPasses: s.reembedCorpusPasses } : {}) });
  }
  for (const q of quoted) rows.push({ label: q.label, quoted: true, values: q.values, sources: q.sources, notes: q.notes });
  return { name: o.name, dataset: o.dataset, kind: o.kind, encoder: o.encoder, columns, rows };
}

const METRIC_LABEL: Record<string, string> = { 'mrr@10': 'MRR@10', 'mrr_msmarco@10': 'MRR@10', 'recall@1000': 'R@1000' };
/** Column header: answer accuracy is "top-k acc", a relevant passage in the top k "success@k" (on NQ "gold success@k": the two differ). */
function columnLabel(c: ReproductionColumn, kind: DatasetKind): string {
  let m = METRIC_LABEL[c.metric];
  if (!m) {
    const acc = /^acc@(\d+)$/.exec(c.metric);
    const hit = /^success@(\d+)$/.exec(c.metric);
    m = acc ? `top-${acc[1]} acc` : hit ? `${kind === 'nq' ? 'gold ' : ''}success@${hit[1]}` : c.metric;
  }
  return `${c.split} ${m}`;
}

/** The table as Markdown: our rows, then the quoted rows, then the sources of the quoted numbers. */
export function formatReproductionTable(t: ReproductionTable): string {
  const head = ['system', 'seeds', ...t.columns.map((c) => columnLabel(c, t.kind)), 're-embed (corpus passes)'];
  const lines = [
    `Reproduction on ${t.kind === 'generic' ? t.dataset : t.kind} (${t.dataset}), encoder ${t.encoder}. Our numbers in percent (mean over seeds); rows marked (quoted) are published numbers, not measured here.`,
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
  for (const r of t.rows) {
    lines.push(`| ${[r.label, r.quoted ? '-' : String(r.seeds ?? 1), ...t.columns.map((c) => f(r, c.key)), r.reembedCorpusPasses === undefined ? '-' : r.reembedCorpusPasses.toFixed(2)].join(' | ')} |`);
  }
  const quoted = t.rows.filter((r) => r.quoted);
  if (quoted.length) {
    lines.push('', 'Quoted numbers:');
    for (const r of quoted) lines.push(`- ${r.label}: ${(r.sources ?? []).join('; ')}${r.notes?.length ? ` (${r.notes.join('; ')})` : ''}`);
  }
  if (t.kind === 'nq') lines.push('', 'NQ "top-k acc" is DPR top-k answer accuracy (an answer string in one of the top k passages; the "R@k" of NQ tables); "gold success@k" is a biencoder gold passage in the top k. The quoted numbers are on the full 21M-passage corpus, ours on this dataset folder\'s corpus.');
  else if (t.columns.some((c) => c.metric.startsWith('success@'))) lines.push('', 'success@k: the share of queries with a relevant passage in the top k (trec_eval success_k).');
  return lines.join('\n');
}

export function writeReproductionTable(dir: string, t: ReproductionTable, markdown: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'reproduction.json');
  const csv = path.join(dir, 'reproduction.csv');
  const md = path.join(dir, 'reproduction.md');
  writeJsonAtomic(json, t);
  const head = ['system', 'quoted', 'seeds', ...t.columns.map((c) => c.key), 'reembedCorpusPasses'];
  const cell = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));
  writeFileAtomic(csv, [head.map((h) => JSON.stringify(h)).join(','), ...t.rows.map((r) => [cell(r.label), String(r.quoted), cell(r.seeds), ...t.columns.map((c) => cell(r.values[c.key])), cell(r.reembedCorpusPasses)].join(','))].join('\n') + '\n');
  writeFileAtomic(md, markdown + '\n');
  return [json, csv, md];
}
