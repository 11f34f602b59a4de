/**
 * Qrels readers: TREC qrels (`qid iter docid rel`, whitespace separated, as trec_eval's get_qrels.c
 * reads them) and BEIR qrels TSV (header `query-id\tcorpus-id\tscore`, then `qid\tdocid\tscore`).
 * Grades must be integers (trec_eval reads them with atol); a (query, document) pair given twice is
 * an error, as in trec_eval (form_res_rels.c: "duplicate docs"). Blank lines are skipped.
 */
import * as fs from 'fs';
import { InputError, inputErrorAt } from '../util/errors';
import { readLines } from '../util/lines';
import { parseIntStrict, splitFields } from './fields';
import { detectQrelsFormat } from '../data/qrels-format';
import type { Qrels } from './types';

export type QrelsFormat = 'trec' | 'beir' | 'auto';

export interface LoadJudgementsOptions {
  /** 'auto' (default): the BEIR header → beir, 4 fields → trec, anything else refused (data/qrels-format.ts). */
  format?: QrelsFormat;
}

function isBeirHeader(fields: string[], n: number): boolean {
  return n === 3 && fields[0].toLowerCase() === 'query-id' && fields[1].toLowerCase() === 'corpus-id';
}

/**
 * Loads a qrels file for evaluation into query id → (document id → grade): TREC or BEIR format,
 * integer grades, as trec_eval reads them. (The dataset reader is data/beir-read.ts `loadQrels`:
 * ids checked against the dataset.)
 */
export async function loadJudgements(file: string, opts: LoadJudgementsOptions = {}): Promise<Qrels> {
  if (!fs.existsSync(file)) throw new InputError(`${file}: qrels file not found`);
  let format = opts.format ?? 'auto';
  const qrels: Qrels = new Map();
  const f: string[] = [];
  let first = true;
  for await (const { line, lineNo } of readLines(file)) {
    const n = splitFields(line, f, 4);
    if (n === 0) continue;
    if (first) {
      first = false;
      if (isBeirHeader(f, n)) {
        if (format === 'trec') throw inputErrorAt(file, lineNo, 'found a BEIR header (query-id corpus-id score) but --qrels-format is trec');
        format = 'beir';
        continue;
      }
      // the one rule every qrels reader follows (data/qrels-format.ts); --qrels-format overrides it
      if (format === 'auto') format = detectQrelsFormat(line, file, lineNo).format;
    }
    let qid: string, docId: string, relText: string;
    if (format === 'trec') {
      if (n !== 4) throw inputErrorAt(file, lineNo, `expected TREC qrels 'qid 0 docid rel' (4 fields), found ${n > 4 ? 'more than 4' : n}`);
      qid = f[0]; docId = f[2]; relText = f[3];
    } else {
      if (n !== 3) throw inputErrorAt(file, lineNo, `expected BEIR qrels 'query-id<TAB>corpus-id<TAB>score' (3 fields), found ${n > 3 ? 'more than 3' : n}`);
      qid = f[0]; docId = f[1]; relText = f[2];
    }
    const rel = parseIntStrict(relText);
    if (Number.isNaN(rel)) throw inputErrorAt(file, lineNo, `expected an integer relevance grade, found '${relText}'`);
    let m = qrels.get(qid);
    if (!m) qrels.set(qid, (m = new Map()));
    if (m.has(docId)) throw inputErrorAt(file, lineNo, `document '${docId}' is judged twice for query '${qid}'`);
    m.set(docId, rel);
  }
  if (qrels.size === 0) throw new InputError(`${file}: no qrels lines (expected 'qid 0 docid rel' or a BEIR qrels TSV)`);
  return qrels;
}

/** Number of (query, document) judgements in `qrels`. */
export function countJudgements(qrels: Qrels): number {
  let n = 0;
  for (const m of qrels.values()) n += m.size;
  return n;
}
