/**
 * src/eval: metrics, run and qrels files, DPR answer matching, significance tests; pure TypeScript,
 * no tensors. The step is `evaluate`.
 */
export * from './types';
export { evaluate, meanIgnoringNaN } from './evaluate';
export type { EvaluateOptions, EvaluationResult, EvaluationCounts } from './evaluate';
export {
  parseMetric,
  parseMetrics,
  computeQrelsMetric,
  DEFAULT_QRELS_METRICS,
  DEFAULT_ANSWER_METRICS,
  successAt,
  averagePrecisionAt,
  msmarcoReciprocalRank,
  reciprocalRankAt,
  ndcgAt,
  precisionAt,
  recallAt,
} from './metrics';
export type { MetricSpec, MetricKind } from './metrics';
export { compareCodePoints, compareTrec, sortTrec, judgeRanking, judgeArrays, qrelsStats, topIndices } from './ranking';
export type { JudgedRanking } from './ranking';
export { loadJudgements, countJudgements } from './qrels';
export type { QrelsFormat, LoadJudgementsOptions } from './qrels';
export { readRun, readRunGroups, writeRun, detectRunFormat, runEntries } from './runfile';
export type { RunFormat, RunGroup, ReadRunOptions, WriteRunOptions } from './runfile';
export { dprTokens, containsTokenSequence, compileAnswerPattern, AnswerMatcher, hasAnswer, passageMatchText, topKAccuracy } from './answers';
export type { AnswerMatch } from './answers';
export { pairedTTest, randomizationTest, studentTCdf, studentTTwoSidedP, regularizedIncompleteBeta, logGamma } from './significance';
export type { TTestResult, RandomizationResult, RandomizationOptions, PairedTestResult } from './significance';
export { compareEvaluations } from './compare';
export type { MetricComparison, CompareOptions } from './compare';
export { formatMetricsTable, formatPerQuery, formatComparisonTable, formatValue } from './table';
export { REFERENCE_NUMBERS, referenceNumbersFor, quotedRows, type ReferenceNumber, type QuotedRow } from './reference-numbers';
