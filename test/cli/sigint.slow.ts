import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startCli, waitFor } from './child';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-sigint-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const corpus = path.join(root, 'corpus.jsonl');
fs.writeFileSync(corpus, Array.from({ length: 60000 }, (_, i) => JSON.stringify({ _id: `p${i}`, text: `passage ${i} about word${i % 13} and word${i % 11}` })).join('\n') + '\n');

// The other long commands (synthetic, start, bench) and the resumed rerun are in test/fuzz/bad-inputs.ts.
test('build-cache: a first Ctrl-C stops within a batch, keeps the complete shards, says where and how to resume, exits 130', async () => {
  const out = path.join(root, 'cache');
  const args = ['build-cache', '--corpus', corpus, '--out', out, '--encoder', 'random', '--dim', '32', '--shard-rows', '5000', '--batch-size', '500'];
  const run = startCli(args);
  await waitFor(() => String(fs.existsSync(path.join(out, 'shard-00000.done.json'))), /true/, 60_000); // a shard is complete
  const t0 = Date.now();
  run.child.kill('SIGINT');
  const r = await run.done;
  const stopSeconds = (Date.now() - t0) / 1000;
  assert.equal(r.code, 130, r.stderr);
  assert.ok(stopSeconds < 5, `stopped ${stopSeconds} s after the signal`);
  assert.match(r.stderr, /interrupted: stopping after the current step and saving/);
  assert.match(r.stderr, /stopped: build-cache at row \d+ \(\d+ complete shard\(s\) of 5000 rows kept\) aborted/);
  assert.ok(r.errLines.at(-1)!.startsWith(`to resume: freshcache build-cache --corpus ${corpus} --out ${out}`), r.errLines.at(-1));
  assert.ok(fs.existsSync(path.join(out, 'shard-00000.done.json')));
  assert.ok(!fs.existsSync(path.join(out, 'manifest.json')));
  assert.deepEqual(fs.readdirSync(out).filter((f) => f.startsWith('.tmp-')), [], 'the open shard was discarded');
});

test('a second Ctrl-C ends the process at once, even while a step holds the event loop', async () => {
  const out = path.join(root, 'cache2');
  const run = startCli(['build-cache', '--corpus', corpus, '--out', out, '--encoder', 'random', '--dim', '32', '--shard-rows', '60000', '--batch-size', '60000']);
  await waitFor(run.stderrSoFar, /build cache: /, 60_000);
  run.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.ok(r.code === 130 || r.signal === 'SIGINT', `code ${r.code} signal ${r.signal}`);
  assert.ok((Date.now() - t0) / 1000 < 3, `ended ${(Date.now() - t0) / 1000} s after the second signal`);
});
