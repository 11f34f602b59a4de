import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { convertGlove, defaultGloveDir, gloveCacheExists, gloveVector, loadGlove, readGloveDir, writeGloveDir, type Glove } from '../../src/data/glove';

const cos = (a: Float32Array, b: Float32Array) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
};

describe('binary GloVe folder', () => {
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'glove-test-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('round trip: write a small matrix, read equal bytes; topN reads a prefix', () => {
    const words = ['the', 'cat', 'well-known', 'é'];
    const matrix = Float32Array.from({ length: 12 }, (_, i) => (i - 5.5) / 3);
    const dir = path.join(tmp, 'small');
    writeGloveDir(dir, { words, dim: 3, matrix }, 'test');
    const g = readGloveDir(dir);
    assert.deepEqual(g.words, words);
    assert.equal(g.dim, 3);
    assert.ok(Buffer.from(g.matrix.buffer).equals(Buffer.from(matrix.buffer)));
    assert.equal(g.index.get('well-known'), 2);
    const top = readGloveDir(dir, { topN: 2 });
    assert.deepEqual(top.words, ['the', 'cat']);
    assert.deepEqual(Array.from(top.matrix), Array.from(matrix.subarray(0, 6)));
    assert.equal(top.index.has('é'), false);
    assert.deepEqual(fs.readdirSync(tmp), ['small'], 'no temp folder left');
  });

  test('refuses a truncated matrix and an unknown version, naming the file', () => {
    const dir = path.join(tmp, 'bad');
    writeGloveDir(dir, { words: ['a', 'b'], dim: 2, matrix: new Float32Array(4) }, 'test');
    fs.truncateSync(path.join(dir, 'matrix.f32'), 12);
    assert.throws(() => readGloveDir(dir), /matrix\.f32: 12 bytes, expected .* 16/);
    const h = JSON.parse(fs.readFileSync(path.join(dir, 'header.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'header.json'), JSON.stringify({ ...h, version: 99 }));
    assert.throws(() => readGloveDir(dir), /header\.json: expected format 'freshcache-glove' version 1/);
    assert.throws(() => writeGloveDir(path.join(tmp, 'x'), { words: ['a'], dim: 2, matrix: new Float32Array(3) }, 't'), /rows × dim/);
  });

  test('converts a small wink-format JSON', async () => {
    const json = path.join(tmp, 'tiny.json');
    fs.writeFileSync(json, JSON.stringify({ dimensions: 2, size: 2, words: ['x', 'y'], vectors: { x: [1, 2, 2.2, 0], y: [3, 4, 5, 1] } }));
    const h = await convertGlove({ jsonFile: json, outDir: path.join(tmp, 'tiny') });
    assert.equal(h.rows, 2);
    assert.deepEqual(Array.from(readGloveDir(path.join(tmp, 'tiny')).matrix), [1, 2, 3, 4]);
  });
});

describe('the real GloVe 6B 100d (converted once into the cache)', () => {
  let glove: Glove;
  before(async () => {
    if (!gloveCacheExists()) {
      const t0 = Date.now();
      await convertGlove();
      console.log(`converted GloVe JSON into ${defaultGloveDir()} in ${Date.now() - t0} ms`);
    }
    const t0 = Date.now();
    glove = await loadGlove();
    console.log(`loaded ${glove.words.length} x ${glove.dim} GloVe vectors from the cache in ${Date.now() - t0} ms`);
  });

  test('size, frequency order and known values', () => {
    assert.equal(glove.words.length, 341479);
    assert.equal(glove.dim, 100);
    assert.deepEqual(glove.words.slice(0, 4), ['the', ',', '.', 'of']);
    const king = gloveVector(glove, 'king')!;
    assert.ok(Math.abs(king[0] - -0.32307) < 1e-6 && Math.abs(king[1] - -0.87616) < 1e-6 && Math.abs(king[2] - 0.21977) < 1e-6);
    const c = cos(king, gloveVector(glove, 'queen')!);
    assert.ok(Math.abs(c - 0.751) < 0.001, `cos(king, queen) = ${c}`);
    assert.ok(cos(king, gloveVector(glove, 'paris')!) < 0.4);
  });

  test('topN keeps the most frequent words', async () => {
    const t0 = Date.now();
    const top = await loadGlove({ topN: 20000 });
    console.log(`loaded top 20000 in ${Date.now() - t0} ms`);
    assert.equal(top.words.length, 20000);
    assert.deepEqual(Array.from(gloveVector(top, 'king')!), Array.from(gloveVector(glove, 'king')!));
  });
});
