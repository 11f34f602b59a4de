/**
 * The error users see for bad input: one line that names where (file, line, row, flag) and what
 * was expected. The CLI prints `error: <message>` and exits 2 for these; anything else is a bug
 * and gets a stack trace.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
  }
}

/** `file:line: what` in one line; `line` is 1-based. */
export function inputErrorAt(file: string, line: number | undefined, what: string): InputError {
  return new InputError(line === undefined ? `${file}: ${what}` : `${file}:${line}: ${what}`);
}

/** Thrown when an AbortSignal fires; steps check `signal` between units of work. */
export class AbortedError extends Error {
  override name = 'AbortedError';
  constructor(what = 'operation') {
    super(`${what} aborted`);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new AbortedError(what);
}

/**
 * Where a step reports something odd in its input that is not an error (a count of empty texts,
 * say): one line. Steps take it as an option and default to `warnOnStderr`.
 */
export type WarnFn = (message: string) => void;

export const warnOnStderr: WarnFn = (message) => console.error(`warning: ${message.replace(/\s*\n\s*/g, ' ')}`);

/**
 * Gives an operating-system error the path it was about when Node left it out (a write or fsync on
 * a file descriptor names no path: "ENOSPC: no space left on device, write"), so the CLI can say
 * which file; returns `e`.
 */
export function withPath(e: unknown, file: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err instanceof Error && typeof err.code === 'string' && err.path === undefined) err.path = file;
  return e;
}
