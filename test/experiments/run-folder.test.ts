import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, tf } from '../../src/tensor';
import { resolveConfig } from '../../src/train/config';
import { encoderFactory } from '../../src/train/encoders';
import { trainRetriever } from '../../src/train/loop';
import type { LogRecord } from '../../src/train/log';
import {
  runFolderName, runFolderPath, parseRunName, findRuns, readRunLogs, runFolderState, readRunResult, loadTrainedEncoders, loadTrainedCorrector,
} from '../../src/experiments/run-folder';
import { InputError } from '../../src/util/errors';
import { tinyTask } from '../train/helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fc-runfolder-'));
const rec = (step: number, extra: Partial<LogRecord>): LogRecord => ({ step, strategy: 's', cost: {} as LogRecord['cost'], seconds: step, ...extra });

before(async () => {
  await initBackend();
});

describe('names and finding runs', () => {
  test('runFolderName and parseRunName', () => {
    assert.equal(runFolderName('refresh:100', 1), 'refresh_100-s1');
    assert.equal(runFolderName('corrector[mlp w=64]', 2), 'corrector_mlp_w_64_-s2');
    assert.equal(runFolderPath('runs', 'exp', 'stale', 3), path.join('runs', 'exp', 'stale-s3'));
    assert.deepEqual(parseRunName('corrector[mlp w=64]-s3'), { label: 'corrector[mlp w=64]', seed: 3 });
    assert.throws(() => parseRunName('nolabel'), InputError);
  });
  test('findRuns and readRunLogs read runs/<exp>/*', () => {
    const dir = tmp();
    try {
      const mk = (folder: string, name: string, log?: LogRecord[], finished = false) => {
        const d = path.join(dir, 'exp', folder);
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ name }));
        if (log) fs.writeFileSync(path.join(d, 'log.jsonl'), log.map((r) => JSON.stringify(r) + '\n').join(''));
        if (finished) fs.writeFileSync(path.join(d, 'result.json'), '{}');
      };
      mk('stale-s1', 'stale-s1', [rec(5, { staleness: 0.1 }), rec(10, { staleness: 0.2 })], true);
      mk('refresh_5-s1', 'refresh:5-s1', [rec(5, { staleness: 0.05 })]);
      fs.mkdirSync(path.join(dir, 'exp', 'initial-cache-s1')); // no config.json: not a run
      const runs = findRuns('exp', dir);
      assert.deepEqual(runs.map((r) => [r.label, r.seed, r.finished]), [['refresh:5', 1, false], ['stale', 1, true]]);
      const logs = readRunLogs('exp', { runsDir: dir, labels: ['stale', 'refresh:5', 'missing'] });
      assert.deepEqual(logs.map((l) => [l.label, l.log.length]), [['stale', 2], ['refresh:5', 1]]);
      assert.deepEqual(findRuns('nothing', dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what a run folder holds', () => {
  test('empty, finished (reuse), unfinished, extension, other settings; a relative and an absolute dataset path are one setting', async () => {
    const { data, glove } = tinyTask();
    const root = tmp();
    try {
      const dir = path.join(root, 'stale-s1');
      const rel = path.relative(process.cwd(), path.join(root, 'dataset'));
      const cfg = resolveConfig({ name: 'stale-s1', dataset: rel, strategy: 'stale', steps: 4, batchSize: 8, negatives: 2, logEvery: 2, checkpointEvery: 0, probeRows: 20, probeQueries: 4, blockRows: 32, encoder: { pooling: 'mean' } });
      assert.deepEqual(runFolderState(dir, cfg), { kind: 'empty' });
      const make = encoderFactory(cfg.encoder, data, 1, glove);
      await trainRetriever({ config: cfg, data, makeEncoders: make, runDir: dir, stopAfterStep: 2 });
      assert.deepEqual(runFolderState(dir, cfg), { kind: 'unfinished' });
      const r = await trainRetriever({ config: cfg, data, makeEncoders: make, runDir: dir });
      const abs = { ...cfg, dataset: path.resolve(rel) };
      const st = runFolderState(dir, abs);
      assert.equal(st.kind, 'finished');
      assert.deepEqual(st.kind === 'finished' && st.result.dev, r.dev);
      assert.deepEqual(runFolderState(dir, { ...cfg, steps: 8 }), { kind: 'extend', fromSteps: 4 });
      const other = runFolderState(dir, { ...cfg, lr: 0.5, steps: 2 });
      assert.equal(other.kind, 'different');
      assert.deepEqual(other.kind === 'different' && other.differences, [{ key: 'steps', old: 4, new: 2 }, { key: 'lr', old: cfg.lr, new: 0.5 }]);

      // the trained encoders and (none for stale) corrector
      assert.equal(loadTrainedCorrector(dir), null);
      const numTensors = tf.memory().numTensors;
      const fresh = await make();
      const perPair = tf.memory().numTensors - numTensors;
      fresh.query.dispose();
      fresh.target.dispose();
      const { encoders, step } = await loadTrainedEncoders(dir, make, { steps: 4 });
      assert.equal(step, 4);
      assert.equal(tf.memory().numTensors - numTensors, perPair, 'no tensors beyond the encoders returned');
      encoders.query.dispose();
      encoders.target.dispose();
      await assert.rejects(loadTrainedEncoders(dir, make, { steps: 5 }), /checkpoint at step 4 but result.json says 5 steps/);
      assert.equal(tf.memory().numTensors, numTensors, 'a refused load disposes what it built');
      await assert.rejects(loadTrainedEncoders(path.join(root, 'none'), make), (e: Error) => e instanceof InputError && /no checkpoint/.test(e.message));
      // a checkpoint written by older code (its weights named otherwise): say so, and how to redo the run
      const metaFile = path.join(dir, 'checkpoint', 'weights.json');
      fs.writeFileSync(metaFile, fs.readFileSync(metaFile, 'utf8').replace('"encoder/0"', '"query/0"'));
      await assert.rejects(loadTrainedEncoders(dir, make), (e: Error) => e instanceof InputError && /predates the current checkpoint format/.test(e.message) && e.message.includes(`rm -r ${dir}`) && /lacks 'encoder\/0'/.test(e.message));
      assert.equal(tf.memory().numTensors, numTensors, 'a refused load disposes what it built');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('a corrector run leaves its trained corrector; an older result.json reads its success@k under today\'s names', async () => {
    const { data, glove } = tinyTask();
    const root = tmp();
    try {
      const cfg = resolveConfig({ name: 'c-s1', strategy: 'corrector', steps: 2, batchSize: 8, negatives: 2, logEvery: 2, checkpointEvery: 0, probeRows: 20, probeQueries: 4, blockRows: 32, encoder: { pooling: 'mean' }, corrector: { width: 8 } });
      await trainRetriever({ config: cfg, data, makeEncoders: encoderFactory(cfg.encoder, data, 1, glove), runDir: root });
      const h = loadTrainedCorrector(root);
      assert.ok(h && h.parameterCount() > 0);
      h!.dispose();
      const file = path.join(root, 'result.json');
      const r = JSON.parse(fs.readFileSync(file, 'utf8'));
      r.dev = { queries: 20, mrr10: 0.5, recall1: 0.25, recall10: 0.75, recall100: 1 };
      fs.writeFileSync(file, JSON.stringify(r));
      assert.deepEqual(readRunResult(root)!.dev, { queries: 20, mrr10: 0.5, success1: 0.25, success10: 0.75, success100: 1 });
      assert.equal(readRunResult(path.join(root, 'none')), undefined);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
