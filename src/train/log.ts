/**
 * `runs/<name>/log.jsonl`: one JSON record per logged step. Notebooks and reports read this file;
 * they never reach into a live trainer. On resume the records after the checkpoint's step are cut,
 * so a resumed run's log reads as an uninterrupted one.
 */
import * as fs from 'fs';
import { writeFileAtomic } from '../util/atomic';
import type { CostSummary } from './ledger';
import type { ProbeRecord } from './probe';

/**
 * Retrieval metrics of an evaluation (train/score.ts, metrics TABLE_METRICS), as runs log and
 * report them. `successK` is success@k (trec_eval's success_k): the share of queries with a
 * relevant passage in the top k.
 */
export interface RetrievalMetrics {
  queries: number;
  mrr10: number;
  success1: number;
  success10: number;
  success100: number;
}

export interface LogRecord extends Partial<ProbeRecord> {
  step: number;
  strategy: string;
  /** Retrieval loss (cross-entropy over the truncated softmax) of the step. */
  loss?: number;
  /** Corrector loss of the step. */
  correctorLoss?: number;
  lr?: number;
  warmup?: boolean;
  dev?: RetrievalMetrics;
  /** Set on the record where a finished run was extended to more steps (train/run-config.ts). */
  extended?: { fromSteps: number; toSteps: number };
  cost: CostSummary;
  /** Training seconds so far (excluding time spent down between a kill and a resume). */
  seconds: number;
}

export class RunLog {
  constructor(readonly file: string) {}

  append(rec: LogRecord): void {
    fs.appendFileSync(this.file, JSON.stringify(rec, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
  }

  /** Keeps only records with step ≤ `step` (−1: none), atomically. */
  truncateAfter(step: number): void {
    if (!fs.existsSync(this.file)) return;
    const kept = readLog(this.file).filter((r) => r.step <= step);
    writeFileAtomic(this.file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}

/** Reads a log.jsonl; a torn last line (a kill mid-append) is ignored. */
export function readLog(file: string): LogRecord[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().length > 0);
  const out: LogRecord[] = [];
  lines.forEach((l, i) => {
    try {
      out.push(JSON.parse(l));
    } catch (e) {
      if (i !== lines.length - 1) throw new Error(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}
