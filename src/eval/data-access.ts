/**
 * The two dataset files answer accuracy reads, through src/data's BEIR readers (one place parses
 * corpus.jsonl and answers.jsonl).
 */
import { loadAnswers, readCorpus } from '../data/beir';
import type { ProgressFn } from '../util/progress';
import type { Answers } from './types';

interface IoOptions {
  signal?: AbortSignal;
  progress?: ProgressFn;
}

/** answers.jsonl → query id → answers. */
export function readAnswersFile(file: string, opts: IoOptions = {}): Promise<Answers> {
  return loadAnswers(file, { signal: opts.signal, progress: opts.progress });
}

/** Streams corpus.jsonl passages (id, title, text) without the duplicate-id check. */
export function readCorpusFile(file: string, opts: IoOptions = {}): AsyncIterable<{ id: string; title: string; text: string }> {
  return readCorpus(file, { checkDuplicates: false, signal: opts.signal, progress: opts.progress });
}
