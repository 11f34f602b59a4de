import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../../src/tensor';
import { createRandomProjectionEncoder, loadRandomProjectionEncoder } from '../../src/encoders/random-projection';
import { createBertEncoder, loadEncoder, savedEncoderKind } from '../../src/encoders';
import { Vocab } from '../../src/text/vocab';

before(async () => {
  await initBackend();
});

describe('random-projection encoder', () => {
  test('deterministic, normalised, order-insensitive bag of words, case-folded', async () => {
    const a = createRandomProjectionEncoder({ dim: 16, buckets: 256, seed: 3 });
    const b = createRandomProjectionEncoder({ dim: 16, buckets: 256, seed: 3 });
    const x = a.encodeToArray(['the cat sat', 'sat the CAT!', '', 'dog']);
    assert.deepEqual(Array.from(x), Array.from(b.encodeToArray(['the cat sat', 'sat the CAT!', '', 'dog'])));
    assert.deepEqual(Array.from(x.subarray(0, 16)), Array.from(x.subarray(16, 32)));
    assert.ok(x.subarray(32, 48).every((v) => v === 0));
    const norm = Math.hypot(...x.subarray(48, 64));
    assert.ok(Math.abs(norm - 1) < 1e-6);
    const c = createRandomProjectionEncoder({ dim: 16, buckets: 256, seed: 4 });
    assert.notDeepEqual(Array.from(c.encodeToArray(['dog'])), Array.from(x.subarray(48, 64)));
    assert.notEqual(await a.fingerprint(), await c.fingerprint());
    assert.equal(await a.fingerprint(), await b.fingerprint());
  });

  test('mean of hashed rows without normalisation; bigrams add features', () => {
    const a = createRandomProjectionEncoder({ dim: 8, buckets: 64, normalize: false });
    const one = a.encodeToArray(['x']);
    const two = a.encodeToArray(['x x']);
    assert.deepEqual(Array.from(one), Array.from(two));
    const bi = createRandomProjectionEncoder({ dim: 8, buckets: 64, ngram: 2 });
    assert.equal(bi.features('a b c').length, 5);
    assert.ok(bi.features('a b c').every((f) => f >= 0 && f < 64 && Number.isInteger(f)));
    assert.equal(a.parameterCount(), 512);
    assert.equal(a.flopsPerText(10), 160);
  });

  test('encode returns a [n, dim] tensor; save → loadEncoder reloads it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-'));
    try {
      const a = createRandomProjectionEncoder({ dim: 8, buckets: 64, seed: 9 });
      const t = a.encode(['hello world', 'b']);
      assert.deepEqual(t.shape, [2, 8]);
      t.dispose();
      await a.save(dir);
      assert.equal(savedEncoderKind(dir), 'random-projection');
      const back = await loadEncoder(dir);
      assert.equal(await back.fingerprint(), await a.fingerprint());
      assert.equal(loadRandomProjectionEncoder(dir).dim, 8);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ kind: 'random-projection', format: 1, dim: -1 }));
      await assert.rejects(loadEncoder(dir), /dim = -1/);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ kind: 'nope' }));
      await assert.rejects(loadEncoder(dir), /unknown encoder kind 'nope'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('loadEncoder dispatches bert folders', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bert-'));
    const vocab = new Vocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b']);
    const enc = createBertEncoder({ hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 8, maxLength: 8 }, { vocab });
    try {
      await enc.save(dir);
      const back = await loadEncoder(dir);
      assert.equal(back.kind, 'bert');
      assert.equal(await back.fingerprint(), await enc.fingerprint());
      back.dispose();
    } finally {
      enc.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(tf.memory().numTensors >= 0, true);
  });
});
