/**
 * Public face of src/data: the canonical dataset layout (BEIR) with streaming readers and
 * writers, loadDataset, and synthetic data with controlled drift.
 */

// --- canonical layout, manifest, id index (dataset.ts) ---
export {
  DATASET_FILES,
  DATASET_FORMAT_NAME,
  DATASET_FORMAT_VERSION,
  QRELS_HEADER,
  IdIndex,
  countQrels,
  findPlainOrGz,
  qrelsFromRows,
  qrelsPathOf,
  qrelsToRows,
  readManifest,
  resolveDatasetPaths,
  validateManifest,
} from './dataset';
export type { AnswerRecord, CorpusDoc, DatasetManifest, DatasetPaths, QrelRow, Qrels, Query, SplitCounts } from './dataset';

// --- BEIR readers, writers and loadDataset (beir.ts) ---
export {
  loadAnswers,
  loadCorpus,
  loadCorpusIds,
  loadDataset,
  loadQrels,
  loadQueries,
  readAnswers,
  readAnswersLines,
  readCorpus,
  readCorpusLines,
  readJsonlObjects,
  readQrelsLines,
  readQueries,
  readQueriesLines,
  relevantRows,
  writeAnswers,
  writeCorpus,
  writeDataset,
  writeManifest,
  writeQrels,
  writeQueries,
} from './beir';
export type {
  CorpusArrays,
  CorpusIds,
  Dataset,
  DatasetInput,
  IdLookup,
  LoadDatasetOptions,
  LoadQrelsOptions,
  LoadedQrels,
  QrelRowAt,
  ReadRecordsOptions,
  StreamOptions,
  WriteDatasetOptions,
  WriteRecordsOptions,
} from './beir';

// --- synthetic data and drift maps (synthetic.ts) ---
export { applyDrift, driftStats, makeDrift, makeSyntheticData, nearestTargets, normalizeRows, randomOrthogonal } from './synthetic';
export type { DriftKind, DriftMap, DriftOptions, DriftStats, LinearDrift, MlpDrift, NoDrift, RotationDrift, SyntheticData, SyntheticOptions } from './synthetic';

// --- WordNet default task (wordnet.ts) and GloVe vectors (glove.ts): exports added by their author ---
export {
  WORDNET_POS,
  WORDNET_TASK_VERSION,
  buildWordnetTask,
  defaultTask,
  ensureDefaultTask,
  formatTaskStats,
  inflectionsOf,
  lemmaMasker,
  maskLemmasIn,
  parseSynsetLine,
  readWordnetSynsets,
  splitGloss,
  splitOf,
  taskStats,
  wordnetDictDir,
  wordnetLicenseFile,
} from './wordnet';
export type { BuildWordnetTaskOptions, EnsureDefaultTaskOptions, Split, Synset, TaskStats, WordnetPos, WordnetTaskExtra, WordnetTaskManifest } from './wordnet';
export {
  GLOVE_FORMAT,
  GLOVE_FORMAT_VERSION,
  convertGlove,
  defaultGloveDir,
  gloveCacheExists,
  gloveVector,
  loadGlove,
  readGloveDir,
  readGloveHeader,
  writeGloveDir,
  winkGloveJsonPath,
} from './glove';
export type { Glove, GloveHeader } from './glove';

// --- External datasets: download, safe extraction, converters, subsampling ---
export { download, downloadSource, hashFile, verifyFile, partPathOf, extractDirOf, ChecksumError } from './download';
export type { DataSource, RemoteFile, DownloadOptions, DownloadResult } from './download';
export { extractArchive, UnsafeArchiveError, safeEntryPath, archiveFormatOf } from './extract';
export * from './convert';
export { subsampleDataset } from './subsample';
export type { SubsampleOptions, SubsampleResult } from './subsample';
export { DATA_SOURCES, NQ_SOURCE, MSMARCO_SOURCE, BEIR_SOURCES, sourceByName } from './sources';
