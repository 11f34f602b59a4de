/**
 * Converters from the published formats of external datasets to the canonical layout (one file per
 * format): DPR Natural Questions, MS MARCO passage, BEIR.
 */
export { convertNq, readDprPassages, readDprQaCsv, DPR_PASSAGES, NQ_SPLITS } from './dpr-nq';
export type { ConvertNqOptions, NqSplit, QaRow } from './dpr-nq';
export { convertMsmarco, readIdTextTsv, readMsmarcoQrels, MSMARCO_PASSAGES } from './msmarco';
export type { ConvertMsmarcoOptions } from './msmarco';
export { convertBeir, findBeirFolder } from './beir';
export type { ConvertBeirOptions } from './beir';
export { findSourceFile, parsePythonStringList, readQuotedTsv, requireSourceFile, splitQuotedTsv } from './common';
export type { ConvertCommonOptions, ConvertResult, TsvRecord } from './common';
export { readJsonArray } from './json-array';
export type { JsonArrayElement } from './json-array';
