/**
 * Seeded pseudo-random numbers (xoshiro128**), with a state that can be saved in a checkpoint and
 * restored, so a resumed run draws the same numbers as an uninterrupted one.
 */
export class Rng {
  private s: Uint32Array;
  private spareNormal: number | null = null;

  constructor(seed: number | string = 0) {
    this.s = new Uint32Array(4);
    // splitmix32 expands any seed into a non-zero 128-bit state
    let h = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    for (let i = 0; i < 4; i++) {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Standard Gumbel: -log(-log U). */
  gumbel(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return -Math.log(-Math.log(u));
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(a: T[] | Int32Array | Uint32Array): typeof a {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** k distinct integers from [0, n), in random order. */
  sampleWithoutReplacement(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`cannot draw ${k} distinct values from ${n}`);
    const picked = new Set<number>();
    const out: number[] = [];
    while (out.length < k) {
      const v = this.int(n);
      if (!picked.has(v)) {
        picked.add(v);
        out.push(v);
      }
    }
    return out;
  }

  /** A fresh generator derived from this one (does not advance this one's stream twice). */
  fork(): Rng {
    const r = new Rng(0);
    r.s = new Uint32Array([this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32() | 1]);
    return r;
  }

  getState(): RngState {
    return { s: Array.from(this.s), spareNormal: this.spareNormal };
  }

  setState(state: RngState): void {
    this.s = new Uint32Array(state.s);
    this.spareNormal = state.spareNormal;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }
}

export interface RngState {
  s: number[];
  spareNormal: number | null;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a 32-bit hash of a string. */
export function hashString(str: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
