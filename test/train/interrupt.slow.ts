import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { Rng } from '../../src/util/rng';
import { hasCheckpoint } from '../../src/train/checkpoint';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-interrupt-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const bin = path.join(__dirname, '..', '..', 'bin', 'freshcache.js');

/** A tiny BEIR-layout dataset of common English words (all in GloVe, so no empty encodings). */
function writeTinyDataset(dir: string): void {
  const words = ('time year people way day man thing woman life child world school state family student group country problem hand ' +
    'part place case week company system program question work government number night point home water room mother area money story').split(' ');
  const rng = new Rng(7);
  const passage = () => Array.from({ length: 6 }, () => words[rng.int(words.length)]);
  const docs = Array.from({ length: 120 }, passage);
  fs.mkdirSync(path.join(dir, 'qrels'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'corpus.jsonl'), docs.map((w, i) => JSON.stringify({ _id: `d${i}`, title: '', text: w.join(' ') })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'queries.jsonl'), docs.map((w, i) => JSON.stringify({ _id: `q${i}`, text: [w[0], w[2], w[4]].join(' ') })).join('\n') + '\n');
  const qrels = (from: number, to: number) => ['query-id\tcorpus-id\tscore', ...Array.from({ length: to - from }, (_, k) => `q${from + k}\td${from + k}\t1`)].join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'qrels', 'train.tsv'), qrels(0, 90));
  fs.writeFileSync(path.join(dir, 'qrels', 'dev.tsv'), qrels(90, 110));
  fs.writeFileSync(path.join(dir, 'qrels', 'test.tsv'), qrels(110, 120));
}

test('Ctrl-C during `freshcache train` (a real SIGINT to a real child process) stops within a step, saves a checkpoint, exits non-zero', async () => {
  const dataset = path.join(root, 'tiny');
  writeTinyDataset(dataset);
  const steps = 1_000_000;
  const child = spawn(process.execPath, [
    bin, 'train', '--dataset', dataset, '--runs-dir', path.join(root, 'runs'), '--name', 'sigint', '--strategy', 'corrector',
    '--steps', String(steps), '--batch-size', '8', '--negatives', '2', '--log-every', '100000', '--checkpoint-every', '0',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let signalled = false;
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    // the first progress line of the training stage: the step loop is running
    if (!signalled && /\btrain \S+: .*steps/.test(stderr)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(guard);
  assert.ok(signalled, `training never reported progress:\n${stderr}`);
  assert.equal(signal, null, `killed by ${signal} (no exit within the guard time):\n${stderr}`);
  assert.equal(code, 130, stderr);
  const m = /checkpoint saved at step (\d+)/.exec(stderr);
  assert.ok(m, `no checkpoint step in:\n${stderr}`);
  assert.ok(Number(m[1]) >= 1 && Number(m[1]) < steps, `stopped at step ${m[1]} of ${steps}`);
  assert.ok(hasCheckpoint(path.join(root, 'runs', 'sigint', 'checkpoint')));
  assert.ok(!fs.existsSync(path.join(root, 'runs', 'sigint', 'result.json')), 'a stopped run writes no result');
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
});
