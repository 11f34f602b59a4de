import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEmbeddings, gatherRows } from '../../src/cache/memory';
import { refreshRows } from '../../src/cache/refresh';

const data = () => new Float32Array([0, 1, 10, 11, 20, 21, 30, 31]); // 4 rows × 2

test('MemoryEmbeddings reads row ranges as copies', () => {
  const m = new MemoryEmbeddings(data(), 2, { step: 5 });
  assert.equal(m.rows, 4);
  assert.deepEqual(Array.from(m.read(1, 3)), [10, 11, 20, 21]);
  const r = m.read(0, 1);
  r[0] = 99;
  assert.equal(m.data[0], 0);
  assert.deepEqual(Array.from(m.embeddedAt), [5, 5, 5, 5]);
  assert.throws(() => m.read(2, 5), /not inside/);
  assert.throws(() => new MemoryEmbeddings(new Float32Array(5), 2), /multiple of dim/);
});

test('refresh overwrites rows and their step; the last of a repeated row wins', async () => {
  const m = new MemoryEmbeddings(data(), 2);
  await refreshRows(m, new Int32Array([2, 0, 2]), new Float32Array([-1, -1, -2, -2, -3, -3]), 7);
  assert.deepEqual(Array.from(m.data), [-2, -2, 10, 11, -3, -3, 30, 31]);
  assert.deepEqual(Array.from(m.embeddedAt), [7, 0, 7, 0]);
  assert.throws(() => m.refresh([4], new Float32Array(2), 1), /row 4/);
  assert.throws(() => m.refresh([1], new Float32Array(3), 1), /expected 2/);
});

test('gatherRows returns arbitrary rows in the order asked', () => {
  const m = new MemoryEmbeddings(data(), 2);
  assert.deepEqual(Array.from(gatherRows(m, [3, 0, 1, 3])), [30, 31, 0, 1, 10, 11, 30, 31]);
});
