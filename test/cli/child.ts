/** Runs `bin/freshcache.js` as a real child process: exit code or signal, stdout, stderr lines. */
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';

export const BIN = path.join(__dirname, '..', '..', 'bin', 'freshcache.js');

/**
 * Lines the native TensorFlow library writes to stderr on its own whenever it loads (absl's
 * "before InitializeLog" warning and oneDNN's notice): not ours, and not silenceable from JS.
 */
export function isNativeLogLine(line: string): boolean {
  return line.startsWith('WARNING: All log messages before absl::InitializeLog()') || /^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.-]+:\d+\] /.test(line);
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stderr without native-library log lines and blank lines. */
  errLines: string[];
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill (SIGKILL) after this many ms: a hung command fails the test instead of hanging it. */
  timeoutMs?: number;
}

export function resultOf(stdout: string, stderr: string, code: number | null, signal: NodeJS.Signals | null): ChildResult {
  return { code, signal, stdout, stderr, errLines: stderr.split('\n').filter((l) => l.trim() !== '' && !isNativeLogLine(l)) };
}

/** Starts the CLI; `done` settles when it exits. */
export function startCli(args: string[], opts: SpawnOptions = {}): { child: ChildProcess; done: Promise<ChildResult>; stderrSoFar: () => string; stdoutSoFar: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  const done = new Promise<ChildResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(resultOf(stdout, stderr, code, signal));
    });
  });
  return { child, done, stderrSoFar: () => stderr, stdoutSoFar: () => stdout };
}

/** Runs the CLI to the end. */
export function runCli(args: string[], opts: SpawnOptions = {}): Promise<ChildResult> {
  return startCli(args, opts).done;
}

/** Resolves once `pattern` shows up in what `read` returns (polling), or rejects after `ms`. */
export async function waitFor(read: () => string, pattern: RegExp, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!pattern.test(read())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${pattern}; got:\n${read().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs the CLI with `dir` on a small file system of the given kind: a real tmpfs of 64 KiB
 * ('full') or a read-only one, mounted in a private mount namespace (needs root and `unshare`);
 * elsewhere (CI without mounts) the same faults injected into `fs` by test/cli/fs-fault.cjs.
 * Returns how it ran ('mount' or 'injected').
 */
export async function runCliOnSmallFs(kind: 'full' | 'read-only', dir: string, args: string[]): Promise<ChildResult & { how: 'mount' | 'injected' }> {
  if (canMount()) {
    const opts = kind === 'full' ? 'size=64k' : 'ro,size=64k';
    const script = `mount -t tmpfs -o ${opts} freshcache-test "$1" && shift && exec "$@"`;
    const child = spawn('unshare', ['--mount', 'sh', '-c', script, 'sh', dir, process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { ...(await collect(child)), how: 'mount' };
  }
  const env = { ...process.env, NODE_OPTIONS: `--require ${path.join(__dirname, 'fs-fault.cjs')}`, FRESHCACHE_FS_FAULT: kind === 'full' ? 'ENOSPC' : 'EROFS', FRESHCACHE_FS_FAULT_DIR: dir };
  return { ...(await runCli(args, { env })), how: 'injected' };
}

let mountable: boolean | undefined;
function canMount(): boolean {
  if (mountable === undefined) {
    const probe = require('child_process').spawnSync('unshare', ['--mount', 'sh', '-c', 'mount -t tmpfs -o size=4k freshcache-probe /mnt'], { stdio: 'ignore' });
    mountable = probe.status === 0;
  }
  return mountable;
}

function collect(child: ChildProcess): Promise<ChildResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve(resultOf(stdout, stderr, code, signal))));
}

/**
 * Runs the CLI where it may not write into `dir` (EACCES): as the unprivileged user `nobody` when
 * the tests run as root (root ignores permissions), with `dir` made read-only otherwise.
 */
export async function runCliWithoutWriteAccess(dir: string, args: string[], cwd?: string): Promise<ChildResult> {
  const fs = require('fs') as typeof import('fs');
  if (process.getuid?.() === 0) {
    for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) if (fs.existsSync(d)) fs.chmodSync(d, fs.statSync(d).mode | 0o755); // nobody may look in
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    return collect(child);
  }
  fs.chmodSync(dir, 0o555);
  try {
    return await runCli(args, { cwd });
  } finally {
    fs.chmodSync(dir, 0o755);
  }
}
