import * as fs from 'fs';
import * as path from 'path';
import { withPath } from './errors';

/** A temp path beside `file`, unique to this process, that a crash leaves recognisable (`.tmp-`). */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.tmp-${path.basename(file)}.${process.pid}.${Date.now().toString(36)}`);
}

/**
 * Writes `data` to `file` so that `file` is either the old content or the whole new content, never
 * a part: write a temp file beside it, fsync, rename over.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  const fd = openForWriting(tmp, file);
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else writeAll(fd, data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw withPath(e, file);
  }
  fs.closeSync(fd);
  renameOrDiscard(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Streams into a temp file and renames it over `file` on `commit()`; `abort()` (or never
 * committing) leaves nothing at `file`. For outputs too large to hold as one buffer.
 */
export class AtomicWriter {
  readonly tmp: string;
  private fd: number;
  private closed = false;
  bytes = 0;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.tmp = tempPathFor(file);
    this.fd = openForWriting(this.tmp, file);
  }

  write(data: string | Uint8Array): void {
    try {
      const n = typeof data === 'string' ? fs.writeSync(this.fd, data) : writeAll(this.fd, data);
      this.bytes += n;
    } catch (e) {
      throw withPath(e, this.file);
    }
  }

  commit(): void {
    if (this.closed) throw new Error(`${this.file}: writer already closed`);
    try {
      fs.fsyncSync(this.fd);
    } catch (e) {
      throw withPath(e, this.file);
    }
    fs.closeSync(this.fd);
    this.closed = true;
    renameOrDiscard(this.tmp, this.file);
  }

  abort(): void {
    if (this.closed) return;
    fs.closeSync(this.fd);
    this.closed = true;
    fs.rmSync(this.tmp, { force: true });
  }
}

/** Renames the finished temp file over `file`; when that fails (a folder there, say) removes the temp file. */
function renameOrDiscard(tmp: string, file: string): void {
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (e instanceof Error) (e as NodeJS.ErrnoException).path = file;
    throw e;
  }
}

/** Opens the temp file `tmp` of `file`; an error names `file`, the path the user knows. */
function openForWriting(tmp: string, file: string): number {
  try {
    return fs.openSync(tmp, 'w');
  } catch (e) {
    if (e instanceof Error) (e as NodeJS.ErrnoException).path = file;
    throw e;
  }
}

function writeAll(fd: number, data: Uint8Array): number {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
  return data.length;
}

/** Removes temp files a killed process left in `dir` (names from `tempPathFor`). */
export function removeStaleTemps(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const f of fs.readdirSync(dir)) {
    if (f.startsWith('.tmp-')) {
      fs.rmSync(path.join(dir, f), { force: true, recursive: true });
      n++;
    }
  }
  return n;
}

/** True when a process with this id runs on this machine (it may be another user's). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what killed or failed runs left in `dir`: the entries whose name matches `pattern`, whose
 * first capture group is the pid of the process that wrote them, when that process no longer runs.
 * Only names of this exact pattern, only in `dir`: a run cleans its own leftovers and nothing else.
 * Returns the names removed.
 */
export function removeLeftovers(dir: string, pattern: RegExp): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** `s` with the characters that mean something in a regular expression escaped. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Puts a fully written folder `tmp` at `target`, replacing what was there: the old folder is moved
 * aside first and removed after, so `target` is never a mix of old and new files.
 */
export function replaceDir(tmp: string, target: string): void {
  if (!fs.existsSync(target)) {
    fs.renameSync(tmp, target);
    return;
  }
  const aside = path.join(path.dirname(target), `.tmp-old-${path.basename(target)}.${process.pid}.${Date.now().toString(36)}`);
  fs.renameSync(target, aside);
  fs.renameSync(tmp, target);
  fs.rmSync(aside, { recursive: true, force: true });
}
