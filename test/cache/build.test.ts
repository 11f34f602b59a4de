import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { buildCache, saveEmbeddings } from '../../src/cache/build';
import { MemoryEmbeddings } from '../../src/cache/memory';
import { mergeCache } from '../../src/cache/merge';
import { openCache } from '../../src/cache/reader';
import { fromFloat16, toFloat16 } from '../../src/util/f16';
import { isFinal, type ProgressEvent } from '../../src/util/progress';
import { asyncDocs, docs, folderContents, hashEncode, hashEncoderMeta, hashVector, tmpDir } from './helpers';

const dim = 8;
const root = tmpDir();
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(root, `c${n++}`);

const base = (dir: string, rows: number, extra: Record<string, unknown> = {}) => ({
  dir,
  corpus: asyncDocs(rows),
  encode: hashEncode(dim),
  encoder: hashEncoderMeta(dim),
  dim,
  normalized: false,
  shardRows: 10,
  batchSize: 4,
  ...extra,
});

describe('buildCache', () => {
  test('writes shards, ids, embedded-at and a manifest that read back as the encoder output', async () => {
    const dir = fresh();
    const events: ProgressEvent[] = [];
    const m = await buildCache({ ...base(dir, 25), step: 3, progress: (e) => events.push(e) });
    assert.equal(m.rows, 25);
    assert.equal(m.version, 1);
    assert.deepEqual(m.shards.map((s) => [s.start, s.end, s.file]), [[0, 10, 'shard-00000.f32'], [10, 20, 'shard-00001.f32'], [20, 25, 'shard-00002.f32']]);
    assert.equal(m.shards[2].bytes, 5 * dim * 4);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.json')), ['manifest.json']); // build files gone
    assert.equal(events[events.length - 1].done, 25);
    assert.ok(isFinal(events[events.length - 1]), 'a corpus of unknown length still ends its progress stage');
    assert.equal(events.filter(isFinal).length, 1);
    const r = await openCache(dir, { verify: true });
    const all = r.read(0, 25);
    docs(25).forEach((d, i) => {
      const want = hashVector(d.title ? `${d.title} ${d.text}` : d.text, dim);
      assert.deepEqual(Array.from(all.subarray(i * dim, (i + 1) * dim)), Array.from(want), `row ${i}`);
    });
    assert.deepEqual(Array.from(r.read(8, 12)), Array.from(all.subarray(8 * dim, 12 * dim))); // across a shard boundary
    assert.deepEqual(Array.from(r.read(3, 3)), []);
    assert.deepEqual(r.ids, docs(25).map((d) => d.id));
    assert.deepEqual(Array.from(r.embeddedAt), new Array(25).fill(3));
    r.close();
  });

  test('f16 shards hold the float16 of each value', async () => {
    const dir = fresh();
    await buildCache({ ...base(dir, 13), dtype: 'f16', corpus: docs(13) });
    const r = await openCache(dir);
    assert.equal(fs.statSync(path.join(dir, 'shard-00000.f16')).size, 10 * dim * 2);
    const got = r.read(9, 13);
    const want = new Float32Array(4 * dim);
    docs(13).slice(9).forEach((d, i) => want.set(hashVector(d.title ? `${d.title} ${d.text}` : d.text, dim), i * dim));
    assert.deepEqual(Array.from(got), Array.from(fromFloat16(toFloat16(want))));
    r.close();
  });

  test('a build that crashed mid-way resumes to the same bytes as an uninterrupted one', async () => {
    const whole = fresh();
    await buildCache(base(whole, 37));
    const dir = fresh();
    // 4-row batches, 10-row shards: batch 7 falls in shard 2, so shards 0 and 1 are complete.
    await assert.rejects(buildCache({ ...base(dir, 37), encode: hashEncode(dim, { failAfterBatches: 7 }) }), /simulated crash/);
    assert.ok(fs.existsSync(path.join(dir, 'shard-00001.done.json')));
    assert.ok(!fs.existsSync(path.join(dir, 'shard-00002.f32')));
    assert.ok(!fs.existsSync(path.join(dir, 'manifest.json')));
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.tmp-')), []); // temps removed on the way out
    let encoded = 0;
    const counting = hashEncode(dim);
    await buildCache({ ...base(dir, 37), encode: async (t) => ((encoded += t.length), counting(t)) });
    assert.equal(encoded, 17); // only shards 2 and 3 were encoded again
    assert.deepEqual(folderContents(dir), folderContents(whole));
  });

  test('a build killed with SIGKILL resumes to the same bytes', async () => {
    const whole = fresh();
    await buildCache({ ...base(whole, 60), dtype: 'f16', shardRows: 16, batchSize: 5 });
    const dir = fresh();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'build-child.ts'), dir, '60', '16', '5', '40'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    const t0 = Date.now();
    while (!fs.existsSync(path.join(dir, 'shard-00000.done.json'))) {
      if (Date.now() - t0 > 20000) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(fs.existsSync(path.join(dir, 'shard-00000.done.json')), 'the child wrote its first shard');
    assert.ok(!fs.existsSync(path.join(dir, 'manifest.json')), 'the child was killed before finishing');
    await buildCache({ ...base(dir, 60), dtype: 'f16', shardRows: 16, batchSize: 5 });
    assert.deepEqual(folderContents(dir), folderContents(whole));
  });

  test('resuming with other settings or another corpus is refused', async () => {
    const dir = fresh();
    await assert.rejects(buildCache({ ...base(dir, 30), encode: hashEncode(dim, { failAfterBatches: 4 }) }));
    await assert.rejects(buildCache({ ...base(dir, 30), shardRows: 12 }), /partial build with shardRows=10, but this build asks for shardRows=12/);
    await assert.rejects(buildCache({ ...base(dir, 30), dtype: 'f16' }), /dtype=f32.*dtype=f16/);
    await assert.rejects(buildCache({ ...base(dir, 30), encoder: hashEncoderMeta(dim, 'other') }), /encoderFingerprint=hash-v1/);
    const renamed = docs(30).map((d, i) => (i === 3 ? { ...d, id: 'x3' } : d));
    await assert.rejects(buildCache({ ...base(dir, 30), corpus: renamed }), /corpus changed/);
    const m = await buildCache(base(dir, 30));
    assert.equal(m.rows, 30);
    await assert.rejects(buildCache({ ...base(dir, 30), dim: 4, encode: hashEncode(4) }), /already holds a finished cache with .*dim=8/);
    assert.equal((await buildCache(base(dir, 30))).rows, 30); // same settings: nothing to do
  });

  test('bad corpus rows and encoder output are refused', async () => {
    await assert.rejects(buildCache({ ...base(fresh(), 0), corpus: [{ id: 'a\nb', title: '', text: 't' }] }), /corpus row 0: id "a\\nb"/);
    await assert.rejects(buildCache({ ...base(fresh(), 0), corpus: docs(3), encode: async () => new Float32Array(3) }), /returned 3 values for 3 texts/);
    await assert.rejects(buildCache({ ...base(fresh(), 5), totalRows: 6 }), /ended at row 5/);
    await assert.rejects(buildCache({ ...base(fresh(), 7), totalRows: 6 }), /more than the 6 rows/);
  });

  test('an empty corpus gives an empty cache', async () => {
    const dir = fresh();
    const m = await buildCache(base(dir, 0));
    assert.equal(m.rows, 0);
    assert.equal((await openCache(dir)).rows, 0);
  });
});

describe('sharded builds and mergeCache', () => {
  test('2 and 3 parts merge into the same bytes as a single build', async () => {
    const whole = fresh();
    await buildCache(base(whole, 47));
    for (const count of [2, 3]) {
      const parts = [];
      for (let i = 0; i < count; i++) {
        const p = fresh();
        const m = await buildCache({ ...base(p, 47), shard: { index: i, count }, totalRows: 47 });
        assert.equal(m.part!.index, i);
        await assert.rejects(openCache(p), /part \d\/\d .* merge-cache/);
        parts.push(p);
      }
      const out = fresh();
      await mergeCache({ parts: parts.reverse(), out, verify: true });
      assert.deepEqual(folderContents(out), folderContents(whole), `${count} parts`);
    }
  });

  test('merge with move takes the files out of the parts', async () => {
    const whole = fresh();
    await buildCache(base(whole, 31));
    const parts = [0, 1].map((i) => fresh());
    for (const [i, p] of parts.entries()) await buildCache({ ...base(p, 31), shard: { index: i, count: 2 }, totalRows: 31 });
    const out = fresh();
    await mergeCache({ parts, out, move: true });
    assert.deepEqual(folderContents(out), folderContents(whole));
    assert.deepEqual(fs.readdirSync(parts[0]), ['manifest.json']);
  });

  test('a part of a sharded build holds whole shards of the global grid', async () => {
    const p = fresh();
    // 47 rows / 10 per shard = 5 shards; part 2/2 gets shards 2..4 = rows 20..47
    const m = await buildCache({ ...base(p, 47), shard: { index: 1, count: 2 }, totalRows: 47 });
    assert.deepEqual(m.part, { index: 1, count: 2, totalRows: 47, start: 20, end: 47 });
    assert.deepEqual(m.shards.map((s) => s.file), ['shard-00002.f32', 'shard-00003.f32', 'shard-00004.f32']);
    const r = await openCache(p, { allowPart: true });
    assert.deepEqual(r.ids.slice(0, 2), ['d20', 'd21']);
    r.close();
  });

  test('missing, overlapping and mismatched parts are refused', async () => {
    const mk = async (i: number, count: number, extra: Record<string, unknown> = {}) => {
      const p = fresh();
      await buildCache({ ...base(p, 30), shard: { index: i, count }, totalRows: 30, ...extra });
      return p;
    };
    const a = await mk(0, 3);
    const b = await mk(1, 3);
    const c = await mk(2, 3);
    await assert.rejects(mergeCache({ parts: [a, c], out: fresh() }), /missing part 1 of parts 0\.\.2 \(got 0, 2\)/);
    await assert.rejects(mergeCache({ parts: [a, b, b, c], out: fresh() }), /overlaps/);
    const other = await mk(1, 3, { encoder: hashEncoderMeta(dim, 'other') });
    await assert.rejects(mergeCache({ parts: [a, other, c], out: fresh() }), /encoder fingerprint is "other", but .* has "hash-v1"/);
    const f16 = await mk(1, 3, { dtype: 'f16' });
    await assert.rejects(mergeCache({ parts: [a, f16, c], out: fresh() }), /dtype is "f16"/);
    const two = await mk(1, 2);
    await assert.rejects(mergeCache({ parts: [a, two, c], out: fresh() }), /part count is 2/);
    await assert.rejects(mergeCache({ parts: [a, b, c], out: a }), /already holds a cache/);
    fs.rmSync(path.join(b, 'shard-00001.f32'));
    await assert.rejects(mergeCache({ parts: [a, b, c], out: fresh() }), /shard-00001\.f32: missing/);
  });
});

describe('saveEmbeddings', () => {
  test('writes an in-memory source as a cache identical to a build of the same rows', async () => {
    const whole = fresh();
    await buildCache({ ...base(whole, 23), step: 4 });
    const r = await openCache(whole);
    const mem = await MemoryEmbeddings.fromSource(r);
    r.close();
    const dir = fresh();
    await saveEmbeddings({ dir, source: mem, ids: docs(23).map((d) => d.id), embeddedAt: mem.embeddedAt, encoder: hashEncoderMeta(dim), normalized: false, shardRows: 10, blockRows: 3 });
    assert.deepEqual(folderContents(dir), folderContents(whole));
  });

  test('keeps per-row embedded-at steps and refuses bad ids', async () => {
    const mem = new MemoryEmbeddings(new Float32Array([1, 2, 3, 4, 5, 6]), 2, { embeddedAt: new Int32Array([0, 5, 2]) });
    const dir = fresh();
    const m = await saveEmbeddings({ dir, source: mem, ids: ['a', 'b', 'c'], embeddedAt: mem.embeddedAt, encoder: hashEncoderMeta(2), dtype: 'f16', normalized: false, shardRows: 2 });
    assert.equal(m.step, 5);
    const r = await openCache(dir, { verify: true });
    assert.deepEqual(Array.from(r.embeddedAt), [0, 5, 2]);
    assert.deepEqual(Array.from(r.read(0, 3)), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(r.ids, ['a', 'b', 'c']);
    r.close();
    await assert.rejects(saveEmbeddings({ dir: fresh(), source: mem, ids: ['a', '', 'c'], encoder: hashEncoderMeta(2), normalized: false }), /id of row 1/);
    await assert.rejects(saveEmbeddings({ dir, source: mem, ids: ['a', 'b', 'c'], encoder: hashEncoderMeta(2), normalized: false }), /already holds a cache/);
  });
});
