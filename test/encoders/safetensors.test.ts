import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { f16ToF32, f32ToBf16, f32ToF16, openSafetensors, readSafetensors, writeSafetensors } from '../../src/encoders/safetensors';
import { InputError } from '../../src/util/errors';

const FIX = path.join(__dirname, '../fixtures/hf');

function withTmp(fn: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-'));
  try {
    fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('safetensors', () => {
  test('reads F32/F16/BF16/I64 written by the python safetensors library', () => {
    const want = JSON.parse(fs.readFileSync(path.join(FIX, 'dtypes.json'), 'utf8'));
    const { tensors, metadata } = readSafetensors(path.join(FIX, 'dtypes.safetensors'));
    assert.equal(metadata.note, 'reader test');
    for (const name of ['f32', 'f16', 'bf16']) {
      const t = tensors.get(name)!;
      assert.deepEqual(t.shape, [2, 3]);
      const flat = (want[name] as number[][]).flat();
      flat.forEach((v, i) => assert.equal(t.data[i], Math.fround(v), `${name}[${i}]`));
    }
    assert.deepEqual(Array.from(tensors.get('i64')!.data), [1, -2, 3]);
  });

  test('write → read round trip in F32 is exact; F16/BF16 round to the nearest representable value', () => {
    withTmp((dir) => {
      const data = Float32Array.from([0, 1, -2.5, 0.1, 3.14159, 1e-7, 65504, -1e5]);
      const tensors = { 'b.x': { shape: [2, 4], data }, 'a.y': { shape: [3], data: Float32Array.from([7, 8, 9]) } };
      const f = path.join(dir, 'm.safetensors');
      writeSafetensors(f, tensors, { metadata: { format: 'pt' } });
      const r = readSafetensors(f);
      assert.deepEqual(Array.from(r.tensors.get('b.x')!.data), Array.from(data));
      assert.deepEqual(r.tensors.get('b.x')!.shape, [2, 4]);
      assert.deepEqual(Array.from(r.tensors.get('a.y')!.data), [7, 8, 9]);
      assert.equal(r.metadata.format, 'pt');
      const headerLen = Number(fs.readFileSync(f).readBigUInt64LE(0));
      assert.equal(headerLen % 8, 0);

      writeSafetensors(f, tensors, { dtype: 'F16' });
      const h = readSafetensors(f).tensors.get('b.x')!.data;
      assert.equal(h[3], f16ToF32(f32ToF16(0.1)));
      assert.ok(Math.abs(h[3] - 0.1) < 1e-4);
      assert.equal(h[6], 65504);
      assert.equal(h[7], -Infinity); // beyond half range
      writeSafetensors(f, tensors, { dtype: 'BF16' });
      const b = readSafetensors(f).tensors.get('b.x')!.data;
      assert.ok(Math.abs(b[4] - 3.14159) < 0.02);
      assert.equal(b[2], -2.5);
      assert.equal(fs.readdirSync(dir).filter((n) => n.startsWith('.tmp-')).length, 0);
    });
  });

  test('half conversions: subnormals, ties to even', () => {
    assert.equal(f32ToF16(1), 0x3c00);
    assert.equal(f16ToF32(0x0001), 2 ** -24);
    assert.equal(f32ToF16(2 ** -24), 0x0001);
    assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00); // tie → even
    assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02);
    assert.equal(f32ToBf16(1), 0x3f80);
  });

  test('clear errors on bad files', () => {
    withTmp((dir) => {
      const f = path.join(dir, 'bad.safetensors');
      fs.writeFileSync(f, Buffer.from([1, 2, 3]));
      assert.throws(() => openSafetensors(f), (e: Error) => e instanceof InputError && /too short/.test(e.message));
      const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(header.length));
      fs.writeFileSync(f, Buffer.concat([len, header, Buffer.alloc(12)]));
      assert.throws(() => openSafetensors(f), /tensor 'w' has 12 bytes; F32 \[2,2\] needs 16/);
      const h2 = Buffer.from(JSON.stringify({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }));
      len.writeBigUInt64LE(BigInt(h2.length));
      fs.writeFileSync(f, Buffer.concat([len, h2, Buffer.alloc(8)]));
      assert.throws(() => openSafetensors(f), /unsupported dtype "C64"/);
      const st = openSafetensors(path.join(FIX, 'dtypes.safetensors'));
      assert.throws(() => st.read('nope'), /no tensor named 'nope'/);
      st.close();
    });
  });
});
