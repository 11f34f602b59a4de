/**
 * `freshcache bench`: runs every benchmark (each in its own child process, so each has its own
 * peak RSS and thread settings), compares against the peers (PyTorch, FAISS) measured in the same
 * run, and writes results/bench.json and results/bench.md: a table of benchmark, ours, peer, ratio,
 * goal and how far from the goal, with the machine described, and the hot spots (tfjs profile) of
 * the training step when a goal is missed. The full pass (no --quick, no --only) is also copied to
 * bench/results/bench.{json,md}; a quick pass to bench/results/bench-quick.{json,md}.
 *
 * Sections (--only picks some): backends, encoder, corrector-fit, train-step, search-faiss, search,
 * cache-build, eval, theory, refresh-cost, scale (not in a plain full pass: about an hour; run it
 * with --only scale, which also writes bench/results/scale.{md,json} and the scale-steps plot).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { writeFileAtomic, writeJsonAtomic } from '../src/util/atomic';
import { InputError } from '../src/util/errors';
import { fmt, goalStatus, runChild, type Goal, type GoalStatus } from './harness';
import { describeMachine, machineMarkdown, measureDiskWrite, measureMemoryBandwidth } from './machine';
import { scaleGoals } from './scale-report';

export const BENCH_SECTIONS = ['backends', 'encoder', 'corrector-fit', 'train-step', 'search-faiss', 'search', 'cache-build', 'eval', 'theory', 'refresh-cost', 'scale'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

export interface BenchOptions {
  /** A short pass (a few minutes) instead of the full one (about 30 minutes on 2 cores). */
  quick?: boolean;
  only?: string[];
  /** Peer python (default: bench/peers/setup.sh makes bench/peers/.venv and names its python). */
  python?: string;
  /** Skip the peers (no venv set-up): only our numbers. */
  noPeers?: boolean;
  /** Threads for ours and the peers (default 2). */
  threads?: number;
  /** results folder (default results). */
  outDir?: string;
  /** Where the committed copy goes (default bench/results; null: no copy). */
  savedDir?: string | null;
  /** `npm start`'s table (default results/default/table.json) for the re-embedding cost goal. */
  table?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** One line of the table. */
export interface BenchRow {
  section: string;
  benchmark: string;
  ours: string;
  peer: string;
  /** ours / peer on the compared quantity (higher is better for ours), or the goal's quantity. */
  ratio: number | null;
  goal: Goal | null;
  status: GoalStatus | null;
  note?: string;
}

interface SectionRun {
  name: string;
  ok: boolean;
  seconds: number;
  peakRss: { pid: number; command: string; peakRssMiB: number }[];
  error?: string;
  json?: any;
}

const ROOT = path.join(__dirname, '..');
const GOAL_PEER: Goal = { what: 'ours / peer throughput', kind: 'at-least', target: 1 };

/** Runs the selected sections and writes the results; returns the paths written and the rows. */
export async function runBench(o: BenchOptions = {}): Promise<{ json: string; md: string; rows: BenchRow[]; saved: string[] }> {
  const quick = !!o.quick;
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const only = o.only?.length ? o.only : BENCH_SECTIONS.filter((x) => x !== 'scale');
  for (const s of only) if (!(BENCH_SECTIONS as readonly string[]).includes(s)) throw new InputError(`--only: unknown benchmark '${s}'; expected some of ${BENCH_SECTIONS.join(', ')}`);
  const threads = o.threads ?? 2;
  const outDir = o.outDir ?? path.join(ROOT, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const started = Date.now();

  let python = o.python ?? '';
  let peerSetup: string | null = null;
  if (!o.noPeers && !python) {
    log('peers: bash bench/peers/setup.sh (makes bench/peers/.venv once)');
    const r = spawnSync('bash', [path.join(ROOT, 'bench', 'peers', 'setup.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000 });
    if (r.status === 0) python = r.stdout.trim().split('\n').pop()!;
    else peerSetup = `bench/peers/setup.sh failed: ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}`;
    if (peerSetup) log(peerSetup);
  }
  if (o.noPeers) python = '/nonexistent/python';

  const machine = await describeMachine({ python: o.noPeers ? undefined : python });
  const limits = { memoryGBps: measureMemoryBandwidth(quick ? 128 : 512), diskWriteMBps: measureDiskWrite(quick ? 128 : 512) };
  log(machineMarkdown(machine, limits));

  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE', FRESHCACHE_PYTHON: python, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' };
  const out = (name: string) => path.join(outDir, `bench-${name}.json`);
  const script = (file: string) => path.join(ROOT, 'bench', file);
  const py = ['--python', python];
  const plans: Record<Exclude<BenchSection, 'refresh-cost'>, { file: string; args: string[]; outFile: string; timeoutSeconds?: number }> = {
    backends: { file: 'backends.ts', outFile: out('backends'), args: quick ? ['--quick'] : [] },
    encoder: { file: 'encoder-throughput.ts', outFile: out('encoder'), args: [...(quick ? ['--sizes', 'small', '--rounds', '2', '--reps', '1'] : ['--rounds', '3', '--reps', '2']), '--threads', String(threads), ...py] },
    'corrector-fit': { file: 'corrector-fit.ts', outFile: out('corrector-fit'), args: [...(quick ? ['--configs', 'small-gelu', '--rounds', '2'] : ['--rounds', '3']), '--threads', String(threads), ...py] },
    'train-step': { file: 'train-step.ts', outFile: out('train-step'), args: [...(quick ? ['--segments', '2', '--segment', '4', '--refresh-reps', '1', '--profile-steps', '2'] : ['--segments', '4', '--segment', '8', '--refresh-reps', '3', '--profile-steps', '3']), '--threads', String(threads), ...py] },
    'search-faiss': { file: 'search-vs-faiss.ts', outFile: out('search-faiss'), args: [...(quick ? ['--rows', '200000', '--ann-rows', '50000', '--queries', '500', '--rounds', '3', '--datasets', 'synthetic', '--ef', '16,32,64,128,256'] : ['--rows', '1000000', '--queries', '1000', '--rounds', '3', '--datasets', 'synthetic,wordnet']), '--threads', String(threads), ...py] },
    search: { file: 'search.ts', outFile: out('search'), args: quick ? ['--rows', '100000', '--queries', '200', '--sections', 'bandwidth,exact'] : ['--sections', 'bandwidth,exact,gumbel'] },
    'cache-build': { file: 'cache-build.ts', outFile: out('cache-build'), args: quick ? ['--sizes', '20000,100000'] : [] },
    eval: { file: 'eval-large-run.ts', outFile: out('eval'), args: ['--lines', quick ? '1000000' : '10000000'] },
    theory: { file: 'theory.ts', outFile: out('theory'), args: quick ? ['--no-sweep'] : [] },
    scale: { file: 'scale.ts', outFile: out('scale'), timeoutSeconds: quick ? 1800 : 4 * 3600, args: [...(quick ? ['--sizes', '117791,300000', '--queries', '200', '--ef', '32,64,128', '--select-steps', '3', '--save-dir', 'none'] : []), '--threads', String(threads)] },
  };

  const runs: SectionRun[] = [];
  for (const name of only) {
    if (o.signal?.aborted) break;
    if (name === 'refresh-cost') continue;
    const plan = plans[name as keyof typeof plans];
    const file = script(plan.file);
    if (!fs.existsSync(file)) {
      runs.push({ name, ok: false, seconds: 0, peakRss: [], error: `bench/${plan.file} not present` });
      log(`[${name}] skipped: bench/${plan.file} not present`);
      continue;
    }
    const args = [...plan.args, '--out', plan.outFile];
    log(`[${name}] node --import tsx bench/${plan.file} ${args.join(' ')}`);
    const r = await runChild(process.execPath, ['--import', 'tsx', file, ...args], { env, log, prefix: `[${name}] `, signal: o.signal, timeoutSeconds: plan.timeoutSeconds ?? (quick ? 900 : 1800) });
    let json: any;
    let error: string | undefined;
    if (r.code !== 0) error = `exit ${r.code}: ${r.stderrTail.trim().split('\n').slice(-3).join(' | ')}`;
    else {
      try {
        json = JSON.parse(fs.readFileSync(plan.outFile, 'utf8'));
      } catch (e) {
        error = `no readable ${plan.outFile}: ${e instanceof Error ? e.message : e}`;
      }
    }
    runs.push({ name, ok: !error, seconds: r.seconds, peakRss: r.peakRss.filter((p) => p.peakRssMiB > 20).map((p) => ({ ...p, peakRssMiB: +p.peakRssMiB.toFixed(1) })), error, json });
    log(`[${name}] ${error ? `FAILED (${error})` : 'done'} in ${r.seconds.toFixed(0)} s`);
  }

  const rows: BenchRow[] = [];
  for (const run of runs) rows.push(...rowsOf(run, limits, quick));
  if (only.includes('refresh-cost')) rows.push(refreshCostRow(o.table ?? path.join(ROOT, 'results', 'default', 'table.json')));
  // a profile of each encoder size that missed its goal (the encoder bench collects none itself)
  const enc = runs.find((r) => r.name === 'encoder' && r.ok)?.json;
  const slowSizes = enc ? (enc.results as { size: string; ratioTfjsOverTorch: number | null }[]).filter((r) => r.ratioTfjsOverTorch !== null && r.ratioTfjsOverTorch < 1).map((r) => r.size) : [];
  let encoderProfile: any = null;
  if (slowSizes.length && !o.signal?.aborted) {
    const file = out('profile-encoder');
    log(`[profile-encoder] node --import tsx bench/profile-encoder.ts --sizes ${slowSizes.join(',')}`);
    const r = await runChild(process.execPath, ['--import', 'tsx', script('profile-encoder.ts'), '--sizes', slowSizes.join(','), '--threads', String(threads), '--batch', String(enc.batch), '--seq', String(enc.seq), '--out', file], { env, log, prefix: '[profile-encoder] ', signal: o.signal });
    if (r.code === 0) encoderProfile = JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  const hotSpots = hotSpotsOf(runs, rows, encoderProfile);

  const record = {
    bench: 'freshcache-bench',
    pass: quick ? 'quick' : 'full',
    only: o.only?.length ? only : null,
    date: new Date().toISOString(),
    command: `npm run bench --${quick ? ' --quick' : ''}${o.only?.length ? ` --only ${only.join(',')}` : ''}`,
    totalSeconds: (Date.now() - started) / 1000,
    threads,
    machine,
    limits,
    peerSetup,
    ompWaitPolicy: env.OMP_WAIT_POLICY,
    loadAvgAtEnd: os.loadavg(),
    rows,
    hotSpots,
    sections: runs.map((r) => ({ name: r.name, ok: r.ok, seconds: r.seconds, peakRss: r.peakRss, error: r.error, result: r.json })),
  };
  const jsonFile = path.join(outDir, 'bench.json');
  const mdFile = path.join(outDir, 'bench.md');
  const md = formatBenchMarkdown(record);
  writeJsonAtomic(jsonFile, record);
  writeFileAtomic(mdFile, md);
  const saved: string[] = [];
  const savedDir = o.savedDir === undefined ? path.join(ROOT, 'bench', 'results') : o.savedDir;
  if (savedDir && !o.only?.length) {
    fs.mkdirSync(savedDir, { recursive: true });
    const stem = quick ? 'bench-quick' : 'bench';
    // the committed copy keeps the summary and each section's record, not tensors of raw samples
    writeJsonAtomic(path.join(savedDir, `${stem}.json`), record);
    writeFileAtomic(path.join(savedDir, `${stem}.md`), md);
    saved.push(path.join(savedDir, `${stem}.json`), path.join(savedDir, `${stem}.md`));
  }
  log(`wrote ${jsonFile}, ${mdFile}${saved.length ? `, ${saved.join(', ')}` : ''} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return { json: jsonFile, md: mdFile, rows, saved };
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const row = (section: string, benchmark: string, ours: string, peer: string, ratio: number | null, goal: Goal | null, note?: string): BenchRow =>
  ({ section, benchmark, ours, peer, ratio: ratio !== null && Number.isFinite(ratio) ? ratio : null, goal, status: goal ? goalStatus(ratio, goal) : null, ...(note ? { note } : {}) });

/** The table rows of one section's JSON record. */
export function rowsOf(run: SectionRun, limits: { memoryGBps: number; diskWriteMBps: number }, quick: boolean): BenchRow[] {
  const s = run.name;
  if (!run.ok) return [row(s, s, 'failed', '–', null, null, run.error)];
  const j = run.json;
  const out: BenchRow[] = [];
  try {
    if (s === 'backends') out.push(...backendRows(j));
    else if (s === 'encoder') {
      for (const r of j.results) {
        out.push(row(s, `encoder ${r.size} (${r.layers}×${r.hidden}), batch ${j.batch} × ${j.seq} tokens`, `${fmt(r.tfjs.textsPerSec)} texts/s`,
          r.torch ? `PyTorch ${r.torch.version} ${r.torch.threads}T: ${fmt(r.torch.textsPerSec)} texts/s` : 'not run', r.ratioTfjsOverTorch, GOAL_PEER));
      }
    } else if (s === 'corrector-fit') {
      for (const r of j.results) {
        const peers = (r.torch as { threads: number; stepsPerSec: number }[]).map((t) => `${t.threads}T ${fmt(t.stepsPerSec)}`).join(', ');
        out.push(row(s, `corrector fit ${r.config} (${r.dim}→${r.width}→${r.dim}, batch ${r.batch}, Adam)`, `${fmt(r.tfjs.stepsPerSec)} steps/s`,
          peers ? `PyTorch ${peers} steps/s` : 'not run', r.ratioTfjsOverTorchSameThreads, null, r.ratioTfjsOverBestTorch ? `vs the faster torch: ${fmt(r.ratioTfjsOverBestTorch)}x` : undefined));
      }
    } else if (s === 'train-step') {
      const t = (j.torch as any[]).find((x) => x.threads === j.threads) ?? null;
      const t1 = (j.torch as any[]).find((x) => x.threads === 1) ?? null;
      const other = (key: 'staleStep' | 'correctorStep') => (t1 && t1 !== t ? `; 1T ${fmt(1 / t1[key].median)} steps/s` : '');
      const task = `WordNet ${fmt(j.task.passages)} passages, V ${fmt(j.task.vocab)}×${j.task.dim}, batch ${j.task.batch}, ${j.task.negatives} negatives`;
      out.push(row(s, `training step, stale (${task})`, `${fmt(1 / j.ours.staleStep.median)} steps/s`, t ? `PyTorch ${t.threads}T ${fmt(1 / t.staleStep.median)} steps/s${other('staleStep')}` : 'not run', t ? t.ratioOursOverTorch.stale : null, GOAL_PEER));
      out.push(row(s, 'training step, corrector (h on the whole cache)', `${fmt(1 / j.ours.correctorStep.median)} steps/s`, t ? `PyTorch ${t.threads}T ${fmt(1 / t.correctorStep.median)} steps/s${other('correctorStep')}` : 'not run', t ? t.ratioOursOverTorch.corrector : null, GOAL_PEER));
      out.push(row(s, 'corrector overhead vs stale step', pct(j.ours.correctorOverhead), t ? `PyTorch ${t.threads}T: ${pct(t.correctorOverhead)}` : '–', j.ours.correctorOverhead, { what: 'corrector step / stale step − 1', kind: 'at-most', target: 0.3 }));
      out.push(row(s, `refresh:${j.R} amortised step (full re-encode ${fmt(j.ours.refresh.median)} s / ${j.R})`, `${fmt(j.ours.refreshAmortisedStep)} s/step`, t ? `PyTorch ${t.threads}T ${fmt(t.refreshAmortisedStep)} s/step (re-encode ${fmt(t.refresh.median)} s)` : '–', t ? t.refreshAmortisedStep / j.ours.refreshAmortisedStep : null, null,
        `corrector step vs refresh:${j.R} step: ${pct(j.ours.correctorOverheadVsRefreshAmortised)} slower`));
    } else if (s === 'search-faiss') {
      for (const r of j.results) {
        const e = r.exact;
        out.push(row(s, `exact top-${r.k}, ${r.dataset} ${fmt(r.rows)}×${r.dim}, ${r.queries} queries`, `${fmt(e.ours.queriesPerSecond)} q/s`, e.faiss ? `FAISS IndexFlatIP ${fmt(e.faiss.queriesPerSecond)} q/s` : 'not run', e.ratioQpsOursOverFaiss, GOAL_PEER,
          [e.topkAgreement !== null ? `top-${r.k} agreement ${fmt(e.topkAgreement)}` : '', e.ratioCpuFaissOverOurs ? `CPU time FAISS / ours ${fmt(e.ratioCpuFaissOverOurs)}` : '', e.peakRssMiBAfter ? `peak RSS ${fmt(e.peakRssMiBAfter)} MiB (data included)` : ''].filter(Boolean).join('; ') || undefined));
        if (r.ann?.atEqualRecall) {
          for (const a of r.ann.atEqualRecall) {
            const c = (r.ann.atEqualRecallCpu as { targetRecall: number; ratio: number | null }[] | undefined)?.find((x) => x.targetRecall === a.targetRecall);
            out.push(row(s, `HNSW at recall@${r.k} ≥ ${a.targetRecall}, ${r.dataset} ${fmt(r.ann.rows)} rows (M ${r.ann.M}${r.ann.quantization && r.ann.quantization !== 'f32' ? `, usearch ${r.ann.quantization}` : ''})`,
              a.oursQps !== null ? `usearch ${fmt(a.oursQps)} q/s (first reached at ef ${a.ours.ef}: recall ${fmt(a.ours.recall)})` : 'not reached',
              a.peerQps !== null ? `FAISS HNSW ${fmt(a.peerQps)} q/s (first reached at efSearch ${a.peer.ef}: recall ${fmt(a.peer.recall)})` : 'not reached', a.ratio, GOAL_PEER,
              `q/s interpolated at exactly the target recall between sweep points${c?.ratio ? `; on CPU time per query: ${fmt(c.ratio)}x` : ''}`));
          }
          out.push(row(s, `HNSW build, ${r.dataset} ${fmt(r.ann.rows)} rows`, `usearch ${fmt(r.ann.buildSeconds.ours)} s`, r.ann.buildSeconds.faiss ? `FAISS ${fmt(r.ann.buildSeconds.faiss)} s` : '–',
            r.ann.buildSeconds.faiss ? r.ann.buildSeconds.faiss / r.ann.buildSeconds.ours : null, null));
        }
      }
    } else if (s === 'search') {
      for (const e of j.exact ?? []) {
        out.push(row(s, `exact top-${j.settings.k}, ${e.source}${e.corrector ? ' + corrector' : ''}, ${fmt(j.settings.rows)}×${j.settings.dim}, ${e.queries} queries`,
          `${fmt(e.queriesPerSecond)} q/s, ${fmt(e.cacheGBps)} GB/s of cache`, `memory bandwidth ${fmt(j.memoryBandwidth?.bandwidthGBps)} GB/s`, e.fractionOfBandwidth, null, `${fmt(e.gflops)} GFLOP/s`));
      }
    } else if (s === 'cache-build') {
      for (const cfg of j.runs) {
        const big = cfg.results[cfg.results.length - 1];
        out.push(row(s, `cache build ${fmt(big.rows)} rows ${big.dtype} × ${big.dim} [${cfg.config}]`, `${fmt(big.rowsPerSecond)} rows/s, ${fmt(big.mbPerSecond)} MiB/s, peak RSS ${fmt(big.peakRssMiB)} MiB`,
          `disk write ${fmt(limits.diskWriteMBps)} MiB/s`, big.mbPerSecond / limits.diskWriteMBps, null, 'ratio = fraction of the disk write limit'));
        out.push(row(s, `cache build peak RSS, ${fmt(big.rows)} vs ${fmt(cfg.results[0].rows)} rows [${cfg.config}]`, `${fmt(cfg.peakRssRatioLargestToSmallest)}x`, '–', cfg.peakRssRatioLargestToSmallest, { what: 'peak RSS ratio', kind: 'at-most', target: 1.2 }));
      }
    } else if (s === 'eval') {
      const lines = quick ? '1000000' : '10000000';
      const r = j.byLines?.[lines];
      if (r) out.push(row(s, `evaluate a ${fmt(r.lines)}-line run (${fmt(r.runMiB)} MiB), 8 metrics`, `${fmt(r.evaluate.seconds)} s, peak RSS ${fmt(r.evaluate.peakRssMiB)} MiB`, `readLines twice ${fmt(r.readLinesTwice.seconds)} s`, r.readLinesTwice.seconds / r.evaluate.seconds, { what: 'read-twice time / evaluate time', kind: 'at-least', target: 1 }));
    } else if (s === 'scale') {
      for (const z of j.sizes) {
        const h = z.search.hnsw;
        out.push(row(s, `scale: cache build and search, ${fmt(z.rows)} rows × ${z.dim}`, `build ${fmt(z.build.rowsPerSecond)} rows/s (peak RSS ${fmt(z.build.peakRssMiB)} MiB); exact ${fmt(z.search.exact.queriesPerSecond)} q/s; HNSW ${h ? `${fmt(h.qpsAtRecall095)} q/s at recall 0.95` : 'not built'}`, '–', null, null));
        const sel = (z.select?.variants ?? []).map((v: { name: string; selectSeconds: number; every?: number }) => `${v.name} ${fmt(v.selectSeconds * 1000)}${v.every ? ` (K ${v.every})` : ''}`).join(', ');
        if (sel) out.push(row(s, `scale: negative selection per step, ${fmt(z.rows)} rows (ms)`, sel, '–', null, null));
      }
      for (const g of scaleGoals(j)) {
        const goal: Goal = g.what.includes('overhead') ? { what: 'step overhead', kind: 'at-most', target: 0.3 } : { what: 'step time ratio', kind: 'at-most', target: 2 };
        out.push(row(s, `scale: ${g.what}`, fmt(g.value), '–', g.value, goal));
      }
    } else if (s === 'theory') {
      if (j.bound) out.push(row(s, `bound estimate: corrector ${j.bound.dim}→${j.bound.width}→${j.bound.dim}, ${fmt(j.bound.pairs)} pairs`, `${fmt(j.bound.seconds)} s`, '–', null, null));
      if (j.sweep) out.push(row(s, `default synthetic sweep (${j.sweep.points} points, ${j.sweep.runs} runs)`, `${fmt(j.sweep.seconds)} s`, 'goal: 5 minutes', j.sweep.seconds, { what: 'seconds', kind: 'at-most', target: 300 }));
    }
  } catch (e) {
    out.push(row(s, s, 'unreadable result', '–', null, null, e instanceof Error ? e.message : String(e)));
  }
  return out;
}

/**
 * Rows of bench/backends.ts: each backend's matMul and small-BERT figures against the native CPU
 * backend's in the same run (ratio > 1: faster than it), unavailable backends with the reason, and
 * the GPU check's figures (bench/results/gpu-check.json) against PyTorch on the same GPU.
 */
export function backendRows(j: any): BenchRow[] {
  const s = 'backends';
  const out: BenchRow[] = [];
  const cpu = (j.results as any[]).find((r) => r.backend === 'tensorflow' && r.available);
  for (const r of j.results as any[]) {
    if (!r.available) {
      out.push(row(s, `backend ${r.backend}`, 'not available', '–', null, null, r.reason));
      continue;
    }
    const on = `${r.backend} (${r.gpu ? 'GPU' : r.device.kind === 'software-gpu' ? 'software adapter' : 'CPU'}: ${r.device.name})`;
    const vs = (x: number, y: number | undefined) => (cpu && r !== cpu && y ? x / y : null);
    out.push(row(s, `matMul 1024³ float32, ${on}`, `${fmt(r.matMul1024.gflops)} GFLOP/s`, cpu ? `native CPU ${fmt(cpu.matMul1024.gflops)} GFLOP/s` : '–', vs(r.matMul1024.gflops, cpu?.matMul1024.gflops), null,
      `largest within the time budget: ${r.matMulLargest.n}³ ${fmt(r.matMulLargest.gflops)} GFLOP/s`));
    const b = r.bert;
    if (b.error && !b.forwardTextsPerSec) out.push(row(s, `BERT small, ${r.backend}`, 'failed', '–', null, null, b.error));
    else out.push(row(s, `BERT small (${b.layers}×${b.hidden}), batch ${b.batch} × ${b.seq}, ${r.backend}: forward`, `${fmt(b.forwardTextsPerSec)} texts/s`, cpu ? `native CPU ${fmt(cpu.bert.forwardTextsPerSec)} texts/s` : '–', vs(b.forwardTextsPerSec, cpu?.bert.forwardTextsPerSec), null));
    if (b.trainStepsPerSec) out.push(row(s, `BERT small, ${r.backend}: training step`, `${fmt(b.trainStepsPerSec)} steps/s`, cpu ? `native CPU ${fmt(cpu.bert.trainStepsPerSec)} steps/s` : '–', vs(b.trainStepsPerSec, cpu?.bert.trainStepsPerSec), null));
    else if (b.forwardTextsPerSec) out.push(row(s, `BERT small, ${r.backend}: training step`, b.error ? 'failed' : 'not measured', '–', null, null, b.error ?? b.trainSkipped));
  }
  const g = j.gpuCheck;
  if (!g) out.push(row(s, 'GPU check', 'not run', '–', null, null, j.gpuCheckNote));
  else {
    const o = g.ours ?? {};
    const t = g.torch ?? {};
    const where = `GPU check ${String(g.date).slice(0, 10)} on ${g.device?.name ?? '?'}`;
    if (o.matMul?.gflops) out.push(row(s, `${where}: matMul ${o.matMul.n}³ float32, webgpu`, `${fmt(o.matMul.gflops)} GFLOP/s`, t.matMul ? `PyTorch fp32 ${fmt(t.matMul.fp32.gflops)}, bf16 ${fmt(t.matMul.bf16.gflops)} GFLOP/s` : 'not run', g.ratios?.matMulOursOverTorchFp32 ?? null, null));
    if (o.bert?.forward) out.push(row(s, `${where}: BERT-${o.bert.size} forward, batch ${o.bert.batch} × ${o.bert.seq}`, `${fmt(o.bert.forward.textsPerSec)} texts/s`, t.bert ? `PyTorch fp32 ${fmt(t.bert.fp32.forward.textsPerSec)} texts/s` : 'not run', g.ratios?.bertForwardOursOverTorchFp32 ?? null, null));
    if (o.bert?.trainStep) out.push(row(s, `${where}: BERT-${o.bert.size} training step`, `${fmt(o.bert.trainStep.stepsPerSec)} steps/s`, t.bert ? `PyTorch fp32 ${fmt(t.bert.fp32.trainStep.stepsPerSec)}, bf16 ${fmt(t.bert.bf16.trainStep.stepsPerSec)} steps/s` : 'not run', g.ratios?.bertTrainStepOursOverTorchFp32 ?? null, null,
      o.parity ? `tiny-model gradient parity against the CPU: ${o.parity.ok ? 'ok' : 'FAILED'} (max Δ ${fmt(o.parity.maxGradDiff)} of ${fmt(o.parity.maxGrad)})` : undefined));
    if (o.error) out.push(row(s, where, 'failed', '–', null, null, o.error));
  }
  return out;
}

/**
 * The re-embedding cost goal from `npm start`'s table: the corrector's dev MRR@10 against the best
 * refresh:R baseline's, and cost ratio = refresh re-embeds / corrector re-embeds (goal ≥ 4, with
 * accuracy at least the refresh baseline's minus one standard deviation of it).
 */
export function refreshCostRow(tableFile: string): BenchRow {
  const what = 'corrector reaches the best refresh:R dev MRR@10 at less re-embedding';
  const goal: Goal = { what: 'refresh re-embeds / corrector re-embeds', kind: 'at-least', target: 4 };
  if (!fs.existsSync(tableFile)) return { ...row('refresh-cost', what, 'not measured', '–', null, goal, `no ${path.relative(ROOT, tableFile)} (run npm start)`), status: { met: null, factor: null, text: 'not measured' } };
  const t = JSON.parse(fs.readFileSync(tableFile, 'utf8'));
  const sum = t.summary as { label: string; strategy: string; devMrr10: number; devMrr10Sd: number; reembed: number; totalTargetEncodes: number }[];
  const refresh = sum.filter((r) => r.strategy.startsWith('refresh:')).sort((a, b) => b.devMrr10 - a.devMrr10)[0];
  const corr = sum.filter((r) => r.strategy === 'corrector').sort((a, b) => b.devMrr10 - a.devMrr10)[0];
  if (!refresh || !corr) return row('refresh-cost', what, 'not measured', '–', null, goal, 'the table has no refresh:R or corrector row');
  if (!(refresh.reembed > 0)) return row('refresh-cost', what, `${corr.label}: MRR@10 ${fmt(corr.devMrr10)}`, `${refresh.label}: MRR@10 ${fmt(refresh.devMrr10)}, no re-embeds`, null, goal, `from ${path.relative(ROOT, tableFile)}: the refresh baseline never refreshed (run shorter than R)`);
  const accurate = corr.devMrr10 >= refresh.devMrr10 - (refresh.devMrr10Sd || 0);
  const ratio = corr.reembed > 0 ? refresh.reembed / corr.reembed : refresh.reembed > 0 ? Infinity : null;
  const r = row('refresh-cost', what, `${corr.label}: MRR@10 ${fmt(corr.devMrr10)}, re-embeds ${fmt(corr.reembed)}`, `${refresh.label}: MRR@10 ${fmt(refresh.devMrr10)}, re-embeds ${fmt(refresh.reembed)}`,
    ratio, goal, `from ${path.relative(ROOT, tableFile)}; accuracy ${accurate ? 'reached' : 'NOT reached'}`);
  if (ratio === Infinity) r.status = accurate ? { met: true, factor: Infinity, text: 'met (no re-embedding)' } : { met: false, factor: 0, text: 'missed: accuracy below the refresh baseline' };
  else if (!accurate && r.status) r.status = { ...r.status, met: false, text: `missed: accuracy below the refresh baseline (${r.status.text})` };
  return r;
}

/** For each missed goal, what the profiles say takes the time. */
export function hotSpotsOf(runs: SectionRun[], rows: BenchRow[], encoderProfile: any = null): { section: string; benchmark: string; hotSpot: string }[] {
  const out: { section: string; benchmark: string; hotSpot: string }[] = [];
  const add = (h: { section: string; benchmark: string; hotSpot: string }) => {
    const same = out.find((x) => x.hotSpot === h.hotSpot);
    if (same) same.benchmark += `; ${h.benchmark}`;
    else out.push(h);
  };
  const ts = runs.find((r) => r.name === 'train-step' && r.ok)?.json;
  for (const r of rows) {
    if (r.status?.met !== false) continue;
    let hot = 'no profile collected for this benchmark';
    if (r.section === 'train-step' && ts?.profile) {
      const p = ts.profile;
      const ks = (p.topKernelsByShape as { kernel: string; ms: number; calls: number }[]).slice(0, 6).map((k) => `${k.kernel} ${(k.ms).toFixed(1)} ms×${fmt(k.calls)}`).join('; ');
      const top = (p.topKernelsByShape as { kernel: string }[])[0]?.kernel.split('[')[0];
      hot = `per corrector step ${fmt(p.stepWallSeconds)} s wall (profiled), ${fmt(p.kernelSecondsPerStep)} s in tfjs kernels (${pct(p.kernelShareOfWall)}; the rest is JS: top-k merge, gathers, masks); top kernels per step (ms × calls): ${ks}; run peak ${fmt(p.runPeakBytes / 2 ** 20)} MiB of tensors` +
        (top && KERNEL_HINTS[top] ? `. Hint: ${KERNEL_HINTS[top]}` : '');
    } else if (r.section === 'encoder') {
      const p = (encoderProfile?.results as any[] | undefined)?.find((x) => r.benchmark.startsWith(`encoder ${x.size} `));
      hot = p
        ? `one forward pass (profiled): ${fmt(p.wallSeconds)} s wall, ${fmt(p.kernelSeconds)} s in tfjs kernels; top kernels (ms × calls): ${(p.topKernelsByShape as { kernel: string; ms: number; calls: number }[]).slice(0, 6).map((k) => `${k.kernel} ${k.ms.toFixed(1)}×${k.calls}`).join('; ')}; peak ${fmt(p.peakBytes / 2 ** 20)} MiB of tensors`
        : 'forward pass of the BERT encoder; profile with node --import tsx bench/profile-encoder.ts';
    }
    else if (r.section === 'search-faiss' && r.benchmark.startsWith('exact')) hot = 'exactSearch: per block a tfjs matMul [nq, dim]×[dim, blockRows] then a JS running top-k over nq × blockRows scores';
    else if (r.section === 'search-faiss') hot = 'usearch HNSW graph walk (native); tune M / ef_construction or quantization';
    add({ section: r.section, benchmark: r.benchmark, hotSpot: hot });
  }
  return out;
}

/** What a top kernel usually comes from in this code base, and the change it suggests. */
export const KERNEL_HINTS: Record<string, string> = {
  Pow: 'Pow over [blockRows, dim] comes from tf.norm (euclidean norm = sqrt(sum(pow(|x|, 2)))), e.g. l2NormalizeRows on the corrected cache blocks; tf.sqrt(tf.sum(tf.square(x), 1, true)) avoids the generic pow',
  BatchMatMul: 'matMuls over [blockRows, dim] × [dim, width] are the corrector applied to every cache row each step: apply h only to a candidate pool (pool ann) or to fewer rows',
  TopK: 'TopK over [queries, blockRows]: the per-block selection; larger blocks mean fewer merges',
};

const esc = (s: string) => s.replace(/\|/g, '\\|');

/** The Markdown report: machine, command, table, hot spots, sections that failed. */
export function formatBenchMarkdown(rec: { pass: string; date: string; command: string; totalSeconds: number; machine: any; limits: any; rows: BenchRow[]; hotSpots: { benchmark: string; hotSpot: string }[]; sections: { name: string; ok: boolean; seconds: number; peakRss: { command: string; peakRssMiB: number }[]; error?: string }[]; ompWaitPolicy?: string; loadAvgAtEnd: number[]; peerSetup: string | null }): string {
  const lines: string[] = [];
  lines.push(`# freshcache benchmarks (${rec.pass} pass${rec.command.includes('--only') ? ', some sections' : ''})`, '');
  lines.push(`${rec.date}, \`${rec.command}\`, ${fmt(rec.totalSeconds)} s in all.`, '');
  lines.push(`**Machine:** ${machineMarkdown(rec.machine, rec.limits)} Load average at the end: ${rec.loadAvgAtEnd.map((x) => x.toFixed(2)).join(' / ')}.`, '');
  lines.push(`Every comparison is measured in the same run, interleaved (ours, peer, ours, peer, ...), with the same thread count; ratio = ours / peer on throughput (higher is better) unless the row says otherwise; medians over the repetitions (spread in bench.json). Peers run with OMP_WAIT_POLICY=${rec.ompWaitPolicy ?? 'PASSIVE'}.${rec.peerSetup ? ` Peers: ${rec.peerSetup}.` : ''}`, '');
  lines.push('| benchmark | ours | peer / limit | ratio | goal | status |', '|---|---|---|---:|---|---|');
  for (const r of rec.rows) {
    const goal = r.goal ? `${r.goal.kind === 'at-least' ? '≥' : '≤'} ${r.goal.target}${r.goal.what.includes('overhead') || r.goal.what.includes('−') ? '' : 'x'}` : '–';
    lines.push(`| ${esc(r.benchmark)}${r.note ? ` <br><sub>${esc(r.note)}</sub>` : ''} | ${esc(r.ours)} | ${esc(r.peer)} | ${fmt(r.ratio)} | ${goal} | ${r.status?.text ?? '–'} |`);
  }
  if (rec.hotSpots.length) {
    lines.push('', '## Hot spots (goals missed)', '');
    for (const h of rec.hotSpots) lines.push(`- **${esc(h.benchmark)}**: ${h.hotSpot}`);
  }
  lines.push('', '## Sections', '', '| section | ok | seconds | peak RSS (MiB, by process) |', '|---|---|---:|---|');
  for (const s of rec.sections) lines.push(`| ${s.name} | ${s.ok ? 'yes' : `no: ${esc(s.error ?? '')}`} | ${fmt(s.seconds)} | ${s.peakRss.map((p) => `${p.command} ${fmt(p.peakRssMiB)}`).join(', ') || '–'} |`);
  return lines.join('\n') + '\n';
}
