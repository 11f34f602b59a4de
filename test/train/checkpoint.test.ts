import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { tinyTask } from './helpers';
import { resolveConfig } from '../../src/train/config';
import { encoderFactory } from '../../src/train/encoders';
import { trainRetriever } from '../../src/train/loop';
import { loadEncoderWeights, saveCheckpoint } from '../../src/train/checkpoint';
import { InputError } from '../../src/util/errors';
import { sha256 } from '../../src/util/hash';

const { data, glove } = tinyTask();
const cfg = resolveConfig({
  strategy: 'refresh-on-use', steps: 10, batchSize: 8, negatives: 3, logEvery: 5, checkpointEvery: 0, probeRows: 50, probeQueries: 10,
  lr: 5e-2, beta: 5, blockRows: 32, dataset: 'tiny', encoder: { pooling: 'mean', projection: 'linear', normalize: true },
});
const make = () => encoderFactory(cfg.encoder, data, 1, glove);
let root: string;
let stopped: string; // a run stopped after step 4, its checkpoint saved

before(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-ckpt-'));
  stopped = path.join(root, 'stopped');
  const r = await trainRetriever({ config: cfg, data, runDir: stopped, makeEncoders: make(), stopAfterStep: 4 });
  assert.equal(r.stopped, true);
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A copy of the stopped run with `damage` applied to its checkpoint folder. */
function damaged(name: string, damage: (ckpt: string) => void): string {
  const dir = path.join(root, name);
  fs.cpSync(stopped, dir, { recursive: true });
  damage(path.join(dir, 'checkpoint'));
  return dir;
}

/** Rewrites the manifest's size and checksum of `file`, as someone covering an edit would. */
function reseal(ckpt: string, file: string): void {
  const mf = path.join(ckpt, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
  const bytes = fs.readFileSync(path.join(ckpt, file));
  const e = m.files.find((f: { name: string }) => f.name === file);
  e.bytes = bytes.length;
  e.sha256 = sha256(bytes);
  fs.writeFileSync(mf, JSON.stringify(m));
}

const resume = (runDir: string) => trainRetriever({ config: cfg, data, runDir, makeEncoders: make() });
const refused = (re: RegExp) => (e: unknown) =>
  e instanceof InputError && !e.message.includes('\n') && re.test(e.message) && /start over with --fresh \(or delete .*\)$/.test(e.message);

test('a checkpoint has a manifest listing every file with size and sha256, and resumes to the end', async () => {
  const m = JSON.parse(fs.readFileSync(path.join(stopped, 'checkpoint', 'manifest.json'), 'utf8'));
  assert.equal(m.format, 'freshcache-checkpoint');
  assert.equal(m.step, 4);
  assert.deepEqual(m.files.map((f: { name: string }) => f.name).sort(), ['cache-at.i32', 'cache.f32', 'order.i32', 'state.json', 'weights.bin', 'weights.json']);
  const r = await resume(damaged('intact', () => {}));
  assert.equal(r.steps, 10);
});

test('a truncated data-order file is refused, not resumed into a different run', async () => {
  const dir = damaged('order-cut', (c) => fs.truncateSync(path.join(c, 'order.i32'), 40));
  await assert.rejects(resume(dir), refused(/order\.i32: 40 bytes, the manifest says \d+ \(truncated\?\)/));
  const resealed = damaged('order-cut-resealed', (c) => {
    fs.truncateSync(path.join(c, 'order.i32'), 40);
    reseal(c, 'order.i32');
  });
  await assert.rejects(resume(resealed), refused(/order\.i32: 10 positions, the manifest says 60/));
});

test('NaN bytes in the weights are refused, with or without a matching checksum', async () => {
  const poison = (c: string) => {
    const f = path.join(c, 'weights.bin');
    const b = fs.readFileSync(f);
    b.writeFloatLE(NaN, 8);
    fs.writeFileSync(f, b);
  };
  await assert.rejects(resume(damaged('nan', poison)), refused(/weights\.bin: sha256 differs from the manifest's/));
  await assert.rejects(resume(damaged('nan-resealed', (c) => (poison(c), reseal(c, 'weights.bin')))), refused(/weights\.bin: holds NaN in 'encoder\/0'/));
});

test('an edited step counter is refused', async () => {
  const edit = (c: string) => {
    const f = path.join(c, 'state.json');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('"step": 4', '"step": 9'));
  };
  await assert.rejects(resume(damaged('step', edit)), refused(/state\.json: sha256 differs/));
  await assert.rejects(resume(damaged('step-resealed', (c) => (edit(c), reseal(c, 'state.json')))), refused(/state\.json: version 3 and step 9 disagree with the manifest's 3 and 4/));
});

test('a missing file, a missing or broken manifest are refused', async () => {
  await assert.rejects(resume(damaged('no-cache', (c) => fs.rmSync(path.join(c, 'cache.f32')))), refused(/cache\.f32: missing/));
  await assert.rejects(resume(damaged('no-manifest', (c) => fs.rmSync(path.join(c, 'manifest.json')))), refused(/manifest\.json: missing/));
  await assert.rejects(resume(damaged('bad-manifest', (c) => fs.writeFileSync(path.join(c, 'manifest.json'), '{"format": "freshcache-checkpoint", "ver'))), refused(/manifest\.json: not valid JSON/));
});

test('a checkpoint from before the manifest: encoder weights readable, resume refused', async () => {
  const dir = damaged('legacy', (c) => {
    fs.rmSync(path.join(c, 'manifest.json'));
    const f = path.join(c, 'state.json');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('"version": 3', '"version": 2'));
  });
  await assert.rejects(resume(dir), refused(/manifest\.json: missing: this checkpoint was written by an older freshcache \(version 2, no checksums\)/));
  const enc = await make()();
  assert.equal(loadEncoderWeights(path.join(dir, 'checkpoint'), enc), 4);
  enc.query.dispose();
  enc.target.dispose();
});

test('the temp folder of a killed save is removed by the next resume; one of a running process is left alone', async () => {
  const dir = damaged('leftover', () => {});
  const dead = spawnedAndGone();
  fs.mkdirSync(path.join(dir, `checkpoint.tmp-${dead}`));
  fs.writeFileSync(path.join(dir, `checkpoint.tmp-${dead}`, 'weights.bin'), Buffer.alloc(1000));
  fs.mkdirSync(path.join(dir, 'checkpoint.tmp-1')); // pid 1 always runs
  fs.writeFileSync(path.join(dir, 'checkpoint.tmpfile-9'), 'not ours');
  await resume(dir);
  const left = fs.readdirSync(dir).filter((f) => f.includes('.tmp'));
  assert.deepEqual(left.sort(), ['checkpoint.tmp-1', 'checkpoint.tmpfile-9']);
});

test('a save with non-finite weights is refused and the last good checkpoint kept', async () => {
  const dir = damaged('diverged', () => {});
  const enc = await make()();
  const { Adam } = await import('../../src/corrector/adam');
  const { encoderVariables } = await import('../../src/train/checkpoint');
  const vars = encoderVariables(enc);
  const opt = new Adam(vars, { learningRate: 1e-3 });
  const { tf } = await import('../../src/tensor');
  vars[0].assign(tf.fill(vars[0].shape, NaN));
  const before = fs.readFileSync(path.join(dir, 'checkpoint', 'manifest.json'), 'utf8');
  const state = { step: 7, order: new Int32Array(0) } as never;
  await assert.rejects(saveCheckpoint(path.join(dir, 'checkpoint'), { state, enc, encOpt: opt, corrector: null, corrOpt: null }), /not saving step 7: 'encoder\/0' holds NaN or Infinity \(training diverged\); the checkpoint of the last good step is kept/);
  assert.equal(fs.readFileSync(path.join(dir, 'checkpoint', 'manifest.json'), 'utf8'), before);
  opt.dispose();
  enc.query.dispose();
  enc.target.dispose();
});

/** The pid of a process that has exited. */
function spawnedAndGone(): number {
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}
