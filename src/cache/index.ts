/** The on-disk embedding cache: build, read, refresh, shard/merge, staleness probes. */
export * from './types';
export * from '../util/f16';
export { MemoryEmbeddings, gatherRows } from './memory';
export { HalfEmbeddings } from './half';
export { buildCache, saveEmbeddings, defaultTextOf, type BuildCacheOptions, type SaveEmbeddingsOptions, type CorpusDoc } from './build';
export { mergeCache, type MergeCacheOptions } from './merge';
export { openCache, CacheReader, verifyChecksums, type OpenCacheOptions } from './reader';
export { readManifest, MANIFEST_FILE } from './manifest';
export { refreshRows, refreshRowsOnDisk } from './refresh';
export * from './staleness';
