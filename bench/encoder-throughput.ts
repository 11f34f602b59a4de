/**
 * Encoder throughput: texts/s of the BERT encoder (TensorFlow.js, native backend) at two sizes,
 * 128 tokens, against the same models in PyTorch (bench/peers/encoder_throughput.py) on the same
 * machine with the same thread count, measured interleaved (tfjs, torch, tfjs, torch, ...) in one
 * run so that load from other processes hits both alike. Writes results/bench-encoder.json.
 *
 *   node --import tsx bench/encoder-throughput.ts [--rounds 3] [--reps 2] [--batch 32] [--seq 128]
 *        [--threads 2] [--sizes small,base] [--python .cache/venv-hf/bin/python] [--out results/bench-encoder.json]
 *
 * The PyTorch peer runs with OMP_WAIT_POLICY=PASSIVE unless the environment sets it (see startPeer).
 * Timed: forward pass + mean pooling + reading the result back, on an already tokenized batch of
 * `batch` texts that all fill `seq` tokens. Tokenization is timed separately (texts/s).
 */
import { PeerProcess, startPeer } from './peer-client';
import { median } from './harness';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface EncoderBenchOptions {
  rounds?: number;
  reps?: number;
  batch?: number;
  seq?: number;
  threads?: number;
  sizes?: string[];
  python?: string;
  out?: string;
  log?: (line: string) => void;
}

export const BENCH_SIZES: Record<string, { layers: number; hidden: number; heads: number; intermediate: number }> = {
  small: { layers: 4, hidden: 256, heads: 4, intermediate: 1024 },
  base: { layers: 12, hidden: 768, heads: 12, intermediate: 3072 },
};

/** The peer script of this benchmark, started through bench/peer-client.ts. */
const PEER_SCRIPT = path.join(__dirname, 'peers', 'encoder_throughput.py');

/** Texts long enough to fill `seq` word pieces. */
function benchTexts(n: number, seq: number): string[] {
  const words = 'dense retrieval with stale target embeddings needs a corrector network that maps old vectors to fresh ones'.split(' ');
  return Array.from({ length: n }, (_, i) => Array.from({ length: seq + 8 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' '));
}

/** Runs the benchmark and writes its JSON; returns the record. */
export async function runEncoderThroughputBench(o: EncoderBenchOptions = {}): Promise<Record<string, unknown>> {
  const rounds = o.rounds ?? 3;
  const reps = o.reps ?? 2;
  const batch = o.batch ?? 32;
  const seq = o.seq ?? 128;
  const threads = o.threads ?? 2;
  const sizes = o.sizes ?? ['small', 'base'];
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const out = o.out ?? path.join('results', 'bench-encoder.json');
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
  const record = {
    bench: 'encoder-throughput',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavg: os.loadavg() },
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
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const { writeJsonAtomic } = await import('../src/util/atomic');
  writeJsonAtomic(out, record);
  log(`wrote ${out}`);
  return record;
}

function parseArgs(argv: string[]): EncoderBenchOptions {
  const o: EncoderBenchOptions = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k}: expected a value`);
    const num = () => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${k} ${v}: expected a positive integer`);
      return n;
    };
    if (k === '--rounds') o.rounds = num();
    else if (k === '--reps') o.reps = num();
    else if (k === '--batch') o.batch = num();
    else if (k === '--seq') o.seq = num();
    else if (k === '--threads') o.threads = num();
    else if (k === '--sizes') o.sizes = v.split(',');
    else if (k === '--python') o.python = v;
    else if (k === '--out') o.out = v;
    else throw new Error(`unknown flag ${k}; expected --rounds --reps --batch --seq --threads --sizes --python --out`);
  }
  return o;
}

if (require.main === module) {
  runEncoderThroughputBench(parseArgs(process.argv.slice(2))).catch((e) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  });
}
