import type { OptionTable, Parsed } from './args';
import type { ProgressFn } from '../util/progress';
import type { BackendInfo } from '../tensor';

export interface CliContext {
  progress: ProgressFn;
  /** Aborted on the first Ctrl-C; steps save what they must and stop. */
  signal: AbortSignal;
  /** Initialises the backend chosen by --backend and prints which one (call only if tensors are needed). */
  backend(): Promise<BackendInfo>;
  /** Results go to stdout; progress and logs to stderr. */
  out(line: string): void;
  log(line: string): void;
}

/**
 * A CLI command: its options are declared once in `flags` (src/util/options.ts), which gives its
 * flags, config-file keys, help and the typed values `run` receives; it parses nothing itself and
 * calls library steps; no logic of its own.
 */
export interface Command<T extends OptionTable = OptionTable> {
  name: string;
  summary: string;
  usage?: string;
  flags: T;
  /** Rerunning the same command after Ctrl-C continues where it stopped (checkpoints, completed shards, finished runs). */
  resumes?: boolean;
  run(opts: Parsed<T>, ctx: CliContext): Promise<number | void>;
}

/** Declares a command; `run` gets values typed from `flags`. */
export function defineCommand<const T extends OptionTable>(c: Command<T>): Command<T> {
  return c;
}
