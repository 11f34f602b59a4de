/**
 * Generalization-bound terms for correctors and their estimates (docs/theory.md): `estimateBound`
 * (term table from a trained corrector and fresh pairs), the complexity estimates, and the synthetic
 * experiment suite `runSyntheticSweep`.
 */
export { estimateBound, formatBoundTable, maxLogProbGap } from './bound';
export type { BoundEstimate, BoundTerm, EstimateBoundOptions, Pairs, TermSource } from './bound';
export { branchNorms, spectralRademacher, frobeniusRademacher, spectralComplexity, dudleyBound } from './complexity';
export type { BranchNorms, LayerNorms, RademacherEstimate } from './complexity';
export { extractBranch, branchForward, branchInputRadius, activationLipschitz, augmentedLayers } from './branch';
export type { Branch, BranchLayer } from './branch';
export { spectralNorm, frobeniusNorm, columnNorm21 } from './linalg';
export type { Matrix, SpectralNormEstimate } from './linalg';
export { runSyntheticSweep, formatSweepTable, summarize, DEFAULT_CAPACITIES, evaluateCorrector, fitOffline, topK } from './sweep';
export type { SyntheticSweepOptions, SyntheticSweepResult, SweepPoint, SweepRunMetrics, SweepCapacity, SweepMode, SweepAxis, Stat, ResolvedSweepOptions } from './sweep';
export { estimateBoundFromCaches, estimateBoundOnSynthetic, splitPairs } from './sources';
export type { BoundFromCachesOptions, BoundOnSyntheticOptions } from './sources';
export { runCacheCapacitySweep, formatCapacityTable } from './capacity';
export type { CacheCapacitySweepOptions, CacheCapacitySweepResult, CacheCapacityPoint } from './capacity';
