import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/tensor';
import { HalfEmbeddings } from '../../src/cache/half';
import { MemoryEmbeddings } from '../../src/cache/memory';
import { fromFloat16, toFloat16 } from '../../src/util/f16';
import { Rng } from '../../src/util/rng';
import { exactSearch } from '../../src/search/exact';

before(async () => {
  await initBackend();
});

const rng = new Rng(4);
const dim = 12;
const data = Float32Array.from({ length: 500 * dim }, () => rng.normal());
const rounded = fromFloat16(toFloat16(data));

test('rows read back as their float16 roundings, by range and into a reused buffer', () => {
  const h = HalfEmbeddings.fromSource(new MemoryEmbeddings(data, dim), 64);
  assert.equal(h.rows, 500);
  assert.deepEqual(h.read(10, 20), rounded.slice(10 * dim, 20 * dim));
  const buf = new Float32Array(50 * dim).fill(7);
  const got = h.readInto(100, 130, buf);
  assert.equal(got, buf);
  assert.deepEqual(buf.subarray(0, 30 * dim), rounded.subarray(100 * dim, 130 * dim));
  assert.equal(buf[30 * dim], 7, 'nothing written past the rows asked for');
  assert.equal(h.bits.byteLength, data.byteLength / 2);
  assert.throws(() => h.read(490, 501), RangeError);
  assert.throws(() => new HalfEmbeddings(new Uint16Array(10), 3), RangeError);
});

test('refresh rounds the new rows in place', () => {
  const h = new HalfEmbeddings(toFloat16(data), dim);
  const fresh = Float32Array.from({ length: 2 * dim }, (_, i) => i / 3);
  h.refresh([5, 400], fresh);
  assert.deepEqual(h.read(5, 6), fromFloat16(toFloat16(fresh.subarray(0, dim))));
  assert.deepEqual(h.read(400, 401), fromFloat16(toFloat16(fresh.subarray(dim))));
  assert.throws(() => h.refresh([500], fresh.subarray(0, dim)), RangeError);
});

test('exact search over it equals exact search over the rounded float32 rows', async () => {
  const queries = Float32Array.from({ length: 4 * dim }, () => rng.normal());
  const half = await exactSearch({ source: new HalfEmbeddings(toFloat16(data), dim), queries, k: 7, blockRows: 128 });
  const full = await exactSearch({ source: new MemoryEmbeddings(rounded, dim), queries, k: 7, blockRows: 128 });
  assert.deepEqual(half, full);
});
