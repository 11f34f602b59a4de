/**
 * Corrector capacity on real pairs (notebook 05): correctors of growing capacity fitted on the same
 * (stale, fresh) embedding pairs of two caches and measured on held-out pairs, against the
 * identity. The bound's side of the same question is capacity-sweep.ts.
 */
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { buildCorrector, fitCorrector, identityError, measureCorrectorError } from '../corrector';

/** One capacity of the offline sweep: a label and a corrector config without dim. */
export interface CapacityPoint {
  label: string;
  config: { kind: 'identity' | 'linear' | 'mlp'; depth?: number; width?: number; activation?: 'relu' | 'gelu' | 'tanh' | 'silu' };
}

/** What one fitted capacity measures (held-out pairs; FLOPs by Corrector.flopsPerRow's convention). */
export interface CapacityResult {
  label: string;
  params: number;
  flopsPerRow: number;
  /** Held-out mean ‖h(g′) − g‖ and mean squared error; the identity's beside them. */
  heldOutMeanL2: number;
  heldOutMse: number;
  identityMeanL2: number;
  /** 1 − mse / identity mse. */
  relativeImprovement: number;
  trainMeanL2: number;
  epochs: number;
  fitSeconds: number;
}

/** The default capacities: identity, linear, residual MLPs (relu) of widths 16 … 1024 at depth 1, and width 256 at depth 2. */
export const CAPACITY_LADDER: readonly CapacityPoint[] = [
  { label: 'identity', config: { kind: 'identity' } },
  { label: 'linear', config: { kind: 'linear' } },
  ...[16, 64, 256, 1024].map((width) => ({ label: `mlp w=${width}`, config: { kind: 'mlp' as const, depth: 1, width, activation: 'relu' as const } })),
  { label: 'mlp w=256 L=2', config: { kind: 'mlp', depth: 2, width: 256, activation: 'relu' } },
];

/**
 * Fits one corrector per capacity on the same pairs (fitCorrector: mse drift loss, Adam, early
 * stopping on `heldOut`) and measures each on the held-out pairs. The identity is measured, not fitted.
 */
export async function fitCapacityLadder(o: {
  train: { stale: Float32Array; fresh: Float32Array };
  heldOut: { stale: Float32Array; fresh: Float32Array };
  dim: number;
  capacities?: readonly CapacityPoint[];
  maxEpochs?: number;
  patience?: number;
  learningRate?: number;
  seed?: number;
  progress?: ProgressFn;
  signal?: AbortSignal;
}): Promise<CapacityResult[]> {
  const caps = o.capacities ?? CAPACITY_LADDER;
  const identity = identityError(o.heldOut.stale, o.heldOut.fresh, o.dim);
  const out: CapacityResult[] = [];
  for (let i = 0; i < caps.length; i++) {
    const cap = caps[i];
    const t0 = performance.now();
    if (cap.config.kind === 'identity') {
      const h = buildCorrector({ kind: 'identity', dim: o.dim });
      const tr = identityError(o.train.stale, o.train.fresh, o.dim);
      out.push({ label: cap.label, params: h.parameterCount(), flopsPerRow: h.flopsPerRow(), heldOutMeanL2: identity.meanL2, heldOutMse: identity.mse, identityMeanL2: identity.meanL2, relativeImprovement: 0, trainMeanL2: tr.meanL2, epochs: 0, fitSeconds: 0 });
      h.dispose();
    } else {
      const rep = await fitCorrector({
        stale: o.train.stale, fresh: o.train.fresh, dim: o.dim, heldOut: o.heldOut, corrector: { ...cap.config, seed: o.seed ?? 0 },
        maxEpochs: o.maxEpochs ?? 30, patience: o.patience ?? 3, learningRate: o.learningRate ?? 1e-3, seed: o.seed ?? 0, signal: o.signal,
      });
      const tr = await measureCorrectorError(rep.corrector, o.train.stale, o.train.fresh);
      out.push({
        label: cap.label, params: rep.corrector.parameterCount(), flopsPerRow: rep.corrector.flopsPerRow(), heldOutMeanL2: rep.heldOut.meanL2, heldOutMse: rep.heldOut.mse,
        identityMeanL2: rep.identity.meanL2, relativeImprovement: rep.relativeImprovement, trainMeanL2: tr.meanL2, epochs: rep.bestEpoch, fitSeconds: (performance.now() - t0) / 1000,
      });
      rep.corrector.dispose();
    }
    o.progress?.({ stage: 'fit correctors', done: i + 1, total: caps.length, unit: 'capacities', info: { last: cap.label } });
  }
  return out;
}

/** Splits paired rows into a training part and a held-out part: every `every`-th row held out. */
export function splitEvery(stale: Float32Array, fresh: Float32Array, dim: number, every: number): { train: { stale: Float32Array; fresh: Float32Array }; heldOut: { stale: Float32Array; fresh: Float32Array } } {
  if (!Number.isInteger(every) || every < 2) throw new InputError(`split: every must be an integer ≥ 2, got ${every}`);
  const n = stale.length / dim;
  const nh = Math.floor((n + every - 1) / every);
  const hs = new Float32Array(nh * dim), hf = new Float32Array(nh * dim);
  const ts = new Float32Array((n - nh) * dim), tf_ = new Float32Array((n - nh) * dim);
  let h = 0, t = 0;
  for (let i = 0; i < n; i++) {
    const row = (a: Float32Array) => a.subarray(i * dim, (i + 1) * dim);
    if (i % every === 0) (hs.set(row(stale), h * dim), hf.set(row(fresh), h * dim), h++);
    else (ts.set(row(stale), t * dim), tf_.set(row(fresh), t * dim), t++);
  }
  return { train: { stale: ts, fresh: tf_ }, heldOut: { stale: hs, fresh: hf } };
}
