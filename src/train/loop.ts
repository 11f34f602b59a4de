/**
 * `trainRetriever`: the one dual-encoder training loop every negative strategy runs under.
 *
 * A step, in order (strategy.ts says which parts a strategy uses):
 *   1. refresh:R  every R steps the whole corpus is re-encoded into the cache (ledger: refresh).
 *      oracle     every step the whole corpus is encoded fresh and searched instead of the cache.
 *   2. select     the batch's queries are encoded by f (no gradient) and k negatives per query are
 *                 chosen by top-k or Gumbel-top-k of β⟨f(x), h(g′(y))⟩ over the cache, gold
 *                 positives excluded (h = identity unless the strategy has a corrector).
 *   3. encode     the positives and selected negatives are encoded fresh by g (ledger: positives,
 *                 negatives), and the retrieval loss is the cross-entropy of each positive over
 *                 {own positive, own negatives, the other queries' targets if in-batch negatives}.
 *   4. correct    h takes one step on the pairs (g′(y), g_t(y)) of the targets just encoded (plus
 *                 `extraUniform` uniformly drawn targets, ledger: corrector-extra), with its own
 *                 optimiser, by the `mse` or `softmax` corrector loss.
 *   5. write back refresh-on-use writes the fresh embeddings into the cache rows.
 * During the first `warmupSteps` steps only h trains: the encoders are frozen (ledger: warmup).
 *
 * Resume is first-class: a checkpoint holds everything the next step depends on (weights,
 * optimiser states, RNG, data order, the cache if it changed, the ledger), so a killed run resumed
 * from it ends with the same numbers as an uninterrupted one on the same backend.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../tensor';
import type { Encoder } from '../encoders/types';
import { MemoryEmbeddings, gatherRows } from '../cache/memory';
import { exactSearch } from '../search/exact';
import { buildAnnIndex, candidatePoolSearch, type AnnIndex } from '../search/ann';
import { buildCorrector, type Corrector } from '../corrector/networks';
import { softmaxCeFromLogits } from '../corrector/losses';
import { Adam } from '../corrector/adam';
import { OnlineCorrectorTrainer } from '../corrector/fit';
import { Rng } from '../util/rng';
import { AbortedError, InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { CostLedger, type CostSummary } from './ledger';
import { parseStrategy, type Strategy } from './strategy';
import type { TrainConfig } from './config';
import type { TrainData } from './data';
import { RunLog, type LogRecord } from './log';
import { probeStaleness } from './probe';
import { evaluateSplit, type RetrievalMetrics } from './evaluate';
import { saveCheckpoint, loadCheckpoint, hasCheckpoint, encoderVariables } from './checkpoint';

/** The two encoders of a run (the same object when they share weights). */
export interface EncoderPair {
  query: Encoder;
  target: Encoder;
}

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
}

/** Everything that changes from step to step; a checkpoint is exactly this. */
export interface LoopState {
  step: number;
  rng: Rng;
  /** Position in the current epoch's query order. */
  order: Int32Array;
  orderPos: number;
  epoch: number;
  cache: MemoryEmbeddings | null;
  cacheChanged: boolean;
  ledger: CostLedger;
  elapsed: number;
}


/** Encodes texts in batches to one row-major array without keeping tensors (for whole-corpus passes). */
export async function encodeAll(encode: (texts: string[]) => tf.Tensor2D, texts: string[], dim: number, batch = 2048): Promise<Float32Array> {
  const out = new Float32Array(texts.length * dim);
  for (let s = 0; s < texts.length; s += batch) {
    const t = encode(texts.slice(s, s + batch));
    out.set(await t.data() as Float32Array, s * dim);
    t.dispose();
  }
  return out;
}

export async function trainRetriever(opts: TrainOptions): Promise<TrainResult> {
  const { config: cfg, data } = opts;
  const strategy: Strategy = parseStrategy(cfg.strategy, 'config.strategy');
  const train = data.splits[cfg.trainSplit];
  if (!train || train.queryIds.length === 0) throw new InputError(`${cfg.dataset}: split '${cfg.trainSplit}' has no queries with a relevant passage`);
  if (!data.splits[cfg.devSplit]) throw new InputError(`${cfg.dataset}: no '${cfg.devSplit}' split to evaluate on`);
  fs.mkdirSync(opts.runDir, { recursive: true });
  const configFile = path.join(opts.runDir, 'config.json');
  if (opts.resume !== false && fs.existsSync(configFile) && JSON.stringify(JSON.parse(fs.readFileSync(configFile, 'utf8'))) !== JSON.stringify(cfg)) {
    throw new InputError(`${opts.runDir}: holds a run with a different config.json; resume it with the same settings, or start over with a new name or --fresh`);
  }
  writeJsonAtomic(configFile, cfg);

  const enc = await opts.makeEncoders();
  const dim = enc.target.dim;
  const N = data.corpusTexts.length;
  const avgTokens = data.corpusTexts.slice(0, 2000).reduce((a, t) => a + t.split(/\s+/).length, 0) / Math.min(N, 2000);
  const encVars = encoderVariables(enc);
  const encOpt = new Adam(encVars, { learningRate: cfg.lr });
  const corrector: Corrector | null = strategy.corrector
    ? buildCorrector({ kind: cfg.corrector.kind, dim, depth: cfg.corrector.depth, width: cfg.corrector.width, activation: cfg.corrector.activation, layerNorm: cfg.corrector.layerNorm, normalizeOutput: enc.target.normalized, seed: cfg.seed })
    : null;
  const corrOpt = corrector
    ? new OnlineCorrectorTrainer(corrector, { learningRate: cfg.corrector.lr, loss: cfg.corrector.loss, beta: cfg.beta, mseWeight: cfg.corrector.mseWeight })
    : null;
  const log = new RunLog(path.join(opts.runDir, 'log.jsonl'));

  const state: LoopState = {
    step: 0,
    rng: new Rng(cfg.seed),
    order: new Int32Array(0),
    orderPos: 0,
    epoch: 0,
    cache: null,
    cacheChanged: false,
    ledger: new CostLedger(enc.target, N, avgTokens),
    elapsed: 0,
  };
  const ckptDir = path.join(opts.runDir, 'checkpoint');
  const targetEncode = (kind: Parameters<CostLedger['encodeTargets']>[0], texts: string[], training = false) => state.ledger.encodeTargets(kind, texts, { training });

  // the probe sample is fixed by the seed alone, so resumed and uninterrupted runs probe the same rows
  const probeRng = new Rng(`${cfg.seed}/probe`);
  const probeRows = Int32Array.from(probeRng.sampleWithoutReplacement(N, Math.min(cfg.probeRows, N))).sort();
  const probeQueries = probeRng.sampleWithoutReplacement(train.queryIds.length, Math.min(cfg.probeQueries, train.queryIds.length));

  const initialCacheFile = path.join(opts.runDir, 'initial-cache.f32');
  if (opts.resume !== false && hasCheckpoint(ckptDir)) {
    const initialCache = opts.initialCache ?? (fs.existsSync(initialCacheFile) ? readFloat32(initialCacheFile) : undefined);
    await loadCheckpoint(ckptDir, { state, enc, encOpt, corrector, corrOpt, initialCache });
    log.truncateAfter(state.step);
    opts.progress?.({ stage: `${strategy.label}: resumed`, done: state.step, total: cfg.steps, unit: 'steps' });
  } else {
    log.truncateAfter(-1);
    fs.rmSync(ckptDir, { recursive: true, force: true });
    fs.rmSync(`${ckptDir}.old`, { recursive: true, force: true });
    if (strategy.usesCache && !strategy.oracle) {
      let initial = opts.initialCache;
      if (!initial) {
        initial = await encodeAll((t) => targetEncode('initial-cache', t), data.corpusTexts, dim);
        // kept beside the run so a resumed run can rebuild the never-refreshed cache
        writeFileAtomic(initialCacheFile, new Uint8Array(initial.buffer, initial.byteOffset, initial.byteLength));
      } else state.ledger.record('initial-cache', N);
      if (initial.length !== N * dim) throw new InputError(`initial cache: expected ${N} rows of dim ${dim}, got ${initial.length / dim} rows`);
      state.cache = new MemoryEmbeddings(Float32Array.from(initial), dim, { step: 0 });
    }
    state.order = state.rng.shuffle(Int32Array.from({ length: train.queryIds.length }, (_, i) => i)) as Int32Array;
  }

  const nextBatch = (): number[] => {
    const out: number[] = [];
    while (out.length < cfg.batchSize) {
      if (state.orderPos >= state.order.length) {
        state.epoch++;
        state.order = state.rng.shuffle(Int32Array.from({ length: train.queryIds.length }, (_, i) => i)) as Int32Array;
        state.orderPos = 0;
      }
      out.push(state.order[state.orderPos++]);
    }
    return out;
  };

  const recordLog = async (extra: Partial<LogRecord>) => {
    const probe = await probeStaleness({
      cache: state.cache, corrector, probeRows, probeQueryTexts: probeQueries.map((i) => train.queryTexts[i]),
      corpusTexts: data.corpusTexts, encodeQueries: (t) => enc.query.encode(t), encodeTargets: (t) => targetEncode('probe', t),
      beta: cfg.beta, k: cfg.probeK, dim,
    });
    log.append({ step: state.step, strategy: strategy.label, ...extra, ...probe, cost: state.ledger.summary(), seconds: state.elapsed + (Date.now() - stepClock) / 1000 });
  };

  // pool 'ann': candidates from an HNSW index on the cache, re-scored exactly (with h) — rebuilt on
  // every full refresh; refresh-on-use rows are re-scored from their new values but found by their old
  // ones. Built with one thread so a resumed run finds the same pools.
  let annIndex: AnnIndex | null = null;
  const rebuildAnn = async () => {
    if (cfg.pool === 'ann' && state.cache && !strategy.oracle) annIndex = await buildAnnIndex({ source: state.cache, threads: 1 });
  };
  await rebuildAnn();

  let stepClock = Date.now();
  let stopped = false;
  if (state.step === 0) await recordLog({}); // the start: staleness 0, the untrained encoders' probe
  let lastLoss = NaN;
  let lastCorrLoss = NaN;

  while (state.step < cfg.steps) {
    if (opts.signal?.aborted || (opts.stopAfterStep !== undefined && state.step >= opts.stopAfterStep)) {
      stopped = true;
      break;
    }
    const step = state.step;
    const warmup = step < cfg.corrector.warmupSteps && corrector !== null;

    // 1. refresh / oracle
    if (strategy.refreshEvery !== null && step > 0 && step % strategy.refreshEvery === 0 && state.cache) {
      const fresh = await encodeAll((t) => targetEncode('refresh', t), data.corpusTexts, dim);
      state.cache.refresh(Int32Array.from({ length: N }, (_, i) => i), fresh, step);
      state.cacheChanged = true;
      await rebuildAnn();
    }
    let source = state.cache;
    if (strategy.oracle) source = new MemoryEmbeddings(await encodeAll((t) => targetEncode('oracle', t), data.corpusTexts, dim), dim, { step });

    // 2. select negatives
    const batch = nextBatch();
    const posRows = batch.map((qi) => train.positives[qi][state.rng.int(train.positives[qi].length)]);
    const queryTexts = batch.map((qi) => train.queryTexts[qi]);
    let negRows: number[][] = batch.map(() => []);
    if (source && cfg.negatives > 0) {
      const qSel = enc.query.encode(queryTexts);
      const transform = corrector && !strategy.oracle ? (b: tf.Tensor2D) => corrector.apply(b) : undefined;
      // with a pool, h is applied to the union of the batch's pools: at most batch × poolSize rows
      if (transform) state.ledger.recordCorrector('apply', annIndex ? Math.min(source.rows, batch.length * cfg.poolSize) : source.rows, corrector!.flopsPerRow());
      const common = {
        source, queries: qSel, k: cfg.negatives, transform, blockRows: cfg.blockRows,
        exclude: batch.map((qi) => train.positives[qi]),
        sample: cfg.selection === 'gumbel' ? { beta: cfg.beta, seed: state.rng } : undefined,
      };
      const res = annIndex && source === state.cache
        ? await candidatePoolSearch({ ...common, index: annIndex, poolSize: Math.max(cfg.poolSize, cfg.negatives), threads: 1 })
        : await exactSearch(common);
      qSel.dispose();
      negRows = batch.map((_, i) => Array.from(res.indices.subarray(i * res.k, (i + 1) * res.k)).filter((r) => r >= 0));
    }

    // candidate columns: unique target rows, positives first
    const cols: number[] = [];
    const colOf = new Map<number, number>();
    const addCol = (r: number) => {
      if (!colOf.has(r)) {
        colOf.set(r, cols.length);
        cols.push(r);
      }
      return colOf.get(r)!;
    };
    const labels = posRows.map(addCol);
    const nPosCols = cols.length;
    negRows.forEach((rs) => rs.forEach(addCol));
    const extra = corrector && cfg.corrector.extraUniform > 0 ? state.rng.sampleWithoutReplacement(N, Math.min(cfg.corrector.extraUniform, N)) : [];
    const mask = candidateMask(batch.map((qi) => train.positives[qi]), labels, negRows.map((rs) => rs.map((r) => colOf.get(r)!)), cols, cfg.inBatchNegatives);

    // 3. encode fresh and train the encoders (or only encode during warm-up)
    const posTexts = cols.slice(0, nPosCols).map((r) => data.corpusTexts[r]);
    const negTexts = cols.slice(nPosCols).map((r) => data.corpusTexts[r]);
    let fresh: tf.Tensor2D;
    let queriesForCorrector: tf.Tensor2D;
    const maskT = tf.tensor2d(mask, [batch.length, cols.length]);
    const labelsT = tf.tensor1d(labels, 'int32');
    if (warmup) {
      fresh = tf.tidy(() => tf.concat([targetEncode('warmup', posTexts), ...(negTexts.length ? [targetEncode('warmup', negTexts)] : [])]) as tf.Tensor2D);
      queriesForCorrector = enc.query.encode(queryTexts);
    } else {
      let keptFresh: tf.Tensor2D | null = null;
      let keptQ: tf.Tensor2D | null = null;
      lastLoss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const q = enc.query.encode(queryTexts, { training: true });
          const parts = [targetEncode('positives', posTexts, true)];
          if (negTexts.length) parts.push(targetEncode('negatives', negTexts, true));
          const t = parts.length === 1 ? parts[0] : (tf.concat(parts) as tf.Tensor2D);
          keptFresh = tf.keep(t.clone());
          keptQ = tf.keep(q.clone());
          const logits = tf.mul(tf.matMul(q, t, false, true), cfg.beta) as tf.Tensor2D;
          return softmaxCeFromLogits(logits, labelsT, maskT);
        }, encVars);
        encOpt.apply(encVars.map((v) => grads[v.name]));
        return value.dataSync()[0];
      });
      fresh = keptFresh!;
      queriesForCorrector = keptQ!;
    }

    // 4. corrector step on the fresh pairs (+ extra uniform pairs encoded only for it)
    if (corrector && corrOpt && state.cache) {
      let pairRows = cols;
      let freshAll = fresh;
      if (extra.length) {
        const ex = targetEncode('corrector-extra', extra.map((r) => data.corpusTexts[r]));
        freshAll = tf.concat([fresh, ex]) as tf.Tensor2D;
        ex.dispose();
        pairRows = cols.concat(extra);
      }
      const stale = tf.tensor2d(gatherRows(state.cache, pairRows), [pairRows.length, dim]);
      const candidates = tf.tidy(() => tf.tile(tf.range(0, cols.length, 1, 'int32').expandDims(0), [batch.length, 1]) as tf.Tensor2D);
      // softmax losses score each query's candidate columns; extra uniform rows (after them) train h through mseWeight
      lastCorrLoss = corrOpt.step(stale, freshAll, { queries: queriesForCorrector, candidates, positives: labels, mask: maskT });
      state.ledger.recordCorrector('train', pairRows.length, corrector.flopsPerRow());
      tf.dispose([stale, candidates]);
      if (freshAll !== fresh) freshAll.dispose();
    }

    // 5. write back
    if (strategy.refreshOnUse && state.cache) {
      state.cache.refresh(Int32Array.from(cols), (await fresh.data()) as Float32Array, step + 1);
      state.cacheChanged = true;
    }
    tf.dispose([fresh, queriesForCorrector, maskT, labelsT]);
    if (source !== state.cache) source = null; // drop the oracle's fresh corpus

    state.step++;
    const done = state.step;
    opts.onStep?.({ step: done, queries: batch, positives: posRows, negatives: negRows, loss: lastLoss, correctorLoss: lastCorrLoss });
    const elapsedNow = state.elapsed + (Date.now() - stepClock) / 1000;
    opts.progress?.({ stage: `train ${strategy.label}`, done, total: cfg.steps, unit: 'steps', info: { loss: lastLoss, ...(corrector ? { hloss: lastCorrLoss } : {}) } });
    if (done % cfg.logEvery === 0 || done === cfg.steps) {
      const rec: Partial<LogRecord> = { loss: lastLoss, correctorLoss: corrector ? lastCorrLoss : undefined, lr: cfg.lr, warmup };
      if (cfg.evalEvery > 0 && done % cfg.evalEvery === 0 && done !== cfg.steps) {
        rec.dev = await evaluateSplit({ data, split: cfg.devSplit, encoders: enc, maxQueries: cfg.evalQueries, ledger: state.ledger, seed: cfg.seed });
      }
      await recordLog(rec);
    }
    if (cfg.checkpointEvery > 0 && done % cfg.checkpointEvery === 0 && done !== cfg.steps) {
      state.elapsed = elapsedNow;
      stepClock = Date.now();
      await saveCheckpoint(ckptDir, { state, enc, encOpt, corrector, corrOpt });
    }
  }

  state.elapsed += (Date.now() - stepClock) / 1000;
  stepClock = Date.now();
  if (stopped) {
    await saveCheckpoint(ckptDir, { state, enc, encOpt, corrector, corrOpt });
    if (opts.signal?.aborted) throw new AbortedError(`training ${strategy.label} (checkpoint saved at step ${state.step}; rerun to resume)`);
  } else {
    await saveCheckpoint(ckptDir, { state, enc, encOpt, corrector, corrOpt });
  }

  const dev = stopped ? emptyMetrics() : await evaluateSplit({ data, split: cfg.devSplit, encoders: enc, ledger: state.ledger, runFile: path.join(opts.runDir, `${cfg.devSplit}.trec`), tag: strategy.label });
  const test = !stopped && cfg.testSplit && data.splits[cfg.testSplit]
    ? await evaluateSplit({ data, split: cfg.testSplit, encoders: enc, ledger: state.ledger, runFile: path.join(opts.runDir, `${cfg.testSplit}.trec`), tag: strategy.label })
    : undefined;
  const result: TrainResult = {
    config: cfg, strategy: strategy.label, steps: state.step, dev, test, cost: state.ledger.summary(),
    wallSeconds: state.elapsed, stopped,
  };
  if (!stopped) {
    if (corrector) corrector.save(path.join(opts.runDir, 'corrector'));
    // the trained encoders, loadable by `loadEncoder` / `build-cache --encoder <dir>` (e.g. to build a
    // fresh cache and hold the corrector against it with `freshcache bound`)
    await enc.target.save(path.join(opts.runDir, 'target-encoder'));
    if (enc.query !== enc.target) await enc.query.save(path.join(opts.runDir, 'query-encoder'));
    writeJsonAtomic(path.join(opts.runDir, 'result.json'), result);
  }
  corrector?.dispose();
  encOpt.dispose();
  corrOpt?.dispose();
  enc.query.dispose();
  if (enc.target !== enc.query) enc.target.dispose();
  return result;
}

function readFloat32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function emptyMetrics(): RetrievalMetrics {
  return { queries: 0, mrr10: NaN, recall1: NaN, recall10: NaN, recall100: NaN };
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
