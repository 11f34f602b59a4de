/**
 * The re-embedding cost ledger. Every target-encoder forward pass in a training run goes through
 * `CostLedger.encodeTargets`, which names why the targets are encoded; nothing else may call the
 * target encoder during training, so the counts are complete by construction (a test spies on the
 * encoder and checks the totals equal the calls made).
 *
 * "Re-embedding cost" in tables is the paper's sense: re-encodes of the corpus beyond the initial
 * cache, i.e. full refreshes (`refresh`) and the oracle's per-step passes (`oracle`), also given as
 * corpus passes. The per-step fresh encodes that every strategy pays for its loss (positives,
 * selected negatives, extra corrector pairs, warm-up) are in `totalTargetEncodes` beside it, so
 * neither hides the other. The corrector's own FLOPs (applying h over the cache
 * or the candidate pool, and training it) are counted apart, so accuracy can be set against total
 * compute too.
 */
import type { Encoder } from '../encoders/types';
import type { tf } from '../tensor';

export const COST_KINDS = [
  'initial-cache', // building the cache once, before training
  'refresh', // full corpus re-encodes (refresh:R)
  'positives', // fresh encodes of the batch's positives
  'negatives', // fresh encodes of the selected negatives
  'corrector-extra', // targets encoded only to train the corrector (uniform extra pairs)
  'warmup', // encodes during corrector warm-up
  'oracle', // the oracle's full fresh corpus per step
] as const;
export type CostKind = (typeof COST_KINDS)[number];

/** The kinds that re-encode the corpus: the paper's re-embedding cost. */
export const REEMBED_KINDS: readonly CostKind[] = ['refresh', 'oracle'];

/** Encodes made only to measure (probes, dev evaluation): logged, never part of a strategy's cost. */
export const MEASURE_KINDS = ['probe', 'eval'] as const;
export type MeasureKind = (typeof MEASURE_KINDS)[number];

export interface LedgerSnapshot {
  /** Target texts encoded, by kind. */
  targets: Record<CostKind, number>;
  /** Estimated target-encoder forward FLOPs, by kind. */
  targetFlops: Record<CostKind, number>;
  /** Encodes for measurement only. */
  measure: Record<MeasureKind, number>;
  /** Corrector FLOPs: applying h (over cache rows or pools) and training it. */
  correctorApplyFlops: number;
  correctorTrainFlops: number;
  correctorRowsApplied: number;
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export class CostLedger {
  private s: LedgerSnapshot;

  /**
   * @param corpusSize rows in the corpus: re-embedding cost is also given in corpus passes.
   * @param tokensPerText average tokens per target text, for FLOP estimates.
   */
  constructor(private readonly encoder: Encoder, readonly corpusSize: number, private readonly tokensPerText: number) {
    this.s = { targets: zeros(COST_KINDS), targetFlops: zeros(COST_KINDS), measure: zeros(MEASURE_KINDS), correctorApplyFlops: 0, correctorTrainFlops: 0, correctorRowsApplied: 0 };
  }

  /** The only way a training run encodes targets: counts `texts.length` under `kind`. */
  encodeTargets(kind: CostKind | MeasureKind, texts: string[], opts?: { training?: boolean }): tf.Tensor2D {
    this.record(kind, texts.length);
    return this.encoder.encode(texts, opts);
  }

  /** Counts encodes made elsewhere (e.g. a cache build that streamed through the encoder). */
  record(kind: CostKind | MeasureKind, n: number): void {
    if ((MEASURE_KINDS as readonly string[]).includes(kind)) {
      this.s.measure[kind as MeasureKind] += n;
      return;
    }
    const k = kind as CostKind;
    if (!(k in this.s.targets)) throw new Error(`unknown cost kind '${kind}'`);
    this.s.targets[k] += n;
    this.s.targetFlops[k] += n * this.encoder.flopsPerText(this.tokensPerText);
  }

  recordCorrector(kind: 'apply' | 'train', rows: number, flopsPerRow: number): void {
    if (kind === 'apply') {
      this.s.correctorApplyFlops += rows * flopsPerRow;
      this.s.correctorRowsApplied += rows;
    } else this.s.correctorTrainFlops += rows * flopsPerRow * 3; // forward + backward ≈ 3 forwards
  }

  /** Corpus re-encodes beyond the initial cache (the paper's re-embedding cost), in target encodes. */
  reembedCost(): number {
    return REEMBED_KINDS.reduce((a, k) => a + this.s.targets[k], 0);
  }

  totalTargetEncodes(): number {
    return COST_KINDS.reduce((a, k) => a + this.s.targets[k], 0);
  }

  summary(): CostSummary {
    const reembed = this.reembedCost();
    const targetFlops = COST_KINDS.reduce((a, k) => a + this.s.targetFlops[k], 0);
    return {
      reembed,
      reembedCorpusPasses: reembed / this.corpusSize,
      totalTargetEncodes: this.totalTargetEncodes(),
      targetFlops,
      correctorFlops: this.s.correctorApplyFlops + this.s.correctorTrainFlops,
      totalFlops: targetFlops + this.s.correctorApplyFlops + this.s.correctorTrainFlops,
      byKind: { ...this.s.targets },
      measure: { ...this.s.measure },
    };
  }

  getState(): LedgerSnapshot {
    return JSON.parse(JSON.stringify(this.s));
  }

  setState(s: LedgerSnapshot): void {
    this.s = JSON.parse(JSON.stringify(s));
  }
}

export interface CostSummary {
  /** Corpus re-encodes beyond the initial cache (refresh + oracle), in target encodes. */
  reembed: number;
  /** `reembed` / corpus size. */
  reembedCorpusPasses: number;
  /** All target encodes, initial cache included. */
  totalTargetEncodes: number;
  targetFlops: number;
  correctorFlops: number;
  totalFlops: number;
  byKind: Record<CostKind, number>;
  measure: Record<MeasureKind, number>;
}
