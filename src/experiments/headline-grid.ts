/**
 * The `headline` grid: the runs behind the paper's headline measured here (re-embedding the
 * corrector saves, against drift speed, over seeds), and its plan: which runs are finished, which
 * remain, and how long they should take.
 *
 * At each drift speed (encoder learning rate ×0.25, ×1, ×4 of the default): in-batch, stale,
 * refresh:R for a ladder of R, the corrector, and the oracle (seed 1 only: it re-encodes the corpus
 * every step). At the default drift, the corrector's knobs: loss `softmax` (the base is `mse`),
 * warm-up, extra uniform pairs, Gumbel-top-k selection, and corrector+refresh:R. A second regime
 * with more hard negatives per query and a larger batch: in-batch, stale, two refresh rates and
 * the corrector. Step counts in the grid (R, warm-up) are given for 400 steps and scale with the
 * run's steps, so `--quick` runs the same grid shorter.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../util/errors';
import { parseStrategy } from '../train/strategy';
import type { TrainConfigInput } from '../train/config';
import type { HeadlineGroup } from '../report/headline';
import type { Variant } from './experiment';

export const HEADLINE_EXPERIMENT = 'headline';
/** Where the full grid's summary goes: committed, unlike results/ and runs/. */
export const HEADLINE_SUMMARY_DIR = path.join('results-committed', 'headline');
/** The run-time measurements the plan estimates from (bench/headline-times.ts writes it). */
export const HEADLINE_TIMES_FILE = path.join(HEADLINE_SUMMARY_DIR, 'run-times.json');

/** Encoder learning rates as multiples of the default: slow, default and fast drift. */
export const DRIFT_FACTORS = [0.25, 1, 4] as const;
/** refresh:R at 400 steps: 1, 3, 7, 19 and 79 full refreshes. */
export const REFRESH_LADDER = [200, 100, 50, 20, 5] as const;
/** The second regime: more hard negatives per query, a larger batch; refresh:R rates tried there. */
export const HARD_REGIME: TrainConfigInput = { negatives: 16, batchSize: 128 };
export const HARD_REFRESH = [100, 20] as const;
/** The steps the grid's step counts are written for. */
const GRID_STEPS = 400;

/** The grid's parts: the drift speeds (the headline), the corrector's knobs at the default drift, the second regime. */
export const HEADLINE_PARTS = ['drift', 'knobs', 'hard'] as const;
export type HeadlinePart = (typeof HEADLINE_PARTS)[number];

/** A run of the grid: a variant of the experiment, where it sits, and its seeds when not all. */
export interface HeadlineSpec extends Variant {
  group: HeadlineGroup;
}

/** `n` steps of a 400-step run, scaled to `steps` (at least 1). */
function scaled(n: number, steps: number): number {
  return Math.max(1, Math.round((n * steps) / GRID_STEPS));
}

/** The corrector's knobs at the default drift: the label suffix, strategy and config of each. */
function knobs(steps: number): { knob: string; strategy: string; config: TrainConfigInput }[] {
  const warmup = scaled(50, steps);
  return [
    { knob: 'loss=softmax', strategy: 'corrector', config: { corrector: { loss: 'softmax' } } },
    { knob: `warmup=${warmup}`, strategy: 'corrector', config: { corrector: { warmupSteps: warmup } } },
    { knob: 'extra=64', strategy: 'corrector', config: { corrector: { extraUniform: 64 } } },
    { knob: 'gumbel', strategy: 'corrector', config: { selection: 'gumbel' } },
    ...[200, 100].map((R) => ({ knob: `refresh:${scaled(R, steps)}`, strategy: `corrector+refresh:${scaled(R, steps)}`, config: {} })),
  ];
}

/** The grid for runs of `steps` steps at default encoder learning rate `lr` (a short run's coinciding intervals once). */
export function headlineGrid(steps: number, lr: number, parts: readonly HeadlinePart[] = HEADLINE_PARTS): HeadlineSpec[] {
  const ladder = [...new Set(REFRESH_LADDER.map((R) => scaled(R, steps)))];
  const out: HeadlineSpec[] = [];
  const add = (label: string, strategy: string, config: TrainConfigInput, group: Omit<HeadlineGroup, 'role' | 'refreshEvery'>, seeds?: number[]) => {
    if (out.some((o) => o.label === label)) return; // a short run's scaled intervals can coincide
    const s = parseStrategy(strategy, 'headline grid');
    const role: HeadlineGroup['role'] = !s.usesCache ? 'in-batch' : s.oracle ? 'oracle' : s.corrector ? 'corrector' : s.refreshEvery !== null ? 'refresh' : 'stale';
    out.push({ label, strategy, config, group: { ...group, role, ...(s.refreshEvery !== null ? { refreshEvery: s.refreshEvery } : {}) }, ...(seeds ? { seeds } : {}) });
  };
  for (const drift of parts.includes('drift') ? DRIFT_FACTORS : []) {
    const tag = drift === 1 ? '' : `[lr×${drift}]`;
    const config: TrainConfigInput = drift === 1 ? {} : { lr: lr * drift };
    const g = { regime: 'default', drift, knob: '' };
    add(`in-batch${tag}`, 'in-batch', config, g);
    add(`stale${tag}`, 'stale', config, g);
    for (const R of ladder) add(`refresh:${R}${tag}`, `refresh:${R}`, config, g);
    add(`corrector${tag}`, 'corrector', config, g);
    // The scalable corrector (amortised h(g′) every K steps, C candidates re-scored; branch `scale`)
    // joins here as one line once the loop takes it, with the option names it gets, e.g.
    // add(`corrector[amortised]${tag}`, 'corrector', { ...config, pool: 'amortised', amortiseEvery: 20, candidates: 256 }, g);
    // then `node --import tsx bench/headline-times.ts --only amortised` adds its run time to the plan.
    add(`oracle${tag}`, 'oracle', config, g, [1]);
  }
  for (const k of parts.includes('knobs') ? knobs(steps) : []) {
    add(k.strategy === 'corrector' ? `corrector[${k.knob}]` : k.strategy, k.strategy, k.config, { regime: 'default', drift: 1, knob: k.knob });
  }
  const hard = { regime: 'hard', drift: 1, knob: '' };
  const hardTag = `[neg=${HARD_REGIME.negatives} batch=${HARD_REGIME.batchSize}]`;
  if (parts.includes('hard')) for (const strategy of ['in-batch', 'stale', ...HARD_REFRESH.map((R) => `refresh:${scaled(R, steps)}`), 'corrector']) add(`${strategy}${hardTag}`, strategy, HARD_REGIME, hard);
  return out;
}

// ---- the plan: what remains and how long it takes ---------------------------------------------------

/**
 * What decides a run's time, apart from its steps and refreshes: the strategy with any refresh
 * removed (refresh:R runs like stale, corrector+refresh:R like the corrector, plus R's corpus
 * passes) and every setting but the encoder learning rate.
 */
export function timingKey(spec: Pick<Variant, 'strategy' | 'config'>): string {
  const s = parseStrategy(spec.strategy, 'headline grid');
  const strategy = s.label.replace(/\+?refresh:\d+/, '') || 'stale';
  const { lr: _lr, ...config } = spec.config;
  return JSON.stringify({ strategy, config });
}

/** Measured run times (bench/headline-times.ts): seconds per step and per run besides its steps, by timing key, and per corpus pass. */
export interface RunTimes {
  /** What the seconds are: CPU seconds of the process, or wall seconds. */
  basis: 'cpu' | 'wall';
  /** The bench record's date, command and machine (bench/harness.ts writeBenchRecord). */
  date: string;
  command: string;
  machine: { cpus: number; cpuModel?: string; loadAvg: number[] };
  corpusPassSeconds: number;
  kinds: Record<string, { stepSeconds: number; overheadSeconds: number; label: string }>;
  /**
   * Wall seconds of 400-step runs on 2 quiet cores (README's `npm start` table) over the same kinds
   * measured here: the measured seconds × `scale` are the plan's estimates. A loaded machine's
   * seconds are inflated, unevenly; the kinds' ratios are kept, the level comes from the quiet runs.
   */
  calibration?: { scale: number; reference: Record<string, number>; source: string };
}

/** Reads the run-time file; undefined when there is none. */
export function readRunTimes(file = HEADLINE_TIMES_FILE): RunTimes | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const t = JSON.parse(fs.readFileSync(file, 'utf8')) as RunTimes;
    if (typeof t.corpusPassSeconds !== 'number' || typeof t.kinds !== 'object') throw new Error('expected { corpusPassSeconds, kinds }');
    return t;
  } catch (e) {
    throw new InputError(`${file}: not a run-time file (${(e as Error).message}); remeasure with \`node --import tsx bench/headline-times.ts\``);
  }
}

/** Estimated seconds of one run of `steps` steps: its kind's overhead + steps × step time + its refreshes × a corpus pass, × the calibration's scale; undefined when its kind was not measured. */
export function estimateRunSeconds(spec: Pick<Variant, 'strategy' | 'config'>, steps: number, times: RunTimes): number | undefined {
  const k = times.kinds[timingKey(spec)];
  if (!k) return undefined;
  const R = parseStrategy(spec.strategy, 'headline grid').refreshEvery;
  const passes = R === null ? 0 : Math.floor((steps - 1) / R);
  return (times.calibration?.scale ?? 1) * (k.overheadSeconds + steps * k.stepSeconds + passes * times.corpusPassSeconds);
}

/** One planned run: finished (reused), or to run with its estimate. */
export interface PlannedRun {
  label: string;
  seed: number;
  finished: boolean;
  seconds?: number;
}

/** The plan as text: runs per part of the grid, finished, remaining, and the estimated time left. */
export function formatPlan(specs: readonly HeadlineSpec[], planned: readonly PlannedRun[], times: RunTimes | undefined): string {
  const part = (s: HeadlineSpec) => (s.group.regime !== 'default' ? `${s.group.regime} regime` : s.group.knob ? 'knobs (default drift)' : `drift lr×${s.group.drift}`);
  const parts = [...new Set(specs.map(part))];
  const lines = ['headline grid plan:'];
  let total = 0;
  let unknown = 0;
  for (const p of parts) {
    const labels = new Set(specs.filter((s) => part(s) === p).map((s) => s.label));
    const runs = planned.filter((r) => labels.has(r.label));
    const todo = runs.filter((r) => !r.finished);
    const secs = todo.reduce((a, r) => a + (r.seconds ?? 0), 0);
    unknown += todo.filter((r) => r.seconds === undefined).length;
    total += secs;
    lines.push(`  ${p.padEnd(22)} ${String(runs.length).padStart(3)} runs (${labels.size} labels), ${String(runs.length - todo.length).padStart(3)} finished, ${String(todo.length).padStart(3)} to run, about ${(secs / 60).toFixed(0)} min`);
  }
  const done = planned.filter((r) => r.finished).length;
  lines.push(`  total: ${planned.length} runs, ${done} finished, ${planned.length - done} to run: about ${(total / 60).toFixed(0)} min` + (unknown ? ` (+ ${unknown} runs of kinds not measured)` : ''));
  const scaled = times?.calibration ? `, × ${times.calibration.scale.toFixed(2)} to the wall seconds of the same kinds on 2 quiet cores (${times.calibration.source})` : '';
  lines.push(times ? `  estimates: ${times.basis} seconds measured ${times.date.slice(0, 10)} on ${times.machine.cpus} cores at load ${times.machine.loadAvg[0]}${scaled} (${HEADLINE_TIMES_FILE}; remeasure: ${times.command})` : `  no run-time estimates: ${HEADLINE_TIMES_FILE} is missing (measure with \`node --import tsx bench/headline-times.ts\`)`);
  return lines.join('\n');
}
