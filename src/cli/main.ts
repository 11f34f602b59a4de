/**
 * `freshcache <command> [flags]`. Each command lives in src/cli/commands/ and is listed in
 * commands/index.ts; this file only dispatches, prints help, and turns InputErrors into a one-line
 * message with exit status 2.
 */
import { formatHelp, parseFlags } from './args';
import type { CliContext } from './command';
import { commands } from './commands';
import { InputError, AbortedError } from '../util/errors';
import { progressBar } from '../util/progress';
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
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
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
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    console.error('\ninterrupted: finishing the current unit of work and saving (Ctrl-C again to quit now)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const opts = parseFlags(rest, cmd.flags, cmd.name);
    if (opts.help) {
      console.log(formatHelp(cmd.name, cmd.summary, cmd.flags, cmd.usage));
      return 0;
    }
    const backendReq = parseBackend(String(opts.backend), '--backend');
    const quiet = !!opts.quiet;
    const ctx: CliContext = {
      progress: progressBar({ quiet }),
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
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (e instanceof InputError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    if (e instanceof AbortedError) {
      console.error(`stopped: ${e.message}`);
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
