/**
 * Generalization-bound terms for correctors and their estimates (docs/theory.md): `estimateBound`
 * (term table from a trained corrector and fresh pairs), the complexity estimates, and what the
 * sweeps measure of a corrector (measure.ts). The sweep runners live in src/experiments.
 */
export { estimateBound, formatBoundTable, maxLogProbGap } from './bound';
export type { BoundEstimate, BoundTerm, EstimateBoundOptions, Pairs, TermSource } from './bound';
export { branchNorms, spectralRademacher, frobeniusRademacher, spectralComplexity, dudleyBound } from './complexity';
export type { BranchNorms, LayerNorms, RademacherEstimate } from './complexity';
export { extractBranch, branchForward, branchInputRadius, activationLipschitz, augmentedLayers } from './branch';
export type { Branch, BranchLayer } from './branch';
export { spectralNorm, frobeniusNorm, columnNorm21 } from './linalg';
export type { Matrix, SpectralNormEstimate } from './linalg';
export { DEFAULT_CAPACITIES, measureCorrector, boundMetrics, correctorConfig, rowsOf } from './measure';
export type { SweepCapacity, CorrectorMeasures, BoundMeasures } from './measure';
export { estimateBoundFromCaches, estimateBoundOnSynthetic, splitPairs } from './sources';
export type { BoundFromCachesOptions, BoundOnSyntheticOptions } from './sources';
