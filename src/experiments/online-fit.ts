/**
 * Online corrector fitting on synthetic data, pairs delivered as a training run would deliver them
 * (docs/theory.md §7): each step, for a few random training queries, the positive and the top-k
 * targets of the *corrected* logits (the hard negatives training would select), plus a few uniform
 * extra targets; one OnlineCorrectorTrainer update on that step's pairs, until m pairs. Used by the
 * synthetic sweep (online mode) and the complexity explorer.
 */
import { tf } from '../tensor';
import type { Corrector } from '../corrector/networks';
import { correctRows, OnlineCorrectorTrainer, type CorrectorLossExtra } from '../corrector/fit';
import type { CorrectorLossKind } from '../corrector/losses';
import { logits, topKIndices } from '../cache/staleness';
import type { Rng } from '../util/rng';
import { throwIfAborted } from '../util/errors';
import { rowsOf } from '../theory/measure';

export interface OnlineFitOptions {
  /** All targets, stale g′ and fresh g, row-major n × dim; the first `poolSize` rows are the trainable pool. */
  stale: Float32Array;
  fresh: Float32Array;
  dim: number;
  poolSize: number;
  /** Training queries (row-major) and the row of each one's positive (a positive outside the pool is skipped). */
  queries: Float32Array;
  positives: Int32Array;
  /** Pairs to deliver (m). */
  pairs: number;
  /** Hard negatives per query (top-k of the corrected logits). */
  k: number;
  queriesPerStep: number;
  uniformPerStep: number;
  learningRate: number;
  /**
   * The corrector's loss (default mse). The softmax losses run over each query's candidate set:
   * its positive and its hard negatives, at inverse temperature `beta`; the uniform extras then
   * train h only through an added mse term (`mseWeight`, default 0).
   */
  loss?: CorrectorLossKind;
  beta?: number;
  mseWeight?: number;
  rng: Rng;
  signal?: AbortSignal;
}

export interface OnlineFitReport {
  pairsDelivered: number;
  /** Distinct targets among the delivered pairs. */
  seen: Set<number>;
  /** The uniform extra pairs (the i.i.d. part, for the bound), stale and fresh, row-major. */
  uniformStale: Float32Array;
  uniformFresh: Float32Array;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Trains `corrector` online (see the file comment); the corrector is updated in place. */
export async function fitOnline(corrector: Corrector, o: OnlineFitOptions): Promise<OnlineFitReport> {
  const d = o.dim;
  const loss = o.loss ?? 'mse';
  const trainer = new OnlineCorrectorTrainer(corrector, { learningRate: o.learningRate, loss, beta: o.beta, mseWeight: o.mseWeight });
  const uniStale: Float32Array[] = [];
  const uniFresh: Float32Array[] = [];
  const seen = new Set<number>();
  const numQueries = o.positives.length;
  const poolStale = o.stale.subarray(0, o.poolSize * d);
  let delivered = 0;
  try {
    while (delivered < o.pairs) {
      throwIfAborted(o.signal, 'online corrector fit');
      const corrected = await correctRows(corrector, poolStale);
      const targets: number[] = [];
      /** Per query of the step: its row, and the positions in `targets` of its positive and negatives. */
      const sets: { query: number; members: number[]; hasPositive: boolean }[] = [];
      for (let b = 0; b < o.queriesPerStep && delivered + targets.length < o.pairs; b++) {
        const qi = o.rng.int(numQueries);
        const q = o.queries.subarray(qi * d, qi * d + d);
        const lg = logits(q, corrected, d);
        const pos = o.positives[qi];
        const members: number[] = [];
        if (pos < o.poolSize) (members.push(targets.length), targets.push(pos));
        for (const t of topKIndices(lg, o.k, (i) => i !== pos)) (members.push(targets.length), targets.push(t));
        sets.push({ query: qi, members, hasPositive: pos < o.poolSize });
      }
      const uniform: number[] = [];
      for (let u = 0; u < o.uniformPerStep; u++) uniform.push(o.rng.int(o.poolSize));
      const all = [...targets, ...uniform].slice(0, Math.max(1, o.pairs - delivered));
      uniStale.push(rowsOf(o.stale, uniform, d));
      uniFresh.push(rowsOf(o.fresh, uniform, d));
      for (const t of all) seen.add(t);
      delivered += all.length;
      const xs = tf.tensor2d(rowsOf(o.stale, all, d), [all.length, d]);
      const xf = tf.tensor2d(rowsOf(o.fresh, all, d), [all.length, d]);
      const extra = loss === 'mse' ? undefined : candidateSets(sets, o.queries, d, all.length, loss, o.beta);
      try {
        trainer.stepTensor(xs, xf, extra?.inputs).dispose(); // the loss is not read: no device sync per step
      } finally {
        tf.dispose([xs, xf, ...(extra?.tensors ?? [])]);
      }
    }
  } finally {
    trainer.dispose();
  }
  return { pairsDelivered: delivered, seen, uniformStale: concat(uniStale), uniformFresh: concat(uniFresh) };
}

/**
 * The softmax losses' inputs for one step: each query's embedding and its candidate set (positive
 * first, then its hard negatives) as indices into the step's rows, padded with a mask; a candidate
 * cut off by the last step's pair budget is masked out, and for softmax-ce (the positive's
 * cross-entropy) so is a whole set without its positive.
 */
function candidateSets(sets: { query: number; members: number[]; hasPositive: boolean }[], queries: Float32Array, d: number, rows: number, loss: CorrectorLossKind, beta?: number): { inputs: CorrectorLossExtra; tensors: tf.Tensor[] } {
  const C = Math.max(1, ...sets.map((s) => s.members.length));
  const idx = new Int32Array(sets.length * C);
  const mask = new Float32Array(sets.length * C);
  sets.forEach((s, i) => s.members.forEach((m, c) => {
    if (m < rows && (s.hasPositive || loss !== 'softmax-ce')) (idx[i * C + c] = m), (mask[i * C + c] = 1);
  }));
  const q = tf.tensor2d(rowsOf(queries, sets.map((s) => s.query), d), [sets.length, d]);
  const candidates = tf.tensor2d(idx, [sets.length, C], 'int32');
  const m = tf.tensor2d(mask, [sets.length, C]);
  // softmax-ce scores the positive, column 0 of a set that has one
  return { inputs: { queries: q, candidates, mask: m, beta, positives: new Int32Array(sets.length) }, tensors: [q, candidates, m] };
}
