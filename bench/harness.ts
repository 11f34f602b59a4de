/**
 * The benchmark harness: warm-up + repetitions, summaries (median, min/max, quartiles), interleaved
 * A B A B measurement of competing implementations so that load from other processes hits all of
 * them alike, ratios of medians taken in the same run, peak RSS, goals and how far a number is from
 * its goal; every benchmark script's flags (declared options, parsed as the CLI parses them) and
 * its JSON record. Pure functions are tested in test/bench/harness.test.ts.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseFlags, formatHelp, GLOBAL_FLAGS, type OptionTable, type Parsed } from '../src/cli/args';
import { pickOptions } from '../src/util/options';
import { InputError } from '../src/util/errors';
import { writeJsonAtomic } from '../src/util/atomic';

/** Median of xs (mean of the two middle values for an even count); NaN for an empty list. */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/**
 * The p-quantile of xs by linear interpolation between order statistics (type 7, as numpy's default):
 * with s sorted and h = (n − 1)·p, q = s[⌊h⌋] + (h − ⌊h⌋)·(s[⌊h⌋+1] − s[⌊h⌋]).
 */
export function quantile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile: p must be in [0, 1], got ${p}`);
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** Interquartile range: quantile(0.75) − quantile(0.25). */
export function iqr(xs: readonly number[]): number {
  return quantile(xs, 0.75) - quantile(xs, 0.25);
}

/** Median and spread of a list of measurements. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  iqr: number;
  /** Relative spread: iqr / median (0 when the median is 0). */
  relIqr: number;
}

/** Summary of xs: n, median, min, max, quartiles, iqr and iqr / median. */
export function summarize(xs: readonly number[]): Summary {
  const med = median(xs);
  const q1 = quantile(xs, 0.25);
  const q3 = quantile(xs, 0.75);
  return {
    n: xs.length,
    median: med,
    min: xs.length ? Math.min(...xs) : NaN,
    max: xs.length ? Math.max(...xs) : NaN,
    q1,
    q3,
    iqr: q3 - q1,
    relIqr: med !== 0 ? (q3 - q1) / Math.abs(med) : 0,
  };
}

/** Ratio of medians: median(a) / median(b) (NaN when either list is empty or median(b) is 0). */
export function ratioOfMedians(a: readonly number[], b: readonly number[]): number {
  const mb = median(b);
  if (!Number.isFinite(mb) || mb === 0) return NaN;
  return median(a) / mb;
}

/**
 * The order in which interleaved contestants run: `warmup` rounds then `rounds` rounds, each round
 * every name once in the given order (A B A B …). Returns [name, round, isWarmup] triples.
 */
export function interleavedOrder(names: readonly string[], rounds: number, warmup = 0): { name: string; round: number; warmup: boolean }[] {
  if (new Set(names).size !== names.length) throw new Error(`interleavedOrder: duplicate names in ${names.join(', ')}`);
  const out: { name: string; round: number; warmup: boolean }[] = [];
  for (let r = 0; r < warmup + rounds; r++) for (const name of names) out.push({ name, round: r - warmup, warmup: r < warmup });
  return out;
}

/** One competitor in an interleaved measurement: `run` does the work once and returns its seconds. */
export interface Contestant {
  name: string;
  run: () => Promise<number> | number;
}

/**
 * Runs the contestants interleaved (A B A B …) `warmup` + `rounds` times and returns each one's
 * measured seconds (warm-up runs discarded), keyed by name.
 */
export async function measureInterleaved(contestants: readonly Contestant[], o: { rounds: number; warmup?: number; log?: (line: string) => void }): Promise<Record<string, number[]>> {
  const byName = new Map(contestants.map((c) => [c.name, c]));
  const times: Record<string, number[]> = Object.fromEntries(contestants.map((c) => [c.name, []]));
  for (const slot of interleavedOrder(contestants.map((c) => c.name), o.rounds, o.warmup ?? 1)) {
    const s = await byName.get(slot.name)!.run();
    if (!slot.warmup) times[slot.name].push(s);
    o.log?.(`  ${slot.warmup ? 'warm-up' : `round ${slot.round + 1}/${o.rounds}`} ${slot.name}: ${s.toFixed(4)} s`);
  }
  return times;
}

/** Seconds taken by fn (performance.now), awaited. */
export async function timeIt(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** Peak resident set size of this process so far, MiB (process.resourceUsage().maxRSS is KiB). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Which direction a goal points: the measured value should be at least, or at most, the target. */
export type GoalKind = 'at-least' | 'at-most';

export interface Goal {
  /** What is compared, e.g. 'ratio ours / PyTorch'. */
  what: string;
  kind: GoalKind;
  target: number;
}

export interface GoalStatus {
  met: boolean | null;
  /**
   * How far the value is from the goal, as a factor: for at-least value / target, for at-most
   * target / value; ≥ 1 means met, e.g. 0.5 means "half way" (needs 2× to meet it). null when not measured.
   */
  factor: number | null;
  /** One-line description, e.g. 'met (1.3x)', 'missed: needs 2.0x', 'not measured'. */
  text: string;
}

/** Whether `value` meets `goal` and by what factor (see GoalStatus.factor). */
export function goalStatus(value: number | null | undefined, goal: Goal): GoalStatus {
  if (value === null || value === undefined || !Number.isFinite(value)) return { met: null, factor: null, text: 'not measured' };
  const factor = goal.kind === 'at-least' ? (goal.target === 0 ? Infinity : value / goal.target) : (value <= 0 ? Infinity : goal.target / value);
  const met = factor >= 1;
  return { met, factor, text: met ? (factor === Infinity ? 'met' : `met (${fmt(factor)}x margin)`) : `missed: needs ${fmt(1 / factor)}x` };
}

/** A number with 3 significant digits (integers above 1000 as integers). */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return String(+x.toPrecision(3));
}

/** Result of a child benchmark process. */
export interface ChildRun {
  code: number;
  seconds: number;
  /** Peak RSS (VmHWM, polled every 250 ms) of the child and of each of its descendants, MiB, by pid and command. */
  peakRss: { pid: number; command: string; peakRssMiB: number }[];
  stdout: string;
  stderrTail: string;
}

/**
 * Runs `cmd args` as a child process, streaming its stderr lines to `log` (prefixed), and resolves
 * with its exit code, wall seconds, stdout and the tail of its stderr.
 */
export function runChild(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; prefix?: string; signal?: AbortSignal; timeoutSeconds?: number } = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let tail = '';
    let partial = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      const text = partial + d;
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) o.log?.(`${o.prefix ?? ''}${l}`);
      tail = (tail + d).slice(-4000);
    });
    const onAbort = () => child.kill('SIGTERM');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const peaks = new Map<number, { pid: number; command: string; peakRssMiB: number }>();
    const poll = setInterval(() => child.pid && pollPeakRss(child.pid, peaks), 250);
    const timer = o.timeoutSeconds ? setTimeout(() => child.kill('SIGTERM'), o.timeoutSeconds * 1000) : null;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      clearInterval(poll);
      o.signal?.removeEventListener('abort', onAbort);
      if (partial.trim()) o.log?.(`${o.prefix ?? ''}${partial}`);
      resolve({ code: code ?? 1, seconds: (performance.now() - t0) / 1000, peakRss: [...peaks.values()], stdout, stderrTail: tail });
    });
  });
}

/** Records the peak RSS (VmHWM from /proc) of `pid` and its descendants into `peaks` (Linux only; no-op elsewhere). */
export function pollPeakRss(pid: number, peaks: Map<number, { pid: number; command: string; peakRssMiB: number }>): void {
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      const name = /Name:\s+(\S+)/.exec(status)?.[1] ?? '?';
      if (hwm) {
        const mib = Number(hwm[1]) / 1024;
        const prev = peaks.get(p);
        if (!prev || mib > prev.peakRssMiB) peaks.set(p, { pid: p, command: name, peakRssMiB: mib });
      }
      for (const t of fs.readdirSync(`/proc/${p}/task`)) {
        const kids = fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        if (kids) stack.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // the process ended between reads, or no /proc
    }
  }
}

/** A point of a speed / recall sweep (e.g. one ef_search value). */
export interface SweepPoint {
  ef: number;
  qps: number;
  recall: number;
}

/**
 * Queries/s at recall `target` on a sweep: sorted by recall, the first point reaching the target
 * (p1) and the one before it (p0); qps = p0.qps + (target − p0.recall)·(p1.qps − p0.qps)/(p1.recall −
 * p0.recall) (linear between them); p1.qps when the lowest recall already reaches it; null when no
 * point does. The sweep is first reduced to its Pareto front (a point with lower recall and lower
 * qps than another is dropped), so noise cannot make qps rise with recall.
 */
export function qpsAtRecall(points: readonly SweepPoint[], target: number): number | null {
  const byRecall = [...points].sort((a, b) => a.recall - b.recall || b.qps - a.qps);
  const front: SweepPoint[] = [];
  for (let i = byRecall.length - 1; i >= 0; i--) {
    const p = byRecall[i];
    if (!front.length || p.qps > front[front.length - 1].qps) front.push(p);
  }
  front.reverse(); // recall ascending, qps descending
  const i = front.findIndex((p) => p.recall >= target);
  if (i < 0) return null;
  if (i === 0) return front[0].qps;
  const [p0, p1] = [front[i - 1], front[i]];
  if (p1.recall === p0.recall) return p1.qps;
  return p0.qps + ((target - p0.recall) * (p1.qps - p0.qps)) / (p1.recall - p0.recall);
}

/** Benchmark scripts run under `node --import tsx` and take --config and --help besides their own flags. */
const BENCH_PARSE = { program: 'node --import tsx', globals: pickOptions(GLOBAL_FLAGS, ['config', 'help']) };
/** What a benchmark's main receives: its option values, typed from its table. */
export type BenchArgs<T extends OptionTable> = Parsed<T, typeof BENCH_PARSE.globals>;

/**
 * Runs a benchmark script: parses its argv against its declared options with the CLI's parser
 * (src/cli/args: the same flag forms, ranges and one-line errors), prints help for --help, then
 * runs `main`. Bad flags: one line on stderr, exit 2; a failure: its stack, exit 1.
 */
export function benchMain<const T extends OptionTable>(script: string, summary: string, options: T, main: (o: BenchArgs<T>) => Promise<unknown>, argv = process.argv.slice(2)): void {
  let o: BenchArgs<T>;
  try {
    o = parseFlags(argv, options, script, BENCH_PARSE);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(2);
  }
  if (o.help) {
    process.stdout.write(formatHelp(script, summary, options, undefined, BENCH_PARSE) + '\n');
    return;
  }
  main(o).catch((e) => {
    process.stderr.write(e instanceof InputError ? `error: ${e.message}\n` : `error: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(e instanceof InputError ? 2 : 1);
  });
}

/** The machine a record was measured on: cores, CPU model, memory, Node, load average now. */
export function machineSummary(): { cpus: number; cpuModel: string | undefined; totalMemGiB: number; node: string; loadAvg: number[] } {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, loadAvg: os.loadavg().map((x) => +x.toFixed(2)) };
}

/**
 * Writes a benchmark's JSON record to `file` (atomically; the folder is made): `bench`, `date`, the
 * `command` that ran it, `machine` (machineSummary, extended by `body.machine`), then `body`.
 * Returns the record.
 */
export function writeBenchRecord<B extends Record<string, unknown>>(file: string, bench: string, body: B, log: (line: string) => void = (l) => process.stderr.write(l + '\n')) {
  const { machine, ...rest } = body as B & { machine?: Record<string, unknown> };
  const record = {
    bench,
    date: new Date().toISOString(),
    command: ['node --import tsx', path.relative(process.cwd(), process.argv[1] ?? '') || bench, ...process.argv.slice(2)].join(' '),
    machine: { ...machineSummary(), ...(machine ?? {}) },
    ...rest,
  };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeJsonAtomic(file, record);
  log(`wrote ${file}`);
  return record;
}
