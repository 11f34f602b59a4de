import type { Command } from '../command';
import { tf } from '../../tensor';

export const backendCommand: Command = {
  name: 'backend',
  summary: 'show which TensorFlow.js backend would be used and why, and its matMul speed',
  flags: {},
  async run(_opts, ctx) {
    const info = await ctx.backend();
    ctx.out(info.summary);
    const n = 512;
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    tf.matMul(a, b).dispose();
    const reps = 5;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) tf.matMul(a, b).dataSync();
    const ms = (performance.now() - t0) / reps;
    ctx.out(`matMul ${n}x${n}: ${ms.toFixed(2)} ms (${((2 * n ** 3) / ms / 1e6).toFixed(1)} GFLOP/s)`);
    tf.dispose([a, b]);
  },
};
