/**
 * Published numbers beside ours in the results notebook. The numbers themselves live once, with
 * their sources, in src/eval/reference-numbers.ts (the reproduction tables quote the same ones);
 * here they are laid out as notebook tables. Quoted columns are named for what they hold: NQ test
 * "top-k acc" (DPR top-k answer accuracy, the "R@k" of NQ papers), MS MARCO dev.small "MRR@10" (the
 * official script's convention). Our experiment tables hold success@k (a relevant passage in the top
 * k), a different measure, so our rows fill their own `success@k` columns, never the quoted ones.
 */
import { referenceNumbersFor } from '../eval/reference-numbers';
import type { ExperimentTable } from './experiment-table';
import type { Row } from './table';

export type QuotedDataset = 'nq' | 'msmarco';

/** Column label of a quoted metric: `acc@20` → `top-20 acc`, `mrr_msmarco@10` → `MRR@10`. */
export function quotedColumn(metric: string): string {
  const acc = /^acc@(\d+)$/.exec(metric);
  if (acc) return `top-${acc[1]} acc`;
  return metric === 'mrr_msmarco@10' ? 'MRR@10' : metric;
}

/** The quoted columns of a dataset, in the order the numbers are listed. */
export function quotedColumns(dataset: QuotedDataset): string[] {
  return [...new Set(referenceNumbersFor(dataset).map((r) => quotedColumn(r.metric)))];
}

/** The quoted numbers of one dataset as a wide table: one row per system, null where a system has no number; every row marked `quoted`. */
export function quotedTable(dataset: QuotedDataset): Row[] {
  const numbers = referenceNumbersFor(dataset);
  const systems = [...new Set(numbers.map((r) => r.system))];
  return systems.map((system) => {
    const row: Row = { method: system, source: 'quoted' };
    for (const c of quotedColumns(dataset)) row[c] = numbers.find((r) => r.system === system && quotedColumn(r.metric) === c)?.percent ?? null;
    row.reference = numbers.find((r) => r.system === system)!.source;
    return row;
  });
}

/**
 * Our rows of an experiment table above the quoted ones, in percent, each marked `ours (<table>)`:
 * NQ: our success@1/10/100 (test split when the table has it, else dev) in their own columns; MS
 * MARCO: our MRR@10 (trec_eval convention) in the MRR@10 column.
 */
export function oursBesideQuoted(table: ExperimentTable, dataset: QuotedDataset): Row[] {
  const pct = (x: number) => (Number.isFinite(x) ? 100 * x : null);
  if (dataset === 'msmarco') {
    const ours: Row[] = table.summary.map((r) => ({ method: r.label, source: `ours (${table.name})`, 'MRR@10': pct(Number.isFinite(r.testMrr10) ? r.testMrr10 : r.devMrr10), reference: Number.isFinite(r.testMrr10) ? 'test split' : 'dev split' }));
    return [...ours, ...quotedTable('msmarco')];
  }
  const ours: Row[] = table.summary.map((r) => {
    const test = Number.isFinite(r.testSuccess10);
    return {
      method: r.label, source: `ours (${table.name})`,
      'success@1': pct(test ? r.testSuccess1 : r.devSuccess1), 'success@10': pct(test ? r.testSuccess10 : r.devSuccess10), 'success@100': pct(test ? r.testSuccess100 : r.devSuccess100),
      reference: test ? 'test split' : 'dev split',
    };
  });
  return [...ours, ...quotedTable('nq')];
}
