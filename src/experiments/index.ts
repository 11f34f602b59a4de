/**
 * The experiments layer: what composes training (src/train), evaluation (src/eval), the bound's
 * estimates (src/theory) and the tables (src/report) into experiments — the default experiment of
 * `npm start` and its sweeps, `reproduce` on a dataset, the synthetic and real-cache corrector
 * sweeps, the notebooks' training plan — and the one owner of the run folders they write.
 */
export {
  runExperiment, runConfig, summarizeRuns, defaultStrategies, sweepVariants, SCALABLE_CORRECTOR,
  type ExperimentOptions, type ExperimentRow, type Variant,
} from './experiment';
export {
  runFolderName, runFolderPath, initialCacheFolder, parseRunName, runFolderState, readRunResult, findRuns, readRunLogs,
  loadTrainedEncoders, loadTrainedCorrector, readRunEvaluation, writeRunEvaluation,
  type RunFolderState, type FoundRun, type StoredEvaluation,
} from './run-folder';
export { corpusCacheOnDisk, textCacheOnDisk, readCacheRows, initialCorpusEmbeddings, trainedTargetCache } from './corpus-cache';
export { trainedCorrectorBound, type TrainedBoundOptions } from './trained-bound';
export { reproduce, scoreTrainedRun, type ReproduceOptions, type ReproduceResult } from './reproduce';
export {
  detectDatasetKind, reproductionProfile, resolveReproductionDataset, reproductionStrategies, encoderConfigOf,
  QUICK_SETTINGS, BERT_DEFAULT_LR, RETRIEVAL_METRICS, NQ_ANSWER_METRICS, MSMARCO_METRICS,
  type DatasetKind, type EvalSplitSpec, type ReproductionProfile,
} from './datasets';
export { reproductionTable, formatReproductionTable, writeReproductionTable, type ReproductionTable, type ReproductionRow, type ReproductionColumn } from './reproduction-table';
export {
  notebookQuick, notebookExperimentName, defaultTrainingGrid, trainingPlan, planSubset, planLabels, correctorLabel, runNotebookPlan, cachedJson, withSplitSubset,
  type NotebookPlan, type TrainingGrid, type GridCorrector, type NotebookRuns,
} from './notebooks';
export { loadRunResults, runResultRecords, RUN_RESULT_COLUMNS, type RunResultRecord } from './run-results';
export { CAPACITY_LADDER, fitCapacityLadder, splitEvery, type CapacityPoint, type CapacityResult } from './capacity-ladder';
export {
  runSyntheticSweep, formatSweepTable, fitOffline,
  type SyntheticSweepOptions, type SyntheticSweepResult, type ResolvedSweepOptions, type SweepPoint, type SweepRunMetrics, type SweepMode, type SweepAxis,
} from './synthetic-sweep';
export { runCacheCapacitySweep, formatCapacityTable, type CacheCapacitySweepOptions, type CacheCapacitySweepResult, type CacheCapacityPoint } from './capacity-sweep';
export { HEADLINE_EXPERIMENT, HEADLINE_SUMMARY_DIR, HEADLINE_TIMES_FILE, HEADLINE_PARTS, type HeadlinePart, DRIFT_FACTORS, REFRESH_LADDER, HARD_REGIME, HARD_REFRESH, headlineGrid, timingKey, readRunTimes, estimateRunSeconds, formatPlan, type HeadlineSpec, type RunTimes, type PlannedRun } from './headline-grid';
export { runHeadline, planHeadline, headlineRun, writeHeadline, PROJECTION_TOKENS, type HeadlineOptions } from './headline';
export { exploreCorrector, exploreGrid, DEFAULT_GRID, DEFAULT_EXPLORE_SETTINGS, EXPLORE_CACHE_DIR, type ExploreConfig, type ExploreSettings, type ExploreOptions } from './complexity-explorer';
export { fitOnline, type OnlineFitOptions, type OnlineFitReport } from './online-fit';
