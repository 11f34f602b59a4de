/**
 * Corrector losses. Tensors in, scalar tensor out; gradients flow only into `corrected` (the fresh
 * embeddings and the query embeddings pass through stopGradient, so a loss computed under a tape that
 * also watches the encoders never trains them).
 *
 * - `mse` [paper]: the drift loss of the patent by the paper's group (PAPER.md):
 *     L = (1/m) Σ_i Σ_j (h(g′(y_i))_j − sg(g_t(y_i))_j)²
 *   i.e. the squared L2 error summed over the dimensions and averaged over the m rows.
 * - `softmax` [design]: KL(P_fresh ‖ P_corrected) over each query's candidate set S_x, averaged over
 *   queries, with P_fresh(c|x) = softmax_c(β⟨f(x), g_t(y_c)⟩) under stop-gradient and
 *   P_corrected(c|x) = softmax_c(β⟨f(x), h(g′(y_c))⟩).
 * - `softmax-ce` [design]: cross-entropy of each query's positive under the corrected truncated softmax:
 *     L = (1/nq) Σ_x −log P_corrected(pos(x) | x).
 *
 * Candidate sets are given as an int32 index matrix `candidates` [nq, C] into the m target rows (the
 * step's fresh pairs: positives, selected negatives, in-batch targets); an optional `mask` [nq, C]
 * (1 = real candidate, 0 = padding) allows sets of different sizes.
 */
import { tf } from '../tensor';
import { InputError } from '../util/errors';

export const CORRECTOR_LOSSES = ['mse', 'softmax', 'softmax-ce'] as const;
export type CorrectorLossKind = (typeof CORRECTOR_LOSSES)[number];

/** Identity forward, zero gradient backward (tfjs has no built-in stop_gradient). */
export const stopGradient: <T extends tf.Tensor>(x: T) => T = ((): any => {
  const op = tf.customGrad(((x: tf.Tensor) => ({
    value: x.clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as any);
  return (x: tf.Tensor) => op(x);
})();

/**
 * Drift loss: (1/m) Σ_i ‖corrected_i − sg(fresh_i)‖²  (sum over dims, mean over rows).
 * corrected, fresh: [m, d]. Written with an explicit gradient (2/m)(corrected − fresh) w.r.t.
 * corrected and zero w.r.t. fresh: one op instead of autodiff's four on the backward pass.
 */
export function mseDriftLoss(corrected: tf.Tensor2D, fresh: tf.Tensor2D): tf.Scalar {
  checkSameShape(corrected, fresh, 'mse loss');
  return mseOp(corrected, fresh);
}

const mseOp: (corrected: tf.Tensor, fresh: tf.Tensor) => tf.Scalar = ((): any => {
  const op = tf.customGrad(((corrected: tf.Tensor, fresh: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    const m = corrected.shape[0];
    const freshShape = fresh.shape;
    const diff = tf.sub(corrected, fresh);
    save([diff]);
    return {
      value: tf.div(tf.sum(tf.square(diff)), m),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(saved[0], tf.mul(dy, 2 / m)), tf.zeros(freshShape)],
    };
  }) as any);
  return (a: tf.Tensor, b: tf.Tensor) => op(a, b);
})();

/**
 * Logits of each query against its candidates: out[i, c] = β ⟨queries_i, targets_{candidates[i,c]}⟩.
 * queries [nq, d], targets [m, d], candidates int32 [nq, C] with values in [0, m) → [nq, C].
 * Computed as one [nq, m] matMul and a gather (cheap when m is the step's few thousand fresh rows).
 */
export function candidateLogits(queries: tf.Tensor2D, targets: tf.Tensor2D, candidates: tf.Tensor2D, beta = 1): tf.Tensor2D {
  const [nq, d] = queries.shape;
  const [m, d2] = targets.shape;
  if (d !== d2) throw new InputError(`candidate logits: queries have dim ${d}, targets ${d2}`);
  if (candidates.rank !== 2 || candidates.shape[0] !== nq) {
    throw new InputError(`candidate logits: candidates must be [${nq}, C], got [${candidates.shape.join(', ')}]`);
  }
  if (candidates.dtype !== 'int32') throw new InputError(`candidate logits: candidates must be int32, got ${candidates.dtype}`);
  const C = candidates.shape[1];
  return tf.tidy(() => {
    const all = tf.matMul(queries, targets, false, true); // [nq, m]
    const rowOffset = tf.mul(tf.range(0, nq, 1, 'int32'), tf.scalar(m, 'int32')).reshape([nq, 1]);
    const flatIdx = tf.add(candidates, rowOffset).reshape([nq * C]);
    const picked = tf.gather(all.reshape([nq * m]), flatIdx).reshape([nq, C]);
    return (beta === 1 ? picked : tf.mul(picked, beta)) as tf.Tensor2D;
  });
}

/**
 * Logits against per-query candidate blocks: out[i, c] = β ⟨queries_i, blocks_{i,c}⟩.
 * queries [nq, d], blocks [nq, C, d] → [nq, C].
 */
export function blockLogits(queries: tf.Tensor2D, blocks: tf.Tensor3D, beta = 1): tf.Tensor2D {
  const [nq, d] = queries.shape;
  if (blocks.shape[0] !== nq || blocks.shape[2] !== d) {
    throw new InputError(`block logits: blocks must be [${nq}, C, ${d}], got [${blocks.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const s = tf.matMul(blocks, queries.reshape([nq, d, 1])).reshape([nq, blocks.shape[1]]);
    return (beta === 1 ? s : tf.mul(s, beta)) as tf.Tensor2D;
  });
}

const MASKED_LOGIT = -1e9;

function applyMask(logits: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor2D {
  if (!mask) return logits;
  // finite large negative (not −∞) so that 0·(log p − log q) stays 0 for padded candidates
  return tf.add(logits, tf.mul(tf.sub(1, tf.cast(mask, 'float32')), MASKED_LOGIT)) as tf.Tensor2D;
}

/**
 * KL(P ‖ Q) averaged over rows, P = softmax(sg(freshLogits)), Q = softmax(correctedLogits):
 *   (1/nq) Σ_i Σ_c P_ic (log P_ic − log Q_ic).   Both [nq, C]; mask [nq, C] optional (0 = padding).
 */
export function softmaxKlFromLogits(freshLogits: tf.Tensor2D, correctedLogits: tf.Tensor2D, mask?: tf.Tensor2D): tf.Scalar {
  checkSameShape(freshLogits, correctedLogits, 'softmax KL');
  return tf.tidy(() => {
    const logP = tf.logSoftmax(applyMask(stopGradient(freshLogits), mask));
    const logQ = tf.logSoftmax(applyMask(correctedLogits, mask));
    const kl = tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), 1);
    return tf.mean(kl) as tf.Scalar;
  });
}

/**
 * Cross-entropy of the positive: (1/nq) Σ_i −log softmax(correctedLogits_i)[positives_i].
 * correctedLogits [nq, C]; positives: column of each row's positive (int32 [nq]; default all 0).
 */
export function softmaxCeFromLogits(correctedLogits: tf.Tensor2D, positives?: tf.Tensor1D | Int32Array | number[], mask?: tf.Tensor2D): tf.Scalar {
  const [nq, C] = correctedLogits.shape;
  return tf.tidy(() => {
    const pos = positives === undefined ? tf.zeros([nq], 'int32') : positives instanceof tf.Tensor ? positives : tf.tensor1d(Array.from(positives), 'int32');
    if (pos.shape[0] !== nq) throw new InputError(`softmax-ce loss: positives has ${pos.shape[0]} entries, expected ${nq}`);
    const logQ = tf.logSoftmax(applyMask(correctedLogits, mask));
    const picked = tf.sum(tf.mul(logQ, tf.oneHot(tf.cast(pos, 'int32') as tf.Tensor1D, C)), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** Inputs of correctorLoss. Shapes: m target rows of dim d, nq queries, C candidates per query. */
export interface CorrectorLossInputs {
  /** h(g′(y)) [m, d]: the corrector's output on the stale rows (gradients flow here). */
  corrected: tf.Tensor2D;
  /** g_t(y) [m, d]: the fresh embeddings of the same rows (stop-gradient). */
  fresh: tf.Tensor2D;
  /** softmax kinds: f(x) [nq, d] (stop-gradient). */
  queries?: tf.Tensor2D;
  /** softmax kinds: int32 [nq, C] row indices into corrected/fresh: each query's candidate set S_x. */
  candidates?: tf.Tensor2D;
  /** softmax-ce: column in `candidates` of each query's positive (int32 [nq]); default column 0. */
  positives?: tf.Tensor1D | Int32Array | number[];
  /** softmax kinds: [nq, C], 1 = real candidate, 0 = padding; default all real. */
  mask?: tf.Tensor2D;
  /** softmax kinds: inverse temperature β; default 1. */
  beta?: number;
}

/** The corrector loss of the given kind (see the file comment for each formula). */
export function correctorLoss(kind: CorrectorLossKind, inputs: CorrectorLossInputs): tf.Scalar {
  if (kind === 'mse') return mseDriftLoss(inputs.corrected, inputs.fresh);
  if (kind !== 'softmax' && kind !== 'softmax-ce') {
    throw new InputError(`corrector loss: expected one of ${CORRECTOR_LOSSES.join(', ')}, got '${kind}'`);
  }
  const { queries, candidates } = inputs;
  if (!queries || !candidates) throw new InputError(`corrector loss '${kind}': needs queries [nq, d] and candidates [nq, C]`);
  checkSameShape(inputs.corrected, inputs.fresh, `corrector loss '${kind}'`);
  const beta = inputs.beta ?? 1;
  return tf.tidy(() => {
    const q = stopGradient(queries);
    const correctedLogits = candidateLogits(q, inputs.corrected, candidates, beta);
    if (kind === 'softmax-ce') return softmaxCeFromLogits(correctedLogits, inputs.positives, inputs.mask);
    const freshLogits = candidateLogits(q, stopGradient(inputs.fresh), candidates, beta);
    return softmaxKlFromLogits(freshLogits, correctedLogits, inputs.mask);
  });
}

function checkSameShape(a: tf.Tensor, b: tf.Tensor, what: string): void {
  if (a.rank !== b.rank || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new InputError(`${what}: shapes differ: [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
  }
}
