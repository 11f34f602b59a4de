/**
 * Every TensorFlow.js backend this machine has, side by side: a float32 matMul in GFLOP/s (1024³, and
 * the largest size up to 4096³ that fits a time budget) and a small BERT (4 layers × 256) forward and
 * training step (bench/bert-step.ts: batch 8 × 64 tokens, in-batch softmax, Adam), each backend in its
 * own child process (the native packages and Mesa's renderer cannot share one). Backends that cannot
 * start are listed with the reason. When bench/results/gpu-check.json (scripts/gpu-check.sh on a GPU
 * machine) is present, its figures are included. Writes results/bench-backends.json.
 *
 *   node --import tsx bench/backends.ts [flags]   (--help lists them: BACKENDS_BENCH_OPTIONS)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { median, benchMain, writeBenchRecord } from './harness';
import { defineOptions, type Values } from '../src/util/options';
import { BACKENDS } from '../src/tensor/names';

const ROOT = path.join(__dirname, '..');
export const GPU_CHECK_RESULT = path.join(ROOT, 'bench', 'results', 'gpu-check.json');
const BERT = { size: 'small' as const, batch: 8, seq: 64 };

/** One backend, in this process: what it runs on, matMul, BERT forward and training step. */
async function measureOne(name: string, quick: boolean): Promise<Record<string, unknown>> {
  const { initBackend, measureMatMul, measureMatMulWithin, parseBackend, BackendUnavailableError } = await import('../src/tensor');
  const { BERT_SIZES, bertForStep, randomBatch, timeForward, timeTrainSteps } = await import('./bert-step');
  let info;
  try {
    info = await initBackend(parseBackend(name, '--backends'));
  } catch (e) {
    if (e instanceof BackendUnavailableError) return { backend: name, available: false, reason: e.message.replace(/^backend \S+ is not available: /, '') };
    throw e;
  }
  const matMul1024 = await measureMatMul(1024, quick ? 1 : 3);
  const largest = await measureMatMulWithin(quick ? 500 : 1500);
  const size = BERT_SIZES[BERT.size];
  const enc = bertForStep(size, BERT.seq, 0);
  const q = randomBatch(BERT.batch, BERT.seq, size.vocab, 1);
  const t = randomBatch(BERT.batch, BERT.seq, size.vocab, 2);
  const bert: Record<string, unknown> = { ...BERT, ...size, params: enc.parameterCount() };
  try {
    const fwd = await timeForward(enc, q, 1);
    // the pure-JS and software-GPU backends take seconds a pass: fewer repetitions, and no training
    // step where one forward pass already exceeds the budget (a step is about 3 forward passes)
    const slow = fwd[0] > (quick ? 1 : 5);
    if (!slow && !quick) fwd.push(...(await timeForward(enc, q, 2)));
    Object.assign(bert, { forwardTextsPerSec: BERT.batch / median(fwd), forwardSeconds: fwd });
    if (slow) bert.trainSkipped = `one forward pass takes ${fwd[0].toFixed(1)} s on this backend (budget ${quick ? 1 : 5} s)`;
    else {
      const train = await timeTrainSteps(enc, q, t, quick ? 1 : 3);
      Object.assign(bert, { trainStepsPerSec: 1 / median(train.times), trainSeconds: train.times, losses: train.losses });
    }
  } catch (e) {
    bert.error = String(e instanceof Error ? e.message : e).split('\n')[0];
  } finally {
    enc.dispose();
  }
  return { backend: name, available: true, summary: info.summary, gpu: info.gpu, device: info.device, versions: info.versions, matMul1024, matMulLargest: largest, bert };
}

export const BACKENDS_BENCH_OPTIONS = defineOptions({
  backends: { type: 'list', of: 'string', help: 'backends to measure, each in its own process', default: [...BACKENDS], choices: BACKENDS },
  quick: { type: 'boolean', help: 'fewer repetitions and a smaller time budget', default: false },
  one: { type: 'string', help: 'measure this one backend in this process and print its JSON (what each child runs)', placeholder: 'backend', choices: BACKENDS },
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-backends.json'), placeholder: 'file' },
});
export type BackendsBenchOptions = Partial<Values<typeof BACKENDS_BENCH_OPTIONS>> & { log?: (line: string) => void };

/** Runs every backend in its own child and writes the record. */
export async function runBackendsBench(o: BackendsBenchOptions = {}): Promise<Record<string, unknown>> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const out = o.out ?? path.join('results', 'bench-backends.json');
  const results: Record<string, unknown>[] = [];
  for (const name of o.backends ?? BACKENDS) {
    log(`[${name}] measuring in its own process`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--one', name, ...(o.quick ? ['--quick'] : [])], {
      cwd: ROOT, encoding: 'utf8', timeout: 600_000, env: { ...process.env, FRESHCACHE_BACKEND: '' }, maxBuffer: 64 << 20,
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line);
    } catch {
      const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').filter((l) => !/^[=<-]|^\s*$/.test(l)).pop()}`;
      rec = { backend: name, available: false, reason: `the measuring process failed (${why})` };
    }
    results.push(rec);
    const m = rec.matMul1024 as { gflops: number } | undefined;
    const b = rec.bert as { forwardTextsPerSec?: number; trainStepsPerSec?: number; trainSkipped?: string; error?: string } | undefined;
    const bertText = b?.error ? `BERT small: ${b.error}` : `BERT small forward ${b?.forwardTextsPerSec?.toFixed(1)} texts/s, train ${b?.trainStepsPerSec?.toFixed(2) ?? `skipped (${b?.trainSkipped})`} steps/s`;
    log(`[${name}] ${rec.available ? `${rec.summary}; matMul 1024³ ${m!.gflops.toFixed(1)} GFLOP/s; ${bertText}` : `not available: ${rec.reason}`}`);
  }
  const gpuCheck = fs.existsSync(GPU_CHECK_RESULT) ? JSON.parse(fs.readFileSync(GPU_CHECK_RESULT, 'utf8')) : null;
  return writeBenchRecord(out, 'backends', {
    bertWorkload: `BERT ${BERT.size} (${JSON.stringify(BERT)}), random token ids, mean pooling; train step: in-batch softmax cross-entropy (β = 20), gradients, Adam`,
    results,
    gpuCheck: gpuCheck ? { file: path.relative(ROOT, GPU_CHECK_RESULT), ...gpuCheck } : null,
    gpuCheckNote: gpuCheck ? undefined : 'no bench/results/gpu-check.json: no GPU check has been run (scripts/gpu-check.sh on a GPU machine writes it)',
  }, log);
}

if (require.main === module) {
  benchMain('bench/backends.ts', 'every TensorFlow.js backend on this machine: matMul GFLOP/s and BERT throughput', BACKENDS_BENCH_OPTIONS, async (o) => {
    if (o.one) {
      console.log(JSON.stringify(await measureOne(o.one, o.quick)));
      process.exit(0); // a webgpu child's Dawn instance would keep it alive
    }
    await runBackendsBench(o);
  });
}
