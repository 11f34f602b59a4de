/**
 * Shared pieces of the converters: Python `csv.reader(delimiter='\t')` record splitting (quoted
 * fields, doubled quotes, quoted line breaks), Python string-list literals (`['a', "b's"]`, the
 * answers column of DPR's qa.csv files), finding a source file in a download folder, and the
 * converters' result type.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError, inputErrorAt, throwIfAborted } from '../../util/errors';
import { readLines } from '../../util/lines';
import type { ProgressFn } from '../../util/progress';
import type { DatasetManifest } from '../dataset';

/** What a converter wrote. Counts are in `manifest.counts`. */
export interface ConvertResult {
  out: string;
  manifest: DatasetManifest;
  /** Facts worth printing (records skipped, files not found, id schemes). */
  notes: string[];
}

/** Options every converter takes. */
export interface ConvertCommonOptions {
  /** Folder holding the downloaded files (searched one folder deep, e.g. an extracted archive). */
  from: string;
  /** Dataset folder to write (canonical layout). */
  out: string;
  /** Write corpus.jsonl.gz instead of corpus.jsonl. */
  gzipCorpus?: boolean;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/**
 * The first of `names` found in `dir` or in one of its immediate subfolders (sorted), or undefined.
 * Lets `--from` point at a download folder whose archive was extracted into a subfolder.
 */
export function findSourceFile(dir: string, names: readonly string[]): string | undefined {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError(`${dir}: folder not found (expected the downloaded files)`);
  for (const n of names) {
    const f = path.join(dir, n);
    if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
  }
  const subs = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  for (const s of subs) {
    for (const n of names) {
      const f = path.join(dir, s, n);
      if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
    }
  }
  return undefined;
}

/** Like findSourceFile, but an InputError naming what was looked for when absent. */
export function requireSourceFile(dir: string, names: readonly string[], what: string): string {
  const f = findSourceFile(dir, names);
  if (!f) throw new InputError(`${dir}: ${what} not found (looked for ${names.join(', ')} here and one folder down)`);
  return f;
}

/** A record of a tab-separated file in Python csv conventions, with the line it started on. */
export interface TsvRecord {
  fields: string[];
  lineNo: number;
}

/**
 * Splits one record of a tab-separated file as Python's `csv.reader(f, delimiter='\t')` does: a
 * field that starts with `"` is quoted (`""` inside is one `"`, tabs and line breaks inside are
 * data, text after the closing quote is appended); a `"` elsewhere is literal. `open` is true when
 * the line ends inside a quoted field (the caller appends the next line and splits again).
 */
export function splitQuotedTsv(line: string): { fields: string[]; open: boolean } {
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (i < n && line.charCodeAt(i) === 34) {
      // quoted field
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return { fields, open: true };
        v += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          v += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      const tab = line.indexOf('\t', i);
      const end = tab === -1 ? n : tab;
      v += line.slice(i, end);
      fields.push(v);
      if (tab === -1) return { fields, open: false };
      i = tab + 1;
    } else {
      const tab = line.indexOf('\t', i);
      if (tab === -1) {
        fields.push(line.slice(i));
        return { fields, open: false };
      }
      fields.push(line.slice(i, tab));
      i = tab + 1;
    }
  }
}

/** Most lines one quoted field may span before the file counts as malformed. */
const MAX_RECORD_LINES = 1000;

/**
 * Streams the records of a tab-separated file (.gz aware) in Python csv conventions (see
 * splitQuotedTsv), joining lines while a quoted field is open. Blank lines are skipped. An
 * unterminated quote is an InputError naming the line it started on.
 */
export async function* readQuotedTsv(file: string, signal?: AbortSignal): AsyncGenerator<TsvRecord> {
  let pending: string | undefined;
  let startLine = 0;
  let spanned = 0;
  let n = 0;
  for await (const { line, lineNo } of readLines(file)) {
    const text = pending === undefined ? line : pending + '\n' + line;
    if (pending === undefined) {
      startLine = lineNo;
      spanned = 0;
      if (line === '') continue;
    }
    const r = splitQuotedTsv(text);
    if (r.open) {
      pending = text;
      if (++spanned > MAX_RECORD_LINES) throw inputErrorAt(file, startLine, `a quoted field opened here is not closed within ${MAX_RECORD_LINES} lines (stray '"'?)`);
      continue;
    }
    pending = undefined;
    if (++n % 65536 === 0) throwIfAborted(signal, `reading ${file}`);
    yield { fields: r.fields, lineNo: startLine };
  }
  if (pending !== undefined) throw inputErrorAt(file, startLine, "a quoted field opened here is not closed before the end of the file (stray '\"'?)");
}

/**
 * Parses a Python list literal of strings such as `['a', "b's", 'caf\xe9']` (the answers column of
 * DPR's `nq-*.qa.csv`, written with Python's repr): single- or double-quoted strings with Python
 * escapes (`\\ \' \" \n \t \r \xNN \uNNNN \UNNNNNNNN \ooo`), optional u/r prefixes; numbers are
 * kept as their text. Throws an Error with a short reason on anything else.
 */
export function parsePythonStringList(s: string): string[] {
  let i = 0;
  const n = s.length;
  const ws = () => {
    while (i < n && /\s/.test(s[i])) i++;
  };
  const fail = (why: string): never => {
    throw new Error(`${why} at character ${i + 1} of ${JSON.stringify(s.length > 80 ? s.slice(0, 80) + '…' : s)}`);
  };
  ws();
  if (s[i] !== '[') fail("expected a Python list starting with '['");
  i++;
  const out: string[] = [];
  ws();
  if (s[i] === ']') {
    i++;
    ws();
    if (i !== n) fail('unexpected text after the list');
    return out;
  }
  for (;;) {
    ws();
    let raw = false;
    while (i < n && /[uUrRbB]/.test(s[i]) && (s[i + 1] === "'" || s[i + 1] === '"' || /[uUrRbB]/.test(s[i + 1]))) {
      if (s[i] === 'r' || s[i] === 'R') raw = true;
      i++;
    }
    const q = s[i];
    if (q === "'" || q === '"') {
      i++;
      let v = '';
      for (;;) {
        if (i >= n) fail('unterminated string');
        const c = s[i];
        if (c === q) {
          i++;
          break;
        }
        if (c === '\\' && !raw) {
          const e = s[i + 1];
          i += 2;
          switch (e) {
            case '\\': v += '\\'; break;
            case "'": v += "'"; break;
            case '"': v += '"'; break;
            case 'n': v += '\n'; break;
            case 't': v += '\t'; break;
            case 'r': v += '\r'; break;
            case 'a': v += '\x07'; break;
            case 'b': v += '\b'; break;
            case 'f': v += '\f'; break;
            case 'v': v += '\v'; break;
            case '\n': break;
            case 'x':
            case 'u':
            case 'U': {
              const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
              const hex = s.slice(i, i + len);
              if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) fail(`bad \\${e} escape`);
              v += String.fromCodePoint(parseInt(hex, 16));
              i += len;
              break;
            }
            default:
              if (e !== undefined && /[0-7]/.test(e)) {
                let oct = e;
                while (oct.length < 3 && /[0-7]/.test(s[i] ?? '')) oct += s[i++];
                v += String.fromCharCode(parseInt(oct, 8));
              } else if (e === undefined) {
                fail('unterminated string');
              } else {
                v += '\\' + e; // Python keeps unknown escapes as written
              }
          }
          continue;
        }
        if (c === '\n') fail('line break inside a string');
        v += c;
        i++;
      }
      out.push(v);
    } else {
      const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(s.slice(i));
      if (!m) fail('expected a quoted string');
      out.push(m![0]);
      i += m![0].length;
    }
    ws();
    if (s[i] === ',') {
      i++;
      ws();
      if (s[i] === ']') {
        i++;
        break;
      }
      continue;
    }
    if (s[i] === ']') {
      i++;
      break;
    }
    fail("expected ',' or ']'");
  }
  ws();
  if (i !== n) fail('unexpected text after the list');
  return out;
}

/** Reports progress every this many records. */
export const CONVERT_REPORT_EVERY = 100_000;
