import type { Flags, ParsedFlags } from './args';
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

/** A CLI command: parses nothing itself, calls library steps; no logic of its own. */
export interface Command {
  name: string;
  summary: string;
  usage?: string;
  flags: Flags;
  run(opts: ParsedFlags, ctx: CliContext): Promise<number | void>;
}
