/**
 * Safe extraction of the archives the datasets ship in: tar (plain or gzip; ustar, pax and GNU
 * long names, base-256 sizes) read as a stream, and zip (central directory; stored or deflated,
 * zip64) read by offset, with Node's zlib only. Every entry name is checked before anything is
 * written: absolute paths, drive letters and `..` components are refused, as are symbolic and hard
 * links, device files, FIFOs and encrypted or unknown entries, each with an UnsafeArchiveError that
 * names the archive and the entry. Everything is written into a temp folder beside the target,
 * which is renamed to the target only when the whole archive was read and checked (zip: CRC-32 and
 * sizes), so a target folder is always a complete extraction; the temp folders of killed extractions
 * into the same target are removed by the next one. Entries that collide (a file, then `a/b` under
 * it; a folder, then a file of its name) or that the file system cannot name are one-line errors.
 * Replacing an existing target (`overwrite`) is refused when the target holds the archive itself.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { escapeRegExp, removeLeftovers, tempPathFor } from '../util/atomic';
import { InputError, throwIfAborted, withPath } from '../util/errors';
import type { ProgressFn } from '../util/progress';

/** An archive entry that would escape the target folder, or a link / device / unknown entry. */
export class UnsafeArchiveError extends InputError {
  override name = 'UnsafeArchiveError';
}

/** Archive formats extractArchive reads. */
export type ArchiveFormat = 'tar' | 'tar.gz' | 'zip';

/** Options of extractArchive. */
export interface ExtractOptions {
  /** The archive file. */
  archive: string;
  /** Folder to create with the archive's contents (must not exist unless `overwrite`). */
  dest: string;
  /** Format; default from the file name (.tar, .tar.gz / .tgz, .zip). */
  format?: ArchiveFormat;
  /** Replace an existing `dest` (default false: an existing `dest` is an error); refused when `dest` holds the archive. */
  overwrite?: boolean;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** What extractArchive wrote. */
export interface ExtractResult {
  dest: string;
  files: number;
  dirs: number;
  /** Bytes of file contents written. */
  bytes: number;
  /** Relative paths of the files, in archive order. */
  entries: string[];
}

/** The archive format from a file name: `.zip`, `.tar`, `.tar.gz` / `.tgz`; undefined otherwise. */
export function archiveFormatOf(file: string): ArchiveFormat | undefined {
  const f = file.toLowerCase();
  if (f.endsWith('.zip')) return 'zip';
  if (f.endsWith('.tar.gz') || f.endsWith('.tgz')) return 'tar.gz';
  if (f.endsWith('.tar')) return 'tar';
  return undefined;
}

/**
 * The relative path (forward slashes, no `.` parts) an archive entry named `name` may be written
 * to, or an UnsafeArchiveError when it is absolute (`/x`, `C:x`, `\\x`), has a `..` component or
 * a NUL byte. Backslashes count as separators. '' means the archive root itself (e.g. `./`).
 */
export function safeEntryPath(name: string, archive: string): string {
  const bad = (why: string) => new UnsafeArchiveError(`${archive}: entry ${JSON.stringify(name)} refused: ${why}`);
  if (name.includes('\0')) throw bad('the name contains a NUL byte');
  const n = name.replace(/\\/g, '/');
  if (n.startsWith('/')) throw bad('absolute path (would be written outside the target folder)');
  if (/^[A-Za-z]:/.test(n)) throw bad('drive-letter path (would be written outside the target folder)');
  const parts: string[] = [];
  for (const p of n.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') throw bad("'..' component (would be written outside the target folder)");
    parts.push(p);
  }
  return parts.join('/');
}

/** Joins a checked relative path onto `root`, re-checking that the result stays inside it. */
function inside(root: string, rel: string, name: string, archive: string): string {
  const target = path.resolve(root, rel);
  if (target !== root && !target.startsWith(root + path.sep)) {
    throw new UnsafeArchiveError(`${archive}: entry ${JSON.stringify(name)} refused: resolves outside the target folder`);
  }
  return target;
}

/**
 * Extracts `archive` into `dest` safely (see the module comment): a temp folder beside `dest` gets
 * the contents and is renamed to `dest` at the end; on any error or abort it is removed and `dest`
 * is untouched. Returns counts and the file list.
 */
export async function extractArchive(opts: ExtractOptions): Promise<ExtractResult> {
  const { archive, signal } = opts;
  const dest = path.resolve(opts.dest);
  if (!fs.existsSync(archive)) throw new InputError(`${archive}: archive not found`);
  const format = opts.format ?? archiveFormatOf(archive);
  if (!format) throw new InputError(`${archive}: unknown archive type (expected .tar, .tar.gz, .tgz or .zip)`);
  if (fs.existsSync(dest)) {
    if (!opts.overwrite) throw new InputError(`${dest}: already exists (remove it or pass overwrite to extract ${archive} again)`);
    // overwrite replaces the whole folder: never one that holds the archive (and whatever lies beside it)
    const real = fs.realpathSync(dest);
    const archiveReal = fs.realpathSync(archive);
    if (archiveReal === real || archiveReal.startsWith(real + path.sep)) {
      throw new InputError(`${dest}: holds the archive ${archive}, which replacing the folder would delete; extract into another folder`);
    }
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  removeLeftovers(path.dirname(dest), new RegExp(`^\\.tmp-${escapeRegExp(path.basename(dest))}\\.(\\d+)\\.[0-9a-z]+$`));
  const tmp = tempPathFor(dest);
  fs.mkdirSync(tmp);
  const result: ExtractResult = { dest, files: 0, dirs: 0, bytes: 0, entries: [] };
  try {
    if (format === 'zip') await extractZip(archive, tmp, result, opts);
    else await extractTar(archive, format === 'tar.gz', tmp, result, opts);
    throwIfAborted(signal, `extracting ${archive}`);
    if (fs.existsSync(dest)) fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw withPath(e, dest);
  }
  opts.progress?.({ stage: `extract ${path.basename(archive)}`, done: result.bytes, total: result.bytes, unit: 'bytes' });
  return result;
}

/** An entry's file-system error as a one-line error naming the entry, for what an archive can cause. */
function entryError(e: unknown, name: string, archive: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOTDIR: 'a file written earlier from the archive stands where its folder should be (entries collide)',
    EEXIST: 'a file written earlier from the archive stands where its folder should be (entries collide)',
    EISDIR: 'a folder written earlier from the archive has its name (entries collide)',
    ENAMETOOLONG: 'its name is too long for this file system',
  };
  return code && why[code] ? new InputError(`${archive}: entry ${JSON.stringify(name)} cannot be extracted: ${why[code]}`) : e;
}

function makeDir(dir: string, name: string, archive: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw entryError(e, name, archive);
  }
}

/** Creates the entry's folders and opens its file for writing. */
async function openEntry(target: string, name: string, archive: string): Promise<fs.promises.FileHandle> {
  makeDir(path.dirname(target), name, archive);
  try {
    return await fs.promises.open(target, 'w');
  } catch (e) {
    throw entryError(e, name, archive);
  }
}

// ---------------------------------------------------------------------------------------------
// tar
// ---------------------------------------------------------------------------------------------

/** Reads exact byte counts from an async stream of Buffers without concatenating more than needed. */
class ByteSource {
  private it: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  private off = 0;
  private done = false;
  /** Bytes consumed so far. */
  pos = 0;

  constructor(stream: AsyncIterable<Buffer>) {
    this.it = stream[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.off >= this.buf.length) {
      if (this.done) return false;
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return false;
      }
      this.buf = r.value;
      this.off = 0;
    }
    return true;
  }

  /** Exactly n bytes; null at end of stream before any byte; a short read is `short`. */
  async read(n: number): Promise<Buffer | null> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      if (!(await this.fill())) break;
      const take = Math.min(n - got, this.buf.length - this.off);
      parts.push(this.buf.subarray(this.off, this.off + take));
      this.off += take;
      got += take;
    }
    this.pos += got;
    if (got === 0 && n > 0) return null;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, got);
  }

  /** Hands the next n bytes to `sink` chunk by chunk; returns the count delivered (< n at end of stream). */
  async forward(n: number, sink: (b: Buffer) => Promise<void> | void): Promise<number> {
    let got = 0;
    while (got < n) {
      if (!(await this.fill())) break;
      const take = Math.min(n - got, this.buf.length - this.off);
      const chunk = this.buf.subarray(this.off, this.off + take);
      this.off += take;
      got += take;
      this.pos += take;
      await sink(chunk);
    }
    return got;
  }
}

const BLOCK = 512;

function cstr(b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start);
  return b.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}

/** A tar numeric field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function tarNumber(b: Buffer, start: number, len: number): number {
  if (b[start] & 0x80) {
    let v = b[start] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[start + i];
    return v;
  }
  const s = cstr(b, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return NaN;
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const want = tarNumber(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === want;
}

/** Parses pax extended-header records `"<len> <key>=<value>\n"`. */
function parsePax(data: Buffer, archive: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp === -1) break;
    const len = Number(data.toString('ascii', i, sp));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) throw new InputError(`${archive}: malformed pax header record at byte ${i}`);
    const rec = data.toString('utf8', sp + 1, i + len - 1); // drop trailing \n
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

async function extractTar(archive: string, gz: boolean, root: string, result: ExtractResult, opts: ExtractOptions): Promise<void> {
  const raw = fs.createReadStream(archive, { highWaterMark: 1 << 20 });
  const input = gz ? raw.pipe(zlib.createGunzip()) : raw;
  raw.on('error', (e) => input.destroy(e));
  const src = new ByteSource(input as AsyncIterable<Buffer>);
  const stage = `extract ${path.basename(archive)}`;
  let longName: string | undefined;
  let paxLocal: Record<string, string> = {};
  let lastReport = 0;
  try {
    for (;;) {
      throwIfAborted(opts.signal, `extracting ${archive}`);
      const h = await src.read(BLOCK);
      if (h === null) break; // end of stream without the zero blocks: accept, like GNU tar
      if (h.length < BLOCK) throw new InputError(`${archive}: truncated (header cut off at byte ${src.pos})`);
      if (h.every((x) => x === 0)) break; // end-of-archive marker
      if (!checksumOk(h)) throw new InputError(`${archive}: bad tar header checksum at byte ${src.pos - BLOCK} (not a tar file, or corrupt)`);
      const type = String.fromCharCode(h[156] || 0x30);
      const magic = h.toString('latin1', 257, 263);
      let size = tarNumber(h, 124, 12);
      const paxSize = paxLocal.size !== undefined ? Number(paxLocal.size) : undefined;
      if (paxSize !== undefined && Number.isFinite(paxSize) && !'xgLK'.includes(type)) size = paxSize;
      if (!Number.isFinite(size) || size < 0) throw new InputError(`${archive}: bad size field in the header at byte ${src.pos - BLOCK}`);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      const readData = async (): Promise<Buffer> => {
        if (size > 64 << 20) throw new InputError(`${archive}: metadata entry of ${size} bytes at byte ${src.pos} is implausibly large`);
        const d = (await src.read(padded)) ?? Buffer.alloc(0);
        if (d.length < padded) throw new InputError(`${archive}: truncated in a metadata entry`);
        return d.subarray(0, size);
      };
      if (type === 'L') {
        longName = (await readData()).toString('utf8').replace(/\0+$/, '');
        continue;
      }
      if (type === 'K') {
        await readData(); // GNU long link name: links are refused below anyway
        continue;
      }
      if (type === 'x') {
        paxLocal = { ...paxLocal, ...parsePax(await readData(), archive) };
        continue;
      }
      if (type === 'g') {
        await readData(); // global pax header (e.g. git's comment): nothing we use
        continue;
      }
      const prefix = magic === 'ustar\0' ? cstr(h, 345, 155) : '';
      const name = paxLocal.path ?? longName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
      longName = undefined;
      paxLocal = {};
      const refuse = (why: string) => new UnsafeArchiveError(`${archive}: entry ${JSON.stringify(name)} refused: ${why}`);
      if (type === '1') throw refuse('hard link (links are not extracted)');
      if (type === '2') throw refuse('symbolic link (links are not extracted)');
      if (type === '3' || type === '4') throw refuse('device file');
      if (type === '6') throw refuse('FIFO');
      if (type !== '0' && type !== '7' && type !== '5') throw refuse(`unsupported tar entry type '${type}'`);
      const rel = safeEntryPath(name, archive);
      if (type === '5') {
        if (rel !== '') makeDir(inside(root, rel, name, archive), name, archive);
        result.dirs++;
        const skipped = await src.forward(padded, () => {});
        if (skipped < padded) throw new InputError(`${archive}: truncated in entry ${JSON.stringify(name)}`);
        continue;
      }
      if (rel === '') throw refuse('a file entry with an empty name');
      const target = inside(root, rel, name, archive);
      const fh = await openEntry(target, name, archive);
      let written = 0;
      try {
        const got = await src.forward(size, async (chunk) => {
          await fh.write(chunk);
          written += chunk.length;
          result.bytes += chunk.length;
          const now = Date.now();
          if (now - lastReport > 500) {
            lastReport = now;
            throwIfAborted(opts.signal, `extracting ${archive}`);
            opts.progress?.({ stage, done: result.bytes, unit: 'bytes' });
          }
        });
        if (got < size) throw new InputError(`${archive}: truncated in entry ${JSON.stringify(name)} (${written} of ${size} bytes)`);
      } finally {
        await fh.close();
      }
      const pad = padded - size;
      if (pad > 0 && (await src.forward(pad, () => {})) < pad) throw new InputError(`${archive}: truncated after entry ${JSON.stringify(name)}`);
      result.files++;
      result.entries.push(rel);
    }
  } catch (e) {
    raw.destroy();
    if ((e as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
      throw new InputError(`${archive}: not valid gzip data (${(e as Error).message}); the download may be corrupt`);
    }
    throw e;
  }
  raw.destroy();
}

// ---------------------------------------------------------------------------------------------
// zip
// ---------------------------------------------------------------------------------------------

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compSize: number;
  size: number;
  localOffset: number;
  madeBy: number;
  externalAttr: number;
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, b, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got === len ? b : b.subarray(0, got);
}

function u64(b: Buffer, off: number): number {
  return Number(b.readBigUInt64LE(off));
}

/** Reads the central directory of a zip file (zip64 aware). */
export function readZipDirectory(archive: string): ZipEntry[] {
  const fd = fs.openSync(archive, 'r');
  try {
    const fileSize = fs.fstatSync(fd).size;
    const notZip = (why: string) => new InputError(`${archive}: not a valid zip file (${why})`);
    const tailLen = Math.min(fileSize, 65535 + 22);
    const tail = readAt(fd, fileSize - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw notZip('no end-of-central-directory record');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const locPos = fileSize - tailLen + eocd - 20;
      const loc = locPos >= 0 ? readAt(fd, locPos, 20) : Buffer.alloc(0);
      if (loc.length < 20 || loc.readUInt32LE(0) !== 0x07064b50) throw notZip('zip64 locator missing');
      const e64 = readAt(fd, u64(loc, 8), 56);
      if (e64.length < 56 || e64.readUInt32LE(0) !== 0x06064b50) throw notZip('zip64 end record missing');
      count = u64(e64, 32);
      cdSize = u64(e64, 40);
      cdOffset = u64(e64, 48);
    }
    if (cdOffset + cdSize > fileSize) throw notZip('central directory runs past the end of the file (truncated download?)');
    const cd = readAt(fd, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw notZip(`bad central directory entry ${i}`);
      const flags = cd.readUInt16LE(p + 8);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const nameBuf = cd.subarray(p + 46, p + 46 + nameLen);
      const e: ZipEntry = {
        name: nameBuf.toString(flags & 0x800 ? 'utf8' : 'latin1'),
        madeBy: cd.readUInt16LE(p + 4),
        flags,
        method: cd.readUInt16LE(p + 10),
        crc: cd.readUInt32LE(p + 16),
        compSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        externalAttr: cd.readUInt32LE(p + 38),
        localOffset: cd.readUInt32LE(p + 42),
      };
      // zip64 extra field: 64-bit values for the fields that hold 0xffffffff, in this order
      let x = p + 46 + nameLen;
      const xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        const id = cd.readUInt16LE(x);
        const len = cd.readUInt16LE(x + 2);
        if (id === 0x0001) {
          let q = x + 4;
          if (e.size === 0xffffffff) (e.size = u64(cd, q)), (q += 8);
          if (e.compSize === 0xffffffff) (e.compSize = u64(cd, q)), (q += 8);
          if (e.localOffset === 0xffffffff) e.localOffset = u64(cd, q);
        }
        x += 4 + len;
      }
      entries.push(e);
      p = xEnd + commentLen;
    }
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}

const S_IFMT = 0o170000;

async function extractZip(archive: string, root: string, result: ExtractResult, opts: ExtractOptions): Promise<void> {
  const entries = readZipDirectory(archive);
  const fileSize = fs.statSync(archive).size;
  const stage = `extract ${path.basename(archive)}`;
  const total = entries.reduce((s, e) => s + e.size, 0);
  let lastReport = 0;
  const fd = fs.openSync(archive, 'r');
  try {
    for (const e of entries) {
      throwIfAborted(opts.signal, `extracting ${archive}`);
      const refuse = (why: string) => new UnsafeArchiveError(`${archive}: entry ${JSON.stringify(e.name)} refused: ${why}`);
      const unixMode = e.madeBy >> 8 === 3 ? e.externalAttr >>> 16 : 0;
      const kind = unixMode & S_IFMT;
      if (kind === 0o120000) throw refuse('symbolic link (links are not extracted)');
      if (kind === 0o020000 || kind === 0o060000) throw refuse('device file');
      if (kind === 0o010000) throw refuse('FIFO');
      if (kind === 0o140000) throw refuse('socket');
      const rel = safeEntryPath(e.name, archive);
      const isDir = e.name.endsWith('/') || e.name.endsWith('\\') || kind === 0o040000 || (e.externalAttr & 0x10) !== 0;
      if (isDir) {
        if (rel !== '') makeDir(inside(root, rel, e.name, archive), e.name, archive);
        result.dirs++;
        continue;
      }
      if (rel === '') throw refuse('a file entry with an empty name');
      if (e.flags & 1) throw refuse('encrypted');
      if (e.method !== 0 && e.method !== 8) throw refuse(`compression method ${e.method} is not supported (only stored and deflate)`);
      const local = readAt(fd, e.localOffset, 30);
      if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) throw new InputError(`${archive}: entry ${JSON.stringify(e.name)}: bad local header at byte ${e.localOffset}`);
      const dataStart = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      if (dataStart + e.compSize > fileSize) throw new InputError(`${archive}: entry ${JSON.stringify(e.name)} runs past the end of the file (truncated download?)`);
      const target = inside(root, rel, e.name, archive);
      const fh = await openEntry(target, e.name, archive);
      const raw = fs.createReadStream(archive, { start: dataStart, end: dataStart + e.compSize - 1, highWaterMark: 1 << 20 });
      const body = e.compSize === 0 ? [] : e.method === 8 ? raw.pipe(zlib.createInflateRaw()) : raw;
      if (e.compSize === 0) raw.destroy();
      else if (body !== raw) raw.on('error', (err) => (body as zlib.InflateRaw).destroy(err));
      let crc = 0;
      let written = 0;
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          written += chunk.length;
          if (written > e.size) throw new InputError(`${archive}: entry ${JSON.stringify(e.name)} inflates to more than its declared ${e.size} bytes`);
          crc = zlib.crc32(chunk, crc);
          await fh.write(chunk);
          result.bytes += chunk.length;
          const now = Date.now();
          if (now - lastReport > 500) {
            lastReport = now;
            throwIfAborted(opts.signal, `extracting ${archive}`);
            opts.progress?.({ stage, done: result.bytes, total, unit: 'bytes' });
          }
        }
      } catch (err) {
        raw.destroy();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') throw new InputError(`${archive}: entry ${JSON.stringify(e.name)}: corrupt deflate data (${(err as Error).message})`);
        throw err;
      } finally {
        await fh.close();
      }
      if (written !== e.size) throw new InputError(`${archive}: entry ${JSON.stringify(e.name)}: ${written} bytes, the directory says ${e.size} (corrupt archive)`);
      if (crc >>> 0 !== e.crc >>> 0) throw new InputError(`${archive}: entry ${JSON.stringify(e.name)}: CRC-32 mismatch (corrupt archive)`);
      result.files++;
      result.entries.push(rel);
    }
  } finally {
    fs.closeSync(fd);
  }
}
