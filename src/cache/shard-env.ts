/**
 * Which part of a sharded cache build this process is, from a scheduler's environment, for
 * `build-cache` without `--shard`:
 *   - Slurm job arrays: SLURM_ARRAY_TASK_ID among SLURM_ARRAY_TASK_COUNT tasks; the array must be a
 *     contiguous range (`--array=0-15`, `--array=1-16`, throttles like `%4` are fine), and the part
 *     index is (task id − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP;
 *   - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX (set by Kubernetes) among
 *     FRESHCACHE_SHARD_COUNT parts (Kubernetes does not expose `.spec.completions` to the pod: the
 *     Job manifest sets the variable to the same number; see docs/scaling.md).
 * Any other launcher can set FRESHCACHE_SHARD=i/n. Inconsistent variables are an InputError naming
 * them (exit 2), never a silent whole build or a wrong slice.
 */
import { InputError } from '../util/errors';

export interface ShardFromEnv {
  index: number;
  count: number;
  /** The variables it came from, for the log line. */
  from: string;
}

/** The shard given by `env`, or undefined when no scheduler variable is set. */
export function shardFromEnvironment(env: Record<string, string | undefined>): ShardFromEnv | undefined {
  if (env.FRESHCACHE_SHARD !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(env.FRESHCACHE_SHARD.trim());
    if (!m) throw new InputError(`FRESHCACHE_SHARD: expected i/n (e.g. 0/4), got '${env.FRESHCACHE_SHARD}'`);
    return checked(Number(m[1]), Number(m[2]), 'FRESHCACHE_SHARD');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = int(env, 'SLURM_ARRAY_TASK_ID');
    const count = int(env, 'SLURM_ARRAY_TASK_COUNT');
    const min = env.SLURM_ARRAY_TASK_MIN !== undefined ? int(env, 'SLURM_ARRAY_TASK_MIN') : 0;
    const step = env.SLURM_ARRAY_TASK_STEP !== undefined ? int(env, 'SLURM_ARRAY_TASK_STEP') : 1;
    const max = env.SLURM_ARRAY_TASK_MAX !== undefined ? int(env, 'SLURM_ARRAY_TASK_MAX') : min + (count - 1) * step;
    if (step < 1 || (max - min) / step + 1 !== count) {
      throw new InputError(`SLURM_ARRAY_TASK_*: the array ${min}-${max}:${step} does not hold ${count} evenly spaced tasks; submit a contiguous range such as --array=0-${count - 1} (or give --shard i/n)`);
    }
    if ((id - min) % step !== 0) throw new InputError(`SLURM_ARRAY_TASK_ID: ${id} is not on the array's range ${min}-${max}:${step}`);
    return checked((id - min) / step, count, 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (env.FRESHCACHE_SHARD_COUNT === undefined) {
      throw new InputError('JOB_COMPLETION_INDEX is set but FRESHCACHE_SHARD_COUNT is not: set it in the Job manifest to the same number as .spec.completions (or give --shard i/n)');
    }
    return checked(int(env, 'JOB_COMPLETION_INDEX'), int(env, 'FRESHCACHE_SHARD_COUNT'), 'JOB_COMPLETION_INDEX/FRESHCACHE_SHARD_COUNT');
  }
  return undefined;
}

function int(env: Record<string, string | undefined>, name: string): number {
  const v = env[name];
  if (v === undefined || !/^\d+$/.test(v.trim())) throw new InputError(`${name}: expected a non-negative integer, got ${v === undefined ? 'nothing (unset)' : `'${v}'`}`);
  return Number(v);
}

function checked(index: number, count: number, from: string): ShardFromEnv {
  if (count < 1 || index >= count) throw new InputError(`${from}: part ${index} of ${count}; expected 0 <= i < n`);
  return { index, count, from };
}
