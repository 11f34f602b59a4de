/**
 * Awaited device → host reads against synchronous ones, on the native CPU backend: the same workloads
 * run from two source trees (e.g. `main` before issue 14's item 2, and this checkout), each in its own
 * child process, interleaved round by round (A B A B ...) so that load from other processes hits both
 * alike; ratio = median seconds of the first tree / median seconds of the second (> 1: the second is
 * faster). Workloads, each read-heavy: exact search with many small blocks (one read per block),
 * OnlineCorrectorTrainer steps (one loss read per step), fitCorrector epochs (held-out error reads)
 * and measureCorrectorError over many blocks. Writes results/bench-host-reads.json.
 *
 *   node --import tsx bench/host-reads.ts --trees before=/path/to/main-tree,after=. [flags]   (--help: HOST_READS_OPTIONS)
 *
 * A tree is a checkout with its own node_modules (a link to another's will do). The workloads use only
 * APIs that both sides have (`await` also accepts the synchronous versions' plain values).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { median, benchMain, writeBenchRecord } from './harness';
import { defineOptions } from '../src/util/options';
import { InputError } from '../src/util/errors';

type Seconds = Record<string, number>;

/** The workloads, run with the modules of `root`; seconds for each. */
async function workloads(tree: string): Promise<Seconds> {
  const root = path.resolve(tree);
  process.env.TF_NUM_INTRAOP_THREADS ??= '2';
  process.env.TF_NUM_INTEROP_THREADS ??= '1';
  const tensor = require(path.join(root, 'src', 'tensor'));
  const { exactSearch } = require(path.join(root, 'src', 'search'));
  const { buildCorrector, OnlineCorrectorTrainer, fitCorrector, measureCorrectorError } = require(path.join(root, 'src', 'corrector'));
  const { Rng } = require(path.join(root, 'src', 'util', 'rng'));
  const tf = tensor.tf;
  await tensor.initBackend('tensorflow');
  const rng = new Rng(1);
  const normal = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const time = async (fn: () => Promise<unknown>) => {
    await fn(); // warm-up
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
  };
  const out: Seconds = {};

  const d = 64;
  const rows = 100_000;
  const data = normal(rows * d);
  const source = { rows, dim: d, read: (a: number, b: number) => data.slice(a * d, b * d) };
  const queries = normal(32 * d);
  out['exact search 100k×64, 32 queries, blocks of 1024 (98 reads)'] = await time(() => exactSearch({ source, queries, k: 10, blockRows: 1024 }));

  const h = buildCorrector({ kind: 'mlp', dim: d, width: 256, seed: 0 });
  const tr = new OnlineCorrectorTrainer(h, { learningRate: 1e-3 });
  const x = tf.tensor2d(normal(256 * d), [256, d]);
  const y = tf.tensor2d(normal(256 * d), [256, d]);
  out['200 corrector steps (64→256→64, batch 256)'] = await time(async () => {
    for (let i = 0; i < 200; i++) await tr.step(x, y);
  });
  tr.dispose();
  h.dispose();
  tf.dispose([x, y]);

  const stale = normal(8192 * d);
  const fresh = stale.map((v) => v + 0.1 * rng.normal());
  out['fitCorrector 8192 pairs × 64, 4 epochs, batch 64'] = await time(async () => {
    const r = await fitCorrector({ stale, fresh, dim: d, corrector: { kind: 'mlp', width: 128 }, maxEpochs: 4, patience: 10, batchSize: 64 });
    r.corrector.dispose();
  });

  const hc = buildCorrector({ kind: 'mlp', dim: d, width: 128, seed: 1 });
  const S = tf.tensor2d(data.subarray(0, 50_000 * d), [50_000, d]);
  const F = tf.tensor2d(data.subarray(50_000 * d, 100_000 * d), [50_000, d]);
  out['measureCorrectorError 50k×64 in blocks of 512 (98 blocks)'] = await time(async () => {
    for (let i = 0; i < 3; i++) await measureCorrectorError(hc, S, F, 512);
  });
  hc.dispose();
  tf.dispose([S, F]);
  return out;
}

export const HOST_READS_OPTIONS = defineOptions({
  trees: { type: 'list', of: 'string', help: 'two source trees as name=folder, e.g. before=/tmp/main,after=.', placeholder: 'a=dir,b=dir' },
  rounds: { type: 'int', help: 'interleaved rounds', default: 5, min: 1, max: 1000 },
  one: { type: 'string', help: 'run the workloads with this tree\'s modules and print their seconds (what each child runs)', placeholder: 'dir' },
  out: { type: 'string', help: 'JSON record', default: path.join('results', 'bench-host-reads.json'), placeholder: 'file' },
});

export async function runHostReadsBench(o: { trees: [string, string][]; rounds?: number; out?: string; log?: (l: string) => void }): Promise<Record<string, unknown>> {
  const rounds = o.rounds ?? 5;
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const runs: Record<string, Seconds[]> = Object.fromEntries(o.trees.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? o.trees : [...o.trees].reverse();
    for (const [name, root] of order) {
      const c = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--one', path.resolve(root)], { encoding: 'utf8', timeout: 900_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
      if (c.status !== 0) throw new Error(`${name} (${root}): exit ${c.status}: ${(c.stderr || '').trim().split('\n').pop()}`);
      runs[name].push(JSON.parse(c.stdout.trim().split('\n').pop()!));
      log(`round ${r + 1}/${rounds} ${name}: ${Object.values(runs[name][r]).map((s) => s.toFixed(3)).join(' / ')} s`);
    }
  }
  const [[a], [b]] = o.trees;
  const keys = Object.keys(runs[a][0]);
  const results = keys.map((k) => {
    const ma = median(runs[a].map((x) => x[k]));
    const mb = median(runs[b].map((x) => x[k]));
    return { workload: k, [`${a}Seconds`]: ma, [`${b}Seconds`]: mb, [`ratio${a[0].toUpperCase()}${a.slice(1)}Over${b[0].toUpperCase()}${b.slice(1)}`]: ma / mb, perRound: { [a]: runs[a].map((x) => x[k]), [b]: runs[b].map((x) => x[k]) } };
  });
  return writeBenchRecord(o.out ?? path.join('results', 'bench-host-reads.json'), 'host-reads', {
    trees: Object.fromEntries(o.trees),
    rounds,
    timed: 'each workload once after one warm-up, in a fresh child process per tree and round; medians over rounds; ratio = first tree\'s seconds / second tree\'s',
    results,
  }, log);
}

if (require.main === module) {
  benchMain('bench/host-reads.ts', 'read-heavy workloads from two source trees, interleaved', HOST_READS_OPTIONS, async (o) => {
    if (o.one) {
      console.log(JSON.stringify(await workloads(o.one)));
      return;
    }
    const trees = (o.trees ?? []).map((t) => t.split('=') as [string, string]);
    if (trees.length !== 2 || trees.some((t) => t.length !== 2 || !t[0] || !t[1])) throw new InputError('--trees: expected two name=folder pairs, e.g. before=/tmp/main,after=.');
    await runHostReadsBench({ trees, rounds: o.rounds, out: o.out });
  });
}
