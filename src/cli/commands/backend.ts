import { defineCommand } from '../command';
import { tf, initBackend, parseBackend } from '../../tensor';

export const backendCommand = defineCommand({
  name: 'backend',
  summary: 'show which TensorFlow.js backend is used, why better ones were not, and its matMul speed',
  flags: {},
  async run(opts, ctx) {
    const info = await initBackend(parseBackend(opts.backend, '--backend'));
    ctx.out(`backend: ${info.name}${info.tfVersion ? ` (libtensorflow ${info.tfVersion})` : ''}`);
    for (const s of info.skipped) ctx.out(`  not ${s.name}: ${s.reason}`);
    const n = 512;
    const reps = 5;
    const [a, b] = [tf.randomNormal([n, n]), tf.randomNormal([n, n])];
    tf.matMul(a, b).dispose(); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    }
    const ms = (performance.now() - t0) / reps;
    ctx.out(`matMul ${n}x${n}x${n}: ${ms.toFixed(2)} ms (${((2 * n ** 3) / ms / 1e6).toFixed(1)} GFLOP/s)`);
    tf.dispose([a, b]);
  },
});
