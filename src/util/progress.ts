/**
 * Progress reporting for steps that take seconds or more. Library steps take a `ProgressFn` and
 * call it with counts; the CLI turns that into a bar with rate and ETA on stderr (a redrawn line on
 * a terminal, a line every few seconds otherwise, nothing when quiet). Notebooks pass their own.
 */
export interface ProgressEvent {
  /** What is being done, e.g. 'encode corpus'. */
  stage: string;
  done: number;
  /** Undefined when unknown. */
  total?: number;
  /** Unit of `done`, e.g. 'rows', 'steps'. */
  unit?: string;
  /** Extra fields to show, e.g. { loss: 0.41 }. */
  info?: Record<string, number | string>;
  /** `done` when this stage's clock started (e.g. the step a run resumed at): rates count only what was done since. */
  start?: number;
  /** The stage ends here even though `done` < `total` (stopped early). */
  final?: boolean;
}

/** Whether an event is its stage's last: the total reached, or stopped early. */
export function isFinal(e: ProgressEvent): boolean {
  return !!e.final || (e.total !== undefined && e.done >= e.total);
}

/** Units per second since the stage began, counting from its `start`. */
export function progressRate(e: ProgressEvent, seconds: number): number {
  return (e.done - (e.start ?? 0)) / Math.max(seconds, 1e-9);
}

export type ProgressFn = (e: ProgressEvent) => void;

export const noProgress: ProgressFn = () => {};

export function formatDuration(seconds: number): string {
  if (!isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n * 100) / 100);
}

export interface BarOptions {
  stream?: NodeJS.WriteStream;
  /** Seconds between lines when not on a terminal. */
  everySeconds?: number;
  quiet?: boolean;
}

/** A ProgressFn that draws a bar with rate and ETA per stage. */
export function progressBar(opts: BarOptions = {}): ProgressFn {
  const stream = opts.stream ?? process.stderr;
  const tty = !!stream.isTTY;
  const every = (opts.everySeconds ?? (tty ? 0.1 : 5)) * 1000;
  const stages = new Map<string, { t0: number; last: number }>();
  return (e) => {
    if (opts.quiet) return;
    const now = Date.now();
    let st = stages.get(e.stage);
    if (!st) {
      st = { t0: now, last: 0 };
      stages.set(e.stage, st);
    }
    const finished = isFinal(e);
    if (!finished && now - st.last < every) return;
    st.last = now;
    const secs = Math.max((now - st.t0) / 1000, 1e-9);
    const rate = progressRate(e, secs);
    const unit = e.unit ?? 'it';
    let line = `${e.stage}: `;
    if (e.total !== undefined && e.total > 0) {
      const frac = Math.min(1, e.done / e.total);
      const width = 24;
      const fill = Math.round(frac * width);
      line += `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${formatCount(e.done)}/${formatCount(e.total)} ${unit}`;
      // a rate over the first fraction of a second is noise; show it once there is something to measure
      const measured = secs >= 0.5;
      if (measured) line += ` ${formatCount(rate)} ${unit}/s`;
      line += finished ? ` ${e.done >= e.total ? 'done' : 'stopped'} in ${formatDuration(secs)}` : measured ? ` ETA ${formatDuration((e.total - e.done) / Math.max(rate, 1e-9))}` : '';
    } else {
      line += `${formatCount(e.done)} ${unit}${secs >= 0.5 ? ` ${formatCount(rate)} ${unit}/s` : ''} ${finished ? 'done in ' : ''}${formatDuration(secs)}`;
    }
    if (e.info) line += ' ' + Object.entries(e.info).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(4) : v}`).join(' ');
    if (tty) stream.write(`\r\x1b[K${line}${finished ? '\n' : ''}`);
    else stream.write(line + '\n');
    if (finished) stages.delete(e.stage);
  };
}
