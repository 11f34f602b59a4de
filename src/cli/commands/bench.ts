import { defineCommand } from '../command';
import { runBench, BENCH_SECTIONS } from '../../../bench/run';

export const benchCommand = defineCommand({
  name: 'bench',
  summary: 'benchmarks against PyTorch and FAISS on this machine (ratios measured in one run) → results/bench.json, results/bench.md',
  usage: '[--quick] [--only encoder,train-step,...] [--python path] [--no-peers] [--threads 2]',
  flags: {
    quick: { type: 'boolean', help: 'a short pass (a few minutes) instead of the full one (about 30 minutes on 2 cores)', default: false },
    only: { type: 'list', of: 'string', help: 'run only these benchmarks', choices: BENCH_SECTIONS, defaultText: 'all' },
    python: { type: 'string', help: 'peer python with torch, faiss-cpu, transformers', placeholder: 'path', defaultText: 'bench/peers/.venv, made by bench/peers/setup.sh' },
    peers: { type: 'boolean', help: 'compare against the Python peers (--no-peers: only our numbers)', default: true },
    threads: { type: 'int', help: 'threads for ours and the peers', default: 2, min: 1, max: 1024 },
    outDir: { type: 'string', help: 'folder for bench.json, bench.md and each benchmark\'s JSON', default: 'results', placeholder: 'dir' },
    table: { type: 'string', help: '`npm start` table for the re-embedding cost goal', default: 'results/default/table.json', placeholder: 'file' },
  },
  async run(opts, ctx) {
    const r = await runBench({
      quick: opts.quick,
      only: opts.only,
      python: opts.python,
      noPeers: !opts.peers,
      threads: opts.threads,
      outDir: opts.outDir,
      table: opts.table,
      log: opts.quiet ? () => {} : ctx.log,
      signal: ctx.signal,
    });
    for (const row of r.rows) ctx.out(`${row.benchmark}: ours ${row.ours} | peer ${row.peer} | ratio ${row.ratio === null ? '–' : row.ratio.toPrecision(3)} | ${row.status?.text ?? '–'}`);
    ctx.out(`wrote ${[r.json, r.md, ...r.saved].join(', ')}`);
  },
});
