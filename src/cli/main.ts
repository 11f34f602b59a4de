/**
 * `freshcache <command> [flags]`. Each command lives in src/cli/commands/ and is listed in
 * commands/index.ts; this file dispatches, prints help, and is the boundary where every failure
 * becomes one line on stderr and an exit status:
 *
 *   2    bad input: an InputError, or an operating-system error on a path the user gave (the path
 *        and what to do, see describeOsError), or corrupt gzip data
 *   130  interrupted: the first Ctrl-C aborts the command's AbortSignal; it stops within a step,
 *        saves where it saves, and this prints where it stopped and how to resume. A second
 *        Ctrl-C exits at once (the default action of SIGINT is restored after the first).
 *   1    anything else, which is a bug: one line, and the stack trace with --debug or
 *        FRESHCACHE_DEBUG=1 (which also add the stack to the lines above).
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatHelp, parseFlags } from './args';
import type { CliContext } from './command';
import { commands } from './commands';
import { InputError, AbortedError } from '../util/errors';
import { progressBar, type ProgressEvent } from '../util/progress';
import { initBackend, parseBackend } from '../tensor';

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'freshcache: train dense retrievers with stale embedding caches and corrector networks',
    '',
    'Usage: freshcache <command> [flags]     (freshcache <command> --help for its flags)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Errors are one line; --debug (or FRESHCACHE_DEBUG=1) adds the stack trace.',
  ].join('\n');
}

/** What an operating-system error means for the path it names, and what to do; undefined for other codes. */
const OS_ERRORS: Record<string, (p: string) => string> = {
  EEXIST: (p) => `${p}: already exists; remove it or choose another path`,
  ENOTDIR: (p) => `${p}: a part of this path is a file where a folder is needed; choose another path`,
  EISDIR: (p) => `${p}: is a folder where a file is needed; give a file path`,
  ENOENT: (p) => `${p}: no such file or folder; check the path`,
  EACCES: (p) => `${p}: permission denied; choose a location you may read and write, or change its permissions`,
  EPERM: (p) => `${p}: operation not permitted; choose a location you may read and write, or change its permissions`,
  EROFS: (p) => `${p}: on a read-only file system; choose a writable location`,
  ENOSPC: (p) => `${p}: no space left on the device; free some space or choose another location, then run the command again (it resumes where it saves)`,
  EDQUOT: (p) => `${p}: disk quota exceeded; free some space or choose another location`,
  ENAMETOOLONG: (p) => `${p}: name too long for the file system; choose a shorter path`,
  ELOOP: (p) => `${p}: too many levels of symbolic links; check the path`,
  EMFILE: (p) => `${p}: too many open files; raise the limit (ulimit -n) and run the command again`,
  EBUSY: (p) => `${p}: busy (in use by another program); close it and run the command again`,
  EXDEV: (p) => `${p}: cannot be moved across file systems; keep the output on one file system`,
};

/**
 * The one-line message of an operating-system or zlib error, naming the path it was about and what
 * to do; undefined when `e` is neither (a bug).
 */
export function describeOsError(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const err = e as NodeJS.ErrnoException & { dest?: string };
  const code = err.code;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('Z_')) return `not valid gzip data (${err.message}); the file is corrupt or truncated: download or compress it again`;
  const where = err.path ? (err.dest ? `${err.path} → ${err.dest}` : err.path) : `${err.syscall ?? 'file system'}`;
  if (code === 'EEXIST' && err.syscall === 'mkdir') return `${where}: exists and is not a folder; choose another path`;
  const describe = OS_ERRORS[(err.syscall === 'mkdir' && code === 'ENOENT' && err.path && whyNotWritable(err.path)) || code];
  return describe ? describe(where) : undefined;
}

/**
 * Why the nearest existing folder above `p` cannot be written (EROFS, EACCES), or undefined: a
 * recursive mkdir on a read-only file system fails with a misleading ENOENT.
 */
function whyNotWritable(p: string): string | undefined {
  let d = path.dirname(path.resolve(p));
  while (!fs.existsSync(d) && d !== path.dirname(d)) d = path.dirname(d);
  try {
    fs.accessSync(d, fs.constants.W_OK);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
}

export function debugRequested(argv: string[]): boolean {
  return argv.includes('--debug') || /^(1|true|yes)$/i.test(process.env.FRESHCACHE_DEBUG ?? '');
}

/** A shell-ready rendering of argv (for "to resume, run: ..."). */
export function shellLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Prints the one line for `e` (and its stack with debug) and returns the exit status. */
export function reportError(e: unknown, debug: boolean): number {
  const stack = () => {
    if (debug && e instanceof Error && e.stack) console.error(e.stack);
  };
  if (e instanceof InputError) {
    console.error(`error: ${e.message}`);
    stack();
    return 2;
  }
  const os = describeOsError(e);
  if (os !== undefined) {
    console.error(`error: ${os}`);
    stack();
    return 2;
  }
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  console.error(`error: internal error (a bug in freshcache): ${what.replace(/\s*\n\s*/g, ' ')}${debug ? '' : ' (rerun with --debug for the stack trace)'}`);
  stack();
  return 1;
}

/** ` at <stage> <done>/<total> <unit>`: the last progress an interrupted command reported. */
function at(e: ProgressEvent | undefined): string {
  if (!e) return '';
  return ` at ${e.stage} ${e.done}${e.total !== undefined ? `/${e.total}` : ''}${e.unit ? ` ${e.unit}` : ''}`;
}

export async function main(argv: string[]): Promise<number> {
  const debug = debugRequested(argv);
  argv = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(topHelp());
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`error: unknown command '${name}'; commands: ${commands.map((c) => c.name).join(', ')}`);
    return 2;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    // a second Ctrl-C queued while a step held the event loop arrives in the same batch as the first
    if (++interrupts > 1) process.exit(130);
    console.error('\ninterrupted: stopping after the current step and saving (Ctrl-C again to quit at once)');
    controller.abort();
    // then SIGINT gets its default action back: a later Ctrl-C ends the process at once, even while
    // a long synchronous step holds the event loop
    setImmediate(() => process.off('SIGINT', onSigint));
  };
  process.on('SIGINT', onSigint);
  const command = `freshcache ${shellLine(argv)}`;
  let lastProgress: ProgressEvent | undefined; // where an interrupted command was
  try {
    const opts = parseFlags(rest, cmd.flags, cmd.name);
    if (opts.help) {
      console.log(formatHelp(cmd.name, cmd.summary, cmd.flags, cmd.usage));
      return 0;
    }
    const backendReq = parseBackend(String(opts.backend), '--backend');
    const quiet = !!opts.quiet;
    const bar = progressBar({ quiet });
    const ctx: CliContext = {
      progress: (e) => {
        lastProgress = e;
        bar(e);
      },
      signal: controller.signal,
      backend: async () => {
        const info = await initBackend(backendReq);
        if (!quiet) console.error(info.summary);
        return info;
      },
      out: (line) => console.log(line),
      log: (line) => {
        if (!quiet) console.error(line);
      },
    };
    const code = await cmd.run(opts, ctx);
    if (controller.signal.aborted) {
      // the command returned instead of throwing: it ended early on its own terms (or had finished)
      console.error(`stopped: interrupted${at(lastProgress)}; what ${cmd.name} had finished is kept`);
      console.error(`${cmd.resumes ? 'to resume' : 'to run it again'}: ${command}`);
      return 130;
    }
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (e instanceof AbortedError || (controller.signal.aborted && (e as Error)?.name === 'AbortError')) {
      console.error(`stopped: ${(e as Error).message}${at(lastProgress)}`);
      console.error(`${cmd.resumes ? 'to resume' : 'to run it again'}: ${command}`);
      return 130;
    }
    return reportError(e, debug);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * The process entry point (bin/freshcache.js): runs `main`, routes errors that escape it (an
 * 'error' event nobody handled, say) through the same one-line report, and exits with the status.
 */
export async function runFromShell(argv: string[]): Promise<void> {
  const debug = debugRequested(argv);
  const fatal = (e: unknown) => process.exit(reportError(e, debug));
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    code = reportError(e, debug);
  }
  process.exit(code);
}
