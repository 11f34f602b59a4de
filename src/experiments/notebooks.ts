/**
 * What the notebooks run, kept out of their cells: their settings (quick or default), the one
 * training experiment notebooks 01, 02, 03 and 05 share (runExperiment's options), a smaller dev
 * split for quick runs, and a JSON cache for offline computations keyed by their settings.
 * Notebooks call this layer for runs and src/report for drawing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../util/atomic';
import { InputError } from '../util/errors';
import type { TrainConfigInput } from '../train/config';
import type { TrainData } from '../train/data';
import type { Variant } from './experiment';

/** Whether the notebooks run with their small settings: FRESHCACHE_NOTEBOOK_QUICK=1 (or "true"). */
export function notebookQuick(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.FRESHCACHE_NOTEBOOK_QUICK ?? '').trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/** The experiment name a notebook uses: `base`, or `base-quick` for the small settings (so the two never share runs). */
export function notebookExperimentName(base: string, quick: boolean): string {
  return quick ? `${base}-quick` : base;
}

/** What a notebook trains: an experiment name, the shared config overrides, strategies and sweep variants (runExperiment's options). */
export interface NotebookPlan {
  name: string;
  steps: number;
  base: TrainConfigInput;
  strategies: string[];
  variants: Variant[];
}

/**
 * The one training experiment behind notebooks 01 (staleness), 02 (corrector at work), 03
 * (accuracy against cost) and 05 (corrector complexity), so each reuses the runs the others
 * trained (runs/nb-train/): in-batch, stale, refresh-on-use, corrector (MLP width 256), oracle,
 * refresh:R for R = T/2, T/4, T/8, T/16, correctors linear and MLP width 64 (the `cost` sweep of
 * `npm start` without its width-1024 point; its width-256 point is the plain corrector), and the
 * corrector with a warm-up of ⌈T/5⌉ steps. Default T = 60 (`npm start` trains 400): the twelve runs
 * then take about a quarter of an hour on 2 loaded CPU cores. Quick T = 8 with fewer runs.
 * No test split (the results notebook reads `npm start`'s table for test numbers).
 */
export function trainingPlan(quick: boolean): NotebookPlan {
  const steps = quick ? 8 : 60;
  const warmup = Math.ceil(steps / 5);
  const refresh = (quick ? [2, 4] : [2, 4, 8, 16]).map((k) => Math.max(1, Math.ceil(steps / k)));
  const variants: Variant[] = [
    ...refresh.map((R) => ({ label: `refresh:${R}`, strategy: `refresh:${R}`, config: {} })),
    { label: 'corrector[linear]', strategy: 'corrector', config: { corrector: { kind: 'linear' as const } } },
    ...(quick ? [] : [{ label: 'corrector[mlp w=64]', strategy: 'corrector', config: { corrector: { kind: 'mlp' as const, width: 64 } } }]),
    { label: `corrector[warmup=${warmup}]`, strategy: 'corrector', config: { corrector: { warmupSteps: warmup } } },
  ];
  return {
    name: notebookExperimentName('nb-train', quick),
    steps,
    base: quick
      ? { steps, logEvery: 2, probeRows: 300, probeQueries: 30, testSplit: null, evalQueries: 200 }
      : { steps, logEvery: 5, probeRows: 1000, probeQueries: 100, testSplit: null, evalQueries: 500 },
    strategies: quick ? ['stale', 'refresh-on-use', 'corrector', 'oracle'] : ['in-batch', 'stale', 'refresh-on-use', 'corrector', 'oracle'],
    variants,
  };
}

/** The part of a plan a notebook needs: the strategies and variants whose labels pass `keep` (runExperiment reuses or trains just those). */
export function planSubset(plan: NotebookPlan, keep: (label: string) => boolean): NotebookPlan {
  return { ...plan, strategies: plan.strategies.filter(keep), variants: plan.variants.filter((v) => keep(v.label)) };
}

/**
 * Returns the `value` stored in `file` when its `key` equals `key` (compared as JSON); otherwise
 * runs `compute`, stores `{ key, value }` atomically and returns it. `fresh` recomputes regardless.
 * Notebooks use it for offline computations (synthetic sweeps, corrector fits) so a re-run reads
 * the earlier result instead of recomputing.
 */
export async function cachedJson<T>(file: string, key: unknown, compute: () => Promise<T>, opts: { fresh?: boolean; log?: (line: string) => void } = {}): Promise<{ value: T; cached: boolean }> {
  const want = JSON.stringify(key);
  if (!opts.fresh && fs.existsSync(file)) {
    try {
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { key: unknown; value: T };
      if (JSON.stringify(stored.key) === want) {
        opts.log?.(`reusing ${file}`);
        return { value: stored.value, cached: true };
      }
      opts.log?.(`${file}: settings changed; recomputing`);
    } catch {
      opts.log?.(`${file}: unreadable; recomputing`);
    }
  }
  const value = await compute();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, { key: JSON.parse(want), value });
  return { value, cached: false };
}

/**
 * A shallow copy of `data` whose `split` keeps only its first `n` queries (the rest of the data is
 * shared). Quick notebook runs evaluate on such a subset: the final evaluation scores every query
 * of the dev split against the whole corpus, which dominates a run of a few steps.
 */
export function withSplitSubset(data: TrainData, split: string, n: number): TrainData {
  const s = data.splits[split];
  if (!s) throw new InputError(`split subset: no split '${split}' (have ${Object.keys(data.splits).join(', ')})`);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`split subset: n must be an integer ≥ 1, got ${n}`);
  return { ...data, splits: { ...data.splits, [split]: { queryIds: s.queryIds.slice(0, n), queryTexts: s.queryTexts.slice(0, n), positives: s.positives.slice(0, n), ...(s.grades ? { grades: s.grades.slice(0, n) } : {}) } } };
}
