/**
 * Metric names, their parser, and dispatch. Names are case-insensitive:
 *
 * | name            | aliases                 | meaning (see each file for the formula)            |
 * |-----------------|-------------------------|----------------------------------------------------|
 * | `mrr`, `mrr@k`  | `rr@k`, `recip_rank`    | reciprocal rank (within k), trec_eval order        |
 * | `mrr_msmarco@10`| `msmarco_mrr@10`        | MS MARCO's official MRR@10 (rank column order)     |
 * | `recall@k`      | `r@k`                   | qrels recall (R@1000 = `recall@1000`)              |
 * | `p@k`           | `precision@k`           | precision                                          |
 * | `success@k`     | `hit@k`, `hits@k`       | any relevant in the top k                          |
 * | `ndcg`, `ndcg@k`| `ndcg_cut@k`            | nDCG, linear gain, log2 discount                   |
 * | `map`, `map@k`  | `ap`, `map_cut@k`       | (mean) average precision                           |
 * | `acc@k`         | `accuracy@k`, `top-k-acc@k` | DPR top-k ANSWER accuracy (not qrels recall)   |
 */
import { InputError } from '../../util/errors';
import type { JudgedRanking } from '../ranking';
import { successAt } from './hit';
import { averagePrecisionAt } from './map';
import { msmarcoReciprocalRank, reciprocalRankAt } from './mrr';
import { ndcgAt } from './ndcg';
import { precisionAt } from './precision';
import { recallAt } from './recall';

export { successAt, averagePrecisionAt, msmarcoReciprocalRank, reciprocalRankAt, ndcgAt, precisionAt, recallAt };

export type MetricKind = 'mrr' | 'mrr_msmarco' | 'recall' | 'precision' | 'success' | 'ndcg' | 'map' | 'acc';

export interface MetricSpec {
  /** Canonical name, e.g. 'ndcg@10', 'map', 'acc@20'. */
  name: string;
  kind: MetricKind;
  /** Cutoff; Infinity for whole-ranking metrics (map, mrr, ndcg without @k). */
  k: number;
  /** Needs answers + corpus (acc@k) rather than qrels. */
  needsAnswers: boolean;
  /** Human label for tables. */
  label: string;
}

export const DEFAULT_QRELS_METRICS = ['mrr@10', 'recall@100', 'ndcg@10', 'map', 'p@10', 'success@1', 'recall@1000'];
export const DEFAULT_ANSWER_METRICS = ['acc@1', 'acc@5', 'acc@20', 'acc@100'];

const KINDS: Record<string, { kind: MetricKind; cutoff: 'required' | 'optional' | 'fixed10' }> = {
  mrr: { kind: 'mrr', cutoff: 'optional' },
  rr: { kind: 'mrr', cutoff: 'optional' },
  recip_rank: { kind: 'mrr', cutoff: 'optional' },
  mrr_msmarco: { kind: 'mrr_msmarco', cutoff: 'fixed10' },
  msmarco_mrr: { kind: 'mrr_msmarco', cutoff: 'fixed10' },
  recall: { kind: 'recall', cutoff: 'required' },
  r: { kind: 'recall', cutoff: 'required' },
  p: { kind: 'precision', cutoff: 'required' },
  precision: { kind: 'precision', cutoff: 'required' },
  success: { kind: 'success', cutoff: 'required' },
  hit: { kind: 'success', cutoff: 'required' },
  hits: { kind: 'success', cutoff: 'required' },
  ndcg: { kind: 'ndcg', cutoff: 'optional' },
  ndcg_cut: { kind: 'ndcg', cutoff: 'required' },
  map: { kind: 'map', cutoff: 'optional' },
  ap: { kind: 'map', cutoff: 'optional' },
  map_cut: { kind: 'map', cutoff: 'required' },
  acc: { kind: 'acc', cutoff: 'required' },
  accuracy: { kind: 'acc', cutoff: 'required' },
  'top-k-acc': { kind: 'acc', cutoff: 'required' },
  topk_acc: { kind: 'acc', cutoff: 'required' },
};

const CANONICAL: Record<MetricKind, string> = {
  mrr: 'mrr', mrr_msmarco: 'mrr_msmarco', recall: 'recall', precision: 'p', success: 'success', ndcg: 'ndcg', map: 'map', acc: 'acc',
};

const LABEL: Record<MetricKind, string> = {
  mrr: 'MRR', mrr_msmarco: 'MS MARCO MRR', recall: 'Recall', precision: 'P', success: 'Success', ndcg: 'nDCG', map: 'MAP', acc: 'Top-k answer accuracy',
};

/**
 * Parses one metric name ('ndcg@10', 'R@1000', 'map', 'acc@20'; also trec_eval's 'ndcg_cut.10',
 * 'P.10'). `where` names the source in the error (e.g. '--metrics').
 */
export function parseMetric(raw: string, where = 'metrics'): MetricSpec {
  const s = raw.trim().toLowerCase();
  const m = /^([a-z_\-]+)(?:[@._](\d+))?$/.exec(s);
  const entry = m ? KINDS[m[1]] : undefined;
  if (!m || !entry) {
    throw new InputError(`${where}: unknown metric '${raw}'; expected one of mrr, mrr@k, mrr_msmarco@10, recall@k (r@k), p@k, success@k (hit@k), ndcg, ndcg@k, map, map@k, acc@k`);
  }
  let k = Infinity;
  if (m[2] !== undefined) {
    k = Number(m[2]);
    if (!Number.isSafeInteger(k) || k < 1) throw new InputError(`${where}: metric '${raw}': the cutoff must be a positive integer`);
  }
  if (entry.cutoff === 'required' && k === Infinity) throw new InputError(`${where}: metric '${raw}' needs a cutoff, e.g. '${m[1]}@10'`);
  if (entry.cutoff === 'fixed10') {
    if (k !== Infinity && k !== 10) throw new InputError(`${where}: metric '${raw}': MS MARCO MRR is defined at 10 only ('mrr_msmarco@10')`);
    k = 10;
  }
  const kind = entry.kind;
  const name = CANONICAL[kind] + (k === Infinity ? '' : `@${k}`);
  const label = kind === 'acc' ? `Top-${k} answer accuracy` : LABEL[kind] + (k === Infinity ? '' : `@${k}`);
  return { name, kind, k, needsAnswers: kind === 'acc', label };
}

/**
 * The `--metrics` option of the commands that score (declared once; each name checked as it is
 * parsed, so a bad one is refused before any work): a command adds its default or defaultText.
 */
export const METRICS_OPTION = {
  type: 'list',
  of: 'string',
  help: 'comma-separated metrics: mrr@k, mrr_msmarco@10, recall@k, p@k, success@k, ndcg@k (graded), map, acc@k',
  placeholder: 'm1,m2',
  check: (name: string, where: string) => void parseMetric(name, where),
} as const;

/** Parses a list of metric names, dropping duplicates (by canonical name), keeping order. */
export function parseMetrics(raw: readonly string[], where = 'metrics'): MetricSpec[] {
  if (raw.length === 0) throw new InputError(`${where}: expected at least one metric`);
  const out: MetricSpec[] = [];
  const seen = new Set<string>();
  for (const r of raw) {
    const spec = parseMetric(r, where);
    if (!seen.has(spec.name)) {
      seen.add(spec.name);
      out.push(spec);
    }
  }
  return out;
}

/** The per-query value of a qrels metric (not acc@k, which needs answers). */
export function computeQrelsMetric(spec: MetricSpec, q: JudgedRanking): number {
  switch (spec.kind) {
    case 'mrr': return reciprocalRankAt(q, spec.k);
    case 'mrr_msmarco': return msmarcoReciprocalRank(q);
    case 'recall': return recallAt(q, spec.k);
    case 'precision': return precisionAt(q, spec.k);
    case 'success': return successAt(q, spec.k);
    case 'ndcg': return ndcgAt(q, spec.k);
    case 'map': return averagePrecisionAt(q, spec.k);
    case 'acc': throw new Error(`${spec.name} is an answer metric, not a qrels metric`);
  }
}
