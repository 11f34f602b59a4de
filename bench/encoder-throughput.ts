/**
 * Encoder throughput: texts/s of the BERT encoder (TensorFlow.js, native backend) at two sizes,
 * 128 tokens, against the same models in PyTorch (bench/peers/encoder_throughput.py) on the same
 * machine with the same thread count, measured interleaved (tfjs, torch, tfjs, torch, ...) in one
 * run so that load from other processes hits both alike. Writes results/bench-encoder.json.
 *
 *   node --import tsx bench/encoder-throughput.ts [flags]   (--help lists them: ENCODER_THROUGHPUT_OPTIONS)
 *
 * The PyTorch peer runs with OMP_WAIT_POLICY=PASSIVE unless the environment sets it (see startPeer).
 * Timed: forward pass + mean pooling + reading the result back, on an already tokenized batch of
 * `batch` texts that all fill `seq` tokens. Tokenization is timed separately (texts/s).
 */
import { PeerProcess, startPeer } from './peer-client';
import { median, benchMain, writeBenchRecord } from './harness';
import { defineOptions, defaultsOf, type Values } from '../src/util/options';
import * as path from 'path';

export const BENCH_SIZES: Record<string, { layers: number; hidden: number; heads: number; intermediate: number }> = {
  small: { layers: 4, hidden: 256, heads: 4, intermediate: 1024 },
  base: { layers: 12, hidden: 768, heads: 12, intermediate: 3072 },
};

export const ENCODER_THROUGHPUT_OPTIONS = defineOptions({
  rounds: { type: 'int', help: 'interleaved rounds (tfjs, torch)', default: 3, min: 1, max: 1000 },
  reps: { type: 'int', help: 'batches per measurement', default: 2, min: 1, max: 1000 },
  batch: { type: 'int', help: 'texts per batch', default: 32, min: 1, max: 1 << 16 },
  seq: { type: 'int', help: 'tokens per text', default: 128, min: 2, max: 8192 },
  threads: { type: 'int', help: 'threads for tfjs and the peer', default: 2, min: 1, max: 1024 },
  sizes: { type: 'list', of: 'string', help: 'encoder sizes', default: Object.keys(BENCH_SIZES), choices: Object.keys(BENCH_SIZES) },
  python: { type: 'string', help: 'peer python with torch and transformers', placeholder: 'path', defaultText: '$FRESHCACHE_PYTHON, else .cache/venv-hf/bin/python' },
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-encoder.json'), placeholder: 'file' },
});
export type EncoderBenchOptions = Partial<Values<typeof ENCODER_THROUGHPUT_OPTIONS>> & { log?: (line: string) => void };

/** The peer script of this benchmark, started through bench/peer-client.ts. */
const PEER_SCRIPT = path.join(__dirname, 'peers', 'encoder_throughput.py');

/** Texts long enough to fill `seq` word pieces. */
export function benchTexts(n: number, seq: number): string[] {
  const words = 'dense retrieval with stale target embeddings needs a corrector network that maps old vectors to fresh ones'.split(' ');
  return Array.from({ length: n }, (_, i) => Array.from({ length: seq + 8 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' '));
}

/** Runs the benchmark and writes its JSON; returns the record. */
export async function runEncoderThroughputBench(opts: EncoderBenchOptions = {}): Promise<Record<string, unknown>> {
  const o = { ...defaultsOf(ENCODER_THROUGHPUT_OPTIONS), ...opts };
  const { rounds, reps, batch, seq, threads, sizes, out } = o;
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // libtensorflow reads these when its first context is made (initBackend below)
  process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  process.env.TF_NUM_INTEROP_THREADS = '1';
  process.env.OMP_NUM_THREADS = String(threads);
  const { tf, initBackend } = await import('../src/tensor');
  const { createBertEncoder } = await import('../src/encoders/bert');
  const backend = await initBackend(process.env.FRESHCACHE_BACKEND ? undefined : 'tensorflow');
  log(backend.summary);

  const python = o.python ?? process.env.FRESHCACHE_PYTHON ?? path.join('.cache', 'venv-hf', 'bin', 'python');
  const peerOrWhy = startPeer(python, PEER_SCRIPT, threads);
  const peer = typeof peerOrWhy === 'string' ? null : peerOrWhy;
  if (!peer) log(`PyTorch peer skipped: ${peerOrWhy}`);
  const texts = benchTexts(batch, seq);
  const results: Record<string, unknown>[] = [];
  try {
    for (const size of sizes) {
      const s = BENCH_SIZES[size];
      if (!s) throw new Error(`unknown size '${size}'; expected one of ${Object.keys(BENCH_SIZES).join(', ')}`);
      log(`${size}: ${s.layers} layers × ${s.hidden} hidden, batch ${batch} × ${seq} tokens`);
      const enc = createBertEncoder({ numLayers: s.layers, hiddenSize: s.hidden, numHeads: s.heads, intermediateSize: s.intermediate, maxLength: seq });
      const t0 = performance.now();
      const tokBatch = enc.tokenize(texts);
      const tokenizeSec = (performance.now() - t0) / 1000;
      if (tokBatch.length !== seq) throw new Error(`bench texts tokenized to ${tokBatch.length} tokens, expected ${seq}`);
      const tfjsRun = async (n: number) => {
        const times: number[] = [];
        for (let r = 0; r < n; r++) {
          const a = performance.now();
          const e = enc.encodeBatch(tokBatch);
          await e.data();
          e.dispose();
          times.push((performance.now() - a) / 1000);
        }
        return times;
      };
      let torchInfo: any = null;
      if (peer) torchInfo = await peer.request({ cmd: 'setup', name: size, ...s, vocab: 30522, batch, seq });
      await tfjsRun(1); // warm-up
      const tfjsTimes: number[] = [];
      const torchTimes: number[] = [];
      for (let r = 0; r < rounds; r++) {
        tfjsTimes.push(...(await tfjsRun(reps)));
        if (peer) torchTimes.push(...(await peer.request({ cmd: 'run', name: size, reps })).times);
        log(`  round ${r + 1}/${rounds}: tfjs ${tfjsTimes.slice(-reps).map((t) => t.toFixed(3)).join(' ')} s` +
          (peer ? ` | torch ${torchTimes.slice(-reps).map((t) => t.toFixed(3)).join(' ')} s` : ''));
      }
      const tfjsTps = batch / median(tfjsTimes);
      const torchTps = peer ? batch / median(torchTimes) : null;
      const flopsPerText = enc.flopsPerText(seq);
      results.push({
        size,
        ...s,
        params: enc.parameterCount(),
        flopsPerText,
        tfjs: { textsPerSec: tfjsTps, secondsPerBatch: tfjsTimes, gflops: (tfjsTps * flopsPerText) / 1e9, tokenizeTextsPerSec: batch / tokenizeSec },
        torch: peer ? { textsPerSec: torchTps, secondsPerBatch: torchTimes, gflops: (torchTps! * flopsPerText) / 1e9, version: torchInfo.torch, threads: torchInfo.threads } : null,
        ratioTfjsOverTorch: torchTps ? tfjsTps / torchTps : null,
      });
      log(`  tfjs ${tfjsTps.toFixed(2)} texts/s` + (torchTps ? `, torch ${torchTps.toFixed(2)} texts/s, ratio ${(tfjsTps / torchTps).toFixed(2)}` : ''));
      enc.dispose();
    }
  } finally {
    peer?.close();
  }
  return writeBenchRecord(out, 'encoder-throughput', {
    backend: backend.summary,
    tfjsVersion: tf.version_core,
    threads,
    torchOmpWaitPolicy: process.env.OMP_WAIT_POLICY ?? 'PASSIVE',
    batch,
    seq,
    rounds,
    repsPerRound: reps,
    timed: 'forward + mean pooling + read back, pre-tokenized batch; median seconds per batch',
    results,
  }, log);
}

if (require.main === module) {
  benchMain('bench/encoder-throughput.ts', 'BERT encoder texts/s: tfjs against PyTorch, interleaved', ENCODER_THROUGHPUT_OPTIONS, runEncoderThroughputBench);
}
