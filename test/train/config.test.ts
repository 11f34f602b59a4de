import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/tensor';
import { DEFAULT_TRAIN_CONFIG, TRAIN_OPTIONS, resolveConfig, checkEncoderOptions, defaultSplitsFor } from '../../src/train/config';
import { encoderFactory } from '../../src/train/encoders';
import { flattenOptions } from '../../src/util/options';
import { InputError } from '../../src/util/errors';
import { tinyTask } from './helpers';

before(() => initBackend());

test('the defaults are the config.json of a default run, key for key (existing run folders stay reusable)', () => {
  // the exact text a default run's config.json had before the options were declared once
  assert.equal(
    JSON.stringify(DEFAULT_TRAIN_CONFIG),
    '{"name":"run","seed":1,"dataset":"data/wordnet","trainSplit":"train","devSplit":"dev","testSplit":"test","strategy":"corrector","steps":400,"batchSize":64,"negatives":4,"selection":"topk","pool":"exact","poolSize":256,"inBatchNegatives":true,"beta":20,"lr":0.002,' +
      '"encoder":{"kind":"glove-bag","pooling":"idf","projection":"linear","normalize":true,"trainEmbeddings":true,"shared":false},' +
      '"corrector":{"kind":"mlp","depth":1,"width":256,"activation":"relu","layerNorm":false,"loss":"mse","lr":0.001,"warmupSteps":0,"extraUniform":0,"mseWeight":0},' +
      '"logEvery":25,"evalEvery":0,"evalQueries":1000,"probeRows":2000,"probeQueries":200,"probeK":10,"checkpointEvery":200,"blockRows":16384}',
  );
  // resolveConfig keeps the key order of the defaults, with options set only on demand at the end
  assert.equal(JSON.stringify(Object.keys(resolveConfig({ encoder: { maxTokens: 9 } }).encoder)), '["kind","pooling","projection","normalize","trainEmbeddings","shared","maxTokens"]');
});

test('every numeric training option declares its range and every option its help', () => {
  for (const { path, spec } of flattenOptions(TRAIN_OPTIONS).leaves) {
    assert.ok(spec.help.length > 10, path.join('.'));
    if (spec.type === 'int' || spec.type === 'number') assert.ok(Number.isFinite(spec.min), path.join('.'));
  }
});

test('encoder.maxTokens reaches the GloVe bag encoder: texts are cut after that many tokens', async () => {
  const { data, glove } = tinyTask();
  const long = 'w1 w2 w3 w4 w5 w6';
  const embed = async (maxTokens: number | undefined, texts: string[]) => {
    const pair = await encoderFactory(resolveConfig({ encoder: { maxTokens, projection: 'none' } }).encoder, data, 1, glove)();
    const e = pair.target.encode(texts);
    const out = (await e.array()) as number[][];
    tf.dispose(e);
    pair.query.dispose();
    pair.target.dispose();
    return out;
  };
  const [cut, first3] = await embed(3, [long, 'w1 w2 w3']);
  assert.deepEqual(cut, first3);
  const [whole, prefix] = await embed(undefined, [long, 'w1 w2 w3']);
  assert.notDeepEqual(whole, prefix);
});

test('encoder options of the other kind are refused with the option names', () => {
  assert.doesNotThrow(() => checkEncoderOptions({ maxTokens: 128 }));
  assert.doesNotThrow(() => checkEncoderOptions({ kind: 'bert', checkpoint: 'm', maxLength: 256 }));
  assert.throws(() => checkEncoderOptions({ kind: 'bert', checkpoint: 'm', maxTokens: 128 }), (e: unknown) => e instanceof InputError && /--max-tokens.*--max-length/.test(e.message));
  assert.throws(() => checkEncoderOptions({ maxLength: 128 }), /--max-length\) is a BERT encoder's token limit/);
  assert.throws(() => checkEncoderOptions({ kind: 'bert' }), /needs encoder\.checkpoint/);
  assert.throws(() => checkEncoderOptions({ checkpoint: 'm' }), /needs kind bert/);
});

test('splits a user did not name: dev may be called valid or validation; no test split is none', () => {
  const none = new Set<string>();
  assert.deepEqual(defaultSplitsFor(['train', 'dev', 'test'], none).splits, {});
  assert.deepEqual(defaultSplitsFor(['train', 'validation', 'test'], none).splits, { devSplit: 'validation' });
  assert.deepEqual(defaultSplitsFor(['train', 'valid'], none).splits, { devSplit: 'valid', testSplit: null });
  assert.deepEqual(defaultSplitsFor(['train', 'valid'], new Set(['devSplit', 'testSplit'])).splits, {});
  assert.equal(defaultSplitsFor(['train', 'valid'], none).notes.length, 2);
});
