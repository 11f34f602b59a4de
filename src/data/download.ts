/**
 * Resumable, verified downloads over HTTP(S) with Node's own http/https: the bytes go to
 * `<dest>.part`, an interrupted transfer resumes from there with an HTTP Range request, the
 * finished file is checked (size, MD5, sha256) and only then renamed to `dest`. A file at `dest`
 * is therefore always a whole, verified download; a bad one never takes its place.
 */
import { createHash, Hash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { AbortedError, InputError, throwIfAborted } from '../util/errors';
import { extractArchive } from './extract';
import type { ProgressFn } from '../util/progress';

/** Options of download. */
export interface DownloadOptions {
  /** http:// or https:// URL. */
  url: string;
  /** Final path; bytes go to `<dest>.part` until verified. */
  dest: string;
  /** Expected MD5 (hex), checked before the final rename. */
  md5?: string;
  /** Expected sha256 (hex), checked before the final rename. */
  sha256?: string;
  /** Expected size in bytes, checked before the final rename. */
  size?: number;
  progress?: ProgressFn;
  signal?: AbortSignal;
  /** Attempts after a network error or a cut-off transfer, each resuming from the `.part` (default 5). */
  retries?: number;
  /** Milliseconds before the first retry; doubles each time (default 1000). */
  retryDelayMs?: number;
  /** Socket idle time that counts as a dropped connection (default 60000 ms). */
  timeoutMs?: number;
  /** Redirects followed per request (default 10). */
  maxRedirects?: number;
  /** Label for progress and errors (default: the file name). */
  name?: string;
}

/** What download did. */
export interface DownloadResult {
  dest: string;
  bytes: number;
  md5: string;
  sha256: string;
  /** True when `dest` already existed and passed the checks, so nothing was fetched. */
  alreadyPresent: boolean;
  /** Number of times the transfer resumed from a `.part` (0 for a straight download). */
  resumed: number;
  /** The URL the bytes finally came from (after redirects). */
  finalUrl: string;
}

/** A downloaded file whose size or checksum is not the expected one. */
export class ChecksumError extends InputError {
  override name = 'ChecksumError';
}

/** A transfer failure worth retrying (connection reset, timeout, cut-off body, HTTP 5xx/429). */
class TransientError extends Error {}

/** `<dest>.part`: where download keeps the bytes of an unfinished transfer. */
export function partPathOf(dest: string): string {
  return dest + '.part';
}

/** MD5 and sha256 (hex) of a file, streamed. */
export async function hashFile(file: string, signal?: AbortSignal): Promise<{ md5: string; sha256: string; bytes: number }> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 })) {
    throwIfAborted(signal, `hashing ${file}`);
    md5.update(chunk as Buffer);
    sha.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { md5: md5.digest('hex'), sha256: sha.digest('hex'), bytes };
}

/**
 * Checks `file` against the expected size / MD5 / sha256 in `opts`; throws a ChecksumError naming
 * the file, the expected and the actual value. Returns the hashes.
 */
export async function verifyFile(
  file: string,
  opts: { md5?: string; sha256?: string; size?: number; signal?: AbortSignal; what?: string },
): Promise<{ md5: string; sha256: string; bytes: number }> {
  const h = await hashFile(file, opts.signal);
  checkDigests(h, opts, opts.what ?? file);
  return h;
}

function checkDigests(h: { md5: string; sha256: string; bytes: number }, want: { md5?: string; sha256?: string; size?: number }, what: string): void {
  if (want.size !== undefined && h.bytes !== want.size) {
    throw new ChecksumError(`${what}: size ${h.bytes} bytes, expected ${want.size} (incomplete or different file)`);
  }
  if (want.md5 && h.md5 !== want.md5.toLowerCase()) {
    throw new ChecksumError(`${what}: MD5 ${h.md5}, expected ${want.md5.toLowerCase()} (corrupt or different file)`);
  }
  if (want.sha256 && h.sha256 !== want.sha256.toLowerCase()) {
    throw new ChecksumError(`${what}: sha256 ${h.sha256}, expected ${want.sha256.toLowerCase()} (corrupt or different file)`);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError('download'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortedError('download'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Outcome of one HTTP transfer into the part file. */
interface TransferState {
  md5: Hash;
  sha: Hash;
  bytes: number;
  total?: number;
  finalUrl: string;
}

/**
 * Downloads `url` to `dest`: resumes a `<dest>.part` left by an earlier run (HTTP Range; restarts
 * from zero when the server ignores the range), follows redirects, retries network failures with
 * exponential back-off (each retry resumes), checks size / MD5 / sha256 and renames the part file
 * to `dest` only when they match. A mismatch deletes the part file and throws a ChecksumError, so
 * the next run starts clean. When `dest` already exists it is verified (with the checksums given)
 * and returned as `alreadyPresent`; if it fails verification a ChecksumError says so and it is left
 * alone. HTTP errors (404, 403, ...) are InputErrors naming the URL and status.
 */
export async function download(opts: DownloadOptions): Promise<DownloadResult> {
  const { dest, signal } = opts;
  const name = opts.name ?? path.basename(dest);
  if (!/^https?:\/\//i.test(opts.url)) throw new InputError(`${name}: URL ${JSON.stringify(opts.url)} is not http:// or https://`);
  for (const [k, len] of [['md5', 32], ['sha256', 64]] as const) {
    const v = opts[k];
    if (v !== undefined && !new RegExp(`^[0-9a-fA-F]{${len}}$`).test(v)) throw new InputError(`${name}: ${k} ${JSON.stringify(v)} is not ${len} hex digits`);
  }
  if (fs.existsSync(dest)) {
    const h = await verifyFile(dest, { ...opts, what: `${dest} (already present)` });
    return { dest, ...h, alreadyPresent: true, resumed: 0, finalUrl: opts.url };
  }
  fs.mkdirSync(path.dirname(path.resolve(dest)), { recursive: true });
  const part = partPathOf(dest);
  const retries = opts.retries ?? 5;
  let delay = opts.retryDelayMs ?? 1000;
  let resumed = 0;
  let attempt = 0;
  let state: TransferState;
  for (;;) {
    throwIfAborted(signal, `download of ${name}`);
    // hash what the part file already holds, so the final digest covers the whole file
    state = { md5: createHash('md5'), sha: createHash('sha256'), bytes: 0, finalUrl: opts.url };
    if (fs.existsSync(part)) {
      for await (const chunk of fs.createReadStream(part, { highWaterMark: 1 << 22 })) {
        state.md5.update(chunk as Buffer);
        state.sha.update(chunk as Buffer);
        state.bytes += (chunk as Buffer).length;
      }
      if (state.bytes > 0) resumed++;
    }
    try {
      await transfer(opts.url, part, state, opts, name);
      break;
    } catch (e) {
      if (e instanceof TransientError && attempt < retries) {
        attempt++;
        opts.progress?.({ stage: `download ${name}`, done: state.bytes, total: state.total, unit: 'bytes', info: { retry: attempt, error: e.message } });
        await sleep(delay, signal);
        delay *= 2;
        continue;
      }
      if (e instanceof TransientError) {
        throw new InputError(`${name}: download from ${opts.url} failed after ${attempt + 1} attempts (${e.message}); ${part} is kept: run again to resume`);
      }
      throw e;
    }
  }
  const h = { md5: state.md5.digest('hex'), sha256: state.sha.digest('hex'), bytes: state.bytes };
  try {
    checkDigests(h, opts, `${name} (${opts.url})`);
  } catch (e) {
    fs.rmSync(part, { force: true });
    throw e;
  }
  fs.renameSync(part, dest);
  return { dest, ...h, alreadyPresent: false, resumed, finalUrl: state.finalUrl };
}

/**
 * One request (plus redirects) appending to `part` from `state.bytes`. Resolves when the body ended
 * with all the bytes the server promised; rejects with TransientError for retryable failures.
 */
async function transfer(startUrl: string, part: string, state: TransferState, opts: DownloadOptions, name: string): Promise<void> {
  const maxRedirects = opts.maxRedirects ?? 10;
  let url = startUrl;
  for (let hop = 0; ; hop++) {
    const res = await request(url, state.bytes, opts);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && status !== 304) {
      res.resume();
      const loc = res.headers.location;
      if (!loc) throw new InputError(`${name}: ${url} answered ${status} without a Location header`);
      if (hop >= maxRedirects) throw new InputError(`${name}: more than ${maxRedirects} redirects starting at ${startUrl}`);
      url = new URL(loc, url).toString();
      if (!/^https?:/i.test(url)) throw new InputError(`${name}: redirect to unsupported URL ${url}`);
      continue;
    }
    state.finalUrl = url;
    if (status === 416 && state.bytes > 0) {
      // the part file is at least as long as the resource: treat it as complete when sizes agree
      res.resume();
      const m = /\/(\d+)\s*$/.exec(String(res.headers['content-range'] ?? ''));
      const total = m ? Number(m[1]) : opts.size;
      if (total !== undefined && total === state.bytes) {
        state.total = total;
        return;
      }
      fs.rmSync(part, { force: true });
      throw new TransientError(`server refused to resume at byte ${state.bytes} (HTTP 416); restarting from zero`);
    }
    if (status === 429 || status >= 500) {
      res.resume();
      throw new TransientError(`HTTP ${status} from ${url}`);
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      throw new InputError(`${name}: HTTP ${status} ${res.statusMessage ?? ''} from ${url}`.trim());
    }
    let append = false;
    let expectedEnd: number | undefined;
    const len = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
    if (status === 206) {
      const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)/.exec(String(res.headers['content-range'] ?? ''));
      if (!m || Number(m[1]) !== state.bytes) {
        res.resume();
        fs.rmSync(part, { force: true });
        throw new TransientError(`server sent an unexpected range (${res.headers['content-range'] ?? 'no Content-Range'}) for a resume at byte ${state.bytes}; restarting from zero`);
      }
      append = true;
      expectedEnd = Number(m[2]) + 1;
      if (m[3] !== '*') state.total = Number(m[3]);
    } else {
      // 200: the whole resource from byte 0, whatever the part file held
      if (state.bytes > 0) {
        state.md5 = createHash('md5');
        state.sha = createHash('sha256');
        state.bytes = 0;
      }
      if (len !== undefined && Number.isFinite(len)) {
        expectedEnd = len;
        state.total = len;
      }
    }
    if (state.total === undefined) state.total = opts.size;
    await receive(res, part, append, state, expectedEnd, opts, name);
    return;
  }
}

function request(url: string, from: number, opts: DownloadOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'user-agent': 'freshcache-data/1', 'accept-encoding': 'identity' };
    if (from > 0) headers.range = `bytes=${from}-`;
    const req = mod.get(u, { headers, signal: opts.signal }, (res) => resolve(res));
    req.setTimeout(opts.timeoutMs ?? 60_000, () => req.destroy(new TransientError(`no data for ${opts.timeoutMs ?? 60_000} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (opts.signal?.aborted) reject(new AbortedError('download'));
      else if (e instanceof TransientError) reject(e);
      else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') reject(new TransientError(`cannot resolve ${u.host} (${e.code})`));
      else reject(new TransientError(`${e.code ?? 'error'}: ${e.message}`));
    });
  });
}

function receive(
  res: http.IncomingMessage,
  part: string,
  append: boolean,
  state: TransferState,
  expectedEnd: number | undefined,
  opts: DownloadOptions,
  name: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(part, { flags: append ? 'a' : 'w' });
    let failed: Error | undefined;
    let lastReport = 0;
    const fail = (e: Error) => {
      if (failed) return;
      failed = e;
      res.destroy();
      out.end();
    };
    res.on('data', (chunk: Buffer) => {
      if (failed) return;
      state.md5.update(chunk);
      state.sha.update(chunk);
      state.bytes += chunk.length;
      if (!out.write(chunk)) {
        res.pause();
        out.once('drain', () => res.resume());
      }
      const now = Date.now();
      if (now - lastReport > 200) {
        lastReport = now;
        opts.progress?.({ stage: `download ${name}`, done: state.bytes, total: state.total, unit: 'bytes' });
      }
    });
    res.on('aborted', () => fail(new TransientError('connection closed before the end of the body')));
    res.on('error', (e: NodeJS.ErrnoException) => {
      if (opts.signal?.aborted) fail(new AbortedError('download'));
      else fail(e instanceof TransientError ? e : new TransientError(`${e.code ?? 'error'}: ${e.message}`));
    });
    res.on('end', () => {
      if (failed) return;
      if (expectedEnd !== undefined && state.bytes < expectedEnd) {
        fail(new TransientError(`body ended at byte ${state.bytes} of ${expectedEnd}`));
        return;
      }
      out.end();
    });
    res.on('close', () => {
      if (!failed && !res.complete) fail(opts.signal?.aborted ? new AbortedError('download') : new TransientError('connection closed before the end of the body'));
    });
    out.on('error', (e) => {
      failed = failed ?? new InputError(`${part}: cannot write (${e.message})`);
      res.destroy();
      reject(failed);
    });
    out.on('close', () => {
      if (failed) reject(failed);
      else {
        opts.progress?.({ stage: `download ${name}`, done: state.bytes, total: state.total ?? state.bytes, unit: 'bytes' });
        resolve();
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Named sources (the manifest lives in src/data/sources.ts)
// ---------------------------------------------------------------------------------------------

/** One file of a data source. */
export interface RemoteFile {
  /** Primary URL. */
  url: string;
  /** Other URLs serving the same bytes, tried in order when the primary fails. */
  mirrors?: string[];
  /** File name under `<dir>/<source name>/`. */
  file: string;
  md5?: string;
  sha256?: string;
  /** Exact size in bytes, when published. */
  size?: number;
  /** Rough size for the disk estimate when the exact one is not published. */
  approxBytes?: number;
  /** Extract this archive into `<dir>/<source name>/<archive name without extension>/` after download. */
  extract?: boolean;
  /** What the file holds (counts as published). */
  description?: string;
}

/** A named dataset to download: files, licence and the converter that reads them. */
export interface DataSource {
  name: string;
  title: string;
  /** Converter for `freshcache data convert`. */
  format: 'nq' | 'msmarco' | 'beir';
  /** Licence terms of the data (not of this toolkit). */
  licence: string;
  homepage: string;
  files: RemoteFile[];
  /** Expected counts after conversion (for the README and sanity checks). */
  counts?: Record<string, number>;
}

/** Options of downloadSource. */
export interface DownloadSourceOptions {
  /** Root folder; files go to `<dir>/<source name>/`. */
  dir: string;
  /** Extract the archives marked `extract` (default true). */
  extract?: boolean;
  progress?: ProgressFn;
  signal?: AbortSignal;
  retries?: number;
  retryDelayMs?: number;
  timeoutMs?: number;
}

/** What downloadSource did per file. */
export interface DownloadSourceResult {
  source: string;
  dir: string;
  files: (DownloadResult & { file: string })[];
  /** Folders extracted in this run (already extracted folders are not listed). */
  extracted: string[];
}

/** Where downloadSource puts an archive's contents: `<folder>/<file name without .tar.gz/.tgz/.tar/.zip>`. */
export function extractDirOf(archivePath: string): string {
  return archivePath.replace(/(\.tar\.gz|\.tgz|\.tar|\.zip)$/i, '');
}

/**
 * Downloads every file of `source` into `<dir>/<name>/` (resumable and verified, see download),
 * trying mirrors in order when a URL fails, then extracts the archives marked `extract` into a
 * folder named after the archive (skipped when that folder exists: extraction renames it into place
 * only when complete).
 */
export async function downloadSource(source: DataSource, opts: DownloadSourceOptions): Promise<DownloadSourceResult> {
  const dir = path.join(opts.dir, source.name);
  const out: DownloadSourceResult = { source: source.name, dir, files: [], extracted: [] };
  for (const f of source.files) {
    const dest = path.join(dir, f.file);
    const urls = [f.url, ...(f.mirrors ?? [])];
    let lastError: unknown;
    let done: DownloadResult | undefined;
    for (const url of urls) {
      try {
        done = await download({ url, dest, md5: f.md5, sha256: f.sha256, size: f.size, progress: opts.progress, signal: opts.signal, retries: opts.retries, retryDelayMs: opts.retryDelayMs, timeoutMs: opts.timeoutMs, name: `${source.name}/${f.file}` });
        break;
      } catch (e) {
        if (e instanceof ChecksumError || e instanceof AbortedError || !(e instanceof InputError)) throw e;
        lastError = e;
      }
    }
    if (!done) throw lastError;
    out.files.push({ ...done, file: f.file });
    if (f.extract && opts.extract !== false) {
      const target = extractDirOf(dest);
      if (!fs.existsSync(target)) {
        await extractArchive({ archive: dest, dest: target, progress: opts.progress, signal: opts.signal });
        out.extracted.push(target);
      }
    }
  }
  return out;
}
