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
import { benchMain, writeBenchRecord, type BenchArgs } from './harness';
import { pickOptions, defineOptions } from '../src/util/options';
import { aggregateKernels } from './train-step';
import { BENCH_SIZES, ENCODER_THROUGHPUT_OPTIONS, benchTexts } from './encoder-throughput';

const OPTIONS = defineOptions({
  ...pickOptions(ENCODER_THROUGHPUT_OPTIONS, ['sizes', 'batch', 'seq', 'threads']),
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-profile-encoder.json'), placeholder: 'file' },
});

async function main(o: BenchArgs<typeof OPTIONS>): Promise<void> {
  const { threads, batch, seq, out } = o;
  process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  process.env.TF_NUM_INTEROP_THREADS = '1';
  const { tf, initBackend } = await import('../src/tensor');
  const { createBertEncoder } = await import('../src/encoders/bert');
  const backend = await initBackend(process.env.FRESHCACHE_BACKEND ? undefined : 'tensorflow');
  const texts = benchTexts(batch, seq);
  const results = [];
  for (const size of o.sizes) {
    const s = BENCH_SIZES[size];
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
  writeBenchRecord(out, 'profile-encoder', { backend: backend.summary, threads, results });
}

benchMain('bench/profile-encoder.ts', 'tfjs profile of one BERT encoder forward pass: kernels by time, tensor memory', OPTIONS, main);
