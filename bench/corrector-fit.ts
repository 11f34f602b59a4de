/**
 * Corrector training speed: steps/s of one OnlineCorrectorTrainer.step (residual MLP forward, mse
 * drift loss, backward, Adam update, loss read back) on a fixed [batch, dim] batch, on the native
 * TensorFlow.js backend, against the same step in PyTorch (bench/peers/corrector_fit.py) with the same
 * thread count (and at 1 thread), measured interleaved (tfjs, torch, torch-1T, tfjs, ...) in one run so
 * that load from other processes hits all alike. Writes results/bench-corrector-fit.json.
 *
 *   node --import tsx bench/corrector-fit.ts [flags]   (--help lists them: CORRECTOR_FIT_OPTIONS)
 *
 * The peer venv: python3 -m venv .cache/venv-peers && .cache/venv-peers/bin/pip install torch numpy
 */
import { PeerProcess, startPeer } from './peer-client';
import { median, benchMain, writeBenchRecord } from './harness';
import { defineOptions, defaultsOf, type Values } from '../src/util/options';
import * as os from 'os';
import * as path from 'path';

/** `steps`: default steps per round (about a second or two per round on 2 cores). */
export const BENCH_CONFIGS: Record<string, { dim: number; width: number; depth: number; activation: 'gelu' | 'relu'; steps: number }> = {
  'small-gelu': { dim: 128, width: 512, depth: 1, activation: 'gelu', steps: 40 },
  'small-relu': { dim: 128, width: 512, depth: 1, activation: 'relu', steps: 40 },
  'base-gelu': { dim: 768, width: 3072, depth: 1, activation: 'gelu', steps: 6 },
};

export const CORRECTOR_FIT_OPTIONS = defineOptions({
  rounds: { type: 'int', help: 'interleaved rounds (tfjs, torch, torch 1 thread)', default: 3, min: 1, max: 1000 },
  steps: { type: 'int', help: 'steps per round', defaultText: 'per config', min: 1, max: 1_000_000 },
  batch: { type: 'int', help: 'rows per step', default: 512, min: 1, max: 1 << 20 },
  threads: { type: 'int', help: 'threads for tfjs and the peer', default: 2, min: 1, max: 1024 },
  configs: { type: 'list', of: 'string', help: 'corrector sizes', default: Object.keys(BENCH_CONFIGS), choices: Object.keys(BENCH_CONFIGS) },
  python: { type: 'string', help: 'peer python with torch', placeholder: 'path', defaultText: '$FRESHCACHE_PYTHON, else .cache/venv-peers/bin/python' },
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-corrector-fit.json'), placeholder: 'file' },
});
export type CorrectorBenchOptions = Partial<Values<typeof CORRECTOR_FIT_OPTIONS>> & { log?: (line: string) => void };

/** The peer script of this benchmark, started through bench/peer-client.ts. */
const PEER_SCRIPT = path.join(__dirname, 'peers', 'corrector_fit.py');

/** Runs the benchmark and writes its JSON; returns the record. */
export async function runCorrectorFitBench(opts: CorrectorBenchOptions = {}): Promise<Record<string, unknown>> {
  const o = { ...defaultsOf(CORRECTOR_FIT_OPTIONS), ...opts };
  const { rounds, batch, threads, configs, out } = o;
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // libtensorflow reads these when its first context is made (initBackend below)
  process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  process.env.TF_NUM_INTEROP_THREADS = '1';
  process.env.OMP_NUM_THREADS = String(threads);
  const { tf, initBackend } = await import('../src/tensor');
  const { buildCorrector, OnlineCorrectorTrainer } = await import('../src/corrector');
  const backend = await initBackend(process.env.FRESHCACHE_BACKEND ? undefined : 'tensorflow');
  log(backend.summary);

  const python = o.python ?? process.env.FRESHCACHE_PYTHON ?? path.join('.cache', 'venv-peers', 'bin', 'python');
  // PyTorch at the same thread count (the comparison asked for), and at 1 thread: on a loaded
  // 2-core machine OpenMP's spin-waiting can make torch's 2-thread run much slower than its 1-thread
  // one, so the ratio is also given against the faster of the two.
  const peerThreads = threads > 1 ? [threads, 1] : [threads];
  const peers: { threads: number; peer: PeerProcess }[] = [];
  for (const t of peerThreads) {
    const p = startPeer(python, PEER_SCRIPT, t);
    if (typeof p === 'string') {
      log(`PyTorch peer skipped: ${p}`);
      break;
    }
    peers.push({ threads: t, peer: p });
  }
  const results: Record<string, unknown>[] = [];
  const loadBefore = os.loadavg();
  try {
    for (const name of configs) {
      const { steps: defaultSteps, ...c } = BENCH_CONFIGS[name];
      const steps = o.steps ?? defaultSteps;
      log(`${name}: dim ${c.dim}, width ${c.width}, depth ${c.depth}, ${c.activation}, batch ${batch}, ${steps} steps per round`);
      const h = buildCorrector({ kind: 'mlp', ...c, seed: 0 });
      const trainer = new OnlineCorrectorTrainer(h, { learningRate: 1e-3 });
      const x = tf.randomNormal([batch, c.dim], 0, 1, 'float32', 1) as import('@tensorflow/tfjs').Tensor2D;
      const y = tf.tidy(() => tf.add(x, tf.randomNormal([batch, c.dim], 0, 0.1, 'float32', 2))) as import('@tensorflow/tfjs').Tensor2D;
      const tfjsRun = async (n: number) => {
        const t0 = performance.now();
        let loss = 0;
        for (let i = 0; i < n; i++) loss = await trainer.step(x, y);
        return { seconds: (performance.now() - t0) / 1000, loss };
      };
      const torchInfo: any[] = [];
      for (const { peer } of peers) torchInfo.push(await peer.request({ cmd: 'setup', name, ...c, batch, lr: 1e-3 }));
      await tfjsRun(3); // warm-up
      const tensorsAfterWarmup = tf.memory().numTensors;
      const tfjsSps: number[] = [];
      const torchSps: number[][] = peers.map(() => []);
      for (let r = 0; r < rounds; r++) {
        const a = await tfjsRun(steps);
        tfjsSps.push(steps / a.seconds);
        for (let k = 0; k < peers.length; k++) {
          const b = await peers[k].peer.request({ cmd: 'run', name, steps });
          torchSps[k].push(steps / b.seconds);
        }
        log(`  round ${r + 1}/${rounds}: tfjs ${tfjsSps[r].toFixed(2)} steps/s` + peers.map((p, k) => ` | torch ${p.threads}T ${torchSps[k][r].toFixed(2)} steps/s`).join(''));
      }
      if (tf.memory().numTensors !== tensorsAfterWarmup) throw new Error(`tensor leak: ${tensorsAfterWarmup} → ${tf.memory().numTensors}`);
      const tfjs = median(tfjsSps);
      const torchMedians = torchSps.map(median);
      const trainFlopsPerStep = 3 * h.flopsPerRow() * batch;
      const torch = peers.map((p, k) => ({
        threads: p.threads,
        stepsPerSec: torchMedians[k],
        perRound: torchSps[k],
        gflops: (torchMedians[k] * trainFlopsPerStep) / 1e9,
        version: torchInfo[k].torch,
        params: torchInfo[k].params,
      }));
      const same = torch.find((t) => t.threads === threads);
      const best = torch.length ? Math.max(...torchMedians) : null;
      results.push({
        config: name,
        ...c,
        batch,
        stepsPerRound: steps,
        params: h.parameterCount(),
        trainFlopsPerStep,
        tfjs: { stepsPerSec: tfjs, perRound: tfjsSps, gflops: (tfjs * trainFlopsPerStep) / 1e9, threads },
        torch,
        ratioTfjsOverTorchSameThreads: same ? tfjs / same.stepsPerSec : null,
        ratioTfjsOverBestTorch: best ? tfjs / best : null,
      });
      log(`  median: tfjs ${tfjs.toFixed(2)} steps/s` + torch.map((t) => `, torch ${t.threads}T ${t.stepsPerSec.toFixed(2)}`).join('') +
        (same ? `; tfjs/torch(${threads}T) ${(tfjs / same.stepsPerSec).toFixed(2)}` : '') + (best ? `, tfjs/best torch ${(tfjs / best).toFixed(2)}` : ''));
      trainer.dispose();
      h.dispose();
      tf.dispose([x, y]);
    }
  } finally {
    for (const { peer } of peers) peer.close();
  }
  return writeBenchRecord(out, 'corrector-fit', {
    machine: { loadavgBefore: loadBefore },
    backend: backend.summary,
    tfjsVersion: tf.version_core,
    threads,
    batch,
    rounds,
    timed: 'OnlineCorrectorTrainer.step: forward, mse loss, backward, Adam update, loss read back; median steps/s over rounds; tfjs and each torch peer interleaved per round',
    results,
  }, log);
}

if (require.main === module) {
  benchMain('bench/corrector-fit.ts', 'corrector training steps/s: tfjs against PyTorch, interleaved', CORRECTOR_FIT_OPTIONS, runCorrectorFitBench);
}
