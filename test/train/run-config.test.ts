import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { resolveConfig, type TrainConfigInput } from '../../src/train/config';
import { encoderFactory } from '../../src/train/encoders';
import { trainRetriever } from '../../src/train/loop';
import { readLog } from '../../src/train/log';
import { configDifferences, formatConfigDifferences, prepareRunFolder } from '../../src/train/run-config';
import { InputError } from '../../src/util/errors';
import { tinyTask } from './helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fc-runcfg-'));
const config = (over: TrainConfigInput) => resolveConfig({
  name: 'r', strategy: 'corrector', steps: 6, batchSize: 8, negatives: 2, logEvery: 2, checkpointEvery: 0, probeRows: 20, probeQueries: 4, blockRows: 32,
  encoder: { pooling: 'mean' }, corrector: { width: 8 }, ...over,
});

before(async () => {
  await initBackend();
});

test('configDifferences: nested keys with old and new values; one folder spelled two ways is one setting', () => {
  const root = tmp();
  try {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    fs.symlinkSync(data, path.join(root, 'link'));
    const a = config({ dataset: path.relative(process.cwd(), data) });
    assert.deepEqual(configDifferences(a, { ...a, dataset: data }), []);
    assert.deepEqual(configDifferences(a, { ...a, dataset: path.join(root, 'link') }), [], 'a link to the folder');
    assert.deepEqual(configDifferences(a, { ...a, dataset: path.join(root, 'other') }).map((d) => d.key), ['dataset']);
    const b = config({ dataset: a.dataset, lr: 0.01, corrector: { width: 16 } });
    const diffs = configDifferences(a, b);
    assert.deepEqual(diffs, [{ key: 'lr', old: a.lr, new: 0.01 }, { key: 'corrector.width', old: 8, new: 16 }]);
    assert.equal(formatConfigDifferences(diffs), `lr ${a.lr} → 0.01, corrector.width 8 → 16`);
    const { encoder: _e, ...withoutEncoder } = a;
    assert.equal(formatConfigDifferences(configDifferences(withoutEncoder, a)).startsWith('encoder.kind (none) → "glove-bag"'), true);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('prepareRunFolder: other settings refused in one line naming each; fewer steps refused with the reason', () => {
  const dir = tmp();
  try {
    const a = config({});
    assert.deepEqual(prepareRunFolder(dir, a, { resume: true }), { kind: 'new' });
    assert.deepEqual(prepareRunFolder(dir, a, { resume: true }), { kind: 'resume' });
    assert.throws(() => prepareRunFolder(dir, { ...a, lr: 0.5, negatives: 3 }, { resume: true }), (e: Error) => {
      assert.ok(e instanceof InputError);
      assert.ok(!e.message.includes('\n'));
      assert.match(e.message, new RegExp(`holds a run with other settings: negatives 2 → 3, lr ${a.lr} → 0\\.5; resume it with the same settings, or start over with a new name or --fresh`));
      return true;
    });
    assert.throws(() => prepareRunFolder(dir, { ...a, steps: 3 }, { resume: true }), /steps 6 → 3 \(a run cannot be shortened: its later steps are trained\)/);
    assert.deepEqual(prepareRunFolder(dir, { ...a, lr: 0.5 }, { resume: false }), { kind: 'new' }, 'without resume the caller starts over');
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).lr, 0.5);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('more --steps for a finished run continue it from its final checkpoint: the same numbers as training that long at once', async () => {
  const { data, glove } = tinyTask();
  const make = () => encoderFactory(config({}).encoder, data, 1, glove);
  const whole = tmp();
  const extended = tmp();
  try {
    const long = config({ steps: 10 });
    const a = await trainRetriever({ config: long, data, runDir: whole, makeEncoders: make() });
    const short = await trainRetriever({ config: config({ steps: 6 }), data, runDir: extended, makeEncoders: make() });
    assert.equal(short.steps, 6);
    assert.ok(fs.existsSync(path.join(extended, 'result.json')));
    const b = await trainRetriever({ config: long, data, runDir: extended, makeEncoders: make() });
    assert.equal(b.steps, 10);
    assert.deepEqual(b.dev, a.dev);
    assert.deepEqual(b.cost.byKind, a.cost.byKind, 'the same encodes by kind: the steps were not retrained');
    assert.equal(fs.readFileSync(path.join(extended, 'dev.trec'), 'utf8'), fs.readFileSync(path.join(whole, 'dev.trec'), 'utf8'));
    const log = readLog(path.join(extended, 'log.jsonl'));
    const ext = log.filter((r) => r.extended);
    assert.deepEqual(ext.map((r) => [r.step, r.extended]), [[6, { fromSteps: 6, toSteps: 10 }]]);
    assert.deepEqual(log.filter((r) => !r.extended && r.step > 6).map((r) => r.step), [8, 10]);
    assert.equal(JSON.parse(fs.readFileSync(path.join(extended, 'config.json'), 'utf8')).steps, 10);
  } finally {
    fs.rmSync(whole, { recursive: true, force: true });
    fs.rmSync(extended, { recursive: true, force: true });
  }
});
