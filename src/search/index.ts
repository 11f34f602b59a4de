/**
 * Search over an embedding cache: exact blocked top-k, Gumbel-top-k sampling, and the usearch ANN
 * index with exact re-scoring of a candidate pool. `searchCache` is the folder's step.
 */
import { exactSearch, type ExactSearchOptions } from './exact';
import { candidatePoolSearch, type AnnIndex } from './ann';
import type { SearchResult } from './types';

export * from './types';
export { exactSearch, defaultBlockRows, DEFAULT_BLOCK_ROWS, type ExactSearchOptions } from './exact';
export { gumbelTopK, softmax, type GumbelSearchOptions } from './gumbel';
export { RunningTopK, Exclusions } from './topk';
export { rescorePool, readRows, type RescorePoolOptions } from './pool';
export {
  AmortisedSelection, amortisationPeriod,
  type AmortisedSelectionOptions, type AmortisedSelectOptions, type CorrectedSelection, type AmortisedSnapshot,
} from './corrected';
export {
  AnnIndex, buildAnnIndex, openAnnIndex, candidatePoolSearch, recallAtK, resolveAnnSettings,
  DEFAULT_ANN_SETTINGS, ANN_INDEX_FILE, ANN_META_FILE,
  type AnnSettings, type AnnMetric, type AnnQuantization, type AnnIndexMeta, type BuildAnnOptions,
  type OpenAnnOptions, type CandidatePoolOptions,
} from './ann';

export interface SearchCacheOptions extends ExactSearchOptions {
  /** Score only a candidate pool of `poolSize` rows per query proposed by this ANN index (on g′). */
  ann?: { index: AnnIndex; poolSize: number; threads?: number };
}

/**
 * Top-k (or, with `sample`, Gumbel-top-k from softmax(β·s)) rows of s = ⟨q, T(e)⟩ per query, over
 * the whole cache (exact, blocked) or, with `ann`, over the index's candidate pool re-scored
 * exactly. Excluded rows never come back; missing slots are -1 / -Infinity.
 */
export async function searchCache(options: SearchCacheOptions): Promise<SearchResult> {
  const { ann, ...rest } = options;
  if (!ann) return exactSearch(rest);
  return candidatePoolSearch({ ...rest, index: ann.index, poolSize: ann.poolSize, threads: ann.threads });
}
export {
  searchCacheFolder, searchToRun, readQueryEmbeddings,
  type SearchCacheFolderOptions, type CacheFolderSearch,
} from './queries';
export { Bm25Index, PYSERINI_BM25, bm25DocumentText, lengthToNorm, normToLength, quantizedLength, type Bm25Params, type Bm25Document, type Bm25Hits, type Bm25BuildOptions } from './bm25';
export { bm25SearchFiles, type Bm25SearchFilesOptions } from './bm25-search';
export { mineBm25Negatives, saveBm25Negatives, loadBm25Negatives, type MineBm25NegativesOptions, type Bm25NegativesFile } from './bm25-negatives';
