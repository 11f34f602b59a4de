/**
 * The staleness probe a run logs: on a fixed sample of corpus rows and training queries, how far
 * the cache g′ is from the current target encoder g_t, how far the corrected cache h(g′) is, and
 * what that does to the negatives: overlap of the stale / corrected top-k with the fresh top-k, and
 * the KL between the fresh truncated softmax and the stale / corrected one over the sampled rows.
 */
import { tf } from '../tensor';
import { meanSoftmaxKl } from '../util/softmax';
import type { MemoryEmbeddings } from '../cache/memory';
import { gatherRows } from '../cache/memory';
import { embeddingDrift, logitAgreement, logits } from '../cache/staleness';
import type { Corrector } from '../corrector/networks';

export interface ProbeRecord {
  /** mean ‖g_t(y) − g′(y)‖ over the probe rows. */
  staleness: number;
  /** staleness / mean ‖g_t(y)‖. */
  stalenessRelative: number;
  stalenessMax: number;
  /** mean ‖g_t(y) − h(g′(y))‖ (equals `staleness` without a corrector). */
  correctorError: number;
  correctorErrorRelative: number;
  /** mean over probe queries of |topk(stale) ∩ topk(fresh)| / k, over the probe rows. */
  overlapStale: number;
  overlapCorrected: number;
  /** mean over probe queries of KL(P_fresh ‖ P_stale), softmax(β·logits) over the probe rows. */
  klStale: number;
  klCorrected: number;
  /** mean Spearman ρ of stale / corrected logits against fresh ones. */
  spearmanStale: number;
  spearmanCorrected: number;
}

export interface ProbeOptions {
  cache: MemoryEmbeddings | null;
  corrector: Corrector | null;
  probeRows: Int32Array;
  probeQueryTexts: string[];
  corpusTexts: string[];
  encodeQueries: (texts: string[]) => tf.Tensor2D;
  /** Counted as 'probe' in the ledger (measurement, not strategy cost). */
  encodeTargets: (texts: string[]) => tf.Tensor2D;
  beta: number;
  k: number;
  dim: number;
}

/** Measures the probe; returns {} for strategies without a cache (in-batch, oracle). */
export async function probeStaleness(o: ProbeOptions): Promise<Partial<ProbeRecord>> {
  if (!o.cache) return {};
  const rows = Array.from(o.probeRows);
  const stale = gatherRows(o.cache, rows);
  const freshT = batched(o.encodeTargets, rows.map((r) => o.corpusTexts[r]));
  const fresh = (await freshT.data()) as Float32Array;
  freshT.dispose();
  let corrected = stale;
  if (o.corrector) {
    const c = tf.tidy(() => o.corrector!.apply(tf.tensor2d(stale, [rows.length, o.dim])));
    corrected = (await c.data()) as Float32Array;
    c.dispose();
  }
  const qT = o.encodeQueries(o.probeQueryTexts);
  const queries = (await qT.data()) as Float32Array;
  qT.dispose();
  const drift = embeddingDrift(fresh, stale, o.dim);
  const corrDrift = o.corrector ? embeddingDrift(fresh, corrected, o.dim) : drift;
  const agreeStale = logitAgreement(queries, fresh, stale, o.dim, o.k);
  const agreeCorr = o.corrector ? logitAgreement(queries, fresh, corrected, o.dim, o.k) : agreeStale;
  const nq = o.probeQueryTexts.length;
  const lf = logits(queries, fresh, o.dim);
  const klStale = meanSoftmaxKl(lf, logits(queries, stale, o.dim), nq, o.beta);
  const klCorrected = o.corrector ? meanSoftmaxKl(lf, logits(queries, corrected, o.dim), nq, o.beta) : klStale;
  return {
    staleness: drift.mean, stalenessRelative: drift.relative, stalenessMax: drift.max,
    correctorError: corrDrift.mean, correctorErrorRelative: corrDrift.relative,
    overlapStale: agreeStale.meanTopKOverlap, overlapCorrected: agreeCorr.meanTopKOverlap,
    klStale, klCorrected,
    spearmanStale: agreeStale.meanSpearman, spearmanCorrected: agreeCorr.meanSpearman,
  };
}

function batched(encode: (t: string[]) => tf.Tensor2D, texts: string[], batch = 4096): tf.Tensor2D {
  if (texts.length <= batch) return encode(texts);
  const parts: tf.Tensor2D[] = [];
  for (let s = 0; s < texts.length; s += batch) parts.push(encode(texts.slice(s, s + batch)));
  const out = tf.concat(parts) as tf.Tensor2D;
  tf.dispose(parts);
  return out;
}
