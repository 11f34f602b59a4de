/**
 * `reproduce`: the paper's comparison on one dataset, end to end and resumable at every stage.
 *
 *   data       resolve the dataset folder: the offline WordNet task (built on first use), data/nq or
 *              data/msmarco (converted by `freshcache data convert`), or any folder in the canonical
 *              layout; pick the dataset's splits and metrics (its "profile").
 *   train      runExperiment: the initial cache is built once on disk and reused while the encoder
 *              fingerprint matches; every strategy × seed trains, resumes from its checkpoint, or is
 *              reused when finished with the same config.
 *   evaluate   per finished run: the trained encoders are restored from the run's final checkpoint,
 *              the corpus is encoded fresh, every evaluation split is searched exactly (top 100, top
 *              1000 on MS MARCO) and scored by src/eval with the dataset's metrics; the TREC run
 *              files and `reproduce-eval.json` go into the run folder. Reused while the run's
 *              result.json and the evaluation settings are unchanged.
 *   table      our rows (mean over seeds, in percent) and the published numbers, marked "(quoted)",
 *              in results/<name>/reproduction.{md,json,csv}; results/<name>/stages.json records
 *              which stage finished and what was reused.
 *
 * Metrics per dataset: WordNet: MRR@10 and success@1/10/100 ("R@k": a relevant passage in the top
 * k) on dev and test. NQ: DPR top-k answer accuracy acc@1/5/10/20/100 on dev (plus qrels success@20
 * and @100) and on test, whose questions have answers but no qrels (DPR's release); the answers
 * are matched in the passages of the dataset's corpus file. MS MARCO: MRR@10 by the official
 * script's convention (`mrr_msmarco@10`) and R@1000 on dev.small.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { sha256, sha256File } from '../util/hash';
import { ensureDefaultTask } from '../data/wordnet';
import { loadDataset } from '../data/beir';
import { readManifest, resolveDatasetPaths, type DatasetManifest } from '../data/dataset';
import { loadGlove, type Glove } from '../data/glove';
import { MemoryEmbeddings } from '../cache/memory';
import { exactSearch } from '../search/exact';
import { evaluate } from '../eval/evaluate';
import { writeRun } from '../eval/runfile';
import type { Answers, Qrels, Run, RunEntry } from '../eval/types';
import { quotedRows } from '../eval/reference-numbers';
import { DEFAULT_TRAIN_CONFIG, resolveConfig, type TrainConfigInput } from './config';
import { loadTrainData, type TrainData } from './data';
import { encoderFactory } from './encoders';
import { encodeCorpus } from './evaluate';
import { loadEncoderWeights } from './checkpoint';
import { defaultStrategies, runExperiment, type ExperimentSummaryRow } from './experiment';
import type { TrainResult } from './loop';
import type { EncoderPair } from '../encoders/types';

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

export const RETRIEVAL_METRICS = ['mrr@10', 'success@1', 'success@10', 'success@100'];
export const NQ_ANSWER_METRICS = ['acc@1', 'acc@5', 'acc@10', 'acc@20', 'acc@100'];
export const MSMARCO_METRICS = ['mrr_msmarco@10', 'recall@1000'];

/** Training settings of `--quick` (a few minutes on 2 CPU cores with GloVe on the WordNet task). */
export const QUICK_SETTINGS: TrainConfigInput = { steps: 40, evalQueries: 500, probeRows: 1000, probeQueries: 100, logEvery: 10 };

/** Encoder learning rate used with a BERT checkpoint unless set: DPR's fine-tuning rate [design]. */
export const BERT_DEFAULT_LR = 2e-5;

const EVAL_VERSION = 1;

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

/** The splits and metrics used for a dataset folder of the given kind (see the module comment). */
export function reproductionProfile(dir: string, kind: DatasetKind): ReproductionProfile {
  const paths = resolveDatasetPaths(dir);
  const m = paths.manifest ? readManifest(paths.manifest) : undefined;
  const has = (s: string) => paths.qrels[s] !== undefined;
  const need = (s: string, why: string) => {
    if (!has(s)) throw new InputError(`${dir}: no qrels/${s}.tsv (${why}; available splits: ${Object.keys(paths.qrels).join(', ') || 'none'})`);
    return s;
  };
  if (kind === 'nq') {
    const evalSplits: EvalSplitSpec[] = [{ split: need('dev', 'NQ is evaluated on dev'), qrels: true, answers: !!paths.answers, metrics: [...(paths.answers ? NQ_ANSWER_METRICS : []), 'success@20', 'success@100'] }];
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

export interface ReproduceOptions {
  /** 'wordnet' | 'nq' | 'msmarco' | a dataset folder. */
  dataset: string;
  /** Where wordnet / nq / msmarco live (default 'data'). */
  dataDir?: string;
  /** Override the detected dataset kind of a folder. */
  kind?: DatasetKind;
  /** 'glove' (default: the GloVe bag of embeddings) or a Hugging Face BERT checkpoint folder. */
  encoder?: string;
  /** Default: reproductionStrategies(kind, steps). */
  strategies?: string[];
  seeds?: number[];
  steps?: number;
  /** QUICK_SETTINGS (overridden by `steps` and `base`). */
  quick?: boolean;
  /** Further training-config overrides (batch size, lr, corrector, ...). */
  base?: TrainConfigInput;
  /** Experiment name: runs/<name>/ and results/<name>/ (default `reproduce-<dataset>[-quick]`). */
  name?: string;
  runsDir?: string;
  resultsDir?: string;
  /** Recompute finished runs and evaluations. */
  fresh?: boolean;
  /** A word-vector table in place of GloVe (tests). */
  glove?: Glove;
  progress?: ProgressFn;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Metrics of one split of one run. */
export interface SplitEvaluation {
  queries: number;
  /** Metric name → value in [0, 1]. */
  metrics: Record<string, number>;
}

/** A column of the reproduction table: one metric on one split. */
export interface ReproductionColumn {
  /** `<split> <metric>`. */
  key: string;
  split: string;
  metric: string;
}

export interface ReproductionRow {
  label: string;
  /** A published number, not measured here. */
  quoted: boolean;
  seeds?: number;
  /** Column key → percent (mean over seeds for our rows). */
  values: Record<string, number>;
  /** Column key → standard deviation over seeds, in percent (our rows with several seeds). */
  sd?: Record<string, number>;
  /** Corpus re-encodes beyond the initial cache, in corpus passes (our rows). */
  reembedCorpusPasses?: number;
  sources?: string[];
  notes?: string[];
}

export interface ReproductionTable {
  name: string;
  dataset: string;
  kind: DatasetKind;
  encoder: string;
  columns: ReproductionColumn[];
  rows: ReproductionRow[];
}

export interface ReproduceResult {
  dir: string;
  kind: DatasetKind;
  profile: ReproductionProfile;
  table: ReproductionTable;
  markdown: string;
  /** Experiment summary (dev metrics of the training loop, re-embedding cost). */
  summary: ExperimentSummaryRow[];
  /** Per run (`<label>-s<seed>`): split → metrics. */
  evaluations: Record<string, Record<string, SplitEvaluation>>;
  files: string[];
  /** Stages not redone: finished runs and evaluations reused from disk. */
  reused: { runs: number; evaluations: number };
}

/** Training-config overrides of an encoder choice: 'glove' → the default; a folder → BERT from it (lr 2e-5 unless given). */
export function encoderConfigOf(encoder: string | undefined): TrainConfigInput {
  if (encoder === undefined || encoder === 'glove' || encoder === 'glove-bag') return {};
  return { encoder: { kind: 'bert', checkpoint: path.resolve(encoder) }, lr: BERT_DEFAULT_LR };
}

const runFolderName = (label: string, seed: number) => `${label.replace(/[^\w.-]+/g, '_')}-s${seed}`;

/** Runs (or resumes) the reproduction on one dataset; see the module comment for the stages. */
export async function reproduce(o: ReproduceOptions): Promise<ReproduceResult> {
  const log = o.log ?? (() => {});
  const dataDir = o.dataDir ?? 'data';
  const runsRoot = o.runsDir ?? 'runs';
  const resultsRoot = o.resultsDir ?? 'results';
  const resolved = await resolveReproductionDataset(o.dataset, dataDir, { progress: o.progress, signal: o.signal });
  const dir = resolved.dir;
  const kind = o.kind ?? resolved.kind;
  const profile = reproductionProfile(dir, kind);
  const datasetLabel = ['wordnet', 'nq', 'msmarco'].includes(o.dataset) ? o.dataset : path.basename(path.resolve(dir));
  const name = o.name ?? `reproduce-${datasetLabel.replace(/[^\w.-]+/g, '_')}${o.quick ? '-quick' : ''}`;
  const resultsDir = path.join(resultsRoot, name);
  const stagesFile = path.join(resultsDir, 'stages.json');
  const stages: Record<string, unknown> = { version: 1, name, dataset: dir, kind, profile };
  const saveStages = (stage: string, value: Record<string, unknown>) => {
    stages[stage] = { ...value, finishedAt: new Date().toISOString() };
    fs.mkdirSync(resultsDir, { recursive: true });
    writeJsonAtomic(stagesFile, stages);
  };
  saveStages('data', { done: true, dir, kind });

  // ---- data: train / dev (+ qrels eval splits) as training data; answers-only splits beside ----
  const qrelsSplits = [...new Set([profile.trainSplit, profile.devSplit, ...profile.evalSplits.filter((s) => s.qrels).map((s) => s.split)])];
  const data: TrainData = await loadTrainData(dir, qrelsSplits, { progress: o.progress, signal: o.signal });
  const answersBySplit: Record<string, Answers> = {};
  for (const s of profile.evalSplits.filter((x) => x.answers)) {
    const ds = await loadDataset(dir, { split: s.split, checkCorpusIds: false, signal: o.signal, progress: o.progress });
    if (!ds.answers || ds.answers.size === 0) throw new InputError(`${dir}: split '${s.split}' has no answers in answers.jsonl (top-k answer accuracy needs them)`);
    answersBySplit[s.split] = ds.answers;
    // an answers-only split is searched like the others: its queries join the training view with no positives
    if (!data.splits[s.split]) data.splits[s.split] = { queryIds: ds.queries.map((q) => q.id), queryTexts: ds.queries.map((q) => q.text), positives: ds.queries.map(() => new Int32Array(0)) };
  }

  // ---- train: runExperiment (initial cache and finished runs reused) ----
  const base: TrainConfigInput = {
    ...(o.quick ? QUICK_SETTINGS : {}),
    ...encoderConfigOf(o.encoder),
    ...(o.steps !== undefined ? { steps: o.steps } : {}),
    trainSplit: profile.trainSplit, devSplit: profile.devSplit, testSplit: null,
    ...(o.base ?? {}),
  };
  base.encoder = { ...encoderConfigOf(o.encoder).encoder, ...(o.base?.encoder ?? {}) };
  // one GloVe table for every run and evaluation (a BERT encoder needs none)
  const glove = o.glove ?? (resolveConfig(base).encoder.kind === 'glove-bag' ? await loadGlove({ progress: o.progress }) : undefined);
  const steps = (base.steps ?? DEFAULT_TRAIN_CONFIG.steps) as number;
  const strategies = o.strategies ?? reproductionStrategies(kind, steps);
  const seeds = o.seeds ?? [1];
  let reusedRuns = 0;
  const exp = await runExperiment({
    name, dataset: dir, strategies, seeds, base, runsDir: runsRoot, resultsDir: resultsRoot, fresh: o.fresh, data, glove,
    progress: o.progress, signal: o.signal,
    log: (line) => {
      if (line.includes(': reusing ')) reusedRuns++;
      log(line);
    },
  });
  saveStages('train', { done: true, runs: exp.rows.map((r) => runFolderName(r.label, r.seed)), reused: reusedRuns, experimentTable: path.join(resultsDir, 'table.md') });

  // ---- evaluate: every finished run with the dataset's metrics ----
  const paths = resolveDatasetPaths(dir);
  const evaluations: Record<string, Record<string, SplitEvaluation>> = {};
  let reusedEvals = 0;
  for (const row of exp.rows) {
    throwIfAborted(o.signal, 'reproduction');
    const runName = runFolderName(row.label, row.seed);
    const runDir = path.join(runsRoot, name, runName);
    const evalFile = path.join(runDir, 'reproduce-eval.json');
    const key = sha256(JSON.stringify({ version: EVAL_VERSION, evalSplits: profile.evalSplits, depth: profile.depth, result: await sha256File(path.join(runDir, 'result.json')) }));
    if (!o.fresh && fs.existsSync(evalFile)) {
      const prev = JSON.parse(fs.readFileSync(evalFile, 'utf8')) as { key: string; splits: Record<string, SplitEvaluation> };
      if (prev.key === key) {
        log(`${runName}: reusing ${evalFile}`);
        evaluations[runName] = prev.splits;
        reusedEvals++;
        continue;
      }
    }
    log(`${runName}: evaluating ${profile.evalSplits.map((s) => s.split).join(', ')}`);
    const makeEncoders = encoderFactory(row.result.config.encoder, data, row.seed, glove);
    const encoders = await loadTrainedEncoders(runDir, row.result, makeEncoders);
    try {
      evaluations[runName] = await evaluateEncoders({
        data, encoders, splits: profile.evalSplits, depth: profile.depth, answers: answersBySplit, corpusFile: paths.corpus,
        runFileDir: runDir, tag: row.label, progress: o.progress, signal: o.signal,
      });
    } finally {
      encoders.query.dispose();
      if (encoders.target !== encoders.query) encoders.target.dispose();
    }
    writeJsonAtomic(evalFile, { key, dataset: dir, kind, depth: profile.depth, splits: evaluations[runName] });
  }
  saveStages('evaluate', { done: true, runs: Object.keys(evaluations), reused: reusedEvals });

  // ---- table ----
  const encoderName = o.encoder === undefined || o.encoder === 'glove' || o.encoder === 'glove-bag' ? 'glove-bag' : `bert:${path.basename(path.resolve(o.encoder))}`;
  const table = reproductionTable({ name, dataset: dir, kind, encoder: encoderName, profile, rows: exp.rows.map((r) => ({ label: r.label, seed: r.seed, result: r.result })), evaluations, summary: exp.summary });
  const markdown = formatReproductionTable(table);
  const files = writeReproductionTable(resultsDir, table, markdown);
  saveStages('table', { done: true, files });
  return { dir, kind, profile, table, markdown, summary: exp.summary, evaluations, files: [...exp.files, ...files, stagesFile], reused: { runs: reusedRuns, evaluations: reusedEvals } };
}

/**
 * Fresh encoders from `makeEncoders` with the trained weights of the run's final checkpoint
 * (runs/<name>/<run>/checkpoint: `encoder/<i>` in weights.bin, in the order of the query
 * encoder's trainable variables, then the target's not shared with it — the loop's order).
 */
export async function loadTrainedEncoders(runDir: string, result: TrainResult, makeEncoders: () => Promise<EncoderPair>): Promise<EncoderPair> {
  const ckpt = ['checkpoint', 'checkpoint.old'].map((d) => path.join(runDir, d)).find((d) => fs.existsSync(path.join(d, 'state.json')));
  if (!ckpt) throw new InputError(`${runDir}: no checkpoint to evaluate (expected checkpoint/state.json from a finished run; rerun to train it)`);
  const enc = await makeEncoders();
  const step = loadEncoderWeights(ckpt, enc);
  if (step !== result.steps) throw new InputError(`${ckpt}: checkpoint at step ${step} but result.json says ${result.steps} steps; rerun with --fresh`);
  return enc;
}

export interface EvaluateEncodersOptions {
  data: TrainData;
  encoders: EncoderPair;
  splits: EvalSplitSpec[];
  /** Passages retrieved per query (capped at the corpus size). */
  depth: number;
  /** Split → answers (for splits scored by answer accuracy). */
  answers?: Record<string, Answers>;
  /** corpus.jsonl(.gz) whose passages answers are matched in (DPR: the passage text). */
  corpusFile?: string;
  /** Write `reproduce-<split>.trec` run files here. */
  runFileDir?: string;
  tag?: string;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/**
 * Encodes the corpus once with the target encoder, searches each split's queries exactly (top
 * `depth` by inner product) and scores the runs with src/eval: qrels metrics from the split's
 * relevant passages, acc@k from its answers and the corpus passages.
 */
export async function evaluateEncoders(o: EvaluateEncodersOptions): Promise<Record<string, SplitEvaluation>> {
  const corpus = await encodeCorpus(o.data, o.encoders);
  const source = new MemoryEmbeddings(corpus, o.encoders.target.dim);
  const k = Math.min(o.depth, source.rows);
  const out: Record<string, SplitEvaluation> = {};
  for (const spec of o.splits) {
    throwIfAborted(o.signal, `evaluating ${spec.split}`);
    const split = o.data.splits[spec.split];
    if (!split) throw new InputError(`evaluation split '${spec.split}' is not loaded`);
    const run: Run = new Map();
    const qrels: Qrels = new Map();
    const batch = 1024;
    for (let s = 0; s < split.queryIds.length; s += batch) {
      const texts = split.queryTexts.slice(s, s + batch);
      const q = o.encoders.query.encode(texts);
      const res = await exactSearch({ source, queries: q, k, signal: o.signal });
      q.dispose();
      for (let j = 0; j < texts.length; j++) {
        const entries: RunEntry[] = [];
        for (let r = 0; r < k; r++) {
          const row = res.indices[j * k + r];
          if (row >= 0) entries.push({ docId: o.data.corpusIds[row], score: res.scores[j * k + r], rank: entries.length + 1 });
        }
        const qid = split.queryIds[s + j];
        run.set(qid, entries);
        if (spec.qrels) qrels.set(qid, new Map(Array.from(split.positives[s + j]).map((row) => [o.data.corpusIds[row], 1])));
      }
      o.progress?.({ stage: `search ${spec.split}`, done: Math.min(s + batch, split.queryIds.length), total: split.queryIds.length, unit: 'queries' });
    }
    if (o.runFileDir) writeRun(path.join(o.runFileDir, `reproduce-${spec.split}.trec`), run, { tag: (o.tag ?? 'freshcache').replace(/[^\w.:+-]/g, '_') });
    let answers: Answers | undefined;
    if (spec.answers) {
      const all = o.answers?.[spec.split];
      if (!all) throw new InputError(`evaluation split '${spec.split}': no answers given for top-k answer accuracy`);
      answers = new Map(split.queryIds.filter((id) => all.has(id)).map((id) => [id, all.get(id)!]));
      if (!o.corpusFile) throw new InputError(`evaluation split '${spec.split}': top-k answer accuracy needs the corpus file`);
    }
    const r = await evaluate({
      run, metrics: spec.metrics, signal: o.signal,
      ...(spec.qrels ? { qrels } : {}),
      ...(answers ? { answers, corpus: o.corpusFile } : {}),
    });
    out[spec.split] = { queries: r.counts.queries, metrics: r.aggregate };
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sdOf = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

/** Our rows (mean over seeds, in percent) and the quoted rows of the dataset, over the profile's columns plus any quoted-only column. */
export function reproductionTable(o: {
  name: string; dataset: string; kind: DatasetKind; encoder: string; profile: ReproductionProfile;
  rows: { label: string; seed: number; result: TrainResult }[];
  evaluations: Record<string, Record<string, SplitEvaluation>>;
  summary: ExperimentSummaryRow[];
}): ReproductionTable {
  const columns: ReproductionColumn[] = o.profile.evalSplits.flatMap((s) => s.metrics.map((metric) => ({ key: `${s.split} ${metric}`, split: s.split, metric })));
  const quoted = o.kind === 'nq' || o.kind === 'msmarco' ? quotedRows(o.kind) : [];
  for (const q of quoted) {
    for (const key of Object.keys(q.values)) {
      if (!columns.some((c) => c.key === key)) {
        const [split, metric] = key.split(' ');
        columns.push({ key, split, metric });
      }
    }
  }
  const rows: ReproductionRow[] = [];
  for (const label of [...new Set(o.rows.map((r) => r.label))]) {
    const runs = o.rows.filter((r) => r.label === label);
    const values: Record<string, number> = {};
    const sd: Record<string, number> = {};
    for (const c of columns) {
      const xs = runs.map((r) => o.evaluations[runFolderName(r.label, r.seed)]?.[c.split]?.metrics[c.metric]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      if (xs.length === 0) continue;
      values[c.key] = 100 * mean(xs);
      if (xs.length > 1) sd[c.key] = 100 * sdOf(xs);
    }
    const s = o.summary.find((x) => x.label === label);
    rows.push({ label, quoted: false, seeds: runs.length, values, ...(Object.keys(sd).length ? { sd } : {}), ...(s ? { reembedCorpusPasses: s.reembedCorpusPasses } : {}) });
  }
  for (const q of quoted) rows.push({ label: q.label, quoted: true, values: q.values, sources: q.sources, notes: q.notes });
  return { name: o.name, dataset: o.dataset, kind: o.kind, encoder: o.encoder, columns, rows };
}

const METRIC_LABEL: Record<string, string> = { 'mrr@10': 'MRR@10', 'mrr_msmarco@10': 'MRR@10', 'recall@1000': 'R@1000' };
/** Column header: NQ's answer accuracy is "top-k acc", its qrels hit rate "gold R@k" (the two differ). */
function columnLabel(c: ReproductionColumn, kind: DatasetKind): string {
  let m = METRIC_LABEL[c.metric];
  if (!m) {
    const acc = /^acc@(\d+)$/.exec(c.metric);
    const hit = /^success@(\d+)$/.exec(c.metric);
    m = acc ? `top-${acc[1]} acc` : hit ? `${kind === 'nq' ? 'gold ' : ''}R@${hit[1]}` : c.metric;
  }
  return `${c.split} ${m}`;
}

/** The table as Markdown: our rows, then the quoted rows, then the sources of the quoted numbers. */
export function formatReproductionTable(t: ReproductionTable): string {
  const head = ['system', 'seeds', ...t.columns.map((c) => columnLabel(c, t.kind)), 're-embed (corpus passes)'];
  const lines = [
    `Reproduction on ${t.kind === 'generic' ? t.dataset : t.kind} (${t.dataset}), encoder ${t.encoder}. Our numbers in percent (mean over seeds); rows marked (quoted) are published numbers, not measured here.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ];
  const f = (r: ReproductionRow, key: string) => {
    const v = r.values[key];
    if (v === undefined) return '-';
    const sd = r.sd?.[key];
    return sd !== undefined ? `${v.toFixed(2)} ± ${sd.toFixed(2)}` : v.toFixed(2);
  };
  for (const r of t.rows) {
    lines.push(`| ${[r.label, r.quoted ? '-' : String(r.seeds ?? 1), ...t.columns.map((c) => f(r, c.key)), r.reembedCorpusPasses === undefined ? '-' : r.reembedCorpusPasses.toFixed(2)].join(' | ')} |`);
  }
  const quoted = t.rows.filter((r) => r.quoted);
  if (quoted.length) {
    lines.push('', 'Quoted numbers:');
    for (const r of quoted) lines.push(`- ${r.label}: ${(r.sources ?? []).join('; ')}${r.notes?.length ? ` (${r.notes.join('; ')})` : ''}`);
  }
  if (t.kind === 'nq') lines.push('', 'NQ "top-k acc" is DPR top-k answer accuracy (an answer string in one of the top k passages; the "R@k" of NQ tables); "gold R@k" is a biencoder gold passage in the top k. The quoted numbers are on the full 21M-passage corpus, ours on this dataset folder\'s corpus.');
  return lines.join('\n');
}

function writeReproductionTable(dir: string, t: ReproductionTable, markdown: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'reproduction.json');
  const csv = path.join(dir, 'reproduction.csv');
  const md = path.join(dir, 'reproduction.md');
  writeJsonAtomic(json, t);
  const head = ['system', 'quoted', 'seeds', ...t.columns.map((c) => c.key), 'reembedCorpusPasses'];
  const cell = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));
  writeFileAtomic(csv, [head.map((h) => JSON.stringify(h)).join(','), ...t.rows.map((r) => [cell(r.label), String(r.quoted), cell(r.seeds), ...t.columns.map((c) => cell(r.values[c.key])), cell(r.reembedCorpusPasses)].join(','))].join('\n') + '\n');
  writeFileAtomic(md, markdown + '\n');
  return [json, csv, md];
}
