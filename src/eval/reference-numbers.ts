/**
 * Published numbers that reproduction tables quote beside ours, as data with their source. They are
 * quoted, not measured here: tables mark their rows "(quoted)". Metric names are src/eval's
 * canonical names, so a quoted number sits in the column of the metric we compute the same way:
 * - NQ "R@k" / "top-k accuracy" = `acc@k`: the share of test questions with an answer string in one
 *   of the top k retrieved passages (DPR's answer matching over the 21M-passage Wikipedia split);
 * - MS MARCO MRR@10 = `mrr_msmarco@10` on dev.small (6,980 queries), the official script's convention.
 */

/** One published number. */
export interface ReferenceNumber {
  /** System as tables show it. */
  system: string;
  /** Dataset it was measured on: 'nq' (DPR's NQ split) or 'msmarco' (passage ranking). */
  dataset: 'nq' | 'msmarco';
  /** Split: 'test' (NQ, 3,610 questions) or 'dev.small' (MS MARCO, 6,980 queries). */
  split: string;
  /** Canonical src/eval metric name ('acc@20', 'mrr_msmarco@10'). */
  metric: string;
  /** The number as published, in percent. */
  percent: number;
  /** Where it comes from. */
  source: string;
  /** Caveats (how it was quoted, search setting). */
  note?: string;
}

const CORRECTOR_SOURCE =
  'Monath et al., A Fresh Take on Stale Embeddings: Improving Dense Retriever Training with Corrector Networks, ICML 2024 (arXiv 2409.01890), as quoted by a later paper';
const DPR_SOURCE = 'Karpukhin et al., Dense Passage Retrieval for Open-Domain Question Answering, EMNLP 2020 (NQ test, single-dataset training)';
const ANCE_SOURCE = 'Xiong et al., Approximate Nearest Neighbor Negative Contrastive Learning for Dense Text Retrieval (ANCE), ICLR 2021';

function series(system: string, dataset: 'nq' | 'msmarco', split: string, values: [string, number][], source: string, note?: string): ReferenceNumber[] {
  return values.map(([metric, percent]) => ({ system, dataset, split, metric, percent, source, ...(note ? { note } : {}) }));
}

/** Every quoted number, in table order per dataset (the paper's system first, then baselines). */
export const REFERENCE_NUMBERS: readonly ReferenceNumber[] = Object.freeze([
  ...series('corrector (Monath et al. 2024)', 'nq', 'test', [['acc@1', 50.61], ['acc@5', 71.0], ['acc@10', 77.73], ['acc@20', 82.66], ['acc@100', 88.39]], CORRECTOR_SOURCE,
    'the paper\'s own tables are not public to us; top-k answer accuracy with exact search; indicative only'),
  ...series('DPR', 'nq', 'test', [['acc@20', 78.4], ['acc@100', 85.4]], DPR_SOURCE),
  ...series('ANCE', 'nq', 'test', [['acc@20', 81.9], ['acc@100', 87.5]], ANCE_SOURCE),
  ...series('BM25', 'nq', 'test', [['acc@20', 59.1], ['acc@100', 73.7]], DPR_SOURCE, 'BM25 as reported by DPR'),
  ...series('ANCE', 'msmarco', 'dev.small', [['mrr_msmarco@10', 33.0]], ANCE_SOURCE),
  ...series('BM25', 'msmarco', 'dev.small', [['mrr_msmarco@10', 18.7]], ANCE_SOURCE, 'BM25 as reported alongside ANCE'),
]);

/** The quoted numbers of one dataset (optionally one split), in table order. */
export function referenceNumbersFor(dataset: string, split?: string): ReferenceNumber[] {
  return REFERENCE_NUMBERS.filter((r) => r.dataset === dataset && (split === undefined || r.split === split));
}

/** One table row per quoted system: label "<system> (quoted)" and metric key `<split> <metric>` → percent. */
export interface QuotedRow {
  label: string;
  system: string;
  /** `<split> <metric>` → the published value in percent. */
  values: Record<string, number>;
  sources: string[];
  notes: string[];
}

/** The quoted numbers of `dataset` grouped into one row per system, labelled "(quoted)". */
export function quotedRows(dataset: string): QuotedRow[] {
  const rows: QuotedRow[] = [];
  for (const r of referenceNumbersFor(dataset)) {
    let row = rows.find((x) => x.system === r.system);
    if (!row) rows.push((row = { label: `${r.system} (quoted)`, system: r.system, values: {}, sources: [], notes: [] }));
    row.values[`${r.split} ${r.metric}`] = r.percent;
    if (!row.sources.includes(r.source)) row.sources.push(r.source);
    if (r.note && !row.notes.includes(r.note)) row.notes.push(r.note);
  }
  return rows;
}
