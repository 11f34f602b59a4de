/**
 * Training-step speed of `trainRetriever` (src/train/loop.ts) on the offline default task (WordNet:
 * 117,791 passages, GloVe-bag encoders [V, 100] + 100×100 linear + L2 norm, batch 64, 4 negatives):
 *   - the stale step (selection over the never-refreshed cache) and the corrector step (the MLP
 *     corrector 100→256→100 applied to the whole cache for the selection, plus its own update),
 *     measured interleaved in segments (stale, corrector, stale, corrector, ...) of `segment` steps
 *     each; each segment is a fresh short run (same seed, shared initial cache), whose first step
 *     is dropped as warm-up; a step's time is the gap between consecutive onStep callbacks;
 *   - a full refresh (re-encoding every passage with the target encoder: what refresh:R does every R
 *     steps), amortised: stale step + refresh / R;
 *   - the same steps in PyTorch (bench/peers/train_step.py, same shapes, at `threads` and 1 thread),
 *     interleaved with ours per segment;
 *   - a tfjs profile (tf.profile) of a short corrector run: kernels by total time, and bytes.
 * Reports "corrector overhead vs stale step" = corrector step / stale step − 1 (goal ≤ 0.30) and
 * ours / PyTorch step throughput (goal ≥ 1). Writes results/bench-train-step.json.
 *
 *   node --import tsx bench/train-step.ts [flags]   (--help lists them: TRAIN_STEP_OPTIONS)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { summarize, ratioOfMedians, peakRssMiB, median, benchMain, writeBenchRecord } from './harness';
import { startPeer, type PeerProcess } from './peer-client';
import { defineOptions, defaultsOf, type Values } from '../src/util/options';

export const TRAIN_STEP_OPTIONS = defineOptions({
  segments: { type: 'int', help: 'interleaved segments per strategy', default: 3, min: 1, max: 1000 },
  segment: { type: 'int', help: 'steps per segment (its first is dropped as warm-up)', default: 8, min: 2, max: 100_000 },
  refreshReps: { type: 'int', help: 'full refreshes timed', default: 2, min: 1, max: 1000 },
  R: { type: 'int', help: 'refresh:R used to amortise the refresh cost (150 = `npm start`\'s 600 steps / 4)', flag: 'R', default: 150, min: 1 },
  threads: { type: 'int', help: 'threads for ours and the peers', default: 2, min: 1, max: 1024 },
  dataset: { type: 'string', help: 'dataset folder', placeholder: 'dir', defaultText: 'the offline WordNet task' },
  profileSteps: { type: 'int', help: 'steps of the profiled corrector run', default: 3, min: 1, max: 10_000 },
  python: { type: 'string', help: 'peer python with torch', placeholder: 'path', defaultText: '$FRESHCACHE_PYTHON, else bench/peers/.venv/bin/python' },
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-train-step.json'), placeholder: 'file' },
});
export type TrainStepBenchOptions = Partial<Values<typeof TRAIN_STEP_OPTIONS>> & { log?: (line: string) => void };

/** A kernel's total time over a profiled run, and its count. */
export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

/** Sums tf.profile kernel records by kernel name (and input shapes when `byShape`), sorted by time, top `top`. */
export function aggregateKernels(kernels: { name: string; kernelTimeMs: number; inputShapes?: number[][] }[], top = 15, byShape = false): KernelTime[] {
  const m = new Map<string, KernelTime>();
  for (const k of kernels) {
    const key = byShape && k.inputShapes ? `${k.name}[${k.inputShapes.map((s) => (s ?? []).join('x')).join(',')}]` : k.name;
    const e = m.get(key) ?? { kernel: key, ms: 0, calls: 0 };
    e.ms += k.kernelTimeMs;
    e.calls++;
    m.set(key, e);
  }
  return [...m.values()].sort((a, b) => b.ms - a.ms).slice(0, top);
}

/** Runs the benchmark and writes its JSON; returns the record. */
export async function runTrainStepBench(opts: TrainStepBenchOptions = {}): Promise<Record<string, unknown>> {
  const o = { ...defaultsOf(TRAIN_STEP_OPTIONS), ...opts };
  const { segments, segment: segLen, refreshReps, R, threads, out } = o;
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  process.env.TF_NUM_INTEROP_THREADS = '1';
  const { tf, initBackend } = await import('../src/tensor');
  const { loadTrainData } = await import('../src/train/data');
  const { resolveConfig } = await import('../src/train/config');
  const { encoderFactory } = await import('../src/train/encoders');
  const { trainRetriever, encodeAll } = await import('../src/train/loop');
  const backend = await initBackend(process.env.FRESHCACHE_BACKEND ? undefined : 'tensorflow');
  log(backend.summary);

  let dataset = o.dataset;
  if (!dataset) {
    const { ensureDefaultTask } = await import('../src/data/wordnet');
    dataset = await ensureDefaultTask();
  }
  const base = resolveConfig({ dataset, logEvery: 1e9, evalEvery: 0, checkpointEvery: 0, steps: 1e9 });
  const data = await loadTrainData(dataset, [base.trainSplit, base.devSplit]);
  const makeEncoders = encoderFactory(base.encoder, data, base.seed);
  const N = data.corpusTexts.length;

  // the shared initial cache, and the refresh cost (a full re-encode by the target encoder)
  const enc = await makeEncoders();
  const dim = enc.target.dim;
  const encode = (t: string[]) => enc.target.encode(t);
  let initialCache = await encodeAll(encode, data.corpusTexts, dim);
  const refreshTimes: number[] = [];
  for (let r = 0; r < refreshReps; r++) {
    const t0 = performance.now();
    initialCache = await encodeAll(encode, data.corpusTexts, dim);
    refreshTimes.push((performance.now() - t0) / 1000);
  }
  const cfgV = enc.target.config() as { vocabSize?: number; embedDim?: number };
  const V = cfgV.vocabSize ?? 0;
  const tokenIds = (enc.target as unknown as { tokenIds?: (t: string) => number[] }).tokenIds?.bind(enc.target);
  const meanTokens = (texts: string[]) => {
    const sample = texts.slice(0, 5000);
    return tokenIds ? sample.reduce((a, t) => a + tokenIds(t).length, 0) / sample.length : sample.reduce((a, t) => a + t.split(/\s+/).length, 0) / sample.length;
  };
  const train = data.splits[base.trainSplit];
  const passageTokens = meanTokens(data.corpusTexts);
  const queryTokens = meanTokens(train.queryTexts);
  enc.query.dispose();
  if (enc.target !== enc.query) enc.target.dispose();
  log(`task ${dataset}: ${N} passages, vocabulary ${V} × ${dim}, mean tokens: passages ${passageTokens.toFixed(1)}, queries ${queryTokens.toFixed(1)}; refresh ${refreshTimes.map((t) => t.toFixed(2)).join(' ')} s`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-bench-train-'));
  let runNo = 0;
  /** One fresh short run of `steps` steps; returns the step times (first step dropped). */
  const segment = async (strategy: string, steps: number, onStep?: () => void): Promise<number[]> => {
    const runDir = path.join(tmp, `run${runNo++}`);
    const cfg = resolveConfig({ ...base, strategy, name: `bench-${strategy}` });
    const stamps: number[] = [];
    await trainRetriever({ config: cfg, data, makeEncoders, runDir, resume: false, initialCache, stopAfterStep: steps, onStep: () => { stamps.push(performance.now()); onStep?.(); } });
    fs.rmSync(runDir, { recursive: true, force: true });
    return stamps.slice(1).map((t, i) => (t - stamps[i]) / 1000);
  };

  // PyTorch peers at `threads` and at 1 thread
  const python = o.python ?? process.env.FRESHCACHE_PYTHON ?? path.join('bench', 'peers', '.venv', 'bin', 'python');
  const peers: { threads: number; peer: PeerProcess; info: any }[] = [];
  for (const t of threads > 1 ? [threads, 1] : [threads]) {
    const p = startPeer(python, path.join(__dirname, 'peers', 'train_step.py'), t);
    if (typeof p === 'string') {
      log(`PyTorch peer skipped: ${p}`);
      break;
    }
    const info = await p.request({
      cmd: 'setup', vocab: V, dim, rows: N, passageTokens: Math.max(1, Math.round(passageTokens)), queryTokens: Math.max(1, Math.round(queryTokens)),
      queries: train.queryTexts.length, batch: base.batchSize, negatives: base.negatives, width: base.corrector.width, beta: base.beta, lr: base.lr, hlr: base.corrector.lr,
    });
    peers.push({ threads: t, peer: p, info });
  }

  const strategies = ['stale', 'corrector'];
  const ours: Record<string, number[]> = { stale: [], corrector: [] };
  const torch: Record<string, number[]>[] = peers.map(() => ({ stale: [], corrector: [] }));
  const torchRefresh: number[][] = peers.map(() => []);
  try {
    await segment('corrector', 2); // warm-up (kernels, allocations)
    for (let s = 0; s < segments; s++) {
      for (const strategy of strategies) {
        const times = await segment(strategy, segLen);
        ours[strategy].push(...times);
        for (let k = 0; k < peers.length; k++) torch[k][strategy].push(...(await peers[k].peer.request({ cmd: 'run', strategy, steps: segLen - 1 })).times);
        log(`  segment ${s + 1}/${segments} ${strategy}: ours ${median(times).toFixed(3)} s/step` + peers.map((p, k) => ` | torch ${p.threads}T ${median(torch[k][strategy].slice(-(segLen - 1))).toFixed(3)}`).join(''));
      }
    }
    for (let k = 0; k < peers.length; k++) torchRefresh[k] = (await peers[k].peer.request({ cmd: 'refresh', reps: refreshReps })).times;
  } finally {
    for (const p of peers) p.peer.close();
  }

  // tfjs profile of the corrector steps: kernels recorded between the first and the last step's
  // onStep (the profiler's running kernel list, read at those moments); the set-up before is left out
  let profile: Record<string, unknown> | null = null;
  const profileSteps = o.profileSteps;
  if (profileSteps > 0) {
    const marks: number[] = [];
    const stampsAt: number[] = [];
    const running = () => (tf.engine() as unknown as { state: { activeProfile?: { kernels?: unknown[] } } }).state.activeProfile?.kernels?.length ?? -1;
    const info = await tf.profile(async () => {
      await segment('corrector', profileSteps + 1, () => { marks.push(running()); stampsAt.push(performance.now()); });
      return [];
    });
    const all = info.kernels as unknown as { name: string; kernelTimeMs: number; inputShapes: number[][] }[];
    const sliced = marks.length >= 2 && marks[0] >= 0 ? all.slice(marks[0], marks[marks.length - 1]) : all;
    for (const k of sliced) k.kernelTimeMs = await (k.kernelTimeMs as unknown as Promise<number> | number);
    const steps = Math.max(1, marks.length - 1);
    const wall = (stampsAt[stampsAt.length - 1] - stampsAt[0]) / 1000 / steps;
    const kernelSec = sliced.reduce((a, k) => a + k.kernelTimeMs, 0) / 1000 / steps;
    const perStep = (ks: KernelTime[]) => ks.map((k) => ({ ...k, ms: k.ms / steps, calls: k.calls / steps }));
    profile = {
      what: `tf.profile of trainRetriever corrector steps 2..${profileSteps + 1} (per step)`,
      stepWallSeconds: wall, kernelSecondsPerStep: kernelSec, kernelShareOfWall: kernelSec / wall,
      runPeakBytes: info.peakBytes, runNewBytes: info.newBytes, runNewTensors: info.newTensors,
      topKernels: perStep(aggregateKernels(sliced, 12)), topKernelsByShape: perStep(aggregateKernels(sliced, 12, true)),
    };
    log(`  profile (per corrector step): ${kernelSec.toFixed(3)} s in kernels of ${wall.toFixed(3)} s wall; top: ${(profile.topKernelsByShape as KernelTime[]).slice(0, 4).map((k) => `${k.kernel} ${(k.ms / 1000).toFixed(3)} s`).join(', ')}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });

  const stale = summarize(ours.stale);
  const corr = summarize(ours.corrector);
  const refresh = summarize(refreshTimes);
  const torchOut = peers.map((p, k) => {
    const st = summarize(torch[k].stale);
    const co = summarize(torch[k].corrector);
    const rf = summarize(torchRefresh[k]);
    return {
      threads: p.threads, version: p.info.torch, params: p.info.params,
      staleStep: st, correctorStep: co, refresh: rf,
      refreshAmortisedStep: st.median + rf.median / R,
      correctorOverhead: co.median / st.median - 1,
      ratioOursOverTorch: { stale: ratioOfMedians(torch[k].stale, ours.stale), corrector: ratioOfMedians(torch[k].corrector, ours.corrector) },
    };
  });
  const same = torchOut.find((t) => t.threads === threads) ?? null;
  const body = {
    backend: backend.summary,
    threads,
    task: { dataset: path.relative(process.cwd(), dataset) || dataset, passages: N, vocab: V, dim, passageTokens, queryTokens, batch: base.batchSize, negatives: base.negatives, corrector: base.corrector },
    segments, stepsPerSegment: segLen, R,
    ours: {
      staleStep: stale, correctorStep: corr, refresh,
      refreshAmortisedStep: stale.median + refresh.median / R,
      correctorOverhead: corr.median / stale.median - 1,
      correctorOverheadVsRefreshAmortised: corr.median / (stale.median + refresh.median / R) - 1,
    },
    torch: torchOut,
    ratioOursOverTorchSameThreads: same ? same.ratioOursOverTorch : null,
    ratioOursOverBestTorch: torchOut.length ? {
      stale: stale.median ? Math.min(...torchOut.map((t) => t.staleStep.median)) / stale.median : null,
      corrector: corr.median ? Math.min(...torchOut.map((t) => t.correctorStep.median)) / corr.median : null,
    } : null,
    profile,
    peakRssMiB: peakRssMiB(),
    loadAvgAtEnd: os.loadavg(),
    timed: 'seconds per step (gap between onStep callbacks, first step of each fresh segment dropped); stale and corrector segments interleaved, each followed by the same steps in the PyTorch peers',
  };
  log(`  ours: stale ${stale.median.toFixed(3)} s, corrector ${corr.median.toFixed(3)} s (overhead ${(100 * body.ours.correctorOverhead).toFixed(0)}%), refresh ${refresh.median.toFixed(2)} s (refresh:${R} amortised step ${body.ours.refreshAmortisedStep.toFixed(3)} s)`);
  for (const t of torchOut) log(`  torch ${t.threads}T: stale ${t.staleStep.median.toFixed(3)} s, corrector ${t.correctorStep.median.toFixed(3)} s, refresh ${t.refresh.median.toFixed(2)} s; ours/torch throughput stale ${t.ratioOursOverTorch.stale.toFixed(2)}, corrector ${t.ratioOursOverTorch.corrector.toFixed(2)}`);
  return writeBenchRecord(out, 'train-step', body, log);
}

if (require.main === module) {
  benchMain('bench/train-step.ts', 'training steps/s of the stale and corrector strategies against PyTorch, interleaved', TRAIN_STEP_OPTIONS, runTrainStepBench);
}
