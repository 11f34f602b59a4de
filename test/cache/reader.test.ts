import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { buildCache } from '../../src/cache/build';
import { openCache } from '../../src/cache/reader';
import { InputError } from '../../src/util/errors';
import { docs, hashEncode, hashEncoderMeta, tmpDir } from './helpers';

const dim = 4;
const root = tmpDir();
let good = '';
let n = 0;
before(async () => {
  good = path.join(root, 'good');
  await buildCache({ dir: good, corpus: docs(25), encode: hashEncode(dim), encoder: hashEncoderMeta(dim), dim, normalized: true, shardRows: 10, batchSize: 8 });
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A copy of the good cache, changed by `damage`. */
function broken(damage: (dir: string) => void): string {
  const dir = path.join(root, `bad${n++}`);
  fs.cpSync(good, dir, { recursive: true });
  damage(dir);
  return dir;
}
const editManifest = (dir: string, edit: (m: any) => void) => {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(m);
  fs.writeFileSync(file, JSON.stringify(m));
};

/** Asserts a one-line InputError whose message matches `re`. */
async function refused(dir: string, re: RegExp, opts = {}) {
  await assert.rejects(openCache(dir, opts), (e: Error) => {
    assert.ok(e instanceof InputError, `InputError, got ${e}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    assert.match(e.message, re);
    return true;
  });
}

describe('openCache refuses bad caches with a message naming the file', () => {
  test('the good cache opens and verifies', async () => {
    const r = await openCache(good, { verify: true });
    assert.equal(r.rows, 25);
    assert.equal(r.manifest.normalized, true);
    r.close();
  });
  test('missing folder', () => refused(path.join(root, 'nope'), /nope.manifest\.json: missing \(no folder/));
  test('missing manifest', () => refused(broken((d) => fs.rmSync(path.join(d, 'manifest.json'))), /manifest\.json: missing; expected the manifest/));
  test('truncated manifest', () =>
    refused(broken((d) => {
      const f = path.join(d, 'manifest.json');
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').slice(0, 100));
    }), /manifest\.json: not valid JSON .*truncated/));
  test('unknown version', () => refused(broken((d) => editManifest(d, (m) => (m.version = 2))), /manifest\.json: unknown cache format version 2; this freshcache reads version 1/));
  test('not a cache manifest', () => refused(broken((d) => fs.writeFileSync(path.join(d, 'manifest.json'), '[1,2]')), /expected a JSON object/));
  test('manifest bytes disagree with rows × dim', () => refused(broken((d) => editManifest(d, (m) => (m.shards[1].bytes = 12))), /shard 1: "bytes" is 12, expected rows × dim × 4 = 10 × 4 × 4 = 160/));
  test('manifest shards leave a gap', () => refused(broken((d) => editManifest(d, (m) => m.shards.splice(1, 1))), /shard 1: starts at row 20, expected 10/));
  test('manifest rows disagree with the shards', () => refused(broken((d) => editManifest(d, (m) => (m.rows = 26))), /shards end at row 25, expected 26/));
  test('shard file name escaping the folder', () => refused(broken((d) => editManifest(d, (m) => (m.shards[0].file = '../x.f32'))), /plain file name/));
  test('truncated shard file', () =>
    refused(broken((d) => fs.truncateSync(path.join(d, 'shard-00001.f32'), 100)), /shard-00001\.f32: 100 bytes, expected 160 \(rows × dim × 4 = 10 × 4 × 4\)/));
  test('missing shard file', () => refused(broken((d) => fs.rmSync(path.join(d, 'shard-00002.f32'))), /shard-00002\.f32: missing; the manifest lists it for rows 20\.\.25/));
  test('missing embedded-at file', () => refused(broken((d) => fs.rmSync(path.join(d, 'shard-00000.embedded-at.i32'))), /shard-00000\.embedded-at\.i32: missing/));
  test('ids count mismatch', () =>
    refused(broken((d) => {
      const f = path.join(d, 'shard-00000.ids.txt');
      const text = fs.readFileSync(f, 'utf8').replace('d1\n', 'd1-'); // same size, one id fewer
      fs.writeFileSync(f, text);
    }), /shard-00000\.ids\.txt: 9 ids, expected 10/));
  test('checksum mismatch (only with verify)', async () => {
    const dir = broken((d) => {
      const f = path.join(d, 'shard-00001.f32');
      const b = fs.readFileSync(f);
      b[7] ^= 0xff;
      fs.writeFileSync(f, b);
    });
    const r = await openCache(dir); // sizes are right
    r.close();
    await refused(dir, /shard-00001\.f32: sha256 [0-9a-f]{16}… does not match the manifest's [0-9a-f]{16}…/, { verify: true });
  });
  test('checksum mismatch in an ids file', () =>
    refused(broken((d) => {
      const f = path.join(d, 'shard-00002.ids.txt');
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('d20', 'd2x'));
    }), /shard-00002\.ids\.txt: sha256/, { verify: true }));
});

describe('CacheReader', () => {
  test('reads any range, across shards, equal to reading row by row', async () => {
    const r = await openCache(good);
    const all = r.read(0, 25);
    for (const [s, e] of [[0, 25], [9, 11], [10, 20], [19, 25], [24, 25], [5, 5]]) {
      assert.deepEqual(Array.from(r.read(s, e)), Array.from(all.subarray(s * dim, e * dim)), `[${s}, ${e})`);
    }
    assert.throws(() => r.read(20, 26), /not inside \[0, 25\)/);
    const buf = new Float32Array(3 * dim);
    assert.equal(r.readInto(9, 12, buf), buf);
    assert.deepEqual(Array.from(buf), Array.from(all.subarray(9 * dim, 12 * dim)));
    r.close();
  });
});
