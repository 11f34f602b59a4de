/**
 * The canonical dataset layout (BEIR: corpus.jsonl, queries.jsonl, qrels/<split>.tsv, answers.jsonl):
 * readers (beir-read.ts), loadDataset (beir-load.ts) and writers (beir-write.ts), one import away.
 */
export * from './beir-read';
export * from './beir-load';
export * from './beir-write';
