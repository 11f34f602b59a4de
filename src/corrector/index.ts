/**
 * Corrector networks h(g′(y)) ≈ g_t(y), their losses, and offline / online fitting (PAPER.md).
 * Public face of src/corrector; the training loop and the theory module import from here.
 */
export {
  ACTIVATIONS,
  CORRECTOR_DEFAULTS,
  CORRECTOR_JSON,
  CORRECTOR_KINDS,
  activate,
  buildCorrector,
  correctorFlopsPerRow,
  l2NormalizeRows,
  loadCorrector,
  readSavedCorrector,
  resolveCorrectorConfig,
  saveCorrector,
} from './networks';
export type { Activation, Corrector, CorrectorConfig, CorrectorKind, CorrectorLayer, ResolvedCorrectorConfig } from './networks';
export {
  CORRECTOR_LOSSES,
  blockLogits,
  candidateLogits,
  correctorLoss,
  mseDriftLoss,
  softmaxCeFromLogits,
  softmaxKlFromLogits,
  stopGradient,
} from './losses';
export type { CorrectorLossInputs, CorrectorLossKind } from './losses';
export { Adam } from './adam';
export type { AdamOptions, AdamState, NamedArray } from './adam';
export {
  OnlineCorrectorTrainer,
  applyBlocked,
  clipByGlobalNorm,
  correctRows,
  fitCorrector,
  identityError,
  measureCorrectorError,
} from './fit';
export type {
  CorrectorError,
  CorrectorLossExtra,
  FitCorrectorOptions,
  FitCorrectorReport,
  FitEpochRecord,
  OnlineCorrectorTrainerOptions,
  OnlineCorrectorTrainerState,
} from './fit';
export { readCachePairs, fitCorrectorFromCaches } from './from-caches';
export type { CachePairs, FitCorrectorFromCachesOptions, FitReportJson } from './from-caches';
