/**
 * tfjs profile of one BERT encoder forward pass (the encoder-throughput benchmark's work: a batch of
 * `batch` texts × `seq` tokens, mean pooled, read back): kernels by total time and input shapes,
 * and the tensor memory of the pass. `freshcache bench` runs it for an encoder size that misses its
 * goal. Writes results/bench-profile-encoder.json.
 *
 *   node --import tsx bench/profile-encoder.ts [--sizes small,base] [--batch 32] [--seq 128] [--threads 2]
 *        [--out results/bench-profile-encoder.json]
 */
import * as path from 'path';
import { writeJsonAtomic } from '../src/util/atomic';
import { aggregateKernels } from './train-step';
import { BENCH_SIZES } from './encoder-throughput';

function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const threads = flag('threads', '2');
  process.env.TF_NUM_INTRAOP_THREADS = threads;
  process.env.TF_NUM_INTEROP_THREADS = '1';
  const { tf, initBackend } = await import('../src/tensor');
  const { createBertEncoder } = await import('../src/encoders/bert');
  const backend = await initBackend(process.env.FRESHCACHE_BACKEND ? undefined : 'tensorflow');
  const batch = Number(flag('batch', '32'));
  const seq = Number(flag('seq', '128'));
  const out = flag('out', path.join('results', 'bench-profile-encoder.json'));
  const words = 'dense retrieval with stale target embeddings needs a corrector network that maps old vectors to fresh ones'.split(' ');
  const texts = Array.from({ length: batch }, (_, i) => Array.from({ length: seq + 8 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' '));
  const results = [];
  for (const size of flag('sizes', 'small,base').split(',')) {
    const s = BENCH_SIZES[size];
    if (!s) throw new Error(`unknown size '${size}'; expected one of ${Object.keys(BENCH_SIZES).join(', ')}`);
    const enc = createBertEncoder({ numLayers: s.layers, hiddenSize: s.hidden, numHeads: s.heads, intermediateSize: s.intermediate, maxLength: seq });
    const tok = enc.tokenize(texts);
    const run = async () => {
      const e = enc.encodeBatch(tok);
      await e.data();
      e.dispose();
    };
    await run(); // warm-up
    const t0 = performance.now();
    const info = await tf.profile(async () => {
      await run();
      return [];
    });
    const wall = (performance.now() - t0) / 1000;
    const kernels = info.kernels as unknown as { name: string; kernelTimeMs: number; inputShapes: number[][] }[];
    for (const k of kernels) k.kernelTimeMs = await (k.kernelTimeMs as unknown as Promise<number> | number);
    const kernelMs = kernels.reduce((a, k) => a + k.kernelTimeMs, 0);
    results.push({ size, ...s, batch, seq, wallSeconds: wall, kernelSeconds: kernelMs / 1000, peakBytes: info.peakBytes, topKernels: aggregateKernels(kernels, 10), topKernelsByShape: aggregateKernels(kernels, 10, true) });
    process.stderr.write(`${size}: ${(kernelMs / 1000).toFixed(3)} s in kernels of ${wall.toFixed(3)} s; ${aggregateKernels(kernels, 4).map((k) => `${k.kernel} ${k.ms.toFixed(0)} ms`).join(', ')}\n`);
    enc.dispose();
  }
  writeJsonAtomic(out, { bench: 'profile-encoder', date: new Date().toISOString(), backend: backend.summary, threads: Number(threads), results });
  process.stderr.write(`wrote ${out}\n`);
}

main().catch((e) => {
  process.stderr.write(`error: ${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
