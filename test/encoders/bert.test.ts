import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../../src/tensor';
import { bertFlopsPerText, createBertEncoder, BertEncoder } from '../../src/encoders/bert';
import { loadBertEncoder } from '../../src/encoders/bert-load';
import { readSafetensors, writeSafetensors } from '../../src/encoders/safetensors';
import { readVocabTxt, Vocab } from '../../src/text/vocab';
import { InputError } from '../../src/util/errors';

const FIX = path.join(__dirname, '../fixtures/hf');
const outputs = JSON.parse(fs.readFileSync(path.join(FIX, 'model-outputs.json'), 'utf8'));
const tinyVocab = readVocabTxt(path.join(FIX, 'tiny-vocab.txt'));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bert-'));
}

before(async () => {
  await initBackend();
});

describe('parity with transformers.BertModel', () => {
  for (const name of ['bert-tiny-a', 'bert-tiny-b']) {
    test(`${name}: tokens, last hidden state, mean and CLS pooling within 1e-4`, async () => {
      const want = outputs.models[name];
      const enc = await loadBertEncoder(path.join(FIX, name), { vocab: tinyVocab, maxLength: want.maxLength });
      try {
        const batch = enc.tokenize(outputs.texts);
        assert.deepEqual(Array.from(batch.inputIds), want.inputIds.flat(), 'token ids');
        assert.deepEqual(Array.from(batch.attentionMask), want.attentionMask.flat(), 'attention mask');
        if (want.lastHidden) {
          const h = enc.forward(batch);
          const d = maxAbsDiff(h.dataSync(), want.lastHidden.flat(2));
          h.dispose();
          assert.ok(d <= 1e-4, `last hidden max abs diff ${d}`);
        }
        const mean = enc.encode(outputs.texts);
        assert.ok(maxAbsDiff(mean.dataSync(), want.mean.flat()) <= 1e-4, 'mean pooling');
        mean.dispose();
        const cls = await loadBertEncoder(path.join(FIX, name), { vocab: tinyVocab, maxLength: want.maxLength, pooling: 'cls' });
        const c = cls.encode(outputs.texts);
        assert.ok(maxAbsDiff(c.dataSync(), want.cls.flat()) <= 1e-4, 'cls pooling');
        c.dispose();
        cls.dispose();
      } finally {
        enc.dispose();
      }
    });
  }

  test('a DPR question encoder folder loads as it is (prefix detected, CLS pooling by default)', async () => {
    const want = outputs.models['dpr-tiny-question'];
    const enc = await loadBertEncoder(path.join(FIX, 'dpr-tiny-question'), { vocab: tinyVocab, maxLength: want.maxLength });
    try {
      assert.equal(enc.cfg.pooling, 'cls');
      const e = enc.encode(outputs.texts);
      const d = maxAbsDiff(e.dataSync(), want.cls.flat());
      e.dispose();
      assert.ok(d <= 1e-4, `DPR pooler_output max abs diff ${d}`);
    } finally {
      enc.dispose();
    }
  });

  test('L2 normalisation gives unit rows', async () => {
    const enc = await loadBertEncoder(path.join(FIX, 'bert-tiny-a'), { vocab: tinyVocab, normalize: true });
    const e = enc.encode(['a', 'who developed relativity?']);
    const norms = tf.tidy(() => tf.norm(e, 'euclidean', 1).dataSync());
    e.dispose();
    enc.dispose();
    for (const n of norms) assert.ok(Math.abs(n - 1) < 1e-5);
  });
});

describe('checkpoint import errors', () => {
  function variant(edit: (t: Map<string, { shape: number[]; data: Float32Array }>) => void): string {
    const dir = tmpDir();
    fs.copyFileSync(path.join(FIX, 'bert-tiny-a', 'config.json'), path.join(dir, 'config.json'));
    const { tensors } = readSafetensors(path.join(FIX, 'bert-tiny-a', 'model.safetensors'));
    edit(tensors);
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
    return dir;
  }

  test('a missing tensor is named with its expected shape', async () => {
    const dir = variant((t) => t.delete('encoder.layer.1.attention.self.key.weight'));
    try {
      await assert.rejects(loadBertEncoder(dir, { vocab: tinyVocab }), (e: Error) =>
        e instanceof InputError && /missing tensor 'encoder\.layer\.1\.attention\.self\.key\.weight' \(expected shape \[32,32\]/.test(e.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a mis-shaped tensor is named with both shapes', async () => {
    const dir = variant((t) => t.set('encoder.layer.0.intermediate.dense.bias', { shape: [63], data: new Float32Array(63) }));
    try {
      await assert.rejects(loadBertEncoder(dir, { vocab: tinyVocab }), (e: Error) =>
        e instanceof InputError && /'encoder\.layer\.0\.intermediate\.dense\.bias' has shape \[63\]; expected \[64\]/.test(e.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no BERT tensors, no weights file, no vocabulary', async () => {
    const dir = variant((t) => {
      for (const k of [...t.keys()]) if (k.startsWith('embeddings.word')) t.delete(k);
    });
    try {
      await assert.rejects(loadBertEncoder(dir, { vocab: tinyVocab }), /no tensor 'embeddings\.word_embeddings\.weight'/);
      await assert.rejects(loadBertEncoder(dir), /no vocab\.txt and vocab_size 130/);
      fs.rmSync(path.join(dir, 'model.safetensors'));
      await assert.rejects(loadBertEncoder(dir, { vocab: tinyVocab }), /no model\.safetensors/);
      await assert.rejects(loadBertEncoder(path.join(dir, 'nothing')), /no config\.json/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('BertEncoder', () => {
  const small = { hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, maxPositions: 32, maxLength: 16, seed: 7 };

  test('save → load keeps fingerprint and outputs; the folder is a valid HF layout', async () => {
    const dir = tmpDir();
    const enc = createBertEncoder(small, { vocab: tinyVocab });
    try {
      await enc.save(dir);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors', 'vocab.txt']);
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      assert.equal(cfg.kind, 'bert');
      assert.equal(cfg.model_type, 'bert');
      const st = readSafetensors(path.join(dir, 'model.safetensors'));
      assert.deepEqual(st.tensors.get('encoder.layer.0.intermediate.dense.weight')!.shape, [32, 16]); // HF [out, in]
      const back = await loadBertEncoder(dir);
      assert.equal(await back.fingerprint(), await enc.fingerprint());
      const a = enc.encode(['who developed the theory of relativity?', 'a']);
      const b = back.encode(['who developed the theory of relativity?', 'a']);
      assert.equal(maxAbsDiff(a.dataSync(), b.dataSync()), 0);
      tf.dispose([a, b]);
      back.dispose();
      // a torn save (weights changed after config was written) is detected
      const t = st.tensors.get('embeddings.LayerNorm.bias')!;
      t.data[0] += 1;
      writeSafetensors(path.join(dir, 'model.safetensors'), st.tensors);
      await assert.rejects(loadBertEncoder(dir), /checksum differs/);
    } finally {
      enc.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fingerprint changes with weights and config; counts parameters and FLOPs', async () => {
    const a = createBertEncoder(small, { vocab: tinyVocab });
    const b = createBertEncoder({ ...small, seed: 8 }, { vocab: tinyVocab });
    const c = createBertEncoder({ ...small, pooling: 'cls' }, { vocab: tinyVocab });
    try {
      assert.notEqual(await a.fingerprint(), await b.fingerprint());
      assert.notEqual(await a.fingerprint(), await c.fingerprint());
      assert.equal(await a.fingerprint(), (await createBertEncoder(small, { vocab: tinyVocab }).fingerprint()));
      const h = 16, i = 32, V = tinyVocab.size;
      const perLayer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
      assert.equal(a.parameterCount(), V * h + 32 * h + 2 * h + 2 * h + 2 * perLayer);
      assert.equal(a.flopsPerText(10), 2 * (4 * 10 * 16 * 16 * 2 + 2 * 10 * 16 * 32 * 2 + 2 * 100 * 16 * 2));
      assert.equal(bertFlopsPerText({ hiddenSize: 768, intermediateSize: 3072, numLayers: 12 }, 128), 12 * (4 * 128 * 768 * 768 * 2 + 2 * 128 * 768 * 3072 * 2 + 2 * 128 * 128 * 768 * 2));
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  test('padding does not change a text’s embedding; memory is flat across calls', () => {
    const enc = createBertEncoder(small, { vocab: tinyVocab });
    try {
      const alone = enc.encode(['who']);
      const padded = enc.encode(['who', 'albert einstein developed the theory of relativity']);
      const d = maxAbsDiff(alone.dataSync(), padded.dataSync().slice(0, 16));
      tf.dispose([alone, padded]);
      assert.ok(d < 1e-5, `padding changed the embedding by ${d}`);
      const before = tf.memory().numTensors;
      for (let k = 0; k < 3; k++) enc.encode(['a b c', 'who']).dispose();
      assert.equal(tf.memory().numTensors, before);
    } finally {
      enc.dispose();
    }
  });

  test('a tiny transformer trains: in-batch contrastive loss decreases', () => {
    const enc = createBertEncoder({ ...small, hiddenDropout: 0.1, attentionDropout: 0.1, normalize: true }, { vocab: tinyVocab });
    const queries = ['who developed relativity?', 'albert einstein', 'dense retrievers', 'cafe creme'];
    const docs = ['the theory of relativity', 'einstein developed the theory', 'queries and documents embed', 'naive facade'];
    const opt = tf.train.adam(3e-3);
    const lossOf = (training: boolean) => () =>
      tf.tidy(() => {
        const q = enc.encode(queries, { training });
        const d = enc.encode(docs, { training });
        const logits = tf.mul(tf.matMul(q, d, false, true), 20);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.range(0, queries.length, 1, 'int32'), queries.length), logits) as tf.Scalar;
      });
    try {
      const first = tf.tidy(lossOf(false)).dataSync()[0];
      for (let step = 0; step < 15; step++) {
        const l = opt.minimize(lossOf(true), true, enc.trainableVariables());
        l?.dispose();
      }
      const last = tf.tidy(lossOf(false)).dataSync()[0];
      assert.ok(last < first * 0.7, `loss ${first} → ${last}`);
    } finally {
      opt.dispose();
      enc.dispose();
    }
  });

  test('config checks', () => {
    assert.throws(() => createBertEncoder({ ...small, numHeads: 3 }, { vocab: tinyVocab }), /not divisible/);
    assert.throws(() => createBertEncoder({ ...small, maxLength: 64 }, { vocab: tinyVocab }), /exceeds maxPositions/);
    assert.throws(() => createBertEncoder({ ...small, vocabSize: 10 }, { vocab: tinyVocab }), /130 tokens/);
    assert.ok(new Vocab(['x']).size === 1);
  });
});
