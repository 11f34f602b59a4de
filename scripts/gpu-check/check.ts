/**
 * The GPU check's TensorFlow.js side, bundled by scripts/gpu-check/prepare.ts into one file that runs
 * on a machine with no npm packages (scripts/gpu-check.sh runs it with a carried Node). On the webgpu
 * backend: the adapter, an n³ matMul in GFLOP/s, BERT forward and training-step throughput, and the
 * loss and gradients of a tiny BERT dual encoder against the pure-JS cpu backend (the reference that
 * needs nothing native). Prints one JSON object.
 *
 *   node check.js [--dry]                 full sizes (4096³, BERT-base, batch 32 × 128), or tiny ones
 *   node check.js --merge ours.json torch.json [--dry]   the report: both sides and the ratios
 */
import * as fs from 'fs';
import * as os from 'os';
import { initBackend, measureMatMul, backendRecord, tf } from '../../src/tensor';
import { median } from '../../bench/harness';
import { BERT_SIZES, bertForStep, lossAndGradients, randomBatch, timeForward, timeTrainSteps, type BertSize } from '../../bench/bert-step';

interface Sizes {
  matMulN: number;
  bert: 'base' | 'tiny';
  batch: number;
  seq: number;
  reps: number;
}

export const FULL: Sizes = { matMulN: 4096, bert: 'base', batch: 32, seq: 128, reps: 5 };
export const DRY: Sizes = { matMulN: 256, bert: 'tiny', batch: 4, seq: 16, reps: 2 };
/** Parity inputs (both modes): the tiny model, 6 query/target pairs of 12 tokens, β = 20. */
const PARITY = { batch: 6, seq: 12, beta: 20, seed: 7 };
/** Stop starting new parts after this long, so the whole check (with PyTorch's side) ends within 5 minutes. */
const BUDGET_SECONDS = 200;

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split('\n')[0];

async function parityInputs() {
  const size = BERT_SIZES.tiny;
  return { size, q: randomBatch(PARITY.batch, PARITY.seq, size.vocab, 1, 3), t: randomBatch(PARITY.batch, PARITY.seq, size.vocab, 2, 5) };
}

async function tinyGradients(): Promise<{ loss: number; grads: Float32Array[] }> {
  const { size, q, t } = await parityInputs();
  const enc = bertForStep(size, PARITY.seq, PARITY.seed);
  try {
    return await lossAndGradients(enc, q, t, PARITY.beta);
  } finally {
    enc.dispose();
  }
}

async function bertThroughput(size: BertSize, s: Sizes) {
  const enc = bertForStep(size, s.seq, 0);
  const q = randomBatch(s.batch, s.seq, size.vocab, 11);
  const t = randomBatch(s.batch, s.seq, size.vocab, 12);
  try {
    const fwd = await timeForward(enc, q, s.reps);
    const train = await timeTrainSteps(enc, q, t, s.reps);
    return {
      size: s.bert, ...size, batch: s.batch, seq: s.seq, params: enc.parameterCount(),
      forward: { secondsPerBatch: fwd, textsPerSec: s.batch / median(fwd) },
      trainStep: { secondsPerStep: train.times, stepsPerSec: 1 / median(train.times), pairsPerSec: s.batch / median(train.times), losses: train.losses },
      timed: 'forward: encode one batch (mean pooling) and read it back; train step: queries and targets through the shared encoder, in-batch softmax cross-entropy (β = 20), gradients, Adam, loss read back',
    };
  } finally {
    enc.dispose();
  }
}

export async function runCheck(s: Sizes): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const out: Record<string, unknown> = { side: 'tfjs', sizes: s, node: process.version, platform: `${os.type()} ${os.release()} ${os.arch()}`, cpus: os.cpus().length };
  const elapsed = () => (performance.now() - t0) / 1000;
  await initBackend('cpu');
  const ref = await tinyGradients();
  try {
    await initBackend('webgpu');
  } catch (e) {
    out.error = `webgpu backend did not start: ${firstLine(e)}`;
    return out;
  }
  out.backend = await backendRecord();
  const parts: [string, () => Promise<unknown>][] = [
    ['parity', async () => {
      const got = await tinyGradients();
      let diff = 0;
      let scale = 0;
      got.grads.forEach((g, i) => g.forEach((v, j) => {
        diff = Math.max(diff, Math.abs(v - ref.grads[i][j]));
        scale = Math.max(scale, Math.abs(ref.grads[i][j]));
      }));
      const lossDiff = Math.abs(got.loss - ref.loss);
      return {
        reference: 'tfjs cpu backend (pure JavaScript, float32)', model: 'tiny BERT (2 layers, hidden 32), 6 query/target pairs of 12 tokens, β = 20',
        loss: got.loss, referenceLoss: ref.loss, lossDiff, maxGradDiff: diff, maxGrad: scale,
        tolerance: 'loss |Δ| ≤ 1e-5·max(1, |loss|); gradients max |Δ| ≤ 1e-4 · max |gradient|',
        ok: lossDiff <= 1e-5 * Math.max(1, Math.abs(ref.loss)) && diff <= 1e-4 * scale,
      };
    }],
    ['matMul', () => measureMatMul(s.matMulN, s.reps)],
    ['bert', () => bertThroughput(BERT_SIZES[s.bert], s)],
  ];
  for (const [name, fn] of parts) {
    if (elapsed() > BUDGET_SECONDS) {
      out[name] = { skipped: `time budget of ${BUDGET_SECONDS} s spent` };
      continue;
    }
    try {
      out[name] = await fn();
    } catch (e) {
      out[name] = { error: firstLine(e) };
    }
  }
  out.tensorsLeft = tf.memory().numTensors;
  out.seconds = elapsed();
  return out;
}

/** The report: both sides, and ours / PyTorch's throughput on the same GPU. */
export function mergeReports(ours: any, torch: any, dry: boolean): Record<string, unknown> {
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : null);
  const tb = torch?.bert;
  return {
    check: 'freshcache gpu-check',
    mode: dry ? 'dry (tiny sizes, whatever adapter this machine has)' : 'full',
    date: new Date().toISOString(),
    device: ours?.backend?.device ?? null,
    gpu: ours?.backend?.gpu ?? false,
    ratios: {
      matMulOursOverTorchFp32: ratio(ours?.matMul?.gflops, torch?.matMul?.fp32?.gflops),
      matMulOursOverTorchBf16: ratio(ours?.matMul?.gflops, torch?.matMul?.bf16?.gflops),
      bertForwardOursOverTorchFp32: ratio(ours?.bert?.forward?.textsPerSec, tb?.fp32?.forward?.textsPerSec),
      bertTrainStepOursOverTorchFp32: ratio(ours?.bert?.trainStep?.stepsPerSec, tb?.fp32?.trainStep?.stepsPerSec),
      bertTrainStepOursOverTorchBf16: ratio(ours?.bert?.trainStep?.stepsPerSec, tb?.bf16?.trainStep?.stepsPerSec),
    },
    ours,
    torch,
  };
}

async function main(argv: string[]): Promise<void> {
  const dry = argv.includes('--dry');
  const m = argv.indexOf('--merge');
  if (m >= 0) {
    const read = (f: string | undefined) => {
      try {
        return JSON.parse(fs.readFileSync(f!, 'utf8'));
      } catch (e) {
        return { error: `no report from ${f}: ${firstLine(e)}` };
      }
    };
    console.log(JSON.stringify(mergeReports(read(argv[m + 1]), read(argv[m + 2]), dry), null, 2));
    return;
  }
  console.log(JSON.stringify(await runCheck(dry ? DRY : FULL)));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0), // Dawn's instance would keep the process alive
    (e) => {
      console.error(`gpu-check: ${e instanceof Error ? e.stack : e}`);
      process.exit(1);
    },
  );
}
