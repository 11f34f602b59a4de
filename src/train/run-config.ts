/**
 * Whether a run folder's config.json allows this run: the same settings resume (or reuse) it, more
 * `steps` extend it from its last checkpoint, anything else is refused with the settings that
 * differ, old and new. Two spellings of one dataset or checkpoint folder (relative and absolute,
 * or through a link) are the same setting.
 *
 * An extension is exact: no setting but the step budget decides what a step does, so a run of 400
 * steps extended to 800 takes the same steps as a run of 800 from the start (the log and the
 * measurement counts differ: the first run's final probe and evaluation happened). The log records
 * it as a record with `extended: { fromSteps, toSteps }` at the step the run had reached.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../util/atomic';
import { InputError } from '../util/errors';
import type { TrainConfig } from './config';
import { readLog, RunLog } from './log';

/** Settings that name a folder on disk: compared as the folder they point at. */
const PATH_KEYS = new Set(['dataset', 'encoder.checkpoint']);

/** One setting that differs between two configs (dotted key for nested sections). */
export interface ConfigDifference {
  key: string;
  old: unknown;
  new: unknown;
}

function flatten(obj: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, obj);
  return out;
}

/** The folder a path setting points at (resolved against the working folder; links followed when it exists). */
function sameFolder(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const real = (p: string) => {
    const abs = path.resolve(p);
    try {
      return fs.realpathSync(abs);
    } catch {
      return abs;
    }
  };
  return real(a) === real(b);
}

/** The settings that differ between `old` and `next`, in `next`'s key order (keys only in `old` last). */
export function configDifferences(old: unknown, next: unknown): ConfigDifference[] {
  const a = flatten(old);
  const b = flatten(next);
  const out: ConfigDifference[] = [];
  for (const key of [...b.keys(), ...[...a.keys()].filter((k) => !b.has(k))]) {
    const x = a.get(key);
    const y = b.get(key);
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (PATH_KEYS.has(key) && sameFolder(x, y)) continue;
    out.push({ key, old: x, new: y });
  }
  return out;
}

/** `steps 400 → 800, lr 0.002 → 0.001` (absent settings as `(none)`). */
export function formatConfigDifferences(diffs: readonly ConfigDifference[]): string {
  const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));
  return diffs.map((d) => `${d.key} ${show(d.old)} → ${show(d.new)}`).join(', ');
}

/** Whether the differences are only a larger step budget (the run can be extended). */
export function isStepExtension(diffs: readonly ConfigDifference[]): boolean {
  return diffs.length === 1 && diffs[0].key === 'steps' && typeof diffs[0].old === 'number' && typeof diffs[0].new === 'number' && diffs[0].new > diffs[0].old;
}

/** What a run folder holds for the run about to start. */
export type RunFolderPlan =
  | { kind: 'new' }
  | { kind: 'resume' }
  | { kind: 'extend'; fromSteps: number; toSteps: number };

/**
 * Readies `runDir` for a run of `cfg` and records its config.json. With `resume` (the default of
 * `trainRetriever`) a folder holding a run with other settings is refused with an InputError
 * listing them, except a larger `steps`, which extends the run (its result.json is removed, the
 * extension is logged). Without `resume` the folder is started over by the caller.
 */
export function prepareRunFolder(runDir: string, cfg: TrainConfig, opts: { resume: boolean }): RunFolderPlan {
  fs.mkdirSync(runDir, { recursive: true });
  const configFile = path.join(runDir, 'config.json');
  let plan: RunFolderPlan = { kind: 'new' };
  if (opts.resume && fs.existsSync(configFile)) {
    let old: TrainConfig;
    try {
      old = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    } catch (e) {
      throw new InputError(`${configFile}: not valid JSON (${(e as Error).message}); start over with a new name or --fresh`);
    }
    const diffs = configDifferences(old, cfg);
    if (isStepExtension(diffs)) {
      plan = { kind: 'extend', fromSteps: old.steps, toSteps: cfg.steps };
      recordExtension(runDir, plan);
    } else if (diffs.length > 0) {
      const fewer = diffs.length === 1 && diffs[0].key === 'steps' ? ` (a run cannot be shortened: its later steps are trained)` : '';
      throw new InputError(`${runDir}: holds a run with other settings: ${formatConfigDifferences(diffs)}${fewer}; resume it with the same settings, or start over with a new name or --fresh`);
    } else plan = { kind: 'resume' };
  }
  writeJsonAtomic(configFile, cfg);
  return plan;
}

/** A finished run becomes unfinished again: its result.json goes, and its log gets the extension record (once). */
function recordExtension(runDir: string, ext: { fromSteps: number; toSteps: number }): void {
  fs.rmSync(path.join(runDir, 'result.json'), { force: true });
  const logFile = path.join(runDir, 'log.jsonl');
  if (!fs.existsSync(logFile)) return;
  const records = readLog(logFile);
  const last = records[records.length - 1];
  if (!last || (last.extended?.fromSteps === ext.fromSteps && last.extended.toSteps === ext.toSteps)) return;
  new RunLog(logFile).append({ step: last.step, strategy: last.strategy, cost: last.cost, seconds: last.seconds, extended: { fromSteps: ext.fromSteps, toSteps: ext.toSteps } });
}
