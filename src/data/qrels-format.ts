/**
 * The one rule for what a qrels file is, shared by every reader (dataset loading for `train`,
 * `convert` and `data check`, and `evaluate`), so a file reads the same everywhere or is refused
 * everywhere. On the first non-blank line:
 *
 *   - the BEIR header `query-id corpus-id score` (tab- or space-separated, any case) → BEIR qrels:
 *     rows `query-id<TAB>corpus-id<TAB>score`;
 *   - otherwise 4 whitespace-separated fields → TREC qrels `qid iter docid rel`, as trec_eval reads
 *     them (no header; the iteration column is ignored);
 *   - anything else is refused: 3 fields without the header could be BEIR rows or a mistake, and
 *     other widths are neither format.
 */
import { inputErrorAt } from '../util/errors';

export type QrelsFileFormat = 'beir' | 'trec';

/** The BEIR header columns. */
export const BEIR_QRELS_HEADER = ['query-id', 'corpus-id', 'score'] as const;

/** Whitespace-separated fields of a line. */
function fieldsOf(line: string): string[] {
  return line.trim().split(/\s+/);
}

/** True for the BEIR header line (tab- or space-separated, any case). */
export function isBeirQrelsHeader(line: string): boolean {
  const f = fieldsOf(line);
  return f.length === 3 && f.every((c, i) => c.toLowerCase() === BEIR_QRELS_HEADER[i]);
}

/**
 * The format of a qrels file from its first non-blank line (see the module comment); `header` says
 * whether that line is a header to skip. Throws an InputError at `file:lineNo` for anything else.
 */
export function detectQrelsFormat(firstLine: string, file: string, lineNo: number): { format: QrelsFileFormat; header: boolean } {
  if (isBeirQrelsHeader(firstLine)) return { format: 'beir', header: true };
  const n = fieldsOf(firstLine).length;
  if (n === 4) return { format: 'trec', header: false };
  throw inputErrorAt(
    file,
    lineNo,
    `expected the BEIR header "query-id<TAB>corpus-id<TAB>score" or a TREC qrels row "qid 0 docid rel" (4 fields), found ${n} field(s): ${JSON.stringify(firstLine.slice(0, 80))}` +
      (n === 3 ? ' (3 columns without the header: add the header line, or write TREC qrels with an iteration column)' : ''),
  );
}
