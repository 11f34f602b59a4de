/**
 * Run times of the `headline` grid's kinds of run (src/experiments/headline-grid.ts timingKey), for
 * the plan `npm start -- --sweep headline --plan` prints. On the offline WordNet task, each kind
 * runs once for `steps` steps with its final evaluation (dev and test), from a shared initial
 * cache; per kind: seconds per step (between the first and the last step) and the seconds besides
 * (set-up, the final evaluation). Also one full corpus pass of the target encoder (what each
 * refresh of refresh:R adds). A 400-step run is then estimated as overhead + 400 × step + its
 * refreshes × the pass.
 *
 * Times are CPU seconds of the process (`process.cpuUsage`, every thread) by default: on a shared,
 * loaded machine they are far steadier than wall seconds and, with 2 threads, an upper estimate
 * of the wall time of the same run on 2 quiet cores. `--basis wall` records wall seconds instead.
 *
 *   node --import tsx bench/headline-times.ts [--steps 16] [--out results-committed/headline/run-times.json]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { benchMain, writeBenchRecord } from './harness';
import { defineOptions } from '../src/util/options';

const OPTIONS = defineOptions({
  steps: { type: 'int', help: 'steps per timed run', default: 16, min: 3, max: 100_000 },
  basis: { type: 'string', help: 'cpu: CPU seconds of the process (steady under load); wall: wall seconds', default: 'cpu', choices: ['cpu', 'wall'] },
  only: { type: 'list', of: 'string', help: 'time only the kinds whose key contains one of these strings (the other kinds in --out are kept)', defaultText: 'every kind of the grid' },
  dataset: { type: 'string', help: 'dataset folder', placeholder: 'dir', defaultText: 'the offline WordNet task' },
  out: { type: 'string', help: 'JSON record (read by the headline plan)', placeholder: 'file', defaultText: 'results-committed/headline/run-times.json' },
});

/** Wall seconds of `npm start`'s 400-step runs on 2 quiet cores, seed 1 (README, "What `npm start` measured"). */
const QUIET_SECONDS: Record<string, number> = { 'in-batch': 27, stale: 55, corrector: 119, oracle: 239 };
const QUIET_SOURCE = "README's npm start table: in-batch 27 s, stale 55 s, corrector 119 s, oracle 239 s";

benchMain('bench/headline-times.ts', 'times one run of each kind of the headline grid, for its plan', OPTIONS, async (o) => {
  const log = (l: string) => process.stderr.write(l + '\n');
  process.env.TF_NUM_INTRAOP_THREADS ??= '2';
  const { initBackend } = await import('../src/tensor');
  const { loadTrainData } = await import('../src/train/data');
  const { resolveConfig } = await import('../src/train/config');
  const { encoderFactory } = await import('../src/train/encoders');
  const { trainRetriever, encodeAll } = await import('../src/train/loop');
  const { headlineGrid, timingKey, runConfig, readRunTimes, HEADLINE_TIMES_FILE } = await import('../src/experiments');
  log((await initBackend('tensorflow')).summary);
  const dataset = o.dataset ?? (await (await import('../src/data/wordnet')).ensureDefaultTask());
  const base = resolveConfig({});
  const data = await loadTrainData(dataset, [base.trainSplit, base.devSplit, base.testSplit!]);
  const now = o.basis === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; } : () => performance.now() / 1000;

  const makeEncoders = encoderFactory(base.encoder, data, base.seed);
  const enc = await makeEncoders();
  const encode = (t: string[]) => enc.target.encode(t);
  const initialCache = await encodeAll(encode, data.corpusTexts, enc.target.dim);
  const t0 = now();
  await encodeAll(encode, data.corpusTexts, enc.target.dim);
  const corpusPassSeconds = now() - t0;
  enc.query.dispose();
  if (enc.target !== enc.query) enc.target.dispose();
  log(`corpus pass: ${corpusPassSeconds.toFixed(2)} s (${o.basis})`);

  // one spec per kind (the first of the grid with its key); a refresh:R runs like stale plus its passes
  const kinds = new Map<string, { label: string; strategy: string; config: object }>();
  for (const s of headlineGrid(base.steps, base.lr)) {
    const key = timingKey(s);
    if (kinds.has(key) || (o.only && !o.only.some((x) => key.includes(x)))) continue;
    const { strategy, config } = JSON.parse(key) as { strategy: string; config: object };
    kinds.set(key, { label: `${strategy}${Object.keys(config).length ? ` ${JSON.stringify(config)}` : ''}`, strategy, config });
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-headline-times-'));
  const out: Record<string, { label: string; stepSeconds: number; overheadSeconds: number; runSeconds: number }> = {};
  try {
    for (const [key, k] of kinds) {
      const cfg = runConfig({ steps: o.steps, checkpointEvery: 0 }, { label: k.label, strategy: k.strategy, config: k.config }, base.seed, dataset);
      const stamps: number[] = [];
      const start = now();
      await trainRetriever({ config: cfg, data, makeEncoders, runDir: path.join(tmp, String(Object.keys(out).length)), resume: false, initialCache, onStep: () => stamps.push(now()) });
      const runSeconds = now() - start;
      const stepSeconds = (stamps[stamps.length - 1] - stamps[0]) / (stamps.length - 1);
      out[key] = { label: k.label, stepSeconds, overheadSeconds: Math.max(0, runSeconds - o.steps * stepSeconds), runSeconds };
      log(`${k.label.padEnd(36)} ${stepSeconds.toFixed(3)} s/step, ${out[key].overheadSeconds.toFixed(1)} s besides; 400 steps ≈ ${(out[key].overheadSeconds + 400 * stepSeconds).toFixed(0)} s (${o.basis}; load ${os.loadavg()[0].toFixed(1)})`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // with --only, the kinds measured before (in the same file) are kept
  const file = o.out ?? HEADLINE_TIMES_FILE;
  const before = o.only ? readRunTimes(file) : undefined;
  for (const [key, k] of Object.entries(before?.kinds ?? {})) if (!(key in out)) out[key] = { ...k, runSeconds: NaN };
  // the level of a quiet machine: README's `npm start` runs (400 steps, 2 quiet cores) over the same kinds here
  const measured400 = (key: string) => out[key].overheadSeconds + 400 * out[key].stepSeconds;
  const refs = Object.entries(QUIET_SECONDS).map(([strategy, s]) => [timingKey({ strategy, config: {} }), s] as const).filter(([key]) => key in out);
  const calibration = refs.length ? { scale: refs.reduce((a, [, s]) => a + s, 0) / refs.reduce((a, [key]) => a + measured400(key), 0), reference: Object.fromEntries(refs), source: QUIET_SOURCE } : undefined;
  if (calibration) log(`calibration: × ${calibration.scale.toFixed(2)} to quiet 2-core wall seconds (${QUIET_SOURCE})`);
  writeBenchRecord(file, 'headline-times', { basis: o.basis, steps: o.steps, corpusPassSeconds, kinds: out, ...(calibration ? { calibration } : {}) }, log);
});
