import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { AtomicWriter, removeLeftovers, writeFileAtomic } from '../../src/util/atomic';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fc-left-'));

test('an atomic write that cannot be put in place (a folder stands there) removes its temp file and names the target', () => {
  const dir = tmp();
  const target = path.join(dir, 'out.trec');
  fs.mkdirSync(target);
  assert.throws(() => writeFileAtomic(target, 'x'), (e: NodeJS.ErrnoException) => e.path === target && /EISDIR|EEXIST|ENOTEMPTY/.test(String(e.code)));
  const w = new AtomicWriter(target);
  w.write('y');
  assert.throws(() => w.commit(), (e: NodeJS.ErrnoException) => e.path === target);
  assert.deepEqual(fs.readdirSync(dir), ['out.trec']);
  fs.rmSync(dir, { recursive: true });
});

test('removeLeftovers removes only entries of its pattern whose writer no longer runs', () => {
  const dir = tmp();
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  for (const n of [`job.tmp-${dead}`, 'job.tmp-1', `job.tmp-${process.pid}`, `other.tmp-${dead}`]) fs.mkdirSync(path.join(dir, n));
  assert.deepEqual(removeLeftovers(dir, /^job\.tmp-(\d+)$/), [`job.tmp-${dead}`]);
  assert.deepEqual(fs.readdirSync(dir).sort(), [`job.tmp-${process.pid}`, 'job.tmp-1', `other.tmp-${dead}`].sort());
  fs.rmSync(dir, { recursive: true });
});
