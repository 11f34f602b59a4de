/**
 * One training step of `trainRetriever` (loop.ts), phase by phase (the order and what each phase
 * does are listed at the top of loop.ts), over the run's context: what a run holds fixed for its
 * length, and the `LoopState` a checkpoint saves.
 */
import { tf } from '../tensor';
import { encodeAll, type EncoderPair } from '../encoders/types';
import { MemoryEmbeddings, gatherRows } from '../cache/memory';
import { exactSearch } from '../search/exact';
import { buildAnnIndex, candidatePoolSearch, type AnnIndex } from '../search/ann';
import type { Corrector } from '../corrector/networks';
import { softmaxCeFromLogits } from '../corrector/losses';
import type { Adam } from '../corrector/adam';
import type { OnlineCorrectorTrainer } from '../corrector/fit';
import { InputError } from '../util/errors';
import type { ProgressEvent, ProgressFn } from '../util/progress';
import type { CostKind, MeasureKind } from './ledger';
import type { Strategy } from './strategy';
import type { TrainConfig } from './config';
import type { TrainData, SplitData } from './data';
import type { LoopState } from './checkpoint';
import { sampleBm25Negatives } from './bm25-table';

/** What the phases of a step work on: a run's fixed parts, and `state`, what changes from step to step. */
export interface RunContext {
  readonly cfg: TrainConfig;
  readonly data: TrainData;
  readonly train: SplitData;
  readonly strategy: Strategy;
  /** The run in progress lines and messages: its name, or strategy and seed when unnamed. */
  readonly name: string;
  readonly dim: number;
  readonly enc: EncoderPair;
  readonly encVars: tf.Variable[];
  readonly encOpt: Adam;
  readonly corrector: Corrector | null;
  readonly corrOpt: OnlineCorrectorTrainer | null;
  readonly ckptDir: string;
  readonly progress?: ProgressFn;
  readonly state: LoopState;
  /** The step this process started at (a resumed run's checkpoint step): progress rates count from it. */
  startStep: number;
  /** pool 'ann': the HNSW index on the cache (rebuilt on every full refresh). */
  annIndex: AnnIndex | null;
  /** bm25: each training query's mined BM25 negatives, best first (bm25-table.ts). */
  bm25Negatives: Int32Array[] | null;
  /** The last computed losses (a warm-up step computes no retrieval loss). */
  lastLoss: number;
  lastCorrLoss: number;
  /** Step of the checkpoint on disk (−1: none yet). */
  savedStep: number;
}

/** The batch of a step and the negatives selected for it (phase 2). */
export interface Selection {
  /** Training-split query indices. */
  batch: number[];
  posRows: number[];
  queryTexts: string[];
  negRows: number[][];
}

/** The step's candidate targets: unique rows, positives first, and which each query scores. */
interface Candidates {
  cols: number[];
  /** Column of each query's positive. */
  labels: number[];
  nPosCols: number;
  /** [batch, cols] 1 where a query's softmax includes the column. */
  mask: Float32Array;
  /** Rows drawn uniformly, encoded only to train the corrector. */
  extra: number[];
}

/** The tensors phases 3–5 pass on; the step disposes them. */
interface Encoded {
  /** g_t of the candidate columns. */
  fresh: tf.Tensor2D;
  /** f of the batch's queries. */
  queries: tf.Tensor2D;
  maskT: tf.Tensor2D;
  labelsT: tf.Tensor1D;
  /** Retrieval loss and the sum of the encoders' gradients (non-finite when a gradient value is); null in warm-up. */
  loss: tf.Scalar | null;
  gradSum: tf.Scalar | null;
}

/** Phases 1–5 of a step; the step is counted when they are done (phase 6 is the caller's). */
export async function trainStep(run: RunContext): Promise<{ selection: Selection; warmup: boolean }> {
  const { state, cfg, corrector } = run;
  const step = state.step;
  const warmup = step < cfg.corrector.warmupSteps && corrector !== null;
  const source = await refreshOrOracle(run, step);
  const sel = await selectNegatives(run, source);
  const cand = candidateColumns(run, sel);
  const encoded = encodeAndTrain(run, sel, cand, warmup);
  try {
    const corrLoss = correct(run, sel, cand, encoded);
    const read = await readStep(run, encoded, corrLoss, run.strategy.refreshOnUse && state.cache !== null);
    if (read.freshRows) writeBack(run, cand, read.freshRows, step);
  } finally {
    tf.dispose([encoded.fresh, encoded.queries, encoded.maskT, encoded.labelsT]);
  }
  state.step++;
  return { selection: sel, warmup };
}

/** Every target encode goes through the ledger, counted under `kind`. */
export function targetEncode(run: RunContext, kind: CostKind | MeasureKind, texts: string[], training = false): tf.Tensor2D {
  return run.state.ledger.encodeTargets(kind, texts, { training });
}

export const shuffledQueries = (run: RunContext) => run.state.rng.shuffle(Int32Array.from({ length: run.train.queryIds.length }, (_, i) => i)) as Int32Array;

/** The next batch of training queries, in epochs of a fresh shuffle. */
function nextBatch(run: RunContext): number[] {
  const { state } = run;
  const out: number[] = [];
  while (out.length < run.cfg.batchSize) {
    if (state.orderPos >= state.order.length) {
      state.epoch++;
      state.order = shuffledQueries(run);
      state.orderPos = 0;
    }
    out.push(state.order[state.orderPos++]);
  }
  return out;
}

/**
 * pool 'ann': candidates from an HNSW index on the cache, re-scored exactly (with h), rebuilt on
 * every full refresh; refresh-on-use rows are re-scored from their new values but found by their
 * old ones. Built with one thread so a resumed run finds the same pools.
 */
export async function rebuildAnn(run: RunContext): Promise<void> {
  if (run.cfg.pool === 'ann' && run.state.cache && !run.strategy.oracle) run.annIndex = await buildAnnIndex({ source: run.state.cache, threads: 1 });
}

/** Phase 1: the full refresh every R steps; returns what negatives are selected from (the oracle: a fresh corpus). */
async function refreshOrOracle(run: RunContext, step: number): Promise<MemoryEmbeddings | null> {
  const { strategy, state, data, dim } = run;
  if (strategy.refreshEvery !== null && step > 0 && step % strategy.refreshEvery === 0 && state.cache) {
    const fresh = await encodeAll((t) => targetEncode(run, 'refresh', t), data.corpusTexts, dim);
    state.cache.refresh(Int32Array.from({ length: fresh.length / dim }, (_, i) => i), fresh, step);
    state.cacheChanged = true;
    await rebuildAnn(run);
  }
  if (strategy.oracle) return new MemoryEmbeddings(await encodeAll((t) => targetEncode(run, 'oracle', t), data.corpusTexts, dim), dim, { step });
  return state.cache;
}

/** Phase 2: the batch, a positive per query, and k negatives per query from `source` (bm25: from the mined table). */
async function selectNegatives(run: RunContext, source: MemoryEmbeddings | null): Promise<Selection> {
  const { cfg, train, state, corrector, strategy } = run;
  const batch = nextBatch(run);
  const posRows = batch.map((qi) => train.positives[qi][state.rng.int(train.positives[qi].length)]);
  const queryTexts = batch.map((qi) => train.queryTexts[qi]);
  const mined = run.bm25Negatives;
  if (mined) return { batch, posRows, queryTexts, negRows: batch.map((qi) => sampleBm25Negatives(mined[qi], cfg.negatives, state.rng)) };
  if (!source || cfg.negatives === 0) return { batch, posRows, queryTexts, negRows: batch.map(() => []) };
  const transform = corrector && !strategy.oracle ? (b: tf.Tensor2D) => corrector.apply(b) : undefined;
  const annIndex = source === state.cache ? run.annIndex : null;
  // with a pool, h is applied to the union of the batch's pools: at most batch × poolSize rows
  if (transform) state.ledger.recordCorrector('apply', run.annIndex ? Math.min(source.rows, batch.length * cfg.poolSize) : source.rows, corrector!.flopsPerRow());
  const qSel = run.enc.query.encode(queryTexts);
  try {
    const common = {
      source, queries: qSel, k: cfg.negatives, transform, blockRows: cfg.blockRows,
      exclude: batch.map((qi) => train.positives[qi]),
      sample: cfg.selection === 'gumbel' ? { beta: cfg.beta, seed: state.rng } : undefined,
    };
    const res = annIndex
      ? await candidatePoolSearch({ ...common, index: annIndex, poolSize: Math.max(cfg.poolSize, cfg.negatives), threads: 1 })
      : await exactSearch(common);
    const negRows = batch.map((_, i) => Array.from(res.indices.subarray(i * res.k, (i + 1) * res.k)).filter((r) => r >= 0));
    return { batch, posRows, queryTexts, negRows };
  } finally {
    qSel.dispose();
  }
}

/** The step's candidate columns (unique target rows, positives first), the softmax mask, and the corrector's extra rows. */
function candidateColumns(run: RunContext, sel: Selection): Candidates {
  const { cfg, train, corrector, state } = run;
  const cols: number[] = [];
  const colOf = new Map<number, number>();
  const addCol = (r: number) => {
    if (!colOf.has(r)) {
      colOf.set(r, cols.length);
      cols.push(r);
    }
    return colOf.get(r)!;
  };
  const labels = sel.posRows.map(addCol);
  const nPosCols = cols.length;
  sel.negRows.forEach((rs) => rs.forEach(addCol));
  const N = run.data.corpusTexts.length;
  const extra = corrector && cfg.corrector.extraUniform > 0 ? state.rng.sampleWithoutReplacement(N, Math.min(cfg.corrector.extraUniform, N)) : [];
  const mask = candidateMask(sel.batch.map((qi) => train.positives[qi]), labels, sel.negRows.map((rs) => rs.map((r) => colOf.get(r)!)), cols, cfg.inBatchNegatives);
  return { cols, labels, nPosCols, mask, extra };
}

/** Phase 3: encode the candidates fresh and take one encoder step on the retrieval loss (in warm-up, only encode). */
function encodeAndTrain(run: RunContext, sel: Selection, cand: Candidates, warmup: boolean): Encoded {
  const { enc, cfg, data } = run;
  const posTexts = cand.cols.slice(0, cand.nPosCols).map((r) => data.corpusTexts[r]);
  const negTexts = cand.cols.slice(cand.nPosCols).map((r) => data.corpusTexts[r]);
  const maskT = tf.tensor2d(cand.mask, [sel.batch.length, cand.cols.length]);
  const labelsT = tf.tensor1d(cand.labels, 'int32');
  if (warmup) {
    const fresh = tf.tidy(() => tf.concat([targetEncode(run, 'warmup', posTexts), ...(negTexts.length ? [targetEncode(run, 'warmup', negTexts)] : [])]) as tf.Tensor2D);
    return { fresh, queries: enc.query.encode(sel.queryTexts), maskT, labelsT, loss: null, gradSum: null };
  }
  let fresh: tf.Tensor2D | null = null;
  let queries: tf.Tensor2D | null = null;
  const [loss, gradSum] = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const q = enc.query.encode(sel.queryTexts, { training: true });
      const parts = [targetEncode(run, 'positives', posTexts, true)];
      if (negTexts.length) parts.push(targetEncode(run, 'negatives', negTexts, true));
      const t = parts.length === 1 ? parts[0] : (tf.concat(parts) as tf.Tensor2D);
      fresh = tf.keep(t.clone());
      queries = tf.keep(q.clone());
      const logits = tf.mul(tf.matMul(q, t, false, true), cfg.beta) as tf.Tensor2D;
      return softmaxCeFromLogits(logits, labelsT, maskT);
    }, run.encVars);
    const gs = run.encVars.map((v) => grads[v.name]);
    run.encOpt.apply(gs);
    return [value, sumOfAll(gs)];
  });
  return { fresh: fresh!, queries: queries!, maskT, labelsT, loss, gradSum };
}

/** Phase 4: one corrector step on the fresh pairs (+ extra uniform pairs encoded only for it); its loss, unread. */
function correct(run: RunContext, sel: Selection, cand: Candidates, e: Encoded): tf.Scalar | null {
  const { corrector, corrOpt, state, data, dim } = run;
  if (!corrector || !corrOpt || !state.cache) return null;
  let pairRows = cand.cols;
  let freshAll = e.fresh;
  if (cand.extra.length) {
    const ex = targetEncode(run, 'corrector-extra', cand.extra.map((r) => data.corpusTexts[r]));
    freshAll = tf.concat([e.fresh, ex]) as tf.Tensor2D;
    ex.dispose();
    pairRows = cand.cols.concat(cand.extra);
  }
  const stale = tf.tensor2d(gatherRows(state.cache, pairRows), [pairRows.length, dim]);
  const candidates = tf.tidy(() => tf.tile(tf.range(0, cand.cols.length, 1, 'int32').expandDims(0), [sel.batch.length, 1]) as tf.Tensor2D);
  // softmax losses score each query's candidate columns; extra uniform rows (after them) train h through mseWeight
  const loss = corrOpt.stepTensor(stale, freshAll, { queries: e.queries, candidates, positives: cand.labels, mask: e.maskT });
  state.ledger.recordCorrector('train', pairRows.length, corrector.flopsPerRow());
  tf.dispose([stale, candidates]);
  if (freshAll !== e.fresh) freshAll.dispose();
  return loss;
}

/**
 * The step's one device→host read: the losses, a finiteness check over the gradients and the
 * weights, and (for write-back) the fresh rows. A non-finite value stops the run here, before the
 * step is counted, logged or checkpointed.
 */
async function readStep(run: RunContext, e: Encoded, corrLoss: tf.Scalar | null, withRows: boolean): Promise<{ freshRows: Float32Array | null }> {
  // the encoders' weights stay finite while their gradients are (Adam's step is bounded); h's
  // gradients stay inside its trainer, so its (small) weights are checked instead
  const corrWeights = run.corrector?.variables() ?? [];
  const checks: [string, tf.Scalar | null][] = [
    ['retrieval loss', e.loss], ['encoder gradients', e.gradSum], ['corrector loss', corrLoss],
    ['corrector weights', corrWeights.length ? sumOfAll(corrWeights) : null],
  ];
  const present = checks.filter(([, t]) => t !== null) as [string, tf.Scalar][];
  if (present.length === 0 && !withRows) return { freshRows: null };
  const all = tf.tidy(() => tf.concat([...present.map(([, t]) => t.reshape([1])), ...(withRows ? [e.fresh.reshape([-1])] : [])]));
  tf.dispose(present.map(([, t]) => t));
  const host = (await all.data()) as Float32Array;
  all.dispose();
  const value = (what: string) => {
    const i = present.findIndex(([w]) => w === what);
    return i < 0 ? undefined : host[i];
  };
  run.lastLoss = value('retrieval loss') ?? run.lastLoss;
  run.lastCorrLoss = value('corrector loss') ?? run.lastCorrLoss;
  const bad = present.map(([w], i) => (Number.isFinite(host[i]) ? null : w)).filter((w): w is string => w !== null);
  if (bad.length) stopNonFinite(run, bad);
  return { freshRows: withRows ? host.subarray(present.length) : null };
}

/**
 * The sum of every value of the tensors: NaN or ±∞ when any value is non-finite (or when the sum
 * overflows float32, which only a diverged run reaches). One reduction per tensor: over the
 * encoders' gradients (14.5M values on the default task) it costs about 2 ms a step, against
 * 6-15 ms for an exact Σ(x·0).
 */
export function sumOfAll(xs: (tf.Tensor | undefined)[]): tf.Scalar {
  return tf.tidy(() => {
    const sums = xs.filter((x): x is tf.Tensor => x !== undefined).map((x) => tf.sum(x));
    return (sums.length ? tf.addN(sums) : tf.scalar(0)) as tf.Scalar;
  });
}

function stopNonFinite(run: RunContext, what: string[]): never {
  const step = run.state.step + 1;
  reportSteps(run, { stopped: 'non-finite values' }, true);
  const kept = run.savedStep >= 0 ? `the checkpoint of step ${run.savedStep} is kept in ${run.ckptDir}` : 'no checkpoint was saved yet';
  throw new InputError(
    `training ${run.name} (${run.strategy.label}): non-finite ${what.join(', ')} at step ${step}; stopped without saving this step, ${kept}` +
    ` (check the data for empty or all-unknown texts, or lower --lr)`,
  );
}

/** Phase 5: refresh-on-use writes the fresh embeddings of the step's targets into the cache. */
function writeBack(run: RunContext, cand: Candidates, freshRows: Float32Array, step: number): void {
  run.state.cache!.refresh(Int32Array.from(cand.cols), freshRows, step + 1);
  run.state.cacheChanged = true;
}

/** Reports training progress: one stage per run (not per strategy), so runs of one strategy each get their own line. */
export function reportSteps(run: RunContext, info: ProgressEvent['info'], final = false): void {
  run.progress?.({ stage: `train ${run.name}`, done: run.state.step, total: run.cfg.steps, start: run.startStep, unit: 'steps', info, ...(final ? { final } : {}) });
}

/**
 * Which candidate columns each query's softmax runs over (1) or not (0), row-major [nq, C]:
 * its own positive and own negatives always; the other columns only with in-batch negatives; and
 * never a column holding another of its own relevant rows (a false negative), its label excepted.
 */
export function candidateMask(
  relevant: ArrayLike<number>[], labels: number[], ownNegCols: number[][], cols: number[], inBatch: boolean,
): Float32Array {
  const C = cols.length;
  const mask = new Float32Array(relevant.length * C);
  for (let i = 0; i < relevant.length; i++) {
    const rel = new Set(Array.from(relevant[i]));
    if (inBatch) {
      for (let c = 0; c < C; c++) mask[i * C + c] = rel.has(cols[c]) ? 0 : 1;
    } else {
      for (const c of ownNegCols[i]) mask[i * C + c] = 1;
    }
    mask[i * C + labels[i]] = 1;
  }
  return mask;
}
