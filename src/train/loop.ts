/**
 * `trainRetriever`: the one dual-encoder training loop every negative strategy runs under.
 *
 * A step, in order (strategy.ts says which parts a strategy uses; each phase is a function in step.ts):
 *   1. refresh:R  every R steps the whole corpus is re-encoded into the cache (ledger: refresh).
 *      oracle     every step the whole corpus is encoded fresh and searched instead of the cache.
 *   2. select     the batch's queries are encoded by f (no gradient) and k negatives per query are
 *                 chosen by top-k or Gumbel-top-k of β⟨f(x), h(g′(y))⟩ over the cache, gold
 *                 positives excluded (h = identity unless the strategy has a corrector).
 *      bm25       k negatives per query drawn by the run's RNG from its BM25 negatives, mined once
 *                 before step 0 (bm25-table.ts); nothing is encoded to select them.
 *   3. encode     the positives and selected negatives are encoded fresh by g (ledger: positives,
 *                 negatives), and the retrieval loss is the cross-entropy of each positive over
 *                 {own positive, own negatives, the other queries' targets if in-batch negatives}.
 *   4. correct    h takes one step on the pairs (g′(y), g_t(y)) of the targets just encoded (plus
 *                 `extraUniform` uniformly drawn targets, ledger: corrector-extra), with its own
 *                 optimiser, by the `mse` or `softmax` corrector loss.
 *   5. write back refresh-on-use writes the fresh embeddings into the cache rows.
 *   6. log        losses and the staleness probe every `logEvery` steps, dev metrics every
 *                 `evalEvery`, a checkpoint every `checkpointEvery`.
 * During the first `warmupSteps` steps only h trains: the encoders are frozen (ledger: warmup).
 *
 * What a step needs on the host (the losses, the finiteness checks, the rows to write back) comes
 * in one awaited device→host read. A non-finite loss, gradient or weight stops the run with an
 * InputError naming the step, before anything poisoned is saved. Between steps the loop yields to
 * the event loop, so a SIGINT handler can abort `signal`: the run then stops after the current
 * step and saves a checkpoint.
 *
 * Resume is first-class: a checkpoint holds everything the next step depends on (weights,
 * optimiser states, RNG, data order, the cache if it changed, the ledger), so a killed run resumed
 * from it ends with the same numbers as an uninterrupted one on the same backend.
 */
import * as fs from 'fs';
import * as path from 'path';
import { disposeEncoderPair, encodeAll, type EncoderPair } from '../encoders/types';
import { MemoryEmbeddings } from '../cache/memory';
import { buildCorrector, type Corrector } from '../corrector/networks';
import { Adam } from '../corrector/adam';
import { OnlineCorrectorTrainer } from '../corrector/fit';
import { Rng } from '../util/rng';
import { AbortedError, InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { CostLedger, type CostSummary } from './ledger';
import { parseStrategy } from './strategy';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config';
import type { TrainData } from './data';
import { RunLog, type LogRecord, type RetrievalMetrics } from './log';
import { prepareRunFolder } from './run-config';
import { probeStaleness } from './probe';
import { scoreEncoders, retrievalMetrics, unmeasuredMetrics, TABLE_METRICS, type ScoredSplit, type SplitScore } from './score';
import { saveCheckpoint, loadCheckpoint, hasCheckpoint, encoderVariables } from './checkpoint';
import { bm25NegativeTable } from './bm25-table';
import {
  trainStep, targetEncode, shuffledQueries, rebuildAnn, sumOfAll, reportSteps,
  type RunContext, type Selection,
} from './step';

export { candidateMask } from './step';
export { encodeAll } from '../encoders/types';

export interface TrainOptions {
  config: TrainConfig;
  data: TrainData;
  /** Builds fresh, untrained encoders (the loop loads checkpointed weights into them on resume). */
  makeEncoders: () => Promise<EncoderPair>;
  /** runs/<name>; config.json, log.jsonl and checkpoints go here. */
  runDir: string;
  /** Continue from the run's checkpoint when there is one (default true). */
  resume?: boolean;
  /** An initial cache (g′ of every corpus row) to share between runs; built here when absent. */
  initialCache?: Float32Array;
  progress?: ProgressFn;
  signal?: AbortSignal;
  /** Stop after this step (testing resume: simulates a kill right after a checkpoint). */
  stopAfterStep?: number;
  /** Called after every step with what it selected (tests, notebooks). */
  onStep?: (info: StepInfo) => void;
  /**
   * More splits and metrics to score in the final evaluation, with the same encoding of the corpus
   * as dev and test (e.g. `reproduce`'s dataset metrics); their scores go to TrainResult.evaluation.
   * A split's `runFile` is a file name in the run folder.
   */
  evaluation?: { splits: ScoredSplit[]; corpusFile?: string };
}

export interface StepInfo {
  step: number;
  /** Training-split query indices of the batch. */
  queries: number[];
  /** The positive row used for each query. */
  positives: number[];
  /** The negative rows selected for each query. */
  negatives: number[][];
  loss: number;
  correctorLoss: number;
}

export interface TrainResult {
  config: TrainConfig;
  strategy: string;
  steps: number;
  dev: RetrievalMetrics;
  test?: RetrievalMetrics;
  cost: CostSummary;
  wallSeconds: number;
  /** True when the run stopped early (abort or stopAfterStep) after saving a checkpoint. */
  stopped: boolean;
  /** Scores of TrainOptions.evaluation's splits, in order. */
  evaluation?: SplitScore[];
}

/** A run under way: the step's context plus what only the loop around the steps uses. */
interface Run extends RunContext {
  readonly opts: TrainOptions;
  readonly log: RunLog;
  /** The staleness probe's fixed sample: corpus rows and training queries. */
  readonly probeRows: Int32Array;
  readonly probeQueries: number[];
  /** When `state.elapsed` was last brought up to date (ms). */
  clock: number;
}

export async function trainRetriever(opts: TrainOptions): Promise<TrainResult> {
  const run = await startRun(opts);
  try {
    if (run.state.step === 0) await recordLog(run, {}); // the start: staleness 0, the untrained encoders' probe
    let stopped = false;
    while (run.state.step < run.cfg.steps) {
      await yieldToEventLoop();
      if (opts.signal?.aborted || (opts.stopAfterStep !== undefined && run.state.step >= opts.stopAfterStep)) {
        stopped = true;
        break;
      }
      const { selection, warmup } = await trainStep(run);
      await afterStep(run, selection, warmup);
    }
    return await finishRun(run, stopped);
  } finally {
    disposeRun(run);
  }
}

/** Everything a run needs before its first step: a fresh start, or the state of its checkpoint. */
async function startRun(opts: TrainOptions): Promise<Run> {
  const { config: cfg, data } = opts;
  const strategy = parseStrategy(cfg.strategy, 'config.strategy');
  const train = data.splits[cfg.trainSplit];
  if (!train || train.queryIds.length === 0) throw new InputError(`${cfg.dataset}: split '${cfg.trainSplit}' has no queries with a relevant passage`);
  if (!data.splits[cfg.devSplit]) throw new InputError(`${cfg.dataset}: no '${cfg.devSplit}' split to evaluate on`);
  if (strategy.bm25Depth !== null && cfg.negatives > strategy.bm25Depth) {
    throw new InputError(`config.negatives: ${cfg.negatives} negatives per query cannot be drawn from the top ${strategy.bm25Depth} BM25 passages of strategy ${strategy.label}; use bm25:${cfg.negatives} or deeper, or fewer negatives`);
  }
  checkRunFolder(opts);

  const enc = await opts.makeEncoders();
  const dim = enc.target.dim;
  const N = data.corpusTexts.length;
  const avgTokens = data.corpusTexts.slice(0, 2000).reduce((a, t) => a + t.split(/\s+/).length, 0) / Math.min(N, 2000);
  const encVars = encoderVariables(enc);
  const corrector: Corrector | null = strategy.corrector
    ? buildCorrector({ kind: cfg.corrector.kind, dim, depth: cfg.corrector.depth, width: cfg.corrector.width, activation: cfg.corrector.activation, layerNorm: cfg.corrector.layerNorm, normalizeOutput: enc.target.normalized, seed: cfg.seed })
    : null;
  // the probe sample is fixed by the seed alone, so resumed and uninterrupted runs probe the same rows
  const probeRng = new Rng(`${cfg.seed}/probe`);
  const run: Run = {
    opts, cfg, data, train, strategy, dim, enc, encVars, corrector, progress: opts.progress,
    name: cfg.name !== DEFAULT_TRAIN_CONFIG.name ? cfg.name : `${strategy.label}-s${cfg.seed}`,
    encOpt: new Adam(encVars, { learningRate: cfg.lr }),
    corrOpt: corrector ? new OnlineCorrectorTrainer(corrector, { learningRate: cfg.corrector.lr, loss: cfg.corrector.loss, beta: cfg.beta, mseWeight: cfg.corrector.mseWeight }) : null,
    log: new RunLog(path.join(opts.runDir, 'log.jsonl')),
    ckptDir: path.join(opts.runDir, 'checkpoint'),
    probeRows: Int32Array.from(probeRng.sampleWithoutReplacement(N, Math.min(cfg.probeRows, N))).sort(),
    probeQueries: probeRng.sampleWithoutReplacement(train.queryIds.length, Math.min(cfg.probeQueries, train.queryIds.length)),
    state: {
      step: 0, rng: new Rng(cfg.seed), order: new Int32Array(0), orderPos: 0, epoch: 0,
      cache: null, cacheChanged: false, ledger: new CostLedger(enc.target, N, avgTokens), elapsed: 0,
    },
    annIndex: null, bm25Negatives: null, clock: Date.now(), lastLoss: NaN, lastCorrLoss: NaN, savedStep: -1, startStep: 0,
  };
  try {
    if (opts.resume !== false && hasCheckpoint(run.ckptDir)) await resumeRun(run);
    else await beginRun(run);
    await checkStartingWeights(run);
    await rebuildAnn(run);
  } catch (e) {
    disposeRun(run);
    throw e;
  }
  run.clock = Date.now();
  return run;
}

/** The guard's base case: a run starts from finite weights (after that, the gradients are what can go bad). */
async function checkStartingWeights(run: Run): Promise<void> {
  const t = sumOfAll([...run.encVars, ...(run.corrector?.variables() ?? [])]);
  const finite = Number.isFinite((await t.data())[0]);
  t.dispose();
  if (!finite) {
    const from = run.savedStep >= 0 ? `the checkpoint in ${run.ckptDir}` : 'the initial encoders';
    throw new InputError(`training ${run.name} (${run.strategy.label}): the weights loaded from ${from} hold non-finite values; start over with --fresh`);
  }
}

/**
 * Refuses a run folder that holds a run with other settings, naming each (run-config.ts); more
 * steps extend a finished run; records this run's config.json.
 */
function checkRunFolder(opts: TrainOptions): void {
  prepareRunFolder(opts.runDir, opts.config, { resume: opts.resume !== false });
}

/** The never-refreshed cache is kept beside the run, so a resumed run can rebuild it. */
const initialCacheFile = (run: Run) => path.join(run.opts.runDir, 'initial-cache.f32');

async function resumeRun(run: Run): Promise<void> {
  const { opts, state } = run;
  const file = initialCacheFile(run);
  const initialCache = opts.initialCache ?? (fs.existsSync(file) ? readFloat32(file) : undefined);
  await loadCheckpoint(run.ckptDir, { state, enc: run.enc, encOpt: run.encOpt, corrector: run.corrector, corrOpt: run.corrOpt, initialCache });
  await prepareBm25Negatives(run, true);
  run.savedStep = state.step;
  run.log.truncateAfter(state.step);
  run.startStep = state.step;
  reportSteps(run, { resumed: `at step ${state.step}` });
}

async function beginRun(run: Run): Promise<void> {
  const { opts, state, strategy, data, dim } = run;
  run.log.truncateAfter(-1);
  fs.rmSync(run.ckptDir, { recursive: true, force: true });
  fs.rmSync(`${run.ckptDir}.old`, { recursive: true, force: true });
  const N = data.corpusTexts.length;
  if (strategy.usesCache && !strategy.oracle) {
    let initial = opts.initialCache;
    if (!initial) {
      initial = await encodeAll((t) => targetEncode(run, 'initial-cache', t), data.corpusTexts, dim);
      writeFileAtomic(initialCacheFile(run), new Uint8Array(initial.buffer, initial.byteOffset, initial.byteLength));
    } else state.ledger.record('initial-cache', N);
    if (initial.length !== N * dim) throw new InputError(`initial cache: expected ${N} rows of dim ${dim}, got ${initial.length / dim} rows`);
    state.cache = new MemoryEmbeddings(Float32Array.from(initial), dim, { step: 0 });
  }
  await prepareBm25Negatives(run, false);
  state.order = shuffledQueries(run);
}

/** bm25: the run's BM25 negatives, read from the run folder (`reuse`) or mined; the time is the run's (its wall time). */
async function prepareBm25Negatives(run: Run, reuse: boolean): Promise<void> {
  const depth = run.strategy.bm25Depth;
  if (depth === null) return;
  const start = Date.now();
  run.bm25Negatives = await bm25NegativeTable({ runDir: run.opts.runDir, data: run.data, train: run.train, depth, reuse, signal: run.opts.signal, progress: run.progress });
  run.state.elapsed += (Date.now() - start) / 1000;
}

/** Phase 6, after the step is counted: callbacks, progress, the log record (with dev metrics when due), the checkpoint. */
async function afterStep(run: Run, sel: Selection, warmup: boolean): Promise<void> {
  const { cfg, state, opts, corrector } = run;
  const done = state.step;
  opts.onStep?.({ step: done, queries: sel.batch, positives: sel.posRows, negatives: sel.negRows, loss: run.lastLoss, correctorLoss: run.lastCorrLoss });
  reportSteps(run, { loss: run.lastLoss, ...(corrector ? { hloss: run.lastCorrLoss } : {}) });
  if (done % cfg.logEvery === 0 || done === cfg.steps) {
    const rec: Partial<LogRecord> = { loss: run.lastLoss, correctorLoss: corrector ? run.lastCorrLoss : undefined, lr: cfg.lr, warmup };
    if (cfg.evalEvery > 0 && done % cfg.evalEvery === 0 && done !== cfg.steps) {
      const [dev] = await scoreEncoders({
        data: run.data, encoders: run.enc, splits: [{ split: cfg.devSplit, metrics: TABLE_METRICS, maxQueries: cfg.evalQueries }], encodeTargets: (t) => targetEncode(run, 'eval', t),
        seed: cfg.seed, progress: opts.progress, stage: evalStage(run, [cfg.devSplit]),
      });
      rec.dev = retrievalMetrics(dev);
    }
    await recordLog(run, rec);
  }
  if (cfg.checkpointEvery > 0 && done % cfg.checkpointEvery === 0 && done !== cfg.steps) await checkpoint(run);
}

async function checkpoint(run: Run): Promise<void> {
  syncElapsed(run);
  await saveCheckpoint(run.ckptDir, { state: run.state, enc: run.enc, encOpt: run.encOpt, corrector: run.corrector, corrOpt: run.corrOpt });
  run.savedStep = run.state.step;
}

function syncElapsed(run: Run): void {
  const now = Date.now();
  run.state.elapsed += (now - run.clock) / 1000;
  run.clock = now;
}

/** Appends a log record: `extra` (losses, dev metrics), the staleness probe, the cost so far. */
async function recordLog(run: Run, extra: Partial<LogRecord>): Promise<void> {
  const { state, cfg, enc, train, data } = run;
  const probe = await probeStaleness({
    cache: state.cache, corrector: run.corrector, probeRows: run.probeRows, probeQueryTexts: run.probeQueries.map((i) => train.queryTexts[i]),
    corpusTexts: data.corpusTexts, encodeQueries: (t) => enc.query.encode(t), encodeTargets: (t) => targetEncode(run, 'probe', t),
    beta: cfg.beta, k: cfg.probeK, dim: run.dim,
  });
  run.log.append({ step: state.step, strategy: run.strategy.label, ...extra, ...probe, cost: state.ledger.summary(), seconds: state.elapsed + (Date.now() - run.clock) / 1000 });
}

/**
 * What a finished run's final evaluation scores, and how the scores make its result: dev and (when
 * the data has it) test with the table metrics, run files `<split>.trec` in `runDir`, then
 * `evaluation`'s further splits (their run files named relative to `runDir`). The experiments' BM25
 * row is scored on the same splits.
 */
export function finalEvaluation(cfg: TrainConfig, data: TrainData, runDir: string, evaluation?: TrainOptions['evaluation']): {
  splits: ScoredSplit[];
  results: (scores: readonly SplitScore[]) => Pick<TrainResult, 'dev' | 'test' | 'evaluation'>;
} {
  const tableSplit = (split: string): ScoredSplit => ({ split, metrics: TABLE_METRICS, runFile: path.join(runDir, `${split}.trec`) });
  const testSplit = cfg.testSplit && data.splits[cfg.testSplit] ? cfg.testSplit : null;
  const extra = (evaluation?.splits ?? []).map((s) => (s.runFile ? { ...s, runFile: path.join(runDir, s.runFile) } : s));
  return {
    splits: [tableSplit(cfg.devSplit), ...(testSplit ? [tableSplit(testSplit)] : []), ...extra],
    results: (scores) => ({
      dev: retrievalMetrics(scores[0]),
      test: testSplit ? retrievalMetrics(scores[1]) : undefined,
      ...(extra.length ? { evaluation: scores.slice(testSplit ? 2 : 1) } : {}),
    }),
  };
}

/**
 * After the last step (or a stop): the checkpoint, and for a finished run the final evaluation on
 * dev (and test) and the trained encoders, corrector and result.json in the run folder.
 */
async function finishRun(run: Run, stopped: boolean): Promise<TrainResult> {
  const { cfg, state, opts, data, enc, strategy } = run;
  await checkpoint(run);
  if (stopped) {
    reportSteps(run, { stopped: `checkpoint saved at step ${state.step}` }, true);
    if (opts.signal?.aborted) throw new AbortedError(`training ${run.name} (checkpoint saved at step ${state.step}; rerun to resume)`);
  }
  // the final evaluation: dev, test and any further splits, the corpus encoded once for all of them
  const final = finalEvaluation(cfg, data, opts.runDir, opts.evaluation);
  const scores = stopped ? [] : await scoreEncoders({
    data, encoders: enc, splits: final.splits, encodeTargets: (t) => targetEncode(run, 'eval', t), corpusFile: opts.evaluation?.corpusFile, tag: strategy.label,
    progress: opts.progress, stage: evalStage(run, [...new Set(final.splits.map((s) => s.split))]),
  });
  const result: TrainResult = {
    config: cfg, strategy: strategy.label, steps: state.step, ...(stopped ? { dev: unmeasuredMetrics() } : final.results(scores)),
    cost: state.ledger.summary(), wallSeconds: state.elapsed, stopped,
  };
  if (!stopped) {
    if (run.corrector) await run.corrector.save(path.join(opts.runDir, 'corrector'));
    // the trained encoders, loadable by `loadEncoder` / `build-cache --encoder <dir>` (e.g. to build a
    // fresh cache and hold the corrector against it with `freshcache bound`)
    await enc.target.save(path.join(opts.runDir, 'target-encoder'));
    if (enc.query !== enc.target) await enc.query.save(path.join(opts.runDir, 'query-encoder'));
    writeJsonAtomic(path.join(opts.runDir, 'result.json'), result);
  }
  return result;
}

function disposeRun(run: Run): void {
  run.corrector?.dispose();
  run.encOpt.dispose();
  run.corrOpt?.dispose();
  disposeEncoderPair(run.enc);
}

const evalStage = (run: Run, splits: string[]) => `evaluate ${run.name} on ${splits.join(', ')}`;

/** A macrotask turn: pending I/O and signal handlers (Ctrl-C) run before the next step. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function readFloat32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

