/**
 * A streaming reader for a file that is one big JSON array of values (DPR's biencoder-nq-*.json:
 * gigabytes, one object per question). It scans the text for the boundaries of each top-level
 * element (tracking strings, escapes and nesting) and JSON.parses one element at a time, so memory
 * is one element, not the file.
 */
import * as fs from 'fs';
import { createGunzip } from 'zlib';
import { InputError, inputErrorAt, throwIfAborted } from '../../util/errors';
import type { ProgressFn } from '../../util/progress';

/** One element of the array with its 0-based index and the 1-based line it starts on. */
export interface JsonArrayElement {
  value: unknown;
  index: number;
  lineNo: number;
}

const enum St {
  BeforeArray,
  FirstOrEnd,
  Element,
  InElement,
  AfterArray,
}

/**
 * Streams the elements of a top-level JSON array in `file` (gzip when the name ends in .gz).
 * InputError (file:line) when the file is not an array, an element is not valid JSON, there is a
 * trailing comma, the file ends inside the array, or text follows it.
 */
export async function* readJsonArray(
  file: string,
  opts: { signal?: AbortSignal; progress?: ProgressFn; what?: string; /** Read size in bytes (default 1 MiB; tests use tiny ones). */ chunkBytes?: number } = {},
): AsyncGenerator<JsonArrayElement> {
  if (!fs.existsSync(file)) throw new InputError(`${file}: file not found${opts.what ? ` (expected ${opts.what})` : ''}`);
  const raw = fs.createReadStream(file, { highWaterMark: opts.chunkBytes ?? 1 << 20 });
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => input.destroy(e));
  input.setEncoding('utf8');
  const inElem = /[{}[\]",\n]/g;
  const inStr = /["\\]/g;
  let st: St = St.BeforeArray;
  let line = 1;
  let depth = 0;
  let inString = false;
  let skipNext = false; // a backslash ended the previous chunk
  let parts: string[] = [];
  let elemLine = 0;
  let index = 0;
  const stage = `read ${file.split(/[\\/]/).pop()}`;
  const bad = (what: string) => inputErrorAt(file, line, what);
  const emit = (text: string): JsonArrayElement => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw inputErrorAt(file, elemLine, `array element ${index} is not valid JSON (${(e as Error).message})`);
    }
    return { value, index: index++, lineNo: elemLine };
  };
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const c = chunk;
      const n = c.length;
      let p = 0;
      let seg = 0; // start of the element text in this chunk
      while (p < n) {
        if (st === St.InElement) {
          if (skipNext) {
            skipNext = false;
            p++;
            continue;
          }
          if (inString) {
            inStr.lastIndex = p;
            const m = inStr.exec(c);
            if (!m) {
              p = n;
              break;
            }
            if (c.charCodeAt(m.index) === 92) {
              p = m.index + 2;
              if (p > n) skipNext = true;
            } else {
              inString = false;
              p = m.index + 1;
            }
            continue;
          }
          inElem.lastIndex = p;
          const m = inElem.exec(c);
          if (!m) {
            p = n;
            break;
          }
          const i = m.index;
          const ch = c.charCodeAt(i);
          p = i + 1;
          if (ch === 10) line++;
          else if (ch === 34) inString = true;
          else if (ch === 123 || ch === 91) depth++;
          else if (ch === 125 || ch === 93) {
            if (depth > 0) depth--;
            else if (ch === 93) {
              parts.push(c.slice(seg, i));
              const el = emit(parts.join(''));
              parts = [];
              st = St.AfterArray;
              yield el;
            } else throw bad("unbalanced '}'");
          } else if (ch === 44 && depth === 0) {
            parts.push(c.slice(seg, i));
            const el = emit(parts.join(''));
            parts = [];
            st = St.Element;
            if (index % 1000 === 0) {
              throwIfAborted(opts.signal, `reading ${file}`);
              opts.progress?.({ stage, done: index, unit: 'records' });
            }
            yield el;
          }
          continue;
        }
        const ch = c.charCodeAt(p);
        if (ch === 10) {
          line++;
          p++;
          continue;
        }
        if (ch === 32 || ch === 9 || ch === 13 || ch === 0xfeff) {
          p++;
          continue;
        }
        if (st === St.BeforeArray) {
          if (ch !== 91) throw bad(`expected a JSON array ('['), found ${JSON.stringify(c[p])}`);
          st = St.FirstOrEnd;
          p++;
        } else if (st === St.FirstOrEnd || st === St.Element) {
          if (ch === 93) {
            if (st === St.Element) throw bad("trailing ',' before ']'");
            st = St.AfterArray;
            p++;
          } else if (ch === 44) {
            throw bad("unexpected ','; expected an array element");
          } else {
            st = St.InElement;
            depth = 0;
            inString = false;
            elemLine = line;
            seg = p;
            parts = [];
          }
        } else if (st === St.AfterArray) {
          throw bad(`unexpected text after the end of the array: ${JSON.stringify(c.slice(p, p + 20))}`);
        }
      }
      if (st === St.InElement) {
        parts.push(c.slice(seg));
        seg = 0;
      }
    }
  } catch (e) {
    raw.destroy();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') throw new InputError(`${file}: not valid gzip data (${(e as Error).message})`);
    throw e;
  }
  if (st === St.BeforeArray) throw new InputError(`${file}: empty file (expected a JSON array)`);
  if (st !== St.AfterArray) throw inputErrorAt(file, line, `the file ends inside the JSON array (truncated?)`);
  opts.progress?.({ stage, done: index, total: index, unit: 'records' });
}
