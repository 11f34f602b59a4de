/**
 * Benchmark: evaluate a large TREC run against MS MARCO-sized qrels (dev.small: 6,980 judged queries,
 * ~1.07 relevant passages each), measuring seconds and peak RSS, against the time it takes just to
 * read the same file twice with readLines. Goal (issue 7): evaluate faster than two reads.
 *
 *   node --import tsx bench/eval-large-run.ts [--lines 10000000] [--depth 1000] [--keep] [--out results/bench-eval.json]
 *
 * Each measurement runs in its own child process so its peak RSS is its own. Writes
 * results/bench-eval.json, one entry per --lines value (`byLines`). The generated files go to a temp folder under os.tmpdir() and are
 * removed afterwards unless --keep.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { evaluate } from '../src/eval';
import { readLines } from '../src/util/lines';
import { Rng } from '../src/util/rng';
import { defineOptions } from '../src/util/options';
import { benchMain, writeBenchRecord, machineSummary, type BenchArgs } from './harness';

const JUDGED_QUERIES = 6980;
const CORPUS = 8_841_823;

const CHILD_MODES = ['read-once-raw', 'read-twice', 'evaluate'] as const;
const EVAL_OPTIONS = defineOptions({
  lines: { type: 'int', help: 'lines of the generated run', default: 10_000_000, min: 1 },
  depth: { type: 'int', help: 'documents per query', default: 1000, min: 1, max: 1_000_000 },
  keep: { type: 'boolean', help: 'keep the generated files', default: false },
  out: { type: 'string', help: 'JSON record (one entry per --lines value)', default: path.join(__dirname, '..', 'results', 'bench-eval.json'), placeholder: 'file' },
  child: { type: 'string', help: 'internal: measure one reader in this process', choices: CHILD_MODES },
  run: { type: 'string', help: 'internal (--child): the run file', placeholder: 'file' },
  qrels: { type: 'string', help: 'internal (--child): the qrels file', placeholder: 'file' },
});

function generate(dir: string, lines: number, depth: number): { run: string; qrels: string; queries: number; judgements: number } {
  const rng = new Rng(42);
  const queries = Math.max(1, Math.ceil(lines / depth));
  const judged = Math.min(JUDGED_QUERIES, queries);
  const run = path.join(dir, 'run.trec');
  const qrels = path.join(dir, 'qrels.tsv');
  const judgedSet = new Set(rng.sampleWithoutReplacement(queries, judged));
  const qfd = fs.openSync(qrels, 'w');
  const rfd = fs.openSync(run, 'w');
  let qbuf = 'query-id\tcorpus-id\tscore\n';
  let rbuf = '';
  let judgements = 0;
  let written = 0;
  for (let q = 0; q < queries && written < lines; q++) {
    const qid = String(1_000_000 + q);
    const n = Math.min(depth, lines - written);
    const docs = new Set<number>();
    while (docs.size < n) docs.add(rng.int(CORPUS));
    const ids = [...docs];
    if (judgedSet.has(q)) {
      const rels = rng.next() < 0.07 ? 2 : 1;
      const picked = new Set<number>();
      for (let r = 0; r < rels; r++) {
        // 60% of relevant passages are retrieved, at a rank skewed towards the top
        const id = rng.next() < 0.6 ? ids[Math.min(n - 1, Math.floor(n * rng.next() ** 4) + r)] : CORPUS + q * 2 + r;
        if (picked.has(id)) continue;
        picked.add(id);
        qbuf += `${qid}\t${id}\t1\n`;
        judgements++;
      }
    }
    let score = 30;
    for (let i = 0; i < n; i++) {
      score -= rng.next() * 0.02;
      rbuf += `${qid} Q0 ${ids[i]} ${i + 1} ${score.toFixed(6)} bench\n`;
    }
    written += n;
    if (rbuf.length > 1 << 22) {
      fs.writeSync(rfd, rbuf);
      rbuf = '';
    }
  }
  fs.writeSync(rfd, rbuf);
  fs.writeSync(qfd, qbuf);
  fs.closeSync(rfd);
  fs.closeSync(qfd);
  return { run, qrels, queries, judgements };
}

async function child(mode: string, run: string, qrels: string): Promise<void> {
  const t0 = performance.now();
  let out: Record<string, unknown> = {};
  if (mode === 'read-twice') {
    let n = 0;
    for (let pass = 0; pass < 2; pass++) for await (const _ of readLines(run)) n++;
    out = { lines: n / 2 };
  } else if (mode === 'read-once-raw') {
    // raw bytes only, no line splitting: the floor for any reader
    let bytes = 0;
    for await (const chunk of fs.createReadStream(run, { highWaterMark: 1 << 20 })) bytes += (chunk as Buffer).length;
    out = { bytes };
  } else {
    const r = await evaluate({ run, qrels, metrics: ['mrr@10', 'mrr_msmarco@10', 'recall@100', 'ndcg@10', 'map', 'p@10', 'success@1', 'recall@1000'] });
    out = { aggregate: r.aggregate, counts: r.counts };
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, ...out }) + '\n');
}

function measure(mode: string, run: string, qrels: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', mode, '--run', run, '--qrels', qrels], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main(o: BenchArgs<typeof EVAL_OPTIONS>): Promise<void> {
  if (o.child) return child(o.child, o.run!, o.qrels!);
  const { lines, depth, out } = o;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-bench-eval-'));
  try {
    const tg = performance.now();
    const g = generate(dir, lines, depth);
    const generateSeconds = (performance.now() - tg) / 1000;
    const bytes = fs.statSync(g.run).size;
    console.error(`generated ${lines} lines (${(bytes / 2 ** 20).toFixed(0)} MiB), ${g.queries} queries, ${g.judgements} qrels in ${generateSeconds.toFixed(1)} s`);
    const rawOnce = measure('read-once-raw', g.run, g.qrels);
    console.error('raw read once', rawOnce);
    const readTwice = measure('read-twice', g.run, g.qrels);
    console.error('readLines twice', readTwice);
    const evaluation = measure('evaluate', g.run, g.qrels);
    console.error('evaluate', evaluation);
    const result = {
      date: new Date().toISOString(),
      machine: machineSummary(),
      lines,
      depth,
      queries: g.queries,
      judgedQueries: Math.min(JUDGED_QUERIES, g.queries),
      qrelsLines: g.judgements,
      runMiB: bytes / 2 ** 20,
      generateSeconds,
      rawReadOnce: rawOnce,
      readLinesTwice: readTwice,
      evaluate: evaluation,
      evaluateOverReadTwice: (evaluation.seconds as number) / (readTwice.seconds as number),
      goalMet: (evaluation.seconds as number) < (readTwice.seconds as number),
    };
    // one entry per run size, so a 1M check does not overwrite the 10M measurement
    let all: Record<string, unknown> = {};
    try {
      const prev = JSON.parse(fs.readFileSync(out, 'utf8'));
      if (prev && typeof prev === 'object' && prev.bench === 'eval-large-run' && prev.byLines) all = prev.byLines;
    } catch {
      // no previous results
    }
    all[String(lines)] = result;
    writeBenchRecord(out, 'eval-large-run', { byLines: all });
    console.log(JSON.stringify(result, null, 2));
  } finally {
    if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
    else console.error(`kept ${dir}`);
  }
}

benchMain('bench/eval-large-run.ts', 'evaluate a large TREC run against MS MARCO-sized qrels, against reading it twice', EVAL_OPTIONS, main);
