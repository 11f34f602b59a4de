import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { runCli, runCliOnSmallFs, runCliWithoutWriteAccess, type ChildResult } from './child';
import { main } from '../../src/cli/main';
import { commands } from '../../src/cli/commands';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-oserr-'));
fs.chmodSync(root, 0o755);
after(() => fs.rmSync(root, { recursive: true, force: true }));
const corpus = path.join(root, 'corpus.jsonl');
fs.writeFileSync(corpus, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ _id: `p${i}`, text: `passage ${i}` })).join('\n') + '\n');
fs.chmodSync(corpus, 0o644);
const build = (out: string) => ['build-cache', '--corpus', corpus, '--out', out, '--encoder', 'random', '--dim', '64', '--quiet'];

/** Exit 2 and exactly one stderr line (no stack trace) matching `re`. */
function oneLine(r: ChildResult, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.errLines.length, 1, r.stderr);
  assert.match(r.errLines[0], re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('an output path that is a file, under a file, or an input that is a folder: one line naming the path, exit 2', async () => {
  const file = path.join(root, 'a-file');
  fs.writeFileSync(file, 'x');
  const qrels = path.join(root, 'qrels.txt');
  fs.writeFileSync(qrels, 'q1 0 d1 1\n');
  const [exists, notDir, isDir] = await Promise.all([
    runCli(build(file)),
    runCli(build(path.join(file, 'sub'))),
    runCli(['evaluate', '--run', root, '--qrels', qrels, '--quiet']),
  ]);
  oneLine(exists, new RegExp(`^error: ${file}: exists and is not a folder; choose another path$`));
  oneLine(notDir, new RegExp(`^error: ${file}/sub: a part of this path is a file where a folder is needed`));
  oneLine(isDir, new RegExp(`^error: ${root}: is a folder where a file is needed`));
});

test('a full disk and a read-only file system: one line naming the file, exit 2, nothing left behind', async () => {
  const full = path.join(root, 'full');
  const ro = path.join(root, 'ro');
  fs.mkdirSync(full);
  fs.mkdirSync(ro);
  const [f, r] = await Promise.all([runCliOnSmallFs('full', full, build(path.join(full, 'cache'))), runCliOnSmallFs('read-only', ro, build(path.join(ro, 'cache')))]);
  oneLine(f, new RegExp(`^error: ${full}/cache/\\S+: no space left on the device; free some space or choose another location`));
  oneLine(r, new RegExp(`^error: ${ro}/cache: on a read-only file system; choose a writable location$`));
  assert.deepEqual(fs.readdirSync(full), [], `${f.how}: nothing left on the full disk`);
});

test('a folder the user may not write: one line, exit 2', async () => {
  const locked = path.join(root, 'locked');
  fs.mkdirSync(locked);
  const r = await runCliWithoutWriteAccess(locked, build(path.join(locked, 'cache')), root);
  oneLine(r, new RegExp(`^error: ${locked}/cache: permission denied; choose a location you may read and write`));
});

test('corrupt gzip: one line naming the file, exit 2', async () => {
  const run = path.join(root, 'run.trec.gz');
  fs.writeFileSync(run, gzipSync(Array.from({ length: 100 }, (_, i) => `q1 Q0 d${i} ${i + 1} 1.0 t\n`).join('')).subarray(0, 40));
  const qrels = path.join(root, 'qrels.txt');
  oneLine(await runCli(['evaluate', '--run', run, '--qrels', qrels, '--quiet']), new RegExp(`^error: ${run}: not valid gzip data \\(unexpected end of file\\)`));
});

test('a bug is one line and exit 1; --debug and FRESHCACHE_DEBUG=1 add the stack trace', async () => {
  const bug = { name: 'bug-for-test', summary: '', flags: {}, run: async () => { (undefined as unknown as { x: number }).x; } };
  commands.push(bug);
  const err: string[] = [];
  const saved = console.error;
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    assert.equal(await main(['bug-for-test']), 1);
    assert.equal(err.length, 1);
    assert.match(err[0], /^error: internal error \(a bug in freshcache\): TypeError: Cannot read properties of undefined \(reading 'x'\) \(rerun with --debug for the stack trace\)$/);
    err.length = 0;
    assert.equal(await main(['bug-for-test', '--debug']), 1);
    assert.match(err.join('\n'), /TypeError[^\n]*\n\s+at /);
    err.length = 0;
    process.env.FRESHCACHE_DEBUG = '1';
    assert.equal(await main(['bug-for-test']), 1);
    assert.match(err.join('\n'), /\n\s+at /);
  } finally {
    delete process.env.FRESHCACHE_DEBUG;
    console.error = saved;
    commands.splice(commands.indexOf(bug), 1);
  }
});
