import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { float16BitsToFloat32, float32ToFloat16Bits, fromFloat16, toFloat16 } from '../../src/util/f16';

describe('float32 → float16 bits', () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest finite half
    [65519, 0x7bff], // below the midpoint to 65536: rounds down
    [65520, 0x7c00], // the midpoint: ties to even → 65536, which overflows to infinity
    [1e6, 0x7c00],
    [-1e6, 0xfc00],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
    [1023.5 * 2 ** -24, 0x0400], // tie between 0x3ff (odd) and 0x400 → even, carries into the exponent
    [2 ** -25, 0x0000], // half the smallest subnormal: tie → even (0)
    [3 * 2 ** -25, 0x0002], // 1.5 × 2^-24: tie between 1 and 2 → 2
    [1.25 * 2 ** -24, 0x0001],
    [2 ** -26, 0x0000],
    [1 + 2 ** -11, 0x3c00], // tie between 1 (even) and 1+2^-10 → 1
    [1 + 3 * 2 ** -11, 0x3c02], // tie between 1+2^-10 (odd) and 1+2^-9 → 1+2^-9
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie → up
  ];
  for (const [x, bits] of cases) {
    test(`${x} → 0x${bits.toString(16)}`, () => assert.equal(float32ToFloat16Bits(x), bits));
  }
  test('NaN stays NaN', () => {
    const h = float32ToFloat16Bits(NaN);
    assert.equal(h & 0x7c00, 0x7c00);
    assert.notEqual(h & 0x3ff, 0);
    assert.ok(Number.isNaN(float16BitsToFloat32(h)));
  });
});

describe('float16 bits → float32', () => {
  test('hand values', () => {
    assert.equal(float16BitsToFloat32(0x3c00), 1);
    assert.equal(float16BitsToFloat32(0xc000), -2);
    assert.equal(float16BitsToFloat32(0x7bff), 65504);
    assert.equal(float16BitsToFloat32(0x0001), 2 ** -24);
    assert.equal(float16BitsToFloat32(0x7c00), Infinity);
    assert.equal(float16BitsToFloat32(0xfc00), -Infinity);
    assert.ok(Object.is(float16BitsToFloat32(0x8000), -0));
  });
  test('every non-NaN half round-trips exactly', () => {
    for (let h = 0; h < 65536; h++) {
      const f = float16BitsToFloat32(h);
      if (Number.isNaN(f)) continue;
      assert.equal(float32ToFloat16Bits(f), h, `0x${h.toString(16)}`);
    }
  });
  test('array conversions agree with the scalar ones and stay within half an ulp', () => {
    const xs = new Float32Array([0.1, -0.333, 3.14159, 1e-6, 70000, -1e-8]);
    const bits = toFloat16(xs);
    const back = fromFloat16(bits);
    for (let i = 0; i < xs.length; i++) {
      assert.equal(bits[i], float32ToFloat16Bits(xs[i]));
      assert.equal(back[i], float16BitsToFloat32(bits[i]));
    }
    assert.ok(Math.abs(back[2] - 3.14159) <= 2 ** -10); // ulp at [2,4) is 2^-9
    assert.equal(back[4], Infinity);
  });
});
