/**
 * The `evaluate` step: a run against qrels (trec_eval-style metrics, MS MARCO MRR@10) and/or
 * against answers plus a corpus (DPR top-k answer accuracy), with per-query values for significance
 * tests.
 *
 * Conventions (all from trec_eval unless said otherwise; see ranking.ts and metrics/):
 * - Order: score descending, ties by document id descending; the rank column is ignored except by
 *   `mrr_msmarco@10`, which follows the file's rank order as the official script does.
 * - Queries: every query in the qrels (or answers) is evaluated; one the run lacks scores 0 on every
 *   metric (trec_eval -c; ms_marco_eval.py divides by the qrels' query count; DPR divides by the
 *   number of questions). `onlyRunQueries` evaluates only queries that are in both (trec_eval's
 *   default without -c). Run queries absent from the qrels are ignored (and counted).
 * - Relevance: grade >= `relevanceThreshold` (default 1 = trec_eval's `-l 1`, i.e. grade > 0 for
 *   integer grades); nDCG uses the raw grades as gains whatever the threshold, as trec_eval does.
 *
 * Memory: the run is streamed; when each query's lines are adjacent (every common tool writes them
 * so) only one query's lines are held at a time. A run whose queries are interleaved is detected and
 * re-read whole into memory. For answer accuracy the top-k ids per question are kept, then the
 * corpus is streamed once, tokenising only passages some question retrieved.
 */
import { readAnswersFile, readCorpusFile } from './data-access';
import { InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { AnswerMatch, AnswerMatcher, dprTokens, passageMatchText, topKAccuracy } from './answers';
import { computeQrelsMetric, DEFAULT_ANSWER_METRICS, DEFAULT_QRELS_METRICS, MetricSpec, parseMetrics } from './metrics';
import { QrelsFormat, loadJudgements } from './qrels';
import { judgeArrays, topIndices } from './ranking';
import { readRunGroups, RunFormat, RunGroup } from './runfile';
import type { Answers, Passage, Qrels, Run } from './types';

export interface EvaluateOptions {
  /** A run file (TREC or MS MARCO format) or a run in memory. */
  run: string | Run;
  runFormat?: RunFormat;
  /** Qrels file (TREC or BEIR TSV) or qrels in memory; needed by every metric but acc@k. */
  qrels?: string | Qrels;
  qrelsFormat?: QrelsFormat;
  /** Metric names (see metrics/index.ts); default: the qrels set and/or acc@1,5,20,100. */
  metrics?: readonly string[];
  /** Grade needed to count as relevant (default 1, trec_eval -l). */
  relevanceThreshold?: number;
  /** Evaluate only queries present in both the run and the qrels/answers (default false). */
  onlyRunQueries?: boolean;
  /** answers.jsonl (`_id`, `answers[]`) or answers in memory; needed by acc@k. */
  answers?: string | Answers;
  /** corpus.jsonl (`_id`, `title`, `text`) or passages in memory; needed by acc@k. */
  corpus?: string | Map<string, Passage>;
  /** DPR match type: 'string' (default) or 'regex' (CuratedTREC). */
  answerMatch?: AnswerMatch;
  /** Match answers against `title . text` (DPR use_title) instead of the text alone. */
  useTitle?: boolean;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

export interface EvaluationCounts {
  /** Queries evaluated (union of the qrels and answers query sets, after onlyRunQueries). */
  queries: number;
  /** Distinct queries in the run. */
  runQueries: number;
  /** Result lines read. */
  runLines: number;
  /** Run queries with neither qrels nor answers (ignored). */
  runQueriesUnjudged: number;
  /** Evaluated queries the run has no line for (scored 0). */
  queriesMissingFromRun: number;
  /** acc@k: retrieved passages not found in the corpus (count as no answer, as in DPR). */
  passagesNotInCorpus: number;
  /** False when a query's lines were not adjacent in the run file (it was then read whole). */
  runGrouped: boolean;
}

export interface EvaluationResult {
  metrics: MetricSpec[];
  /** Mean over the metric's queries (NaN-free), by canonical metric name. */
  aggregate: Record<string, number>;
  /** Evaluated query ids: qrels order, then answer-only queries. */
  queryIds: string[];
  /** Per metric, values aligned with queryIds; NaN where the query has no ground truth for it. */
  perQuery: Record<string, number[]>;
  counts: EvaluationCounts;
  relevanceThreshold: number;
  onlyRunQueries: boolean;
}

class Interleaved extends Error {}

/**
 * Evaluates a run. Throws InputError for unreadable or malformed inputs, unknown metrics, a metric
 * whose ground truth is missing, and when no run query has ground truth at all.
 */
export async function evaluate(opts: EvaluateOptions): Promise<EvaluationResult> {
  const threshold = opts.relevanceThreshold ?? 1;
  if (!Number.isFinite(threshold)) throw new InputError(`relevance threshold: expected a number, got ${threshold}`);
  const haveAnswers = opts.answers !== undefined;
  const haveQrels = opts.qrels !== undefined;
  if (!haveAnswers && !haveQrels) throw new InputError('evaluate: give qrels (--qrels) and/or answers with a corpus (--answers, --corpus)');
  const metricNames = opts.metrics && opts.metrics.length > 0 ? opts.metrics : [...(haveQrels ? DEFAULT_QRELS_METRICS : []), ...(haveAnswers ? DEFAULT_ANSWER_METRICS : [])];
  const specs = parseMetrics(metricNames, '--metrics');
  const qrelsSpecs = specs.filter((s) => !s.needsAnswers);
  const accSpecs = specs.filter((s) => s.needsAnswers);
  if (qrelsSpecs.length > 0 && !haveQrels) throw new InputError(`--metrics: ${qrelsSpecs.map((s) => s.name).join(', ')} need qrels (--qrels)`);
  if (accSpecs.length > 0 && (!haveAnswers || opts.corpus === undefined)) throw new InputError(`--metrics: ${accSpecs.map((s) => s.name).join(', ')} (top-k answer accuracy) need --answers and --corpus`);

  const qrels: Qrels | undefined = qrelsSpecs.length === 0 ? undefined : typeof opts.qrels === 'string' ? await loadJudgements(opts.qrels, { format: opts.qrelsFormat }) : opts.qrels;
  const answers: Answers | undefined = accSpecs.length === 0 ? undefined : typeof opts.answers === 'string' ? await readAnswersFile(opts.answers, opts) : opts.answers;
  const kMax = accSpecs.reduce((m, s) => Math.max(m, s.k), 0);

  // ---- pass over the run -------------------------------------------------------------------
  const qrelsValues = new Map<string, Float64Array>(); // qid → values of qrelsSpecs
  const topDocs = new Map<string, string[]>(); // qid → top-kMax doc ids (answer queries only)
  const runQids = new Set<string>();
  let runLines = 0;
  let runGrouped = true;

  const handle = (qid: string, docIds: string[], scores: ArrayLike<number>, ranks: ArrayLike<number> | undefined) => {
    runQids.add(qid);
    runLines += docIds.length;
    const j = qrels?.get(qid);
    if (j) {
      const ranking = judgeArrays(docIds, scores, ranks, j, threshold);
      const v = new Float64Array(qrelsSpecs.length);
      for (let m = 0; m < qrelsSpecs.length; m++) v[m] = computeQrelsMetric(qrelsSpecs[m], ranking);
      qrelsValues.set(qid, v);
    }
    if (answers?.has(qid)) topDocs.set(qid, topIndices(docIds, scores, kMax).map((i) => docIds[i]));
  };

  const reset = () => {
    qrelsValues.clear();
    topDocs.clear();
    runQids.clear();
    runLines = 0;
  };

  if (typeof opts.run !== 'string') {
    for (const [qid, entries] of opts.run) {
      const seen = new Set<string>();
      for (const e of entries) {
        if (seen.has(e.docId)) throw new InputError(`run: document '${e.docId}' is listed twice for query '${qid}'`);
        // a run file cannot hold a non-finite score (the reader refuses it); one in memory came from NaN embeddings
        if (!Number.isFinite(e.score)) throw new InputError(`run: query '${qid}' document '${e.docId}' has score ${e.score}; metrics are computed only from finite scores (the encoders produced non-finite embeddings?)`);
        seen.add(e.docId);
      }
      const hasRanks = entries.every((e) => e.rank !== undefined);
      handle(qid, entries.map((e) => e.docId), entries.map((e) => e.score), hasRanks ? entries.map((e) => e.rank!) : undefined);
    }
  } else {
    const file = opts.run;
    try {
      for await (const g of readRunGroups(file, { format: opts.runFormat, signal: opts.signal, progress: opts.progress })) {
        if (runQids.has(g.qid)) throw new Interleaved();
        handle(g.qid, g.docIds, g.scores, g.ranks);
      }
    } catch (e) {
      if (!(e instanceof Interleaved)) throw e;
      runGrouped = false;
      reset();
      const groups = new Map<string, RunGroup>();
      for await (const g of readRunGroups(file, { format: opts.runFormat, signal: opts.signal, progress: opts.progress })) {
        const prev = groups.get(g.qid);
        if (!prev) groups.set(g.qid, g);
        else {
          const ids = new Set(prev.docIds);
          for (let i = 0; i < g.docIds.length; i++) {
            if (ids.has(g.docIds[i])) throw new InputError(`${file}: document '${g.docIds[i]}' is listed twice for query '${g.qid}' (again in the lines from ${g.firstLine})`);
            prev.docIds.push(g.docIds[i]);
            prev.scores.push(g.scores[i]);
            prev.ranks.push(g.ranks[i]);
          }
        }
      }
      for (const g of groups.values()) handle(g.qid, g.docIds, g.scores, g.ranks);
    }
  }
  throwIfAborted(opts.signal, 'evaluate');

  // ---- which queries count --------------------------------------------------------------------
  const keep = (qid: string) => !opts.onlyRunQueries || runQids.has(qid);
  const queryIds: string[] = [];
  const index = new Map<string, number>();
  const addQuery = (qid: string) => {
    if (!index.has(qid) && keep(qid)) {
      index.set(qid, queryIds.length);
      queryIds.push(qid);
    }
  };
  if (qrels) for (const qid of qrels.keys()) addQuery(qid);
  if (answers) for (const qid of answers.keys()) addQuery(qid);
  const judgedInRun = [...runQids].filter((q) => qrels?.has(q) || answers?.has(q)).length;
  if (judgedInRun === 0) {
    throw new InputError(`no query of the run (${runQids.size} queries) is in the ${qrels ? 'qrels' : 'answers'}; check that the run and ground-truth files belong together`);
  }

  const perQuery: Record<string, number[]> = {};
  for (const s of specs) perQuery[s.name] = new Array<number>(queryIds.length).fill(NaN);
  if (qrels) {
    for (const qid of qrels.keys()) {
      const i = index.get(qid);
      if (i === undefined) continue;
      const v = qrelsValues.get(qid);
      for (let m = 0; m < qrelsSpecs.length; m++) perQuery[qrelsSpecs[m].name][i] = v ? v[m] : 0;
    }
  }

  // ---- answer accuracy: one pass over the corpus ----------------------------------------------
  let passagesNotInCorpus = 0;
  if (answers && accSpecs.length > 0) {
    const answerQids = queryIdsOf(answers, keep);
    const firstHit = new Map<string, number>();
    const wanted = new Map<string, { q: string; rank: number }[]>();
    for (const qid of answerQids) {
      const docs = topDocs.get(qid);
      if (!docs) continue;
      docs.forEach((d, r) => {
        let l = wanted.get(d);
        if (!l) wanted.set(d, (l = []));
        l.push({ q: qid, rank: r + 1 });
      });
    }
    const mode = opts.answerMatch ?? 'string';
    const matchers = new Map<string, AnswerMatcher>();
    const matcherOf = (qid: string) => {
      let m = matchers.get(qid);
      if (!m) matchers.set(qid, (m = new AnswerMatcher(answers.get(qid)!, mode)));
      return m;
    };
    const visit = (id: string, p: Passage) => {
      const refs = wanted.get(id);
      if (!refs) return;
      wanted.delete(id);
      const text = passageMatchText(p, opts.useTitle);
      let tokens: string[] | undefined;
      let nfd: string | undefined;
      for (const { q, rank } of refs) {
        const best = firstHit.get(q);
        if (best !== undefined && best <= rank) continue;
        const m = matcherOf(q);
        const hit = mode === 'string' ? m.matchesTokens((tokens ??= dprTokens(text))) : m.matchesNormalizedText((nfd ??= text.normalize('NFD')));
        if (hit) firstHit.set(q, rank);
      }
    };
    if (typeof opts.corpus === 'string') {
      for await (const d of readCorpusFile(opts.corpus, opts)) {
        visit(d.id, d);
        if (wanted.size === 0) break;
      }
    } else if (opts.corpus) {
      for (const [id, p] of opts.corpus) if (wanted.has(id)) visit(id, p);
    }
    passagesNotInCorpus = wanted.size;
    for (const qid of answerQids) {
      const i = index.get(qid)!;
      for (const s of accSpecs) perQuery[s.name][i] = topKAccuracy(firstHit.get(qid), s.k);
    }
  }

  const aggregate: Record<string, number> = {};
  for (const s of specs) aggregate[s.name] = meanIgnoringNaN(perQuery[s.name]);
  let queriesMissingFromRun = 0;
  for (const q of queryIds) if (!runQids.has(q)) queriesMissingFromRun++;
  return {
    metrics: specs,
    aggregate,
    queryIds,
    perQuery,
    counts: {
      queries: queryIds.length,
      runQueries: runQids.size,
      runLines,
      runQueriesUnjudged: runQids.size - judgedInRun,
      queriesMissingFromRun,
      passagesNotInCorpus,
      runGrouped,
    },
    relevanceThreshold: threshold,
    onlyRunQueries: !!opts.onlyRunQueries,
  };
}

function queryIdsOf(answers: Answers, keep: (q: string) => boolean): string[] {
  return [...answers.keys()].filter(keep);
}

/** Mean of the non-NaN values; NaN when there are none. */
export function meanIgnoringNaN(values: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isNaN(v)) {
      s += v;
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
}
