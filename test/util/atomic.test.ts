import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AtomicWriter, removeStaleTemps, writeFileAtomic } from '../../src/util/atomic';

test('writeFileAtomic replaces content and leaves no temp file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-atomic-'));
  const f = path.join(dir, 'sub', 'a.json');
  writeFileAtomic(f, 'one');
  writeFileAtomic(f, 'two');
  assert.equal(fs.readFileSync(f, 'utf8'), 'two');
  assert.deepEqual(fs.readdirSync(path.dirname(f)), ['a.json']);
  fs.rmSync(dir, { recursive: true });
});

test('AtomicWriter: nothing at the target until commit; abort leaves nothing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-atomic-'));
  const f = path.join(dir, 'big.bin');
  const w = new AtomicWriter(f);
  w.write(new Uint8Array([1, 2, 3]));
  w.write('x');
  assert.equal(fs.existsSync(f), false);
  w.commit();
  assert.deepEqual([...fs.readFileSync(f)], [1, 2, 3, 120]);
  const w2 = new AtomicWriter(path.join(dir, 'other.bin'));
  w2.write('partial');
  w2.abort();
  assert.deepEqual(fs.readdirSync(dir), ['big.bin']);
  // a killed writer's temp is recognisable and removable
  fs.writeFileSync(path.join(dir, '.tmp-x.bin.123.abc'), 'junk');
  assert.equal(removeStaleTemps(dir), 1);
  assert.deepEqual(fs.readdirSync(dir), ['big.bin']);
  fs.rmSync(dir, { recursive: true });
});
