import * as fs from 'fs';
import { createGunzip } from 'zlib';
import { InputError, inputErrorAt, withPath } from './errors';

/**
 * Reading text files the one way every reader here does: UTF-8 decoded strictly (a byte sequence
 * that is not UTF-8 is an InputError naming the file, line and byte offset, never a silent U+FFFD
 * that would make two different ids equal), a leading byte-order mark skipped, gzip when the name
 * ends in .gz (corrupt or truncated gzip data is an InputError naming the file).
 */

const BOM = [0xef, 0xbb, 0xbf];
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Line breaks as readline sees them: \r\n, \n, or a lone \r. */
const LINE_BREAK = /\r\n|\n|\r/;

/** A piece of a text file: whole lines (the last piece may end without a newline), already checked as UTF-8. */
export interface LineChunk {
  buf: Buffer;
  /** 1-based number of the first line in `buf`. */
  lineNo: number;
  /** Byte offset of `buf` in the (decompressed) file, a skipped byte-order mark counted. */
  offset: number;
}

/**
 * Offset of the first byte of `b` that does not start or continue a valid UTF-8 sequence, or -1.
 * A NUL byte counts as invalid too: it is UTF-8, but in a text file it means UTF-16 or binary data.
 */
export function invalidUtf8At(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c === 0) return i;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) (n = 1), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (n = 2), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (n = 3), (min = 0x10000);
    else return i;
    if (i + n >= b.length) return i; // cut off at the end
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if ((x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

function notUtf8(file: string, chunk: LineChunk): InputError {
  const at = invalidUtf8At(chunk.buf);
  const before = chunk.buf.toString('utf8', 0, at); // valid up to `at`
  const line = chunk.lineNo + before.split(LINE_BREAK).length - 1;
  const what = chunk.buf[at] === 0 ? 'is a NUL (UTF-16 or binary data?)' : 'starts no valid UTF-8 sequence';
  return inputErrorAt(file, line, `not UTF-8 text: byte 0x${chunk.buf[at].toString(16).padStart(2, '0')} at byte offset ${chunk.offset + at} ${what} (convert the file to UTF-8)`);
}

/** A zlib error of `file` as an InputError (the data is bad); an OS error with `file` as its path. */
function readError(file: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new InputError(`${file}: not valid gzip data (${(e as Error).message}); the file is corrupt or truncated: download or compress it again`);
  }
  return withPath(e, file);
}

/**
 * Streams a text file as chunks of whole lines (about 1 MiB each), checked as UTF-8, the
 * byte-order mark dropped: for readers that parse bytes themselves (run files).
 */
export async function* readLineChunks(file: string): AsyncGenerator<LineChunk> {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  if (input !== raw) raw.on('error', (e) => input.destroy(e));
  let carry: Buffer | null = null;
  let offset = 0;
  let lineNo = 1;
  let first = true;
  const emit = (buf: Buffer): LineChunk => {
    const chunk = { buf, lineNo, offset };
    try {
      strictUtf8.decode(buf);
    } catch {
      throw notUtf8(file, chunk);
    }
    if (buf.indexOf(0) >= 0) throw notUtf8(file, chunk);
    for (let i = 0; i < buf.length; i++) if (buf[i] === 10 || (buf[i] === 13 && buf[i + 1] !== 10)) lineNo++;
    offset += buf.length;
    return chunk;
  };
  try {
    for await (const data of input as AsyncIterable<Buffer>) {
      let buf: Buffer = carry ? Buffer.concat([carry, data]) : data;
      carry = null;
      if (first) {
        if (buf.length < 3 && BOM.slice(0, buf.length).every((x, i) => buf[i] === x)) {
          carry = buf; // too short to tell yet
          continue;
        }
        first = false;
        if (buf[0] === BOM[0] && buf[1] === BOM[1] && buf[2] === BOM[2]) {
          buf = buf.subarray(3);
          offset = 3;
        }
      }
      const nl = buf.lastIndexOf(10);
      if (nl < 0) {
        carry = buf;
        continue;
      }
      if (nl + 1 < buf.length) carry = Buffer.from(buf.subarray(nl + 1));
      yield emit(buf.subarray(0, nl + 1));
    }
  } catch (e) {
    throw readError(file, e);
  } finally {
    raw.destroy();
  }
  if (carry && carry.length > 0) {
    if (first && carry.length === 3 && carry[0] === BOM[0] && carry[1] === BOM[1] && carry[2] === BOM[2]) return;
    yield emit(carry);
  }
}

/**
 * Streams the lines of a text file (gzip when it ends in .gz) with 1-based line numbers, never
 * holding the whole file: the way every corpus, query, qrels and run reader reads. Lines end at
 * \n, \r\n or a lone \r (as readline splits them).
 */
export async function* readLines(file: string): AsyncGenerator<{ line: string; lineNo: number }> {
  let lineNo = 0;
  for await (const chunk of readLineChunks(file)) {
    const lines = chunk.buf.toString('utf8').split(LINE_BREAK);
    if (lines[lines.length - 1] === '') lines.pop(); // after the chunk's final newline
    for (const line of lines) {
      lineNo++; // a chunk never splits \r\n: chunks end right after a \n
      yield { line, lineNo };
    }
  }
}

/** A whole (small) text file, decoded strictly as UTF-8 with a leading byte-order mark dropped. */
export function readTextFile(file: string): string {
  const buf = fs.readFileSync(file);
  const body = buf[0] === BOM[0] && buf[1] === BOM[1] && buf[2] === BOM[2] ? buf.subarray(3) : buf;
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw notUtf8(file, { buf: body, lineNo: 1, offset: body === buf ? 0 : 3 });
  }
  if (body.indexOf(0) >= 0) throw notUtf8(file, { buf: body, lineNo: 1, offset: body === buf ? 0 : 3 });
  return text;
}
