/**
 * The training view of a dataset: the corpus as arrays (row index = position) and, per split, the
 * query texts with their relevant rows. Small corpora only (the offline default task has 117,791
 * passages); a 21M-passage corpus is trained from its on-disk cache and a streamed corpus instead.
 */
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { loadDataset, type CorpusArrays } from '../data/beir';

export interface SplitData {
  queryIds: string[];
  queryTexts: string[];
  /** Relevant corpus rows of each query (grade > 0). */
  positives: Int32Array[];
  /** The qrels grade of each relevant row, parallel to `positives` (nDCG's gains); absent: every grade is 1. */
  grades?: Float64Array[];
}

export interface TrainData {
  corpusIds: string[];
  /** What the target encoder reads: title and text joined. */
  corpusTexts: string[];
  splits: Record<string, SplitData>;
  /** Every query of queries.jsonl, judged or not: with the corpus, the zero-shot encoder's vocabulary. */
  allQueryTexts?: string[];
}

/** The text a target encoder sees for a passage: `title: text` when there is a title (DPR joins them too). */
export function passageText(title: string, text: string): string {
  return title ? `${title}: ${text}` : text;
}

/**
 * Loads a dataset folder (canonical layout) into the training view: the corpus in memory and, per
 * split, its queries with their relevant rows. The dataset reader checks every file (malformed
 * lines, duplicate ids, qrels naming unknown ids) and names the file and line of any problem.
 */
export async function loadTrainData(dir: string, splits: string[], opts: { progress?: ProgressFn; signal?: AbortSignal } = {}): Promise<TrainData> {
  let corpus: CorpusArrays | undefined;
  let allQueryTexts: string[] | undefined;
  const out: Record<string, SplitData> = {};
  for (const split of splits) {
    const first = corpus === undefined;
    const ds = await loadDataset(dir, { split, loadCorpus: first, knownCorpus: corpus, allQueries: first, ...opts });
    corpus ??= ds.corpus!;
    allQueryTexts ??= ds.queries.map((q) => q.text);
    const s: SplitData = { queryIds: [], queryTexts: [], positives: [], grades: [] };
    for (const q of ds.queries) {
      const rows: number[] = [];
      const grades: number[] = [];
      for (const [docId, grade] of ds.qrels.get(q.id) ?? []) {
        if (grade <= 0) continue;
        rows.push(corpus.index.get(docId)!); // loadDataset checked every corpus id against the corpus
        grades.push(grade);
      }
      if (rows.length === 0) continue; // no relevant passage: nothing to train or score on
      s.queryIds.push(q.id);
      s.queryTexts.push(q.text);
      s.positives.push(Int32Array.from(rows));
      s.grades!.push(Float64Array.from(grades));
    }
    out[split] = s;
  }
  if (!corpus) throw new InputError(`${dir}: no splits requested`);
  return { corpusIds: corpus.ids, corpusTexts: corpus.ids.map((_, i) => passageText(corpus!.titles[i], corpus!.texts[i])), splits: out, allQueryTexts };
}
