/**
 * The datasets a reproduction runs on and how each is scored (its "profile"): the offline WordNet
 * task (built on first use), NQ and MS MARCO converted by `freshcache data convert`, or any folder
 * in the canonical layout, detected from its dataset.json.
 *
 * Metrics per dataset (every qrels split also gets nDCG@10, the qrels grades as gains): WordNet and
 * any other folder: MRR@10, nDCG@10, recall@100 and success@1/10/100 (a relevant passage in the top
 * k) on dev and test. NQ: DPR top-k answer accuracy acc@1/5/10/20/100 on dev (plus qrels MRR@10,
 * nDCG@10, recall@100 and gold success@20 and @100) and on test, whose questions have answers but no
 * qrels (DPR's release); the answers are matched in the passages of the dataset's corpus file. MS
 * MARCO: MRR@10 by the official script's convention (`mrr_msmarco@10`), nDCG@10 and recall@1000 on
 * dev.small. `--metrics` replaces them (reproductionProfile).
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { ensureDefaultTask, formatTaskStats, taskStats } from '../data/wordnet';
import { checkDataset, formatDatasetCheck } from '../data/check';
import { readManifest, resolveDatasetPaths, type DatasetManifest } from '../data/dataset';
import { parseMetrics } from '../eval/metrics';
import type { TrainConfigInput } from '../train/config';
import { defaultStrategies } from './experiment';

/** What kind of dataset a folder holds; decides splits and metrics. */
export type DatasetKind = 'wordnet' | 'nq' | 'msmarco' | 'generic';

/** One split scored at the end of a run. */
export interface EvalSplitSpec {
  split: string;
  /** Score against the split's qrels (its queries' relevant passages). */
  qrels: boolean;
  /** Score DPR top-k answer accuracy against answers.jsonl and the corpus passages. */
  answers: boolean;
  /** src/eval metric names. */
  metrics: string[];
}

/** The splits and metrics of a dataset kind. */
export interface ReproductionProfile {
  kind: DatasetKind;
  trainSplit: string;
  devSplit: string;
  evalSplits: EvalSplitSpec[];
  /** Passages retrieved per query at evaluation. */
  depth: number;
}

/** The WordNet task's and a generic dataset's metrics: the experiment table's, with nDCG@10 and recall@100. */
export const RETRIEVAL_METRICS: readonly string[] = ['mrr@10', 'ndcg@10', 'recall@100', 'success@1', 'success@10', 'success@100'];
export const NQ_ANSWER_METRICS = ['acc@1', 'acc@5', 'acc@10', 'acc@20', 'acc@100'];
/** NQ dev's qrels metrics (the biencoder gold passages). */
export const NQ_QRELS_METRICS = ['mrr@10', 'ndcg@10', 'recall@100', 'success@20', 'success@100'];
export const MSMARCO_METRICS = ['mrr_msmarco@10', 'ndcg@10', 'recall@1000'];

/** Training settings of `--quick` (a few minutes on 2 CPU cores with GloVe on the WordNet task). */
export const QUICK_SETTINGS: TrainConfigInput = { steps: 40, evalQueries: 500, probeRows: 1000, probeQueries: 100, logEvery: 10 };

/** Encoder learning rate used with a BERT checkpoint unless set: DPR's fine-tuning rate [design]. */
export const BERT_DEFAULT_LR = 2e-5;

/**
 * Finds the kind of dataset in `dir` from its dataset.json (the converter or builder that wrote
 * it, or the source of a subsample), else from its files: answers.jsonl → nq; a dev.small split →
 * msmarco; otherwise generic (train / dev / test qrels, scored like the WordNet task).
 */
export function detectDatasetKind(dir: string): DatasetKind {
  const paths = resolveDatasetPaths(dir);
  const m = paths.manifest ? readManifest(paths.manifest) : undefined;
  const extra = (m?.extra ?? {}) as Record<string, unknown>;
  const converter = extra.converter;
  if (converter === 'convertNq') return 'nq';
  if (converter === 'convertMsmarco') return 'msmarco';
  if (extra.builderVersion !== undefined && /wordnet/i.test(m?.name ?? '')) return 'wordnet';
  const source = String(extra.sourceName ?? '');
  if (/^nq\b/i.test(source)) return 'nq';
  if (/^msmarco/i.test(source)) return 'msmarco';
  if (paths.qrels['dev.small']) return 'msmarco';
  if (paths.answers && paths.qrels.dev) return 'nq';
  return 'generic';
}

function answerOnlySplits(m: DatasetManifest | undefined): string[] {
  const v = (m?.extra as Record<string, unknown> | undefined)?.answerOnlySplits;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * The splits and metrics used for a dataset folder of the given kind (see the module comment).
 * `metrics` (src/eval names) replace each split's: answer accuracy (acc@k) on the splits with
 * answers, the others on the splits with qrels; a split left with none is not scored; a metric no
 * split can score is an InputError. Passages are retrieved to the largest cutoff asked for.
 */
export function reproductionProfile(dir: string, kind: DatasetKind, metrics?: readonly string[]): ReproductionProfile {
  const profile = defaultProfile(dir, kind);
  if (!metrics) return profile;
  const specs = parseMetrics(metrics, '--metrics');
  const evalSplits = profile.evalSplits
    .map((s) => ({ ...s, metrics: specs.filter((m) => (m.needsAnswers ? s.answers : s.qrels)).map((m) => m.name) }))
    .filter((s) => s.metrics.length > 0);
  const unscored = specs.find((m) => !evalSplits.some((s) => s.metrics.includes(m.name)));
  if (unscored) {
    const has = profile.evalSplits.map((s) => `${s.split}: ${[s.qrels ? 'qrels' : '', s.answers ? 'answers' : ''].filter(Boolean).join(' and ')}`).join('; ');
    throw new InputError(`--metrics: ${unscored.name} needs ${unscored.needsAnswers ? 'answers (answers.jsonl)' : 'qrels'}, which no evaluation split of ${dir} has (${has})`);
  }
  const cutoffs = specs.map((m) => m.k).filter(Number.isFinite);
  return { ...profile, evalSplits, depth: Math.max(profile.depth, ...cutoffs) };
}

function defaultProfile(dir: string, kind: DatasetKind): ReproductionProfile {
  const paths = resolveDatasetPaths(dir);
  const m = paths.manifest ? readManifest(paths.manifest) : undefined;
  const has = (s: string) => paths.qrels[s] !== undefined;
  const need = (s: string, why: string) => {
    if (!has(s)) throw new InputError(`${dir}: no qrels/${s}.tsv (${why}; available splits: ${Object.keys(paths.qrels).join(', ') || 'none'})`);
    return s;
  };
  if (kind === 'nq') {
    const evalSplits: EvalSplitSpec[] = [{ split: need('dev', 'NQ is evaluated on dev'), qrels: true, answers: !!paths.answers, metrics: [...(paths.answers ? NQ_ANSWER_METRICS : []), ...NQ_QRELS_METRICS] }];
    if (paths.answers && (has('test') || answerOnlySplits(m).includes('test'))) {
      evalSplits.push({ split: 'test', qrels: has('test'), answers: true, metrics: [...NQ_ANSWER_METRICS] });
    }
    return { kind, trainSplit: need('train', 'training needs the biencoder train positives'), devSplit: 'dev', evalSplits, depth: 100 };
  }
  if (kind === 'msmarco') {
    const dev = has('dev.small') ? 'dev.small' : need('dev', 'MS MARCO is evaluated on dev.small (or dev)');
    return { kind, trainSplit: need('train', 'training needs qrels.train'), devSplit: dev, evalSplits: [{ split: dev, qrels: true, answers: false, metrics: [...MSMARCO_METRICS] }], depth: 1000 };
  }
  const evalSplits: EvalSplitSpec[] = [{ split: need('dev', 'evaluation needs a dev split'), qrels: true, answers: false, metrics: [...RETRIEVAL_METRICS] }];
  if (has('test')) evalSplits.push({ split: 'test', qrels: true, answers: false, metrics: [...RETRIEVAL_METRICS] });
  return { kind, trainSplit: need('train', 'training needs a train split'), devSplit: 'dev', evalSplits, depth: 100 };
}

function missingDatasetError(name: 'nq' | 'msmarco', dir: string, dataDir: string): InputError {
  const raw = path.join(dataDir, 'raw');
  const conv = name === 'nq'
    ? `npx freshcache data download nq --dir ${raw} && npx freshcache data convert nq --from ${path.join(raw, 'nq')} --out ${dir} --gzip-corpus`
    : `npx freshcache data download msmarco --dir ${raw} && npx freshcache data convert msmarco --from ${path.join(raw, 'msmarco')} --out ${dir}`;
  const sub = name === 'nq'
    ? `npx freshcache data subsample --from ${dir} --out ${dir}-100k --extra 100000 --seed 0 --splits train,dev`
    : `npx freshcache data subsample --from ${dir} --out ${dir}-200k --extra 200000 --seed 0 --splits train,dev.small --max-queries 20000`;
  return new InputError(`${path.join(dir, 'dataset.json')}: not found (${name} is not converted yet); on a machine with internet run: ${conv}; for a laptop-size slice then run: ${sub} and pass --dataset ${name === 'nq' ? `${dir}-100k` : `${dir}-200k`} (see data-scripts/README.md)`);
}

/**
 * The dataset folder for `dataset`: 'wordnet' → the offline task under <dataDir>/wordnet (built on
 * first use); 'nq' / 'msmarco' → <dataDir>/nq, <dataDir>/msmarco, which must hold a finished
 * conversion (dataset.json is written last), else an InputError with the commands to download
 * and convert (or subsample); anything else is a folder in the canonical layout.
 */
export async function resolveReproductionDataset(dataset: string, dataDir = 'data', opts: { progress?: ProgressFn; signal?: AbortSignal } = {}): Promise<{ dir: string; kind: DatasetKind }> {
  if (dataset === 'wordnet') return { dir: await ensureDefaultTask({ dataDir: path.join(dataDir, 'wordnet'), progress: opts.progress, signal: opts.signal }), kind: 'wordnet' };
  if (dataset === 'nq' || dataset === 'msmarco') {
    const dir = path.join(dataDir, dataset);
    if (!fs.existsSync(path.join(dir, 'dataset.json'))) throw missingDatasetError(dataset, dir, dataDir);
    return { dir, kind: dataset };
  }
  if (!fs.existsSync(dataset)) throw new InputError(`--dataset: ${dataset}: not found (expected wordnet, nq, msmarco, or a dataset folder in the canonical layout)`);
  return { dir: dataset, kind: detectDatasetKind(dataset) };
}

/** The strategies a reproduction compares by default: the `npm start` set, without the oracle on NQ / MS MARCO (a full corpus encode per step). */
export function reproductionStrategies(kind: DatasetKind, steps: number): string[] {
  const all = defaultStrategies(steps);
  return kind === 'nq' || kind === 'msmarco' ? all.filter((s) => s !== 'oracle') : all;
}

/** Training-config overrides of an encoder choice: 'glove' → the default; a folder → BERT from it (lr 2e-5 unless given). */
export function encoderConfigOf(encoder: string | undefined): TrainConfigInput {
  if (encoder === undefined || encoder === 'glove' || encoder === 'glove-bag') return {};
  return { encoder: { kind: 'bert', checkpoint: path.resolve(encoder) }, lr: BERT_DEFAULT_LR };
}

/**
 * What `start` prints about its dataset: the WordNet task's statistics (lemmas, senses) for the
 * WordNet task, and for any other folder the summary of `data check` (documents, queries and
 * judgements per split, grades, empty texts; without token counts, which need the encoder).
 */
export async function datasetStatistics(dir: string, opts: { signal?: AbortSignal; progress?: ProgressFn } = {}): Promise<string> {
  if (detectDatasetKind(dir) === 'wordnet') return formatTaskStats(await taskStats(dir));
  return formatDatasetCheck(await checkDataset(dir, opts)).join('\n');
}
