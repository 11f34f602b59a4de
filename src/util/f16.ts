/**
 * IEEE 754 binary16 (half precision) conversions, for f16 cache shards and F16 safetensors: float32 → float16 bits with
 * round-to-nearest-even (subnormals, overflow to ±Infinity, NaN kept NaN), and float16 bits → float32
 * (exact).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float16 bits (0..65535) of the float32 nearest to `value`, rounding to nearest, ties to even. */
/** The smallest magnitude that rounds to ±Infinity in float16 (the largest finite half is 65504). */
export const F16_OVERFLOW = 65520;

export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    // Infinity or NaN (keep NaN a quiet NaN with some payload bits so it stays NaN)
    return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  }
  const e = exp - 127 + 15; // rebiased exponent
  if (e >= 0x1f) return sign | 0x7c00; // overflow → infinity
  if (e <= 0) {
    // subnormal half (or zero): value = mant' × 2^-24
    if (e < -10) return sign; // below half the smallest subnormal → ±0
    const m = mant | 0x800000; // with the implicit leading 1
    const shift = 14 - e; // 14..24
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h; // a carry into bit 10 correctly yields the smallest normal
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // may carry into the exponent (→ inf at max)
  return sign | h;
}

/** The float32 value of float16 bits `h` (exact). */
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Converts float32 values to float16 bits (into `out` when given). */
export function toFloat16(values: Float32Array, out: Uint16Array = new Uint16Array(values.length)): Uint16Array {
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

let table: Float32Array | null = null;

/** Converts float16 bits to float32 values (into `out` when given), via a 65536-entry table. */
export function fromFloat16(bits: Uint16Array, out: Float32Array = new Float32Array(bits.length)): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = float16BitsToFloat32(h);
  }
  const t = table;
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]];
  return out;
}
