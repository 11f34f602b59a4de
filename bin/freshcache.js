#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx: no build step between a clone and a run.
'use strict';
require('tsx/cjs');
const args = process.argv.slice(2);

if (args.includes('--quiet') && !process.env.FRESHCACHE_QUIET_CHILD) {
  // --quiet: run the command in a child whose stderr drops libtensorflow's start-up lines (src/cli/quiet.ts)
  const { spawn } = require('child_process');
  const { StartupLineFilter } = require('../src/cli/quiet.ts');
  // its own process group: a Ctrl-C at the terminal reaches only this process, which passes each
  // SIGINT on once (also one sent to this process alone), so the child sees first and second Ctrl-C
  const child = spawn(process.execPath, [...process.execArgv, __filename, ...args], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, FRESHCACHE_QUIET_CHILD: '1' },
    detached: true,
  });
  const filter = new StartupLineFilter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => process.stderr.write(filter.push(chunk)));
  child.stderr.on('end', () => process.stderr.write(filter.end()));
  process.on('SIGINT', () => child.kill('SIGINT'));
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('close', (code, signal) => { process.exitCode = code ?? (signal ? 128 + (require('os').constants.signals[signal] ?? 0) : 1); });
} else {
  require('../src/cli/main.ts').runFromShell(args);
}
