/**
 * Ctrl-C against real child processes of the long commands: a first SIGINT stops the command
 * within a step, it prints where it stopped and how to resume, and exits 130; a second exits at
 * once. Each case returns what went wrong, or nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { startCli, runCli, waitFor, type ChildResult } from '../cli/child';
import type { Fixtures } from './fixtures';

export interface SignalCase {
  name: string;
  pending?: string;
  run(dir: string, fx: Fixtures, repo: string): Promise<string[]>;
}

/** Problems with an interrupted command's end: exit 130, its last two lines, no stack, quick. */
function checkStopped(r: ChildResult, seconds: number, resumes: boolean, limit = 10): string[] {
  const problems: string[] = [];
  if (r.code !== 130) problems.push(`exit ${r.code ?? r.signal}, expected 130`);
  if (seconds > limit) problems.push(`stopped ${seconds.toFixed(1)} s after the signal (limit ${limit} s)`);
  const last = r.errLines.slice(-2);
  if (!/^stopped: /.test(last[0] ?? '')) problems.push(`no 'stopped:' line (got ${JSON.stringify(last[0])})`);
  if (!new RegExp(`^${resumes ? 'to resume' : 'to run it again'}: freshcache `).test(last[1] ?? '')) problems.push(`no '${resumes ? 'to resume' : 'to run it again'}:' line (got ${JSON.stringify(last[1])})`);
  if (/\n\s+at /.test(r.stderr)) problems.push('a stack trace');
  return problems;
}

/** Starts `args`, waits for `ready`, sends SIGINT (twice with `twice`), returns the result and the seconds to exit. */
async function interrupt(args: string[], ready: (stderr: string) => boolean, opts: { cwd?: string; twice?: boolean; afterMs?: number } = {}): Promise<{ r: ChildResult; seconds: number }> {
  const run = startCli(args, { cwd: opts.cwd, timeoutMs: 600_000 });
  await waitFor(() => String(ready(run.stderrSoFar())), /true/, 300_000);
  if (opts.afterMs) await new Promise((res) => setTimeout(res, opts.afterMs));
  run.child.kill('SIGINT');
  if (opts.twice) {
    await new Promise((res) => setTimeout(res, 300));
    run.child.kill('SIGINT');
  }
  const t0 = Date.now();
  const r = await run.done;
  return { r, seconds: (Date.now() - t0) / 1000 };
}

function bigCorpus(dir: string, rows: number): string {
  const file = path.join(dir, 'corpus.jsonl');
  fs.writeFileSync(file, Array.from({ length: rows }, (_, i) => JSON.stringify({ _id: `p${i}`, text: `passage ${i} about word${i % 13} and word${i % 11}` })).join('\n') + '\n');
  return file;
}

export function signalCases(): SignalCase[] {
  return [
    {
      name: 'build-cache: stops, keeps complete shards, resumes to the same end',
      async run(dir) {
        const out = path.join(dir, 'cache');
        const args = ['build-cache', '--corpus', bigCorpus(dir, 150000), '--out', out, '--encoder', 'random', '--dim', '32', '--shard-rows', '5000', '--batch-size', '500'];
        const { r, seconds } = await interrupt(args, () => fs.existsSync(path.join(out, 'shard-00000.done.json')));
        const problems = checkStopped(r, seconds, true);
        if (!/stopped: build-cache at row \d+/.test(r.stderr)) problems.push('does not say at which row it stopped');
        const again = await runCli([...args, '--quiet'], { timeoutMs: 600_000 });
        if (again.code !== 0 || !/150000 rows/.test(again.stdout)) problems.push(`the rerun did not finish the cache (exit ${again.code})`);
        return problems;
      },
    },
    {
      name: 'build-cache: a second Ctrl-C while a long batch holds the event loop exits at once',
      async run(dir) {
        const args = ['build-cache', '--corpus', bigCorpus(dir, 150000), '--out', path.join(dir, 'cache'), '--encoder', 'random', '--dim', '64', '--shard-rows', '150000', '--batch-size', '150000'];
        const { r, seconds } = await interrupt(args, (e) => /build cache: /.test(e), { twice: true, afterMs: 500 });
        const problems: string[] = [];
        if (!(r.code === 130 || r.signal === 'SIGINT')) problems.push(`exit ${r.code ?? r.signal}, expected 130 or death by SIGINT`);
        if (seconds > 3) problems.push(`ended ${seconds.toFixed(1)} s after the second signal`);
        return problems;
      },
    },
    {
      name: 'synthetic: stops within a run, writes nothing',
      async run(dir) {
        const out = path.join(dir, 'syn.json');
        const { r, seconds } = await interrupt(['synthetic', '--quick', '--out', out], (e) => /synthetic sweep: /.test(e), { afterMs: 500 });
        const problems = checkStopped(r, seconds, false);
        if (fs.existsSync(out)) problems.push('wrote the results file of an interrupted sweep');
        return problems;
      },
    },
    {
      name: 'start: stops while building the default task, leaves no half-built dataset',
      async run(dir) {
        const { r, seconds } = await interrupt(['start', '--quick'], (e) => /read wordnet|wordnet/.test(e), { cwd: dir, afterMs: 1000 });
        const problems = checkStopped(r, seconds, true);
        const data = path.join(dir, 'data', 'wordnet');
        if (fs.existsSync(data) && !fs.existsSync(path.join(data, 'dataset.json'))) problems.push('left a dataset folder without its dataset.json');
        return problems;
      },
    },
    {
      name: 'bench: stops the running benchmark and writes what finished',
      async run(dir, _fx, repo) {
        const { r, seconds } = await interrupt(['bench', '--quick', '--no-peers', '--only', 'search', '--out-dir', path.join(dir, 'out')], (e) => /\[search\] node /.test(e), { cwd: repo, afterMs: 3000 });
        return checkStopped(r, seconds, false);
      },
    },
    {
      name: 'train: stops within a step, saves a checkpoint',
      async run(dir, fx) {
        const args = ['train', '--dataset', fx.dataset, '--strategy', 'stale', '--steps', '3000', '--batch-size', '8', '--eval-every', '0', '--log-every', '50', '--checkpoint-every', '0', '--runs-dir', path.join(dir, 'runs'), '--name', 'long'];
        const { r, seconds } = await interrupt(args, (e) => /train long: /.test(e), { afterMs: 1000 });
        const problems = checkStopped(r, seconds, true, 5);
        if (!fs.existsSync(path.join(dir, 'runs', 'long', 'checkpoint', 'manifest.json'))) problems.push('no checkpoint saved');
        return problems;
      },
    },
  ];
}
