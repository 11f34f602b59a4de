import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openSafetensors } from '../../src/encoders/safetensors';
import { InputError } from '../../src/util/errors';
import { SAFETENSORS_CASES } from './safetensors-cases';

test('safetensors: each file is accepted or refused as the reference reader does, with its error kind, in one line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-cases-'));
  try {
    for (const c of SAFETENSORS_CASES) {
      const file = path.join(dir, 'case.safetensors');
      fs.writeFileSync(file, c.bytes);
      if (c.kind === null) {
        const f = openSafetensors(file);
        for (const name of f.entries.keys()) f.read(name);
        f.close();
        continue;
      }
      assert.throws(
        () => openSafetensors(file),
        (e: unknown) => e instanceof InputError && !e.message.includes('\n') && e.message.startsWith(file) && e.message.endsWith(`(safetensors: ${c.kind})`),
        c.name,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('safetensors: entries listed out of offset order read the right bytes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-order-'));
  const file = path.join(dir, 'x.safetensors');
  fs.writeFileSync(file, SAFETENSORS_CASES.find((c) => c.name === 'valid, entries listed out of offset order')!.bytes);
  const f = openSafetensors(file);
  assert.deepEqual(Array.from(f.read('a').data), [1, 2]);
  assert.deepEqual(Array.from(f.read('b').data), [3]);
  f.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
