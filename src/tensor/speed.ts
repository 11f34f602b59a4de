/**
 * matMul throughput of the current backend: float32 n×n·n×n products, 2n³ FLOPs each. The products
 * of one measurement are queued back to back and one value of the last is read at the end, so a
 * GPU backend is timed on its work and not on a host round trip per product.
 */
import { tf } from './tf';

export interface MatMulSpeed {
  n: number;
  reps: number;
  msPerProduct: number;
  gflops: number;
}

/** Times `reps` products of size n (after one warm-up product). */
export async function measureMatMul(n: number, reps: number): Promise<MatMulSpeed> {
  const [a, b] = [tf.randomNormal([n, n]), tf.randomNormal([n, n])];
  try {
    await lastValue(tf.matMul(a, b)); // warm-up: kernel compilation, allocator
    const t0 = performance.now();
    let c: tf.Tensor | null = null;
    for (let i = 0; i < reps; i++) {
      c?.dispose();
      c = tf.matMul(a, b);
    }
    const check = await lastValue(c!);
    const ms = (performance.now() - t0) / reps;
    if (!Number.isFinite(check)) throw new Error(`matMul ${n}³ produced a non-finite value on ${tf.getBackend()}`);
    return { n, reps, msPerProduct: ms, gflops: (2 * n ** 3) / ms / 1e6 };
  } finally {
    tf.dispose([a, b]);
  }
}

/** Reads the last element of a 2-d tensor (forcing the queued work to finish) and disposes it. */
async function lastValue(c: tf.Tensor): Promise<number> {
  const [r, k] = c.shape;
  const one = tf.slice(c, [r - 1, k - 1], [1, 1]);
  try {
    return (await one.data())[0];
  } finally {
    one.dispose();
    c.dispose();
  }
}

/**
 * The largest size up to `maxN` (from 256, doubling) whose product takes under `budgetMs`, measured:
 * a fast backend is timed on a size that fills it, a software renderer on one that ends in seconds.
 */
export async function measureMatMulWithin(budgetMs = 400, maxN = 4096): Promise<MatMulSpeed> {
  let best = await measureMatMul(256, 3);
  for (let n = 512; n <= maxN; n *= 2) {
    if (best.msPerProduct * 8 > budgetMs) break; // the next size takes about 8× as long
    best = await measureMatMul(n, Math.max(2, Math.min(10, Math.round(budgetMs / (best.msPerProduct * 8)))));
  }
  return best;
}
