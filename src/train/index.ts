/** Training: the loop every negative strategy runs under, its config, ledger, logs, checkpoints, and the one scoring path of encoders. */
export { trainRetriever, candidateMask, encodeAll, type TrainOptions, type TrainResult, type StepInfo } from './loop';
export type { EncoderPair } from '../encoders/types';
export { DEFAULT_TRAIN_CONFIG, resolveConfig, type TrainConfig, type TrainConfigInput, type EncoderConfig, type CorrectorOptions } from './config';
export { parseStrategy, STRATEGY_NAMES, type Strategy } from './strategy';
export { CostLedger, COST_KINDS, MEASURE_KINDS, REEMBED_KINDS, type CostKind, type MeasureKind, type CostSummary, type LedgerSnapshot } from './ledger';
export { RunLog, readLog, type LogRecord, type RetrievalMetrics } from './log';
export { probeStaleness, type ProbeRecord, type ProbeOptions } from './probe';
export { scoreEncoders, retrievalMetrics, TABLE_METRICS, type ScoredSplit, type ScoreOptions, type SplitScore } from './score';
export { configDifferences, formatConfigDifferences, prepareRunFolder, type ConfigDifference, type RunFolderPlan } from './run-config';
export { loadTrainData, passageText, type TrainData, type SplitData } from './data';
export { encoderFactory } from './encoders';
export { saveCheckpoint, loadCheckpoint, hasCheckpoint, CHECKPOINT_VERSION, type LoopState } from './checkpoint';
export { encoderVariables, loadEncoderWeights } from './checkpoint';
