import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { resolveConfig } from '../../src/train/config';
import { encoderFactory } from '../../src/train/encoders';
import { trainRetriever } from '../../src/train/loop';
import { loadTrainedEncoders } from '../../src/experiments/run-folder';
import { InputError } from '../../src/util/errors';
import { tinyTask } from './helpers';

const FIX = path.join(__dirname, '..', 'fixtures', 'hf');

before(async () => {
  await initBackend();
});

/** bert-tiny-a (2 layers, hidden 32) with the tiny vocabulary beside it, as a HF folder. */
function tinyBertDir(root: string): string {
  const dir = path.join(root, 'bert-tiny-a');
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(FIX, 'bert-tiny-a', f), path.join(dir, f));
  fs.copyFileSync(path.join(FIX, 'tiny-vocab.txt'), path.join(dir, 'vocab.txt'));
  return dir;
}

test('encoderFactory: a BERT checkpoint gives two encoders from the same weights, one when shared', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-enc-'));
  const { data } = tinyTask();
  const ckpt = tinyBertDir(root);
  const cfg = resolveConfig({ encoder: { kind: 'bert', checkpoint: ckpt } }).encoder;
  const pair = await encoderFactory(cfg, data, 1)();
  assert.equal(pair.query.kind, 'bert');
  assert.notEqual(pair.query, pair.target);
  assert.equal(pair.query.dim, 32);
  assert.equal(await pair.query.fingerprint(), await pair.target.fingerprint());
  assert.equal(pair.query.normalized, true); // the config's normalize: true
  pair.query.dispose();
  pair.target.dispose();
  const shared = await encoderFactory({ ...cfg, shared: true }, data, 1)();
  assert.equal(shared.query, shared.target);
  shared.query.dispose();
  assert.throws(() => encoderFactory({ ...cfg, checkpoint: undefined }, data, 1), InputError);
  assert.throws(() => encoderFactory({ ...cfg, checkpoint: path.join(root, 'nope') }, data, 1), /folder not found/);
  fs.rmSync(root, { recursive: true, force: true });
});

test('the training loop runs a few steps with a transformer encoder pair and moves its weights', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-enc-'));
  const { data } = tinyTask();
  const ckpt = tinyBertDir(root);
  const cfg = resolveConfig({
    name: 'bert', strategy: 'corrector', steps: 3, batchSize: 4, negatives: 2, lr: 1e-3, logEvery: 1, checkpointEvery: 0,
    probeRows: 20, probeQueries: 4, blockRows: 32, encoder: { kind: 'bert', checkpoint: ckpt, maxLength: 16 }, corrector: { width: 8 },
  });
  const makeEncoders = encoderFactory(cfg.encoder, data, cfg.seed);
  const before = await makeEncoders();
  const fp0 = await before.target.fingerprint();
  before.query.dispose();
  before.target.dispose();
  const losses: number[] = [];
  const r = await trainRetriever({ config: cfg, data, makeEncoders, runDir: path.join(root, 'run'), onStep: (s) => losses.push(s.loss) });
  assert.equal(r.steps, 3);
  assert.equal(losses.length, 3);
  for (const l of losses) assert.ok(Number.isFinite(l) && l > 0, String(l));
  assert.ok(r.dev.mrr10 >= 0 && r.dev.mrr10 <= 1);
  assert.ok(r.cost.totalTargetEncodes > 0);
  const cfgSaved = JSON.parse(fs.readFileSync(path.join(root, 'run', 'config.json'), 'utf8'));
  assert.equal(cfgSaved.encoder.kind, 'bert');
  assert.equal(cfgSaved.encoder.checkpoint, ckpt);
  // the final checkpoint holds trained transformer weights: restored, they differ from the checkpoint's
  const { encoders: trained } = await loadTrainedEncoders(path.join(root, 'run'), makeEncoders, { steps: r.steps });
  assert.notEqual(await trained.target.fingerprint(), fp0);
  assert.notEqual(await trained.query.fingerprint(), fp0);
  trained.query.dispose();
  trained.target.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});
