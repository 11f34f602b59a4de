import { defineCommand } from '../command';
import { SEED_RANGE } from '../../train/config';
import { writeJsonAtomic } from '../../util/atomic';
import {
  compareEvaluations,
  evaluate,
  EvaluateOptions,
  formatComparisonTable,
  formatMetricsTable,
  formatPerQuery,
} from '../../eval';
import { METRICS_OPTION } from '../../eval/metrics';

export const evaluateCommand = defineCommand({
  name: 'evaluate',
  summary: 'score a run file against qrels (trec_eval conventions) or answers (DPR top-k accuracy)',
  usage: '--run x.trec --qrels y.tsv [--metrics mrr@10,ndcg@10,...] [--compare other.trec]',
  flags: {
    run: { type: 'string', help: 'run file: TREC (qid Q0 docid rank score tag) or MS MARCO (qid<TAB>pid<TAB>rank)', placeholder: 'file', required: true },
    qrels: { type: 'string', help: 'qrels: TREC (qid 0 docid rel) or BEIR TSV (query-id corpus-id score, with header)', placeholder: 'file' },
    metrics: { ...METRICS_OPTION, defaultText: 'mrr@10,recall@100,ndcg@10,map,p@10,success@1,recall@1000; acc@1,5,20,100 with --answers' },
    format: { type: 'string', help: 'run file format', default: 'auto', choices: ['auto', 'trec', 'msmarco'] },
    qrelsFormat: { type: 'string', help: 'qrels file format', default: 'auto', choices: ['auto', 'trec', 'beir'] },
    relevanceThreshold: { type: 'int', help: 'grade a document needs to count as relevant (trec_eval -l)', default: 1, min: 0, max: 2 ** 31 - 1 },
    onlyRunQueries: { type: 'boolean', help: 'average over queries present in the run only (trec_eval without -c); default counts missing queries as 0', default: false },
    answers: { type: 'string', help: 'answers.jsonl (_id, answers[]) for DPR top-k answer accuracy (acc@k)', placeholder: 'file' },
    corpus: { type: 'string', help: 'corpus.jsonl (_id, title, text) holding the passages the run retrieves (for acc@k)', placeholder: 'file' },
    answerMatch: { type: 'string', help: 'DPR answer matching: string (tokens) or regex (CuratedTREC)', default: 'string', choices: ['string', 'regex'] },
    useTitle: { type: 'boolean', help: "match answers against 'title . text' (DPR use_title)", default: false },
    perQuery: { type: 'boolean', help: 'also print every query\'s values (metric<TAB>qid<TAB>value)', default: false },
    compare: { type: 'string', help: 'a second run: print both with paired t-test and randomisation-test p-values', placeholder: 'file' },
    trials: { type: 'int', help: 'randomisation-test trials (with --compare)', default: 10000, min: 1, max: 100_000_000 },
    seed: { type: 'int', help: 'randomisation-test seed', default: 0, ...SEED_RANGE },
    json: { type: 'string', help: 'also write the results (aggregate, per-query, counts) to this JSON file', placeholder: 'file' },
  },
  async run(opts, ctx) {
    const base: Omit<EvaluateOptions, 'run'> = {
      qrels: opts.qrels,
      qrelsFormat: opts.qrelsFormat,
      runFormat: opts.format,
      metrics: opts.metrics,
      relevanceThreshold: opts.relevanceThreshold,
      onlyRunQueries: opts.onlyRunQueries,
      answers: opts.answers,
      corpus: opts.corpus,
      answerMatch: opts.answerMatch,
      useTitle: opts.useTitle,
      progress: ctx.progress,
      signal: ctx.signal,
    };
    const runFile = opts.run;
    const result = await evaluate({ ...base, run: runFile });
    const c = result.counts;
    ctx.log(
      `${runFile}: ${c.runLines} lines, ${c.runQueries} queries; evaluated ${c.queries} queries` +
        (c.queriesMissingFromRun ? ` (${c.queriesMissingFromRun} missing from the run, scored 0)` : '') +
        (c.runQueriesUnjudged ? `; ${c.runQueriesUnjudged} run queries without ground truth ignored` : '') +
        (c.passagesNotInCorpus ? `; ${c.passagesNotInCorpus} retrieved passages not in the corpus` : ''),
    );
    if (opts.perQuery) ctx.out(formatPerQuery(result));
    let comparison;
    if (opts.compare) {
      const other = await evaluate({ ...base, run: opts.compare });
      comparison = compareEvaluations(result, other, { trials: opts.trials, seed: opts.seed });
      ctx.out(formatComparisonTable(comparison, 'run', 'compare'));
      ctx.log(`run = ${runFile}; compare = ${opts.compare}; p-values two-sided (paired t-test; randomisation test, ${opts.trials} trials, seed ${opts.seed})`);
    } else {
      ctx.out(formatMetricsTable(result));
    }
    if (opts.json) {
      writeJsonAtomic(opts.json, {
        run: runFile,
        aggregate: result.aggregate,
        counts: result.counts,
        relevanceThreshold: result.relevanceThreshold,
        onlyRunQueries: result.onlyRunQueries,
        queryIds: result.queryIds,
        perQuery: Object.fromEntries(Object.entries(result.perQuery).map(([k, v]) => [k, v.map((x) => (Number.isNaN(x) ? null : x))])),
        ...(comparison ? { compare: opts.compare, comparison } : {}),
      });
    }
  },
});
