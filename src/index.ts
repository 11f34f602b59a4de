/**
 * freshcache's public face: every step the CLI and the notebooks use, by concern. Import a folder
 * (`freshcache/src/cache`) to load less; importing this file loads TensorFlow.js.
 */
export * as tensor from './tensor';
export * as data from './data';
export * as encoders from './encoders';
export * as cache from './cache';
export * as search from './search';
export * as corrector from './corrector';
export * as train from './train';
export * as theory from './theory';
export * as experiments from './experiments';
export * as evaluation from './eval';
export * as report from './report';
export { initBackend } from './tensor';
export { loadDataset } from './data';
export { buildCache } from './cache';
export { searchCache } from './search';
export { fitCorrector } from './corrector';
export { trainRetriever } from './train';
export { estimateBound } from './theory';
export { evaluate } from './eval';
