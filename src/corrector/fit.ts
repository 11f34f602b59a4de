/**
 * Fitting correctors: offline from pairs (stale g′(y), fresh g(y)) with held-out pairs and early
 * stopping (`fitCorrector`), and online, one update per training step (`OnlineCorrectorTrainer`).
 *
 * Error conventions used in reports: `mse` = (1/n) Σ_i ‖h(g′(y_i)) − g(y_i)‖² (squared L2 summed over
 * dims, mean over rows: the same quantity as the `mse` loss); `meanL2` = (1/n) Σ_i ‖h(g′(y_i)) − g(y_i)‖.
 */
import { tf, readScalar, readTensors } from '../tensor';
import { Rng } from '../util/rng';
import { InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { buildCorrector, Corrector, CorrectorConfig, ResolvedCorrectorConfig } from './networks';
import { correctorLoss, CorrectorLossInputs, CorrectorLossKind, CORRECTOR_LOSSES } from './losses';
import { Adam, AdamState } from './adam';

// ---- online --------------------------------------------------------------------------------------

export interface OnlineCorrectorTrainerOptions {
  /** Adam learning rate of the corrector (its own, separate from the encoders'); default 1e-3. */
  learningRate?: number;
  /** Loss kind; default 'mse'. */
  loss?: CorrectorLossKind;
  /** Inverse temperature for the softmax losses when `extra.beta` is not given; default 1. */
  beta?: number;
  /**
   * Softmax kinds only: add mseWeight · (mse drift loss over all m rows) to the softmax loss, so rows
   * outside every candidate set (e.g. uniformly sampled extra targets) still train h; default 0.
   */
  mseWeight?: number;
  /** Clip the global gradient norm to this value; default none. */
  clipNorm?: number;
  /** Adam β₁, β₂, ε; defaults 0.9, 0.999, 1e-8. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** What the softmax losses need besides the pairs (see CorrectorLossInputs). */
export type CorrectorLossExtra = Omit<CorrectorLossInputs, 'corrected' | 'fresh'>;

/** Checkpointable state of an OnlineCorrectorTrainer (plain data). */
export interface OnlineCorrectorTrainerState {
  steps: number;
  loss: CorrectorLossKind;
  optimizer: AdamState;
}

/**
 * Trains a corrector online: `step(stale, fresh)` applies one Adam update on that step's fresh pairs
 * (rows g′(y) and g_t(y) of the targets encoded fresh anyway) and returns the loss before the update.
 * The corrector is not owned: dispose() frees only the optimiser state.
 */
export class OnlineCorrectorTrainer {
  readonly loss: CorrectorLossKind;
  readonly beta: number;
  readonly clipNorm?: number;
  readonly mseWeight: number;
  /** Updates applied so far. */
  steps = 0;
  private readonly adam: Adam;

  constructor(readonly corrector: Corrector, options: OnlineCorrectorTrainerOptions = {}) {
    this.loss = options.loss ?? 'mse';
    if (!(CORRECTOR_LOSSES as readonly string[]).includes(this.loss)) {
      throw new InputError(`corrector loss: expected one of ${CORRECTOR_LOSSES.join(', ')}, got '${this.loss}'`);
    }
    this.beta = options.beta ?? 1;
    this.clipNorm = options.clipNorm;
    this.mseWeight = options.mseWeight ?? 0;
    if (!(this.mseWeight >= 0)) throw new InputError(`corrector mseWeight must be ≥ 0, got ${this.mseWeight}`);
    this.adam = new Adam(
      corrector.variables(),
      { learningRate: options.learningRate ?? 1e-3, beta1: options.beta1, beta2: options.beta2, epsilon: options.epsilon },
      corrector.tensorNames(),
    );
  }

  get learningRate(): number {
    return this.adam.learningRate;
  }

  /** Changes the learning rate from the next step on (for schedules). */
  setLearningRate(lr: number): void {
    if (!(lr > 0)) throw new InputError(`corrector learning rate must be > 0, got ${lr}`);
    this.adam.learningRate = lr;
  }

  /**
   * One update; returns the loss (before the update) as a scalar tensor the caller disposes, without
   * a device sync. stale, fresh: [m, d]; `extra` carries queries/candidates/positives/mask/beta for the
   * softmax losses (plus mseWeight · mse when set). With the identity corrector (no parameters) only
   * the loss is computed.
   */
  stepTensor(stale: tf.Tensor2D, fresh: tf.Tensor2D, extra?: CorrectorLossExtra): tf.Scalar {
    const vars = this.corrector.variables();
    const lossFn = (): tf.Scalar => {
      const corrected = this.corrector.apply(stale);
      const main = correctorLoss(this.loss, { ...extra, beta: extra?.beta ?? this.beta, corrected, fresh });
      if (this.loss === 'mse' || this.mseWeight === 0) return main;
      return tf.add(main, tf.mul(correctorLoss('mse', { corrected, fresh }), this.mseWeight)) as tf.Scalar;
    };
    if (vars.length === 0) return tf.tidy(lossFn);
    const value = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossFn, vars);
      let gs: (tf.Tensor | undefined)[] = vars.map((v) => grads[v.name]);
      if (this.clipNorm !== undefined) gs = clipByGlobalNorm(gs, this.clipNorm);
      this.adam.apply(gs);
      return value;
    });
    this.steps++;
    return value;
  }

  /** One update (see stepTensor); returns the loss before the update as a number (one awaited read). */
  async step(stale: tf.Tensor2D, fresh: tf.Tensor2D, extra?: CorrectorLossExtra): Promise<number> {
    const t = this.stepTensor(stale, fresh, extra);
    try {
      return await readScalar(t);
    } finally {
      t.dispose();
    }
  }

  /** The optimiser state and step count, as plain data for a checkpoint (weights: corrector.getWeights()). */
  async getState(): Promise<OnlineCorrectorTrainerState> {
    return { steps: this.steps, loss: this.loss, optimizer: await this.adam.getState() };
  }

  /** Restores getState()'s output (the corrector's weights are restored separately). */
  setState(state: OnlineCorrectorTrainerState): void {
    this.adam.setState(state.optimizer);
    this.steps = state.steps;
  }

  dispose(): void {
    this.adam.dispose();
  }
}

/** Scales gradients so that their global L2 norm is at most maxNorm. */
export function clipByGlobalNorm(grads: (tf.Tensor | undefined)[], maxNorm: number): (tf.Tensor | undefined)[] {
  return tf.tidy(() => {
    const present = grads.filter((g): g is tf.Tensor => !!g);
    if (present.length === 0) return grads;
    const norm = tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-12)));
    return grads.map((g) => (g ? tf.mul(g, scale) : g));
  });
}

// ---- evaluation helpers --------------------------------------------------------------------------

/** Held-out error of a corrector (conventions in the file comment). */
export interface CorrectorError {
  /** (1/n) Σ ‖h(g′) − g‖² */
  mse: number;
  /** (1/n) Σ ‖h(g′) − g‖ */
  meanL2: number;
  rows: number;
}

type Rows = tf.Tensor2D | Float32Array;

function rowsTensor(x: Rows, dim: number, what: string): tf.Tensor2D {
  if (x instanceof tf.Tensor) return x;
  if (x.length % dim !== 0) throw new InputError(`${what}: ${x.length} values is not a whole number of rows of dim ${dim}`);
  return tf.tensor2d(x, [x.length / dim, dim]);
}

/**
 * Error of h(stale) against fresh, in blocks of `blockRows`, summed in float64 (the per-row squared
 * errors of all blocks come back in one awaited read). Pass the identity corrector (or
 * `identityError`) for the stale cache's own error ‖g′ − g‖.
 */
export async function measureCorrectorError(corrector: Corrector, stale: Rows, fresh: Rows, blockRows = 8192): Promise<CorrectorError> {
  const s = rowsTensor(stale, corrector.dim, 'stale');
  const f = rowsTensor(fresh, corrector.dim, 'fresh');
  try {
    if (s.shape[0] !== f.shape[0] || s.shape[1] !== f.shape[1]) {
      throw new InputError(`corrector error: stale [${s.shape.join(', ')}] and fresh [${f.shape.join(', ')}] differ in shape`);
    }
    const n = s.shape[0];
    const blocks: tf.Tensor1D[] = [];
    try {
      for (let start = 0; start < n; start += blockRows) {
        const size = Math.min(blockRows, n - start);
        blocks.push(tf.tidy(() => {
          const h = corrector.apply(s.slice([start, 0], [size, -1]));
          return tf.sum(tf.square(tf.sub(h, f.slice([start, 0], [size, -1]))), 1) as tf.Tensor1D;
        }));
      }
      let sq = 0;
      let l2 = 0;
      for (const v of await readTensors(blocks)) {
        for (let i = 0; i < v.length; i++) {
          sq += v[i];
          l2 += Math.sqrt(v[i]);
        }
      }
      return { mse: n ? sq / n : NaN, meanL2: n ? l2 / n : NaN, rows: n };
    } finally {
      tf.dispose(blocks);
    }
  } finally {
    if (s !== stale) s.dispose();
    if (f !== fresh) f.dispose();
  }
}

/** The stale cache's own error ‖g′ − g‖ (the identity corrector's), computed in float64 on the host. */
export function identityError(stale: Float32Array, fresh: Float32Array, dim: number): CorrectorError {
  if (stale.length !== fresh.length) throw new InputError(`identity error: stale has ${stale.length} values, fresh ${fresh.length}`);
  const n = stale.length / dim;
  let sq = 0;
  let l2 = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) {
      const d = stale[j] - fresh[j];
      r += d * d;
    }
    sq += r;
    l2 += Math.sqrt(r);
  }
  return { mse: n ? sq / n : NaN, meanL2: n ? l2 / n : NaN, rows: n };
}

/** h applied to many rows in blocks (bounds the hidden activations' memory); returns a new [n, d] tensor. */
export function applyBlocked(corrector: Corrector, rows: tf.Tensor2D, blockRows = 16384): tf.Tensor2D {
  const n = rows.shape[0];
  if (n <= blockRows) return corrector.apply(rows);
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < n; start += blockRows) {
      parts.push(corrector.apply(rows.slice([start, 0], [Math.min(blockRows, n - start), -1])));
    }
    return tf.concat(parts, 0);
  });
}

/** h applied to host rows (Float32Array [n·d]) in blocks; returns the corrected rows on the host. */
export async function correctRows(corrector: Corrector, rows: Float32Array, blockRows = 16384): Promise<Float32Array> {
  const d = corrector.dim;
  if (rows.length % d !== 0) throw new InputError(`correct rows: ${rows.length} values is not a whole number of rows of dim ${d}`);
  const n = rows.length / d;
  const out = new Float32Array(rows.length);
  for (let start = 0; start < n; start += blockRows) {
    const size = Math.min(blockRows, n - start);
    const y = tf.tidy(() => corrector.apply(tf.tensor2d(rows.subarray(start * d, (start + size) * d), [size, d])));
    try {
      out.set((await y.data()) as Float32Array, start * d);
    } finally {
      y.dispose();
    }
  }
  return out;
}

// ---- offline -------------------------------------------------------------------------------------

export interface FitCorrectorOptions {
  /** Stale embeddings g′(y), row-major [n, dim]. */
  stale: Float32Array;
  /** Fresh embeddings g(y) of the same rows, [n, dim]. */
  fresh: Float32Array;
  dim: number;
  /** Explicit held-out pairs; when given, all of stale/fresh is used for training. */
  heldOut?: { stale: Float32Array; fresh: Float32Array };
  /** Fraction of the pairs held out (seeded random split) when `heldOut` is absent; default 0.1. */
  heldOutFraction?: number;
  /** A config to build (its seed defaults to `seed`), or an existing corrector to train in place. Default {kind:'mlp', dim}. */
  corrector?: Omit<CorrectorConfig, 'dim'> & { dim?: number } | Corrector;
  /** Adam learning rate; default 1e-3. */
  learningRate?: number;
  /** Minibatch size; default 256. */
  batchSize?: number;
  /** Most epochs; default 100. */
  maxEpochs?: number;
  /** Stop after this many epochs without a held-out improvement; default 5. */
  patience?: number;
  /** An epoch improves when held-out mse < best − minDelta; default 0. */
  minDelta?: number;
  /** Restore the best epoch's weights at the end; default true. */
  restoreBest?: boolean;
  /** Seed of the split, the batch order and (unless the config has one) the initialisation; default 0. */
  seed?: number;
  clipNorm?: number;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

export interface FitEpochRecord {
  /** 0 = before training. */
  epoch: number;
  /** Mean of the minibatch losses over the epoch (mse, before each update); null for epoch 0. */
  trainMse: number | null;
  heldOutMse: number;
  heldOutMeanL2: number;
  seconds: number;
}

export interface FitCorrectorReport {
  /** The fitted corrector (best epoch's weights unless restoreBest is false); the caller disposes it. */
  corrector: Corrector;
  config: ResolvedCorrectorConfig;
  trainRows: number;
  heldOutRows: number;
  epochs: FitEpochRecord[];
  bestEpoch: number;
  /** Held-out error at the best epoch. */
  heldOut: CorrectorError;
  /** Held-out error of the identity (the stale cache itself): ‖g′ − g‖. */
  identity: CorrectorError;
  /** 1 − heldOut.mse / identity.mse (0: no better than the stale cache; 1: exact). */
  relativeImprovement: number;
  stoppedEarly: boolean;
  steps: number;
  seconds: number;
  options: { learningRate: number; batchSize: number; maxEpochs: number; patience: number; minDelta: number; seed: number; heldOutFraction: number | null };
}

/**
 * Fits a corrector offline on pairs (g′(y), g(y)) with the mse drift loss, Adam and minibatches,
 * early-stopping on the held-out mse; seeded (split, order, init), so the same inputs and seed give the
 * same report on the same backend. All pairs are held on the device (2·n·dim·4 bytes): sample large
 * caches first (readCachePairs' maxRows).
 */
export async function fitCorrector(opts: FitCorrectorOptions): Promise<FitCorrectorReport> {
  const t0 = performance.now();
  const d = opts.dim;
  if (!Number.isInteger(d) || d < 1) throw new InputError(`fit corrector: dim must be an integer ≥ 1, got ${d}`);
  const checkPair = (s: Float32Array, f: Float32Array, what: string) => {
    if (s.length !== f.length) throw new InputError(`fit corrector: ${what} stale has ${s.length / d} rows, fresh ${f.length / d}`);
    if (s.length % d !== 0) throw new InputError(`fit corrector: ${what} has ${s.length} values, not a whole number of rows of dim ${d}`);
  };
  checkPair(opts.stale, opts.fresh, 'training');
  const seed = opts.seed ?? 0;
  const learningRate = opts.learningRate ?? 1e-3;
  const batchSize = opts.batchSize ?? 256;
  const maxEpochs = opts.maxEpochs ?? 100;
  const patience = opts.patience ?? 5;
  const minDelta = opts.minDelta ?? 0;
  const restoreBest = opts.restoreBest ?? true;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`fit corrector: batch size must be an integer ≥ 1, got ${batchSize}`);
  if (!Number.isInteger(maxEpochs) || maxEpochs < 0) throw new InputError(`fit corrector: max epochs must be an integer ≥ 0, got ${maxEpochs}`);
  if (!Number.isInteger(patience) || patience < 1) throw new InputError(`fit corrector: patience must be an integer ≥ 1, got ${patience}`);

  const rng = new Rng(seed);
  let trainStale: Float32Array, trainFresh: Float32Array, heldStale: Float32Array, heldFresh: Float32Array;
  let heldOutFraction: number | null = null;
  if (opts.heldOut) {
    checkPair(opts.heldOut.stale, opts.heldOut.fresh, 'held-out');
    ({ stale: heldStale, fresh: heldFresh } = opts.heldOut);
    trainStale = opts.stale;
    trainFresh = opts.fresh;
  } else {
    heldOutFraction = opts.heldOutFraction ?? 0.1;
    if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
      throw new InputError(`fit corrector: held-out fraction must be in (0, 1), got ${heldOutFraction}`);
    }
    const n = opts.stale.length / d;
    const nHeld = Math.max(1, Math.round(n * heldOutFraction));
    if (n - nHeld < 1) throw new InputError(`fit corrector: ${n} pairs are too few to hold out ${nHeld}`);
    const perm = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i)) as Int32Array;
    const take = (src: Float32Array, idx: Int32Array) => {
      const out = new Float32Array(idx.length * d);
      idx.forEach((r, i) => out.set(src.subarray(r * d, (r + 1) * d), i * d));
      return out;
    };
    const heldIdx = perm.subarray(0, nHeld);
    const trainIdx = perm.subarray(nHeld);
    heldStale = take(opts.stale, heldIdx);
    heldFresh = take(opts.fresh, heldIdx);
    trainStale = take(opts.stale, trainIdx);
    trainFresh = take(opts.fresh, trainIdx);
  }
  const nTrain = trainStale.length / d;
  const nHeld = heldStale.length / d;
  if (nTrain < 1 || nHeld < 1) throw new InputError(`fit corrector: need at least one training and one held-out pair (have ${nTrain}, ${nHeld})`);

  const given = opts.corrector && 'apply' in opts.corrector ? (opts.corrector as Corrector) : undefined;
  if (given && given.dim !== d) throw new InputError(`fit corrector: the corrector has dim ${given.dim}, the pairs ${d}`);
  const corrector = given ?? buildCorrector({ seed, ...(opts.corrector as Omit<CorrectorConfig, 'dim'> | undefined), dim: d });

  const trainS = tf.tensor2d(trainStale, [nTrain, d]);
  const trainF = tf.tensor2d(trainFresh, [nTrain, d]);
  const heldS = tf.tensor2d(heldStale, [nHeld, d]);
  const heldF = tf.tensor2d(heldFresh, [nHeld, d]);
  const trainer = new OnlineCorrectorTrainer(corrector, { learningRate, loss: 'mse', clipNorm: opts.clipNorm });
  try {
    const identity = identityError(heldStale, heldFresh, d);
    const initial = await measureCorrectorError(corrector, heldS, heldF);
    const epochs: FitEpochRecord[] = [
      { epoch: 0, trainMse: null, heldOutMse: initial.mse, heldOutMeanL2: initial.meanL2, seconds: (performance.now() - t0) / 1000 },
    ];
    let best = initial;
    let bestEpoch = 0;
    let bestWeights = restoreBest ? await corrector.getWeights() : undefined;
    let sinceBest = 0;
    let stoppedEarly = false;
    let steps = 0;
    const trainable = corrector.variables().length > 0;
    for (let epoch = 1; epoch <= maxEpochs && trainable; epoch++) {
      const order = rng.shuffle(Int32Array.from({ length: nTrain }, (_, i) => i)) as Int32Array;
      let lossSum: tf.Scalar = tf.scalar(0);
      let trainMse: number;
      try {
        for (let start = 0; start < nTrain; start += batchSize) {
          throwIfAborted(opts.signal, 'fit corrector');
          const idx = order.subarray(start, Math.min(nTrain, start + batchSize));
          const [xb, yb] = tf.tidy(() => {
            const it = tf.tensor1d(idx, 'int32');
            return [tf.gather(trainS, it), tf.gather(trainF, it)] as [tf.Tensor2D, tf.Tensor2D];
          });
          const loss = trainer.stepTensor(xb, yb);
          const next = tf.tidy(() => tf.add(lossSum, tf.mul(loss, idx.length)) as tf.Scalar);
          tf.dispose([xb, yb, loss, lossSum]);
          lossSum = next;
          steps++;
        }
        trainMse = (await readScalar(lossSum)) / nTrain;
      } finally {
        lossSum.dispose();
      }
      const err = await measureCorrectorError(corrector, heldS, heldF);
      epochs.push({ epoch, trainMse, heldOutMse: err.mse, heldOutMeanL2: err.meanL2, seconds: (performance.now() - t0) / 1000 });
      opts.progress?.({ stage: 'fit corrector', done: epoch, total: maxEpochs, unit: 'epochs', info: { train: trainMse, heldOut: err.mse } });
      if (err.mse < best.mse - minDelta) {
        best = err;
        bestEpoch = epoch;
        sinceBest = 0;
        if (restoreBest) bestWeights = await corrector.getWeights();
      } else if (++sinceBest >= patience) {
        stoppedEarly = epoch < maxEpochs;
        break;
      }
      await new Promise((r) => setImmediate(r));
    }
    const last = epochs[epochs.length - 1];
    if (restoreBest && bestWeights && bestEpoch !== last.epoch) corrector.setWeights(bestWeights);
    const heldOut = restoreBest ? best : { mse: last.heldOutMse, meanL2: last.heldOutMeanL2, rows: nHeld };
    return {
      corrector,
      config: corrector.config(),
      trainRows: nTrain,
      heldOutRows: nHeld,
      epochs,
      bestEpoch,
      heldOut,
      identity,
      relativeImprovement: identity.mse > 0 ? 1 - heldOut.mse / identity.mse : 0,
      stoppedEarly,
      steps,
      seconds: (performance.now() - t0) / 1000,
      options: { learningRate, batchSize, maxEpochs, patience, minDelta, seed, heldOutFraction },
    };
  } catch (e) {
    if (!given) corrector.dispose();
    throw e;
  } finally {
    trainer.dispose();
    tf.dispose([trainS, trainF, heldS, heldF]);
  }
}
