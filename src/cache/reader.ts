/**
 * Opening a cache folder and reading rows by range without loading it whole: each shard file is
 * kept open and read with `fs.readSync` at the row's byte offset (Node has no mmap; a range read is
 * one pread per shard it touches).
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { InputError } from '../util/errors';
import { readManifest } from './manifest';
import { F16_OVERFLOW, fromFloat16 } from '../util/f16';
import { checkRange } from './memory';
import { bytesPerValue, type CacheDtype, type CacheManifest, type EmbeddingSource, type ShardEntry } from './types';

export interface OpenCacheOptions {
  /** Check the sha256 of every shard file against the manifest (reads everything once). */
  verify?: boolean;
  /** Open one part of a sharded build (normally refused: merge the parts first). */
  allowPart?: boolean;
  /**
   * Rows holding NaN or ±Infinity: 'error' (default) makes the read that meets one throw an
   * InputError naming the row; 'allow' hands them to the caller, who must filter them (see
   * `firstNonFinite`), e.g. `fit-corrector --skip-non-finite`.
   */
  nonFinite?: 'error' | 'allow';
}

/** Index of the first NaN or ±Infinity in `a`, or -1. */
export function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * Why `rows` (row-major, `dim` wide) cannot be stored as `dtype`, naming the first bad value by its
 * row and column (with `rowName` for the row), or undefined: a cache holds finite values only, and an
 * f16 cache none that would round to Infinity.
 */
export function unstorable(rows: Float32Array, dim: number, dtype: CacheDtype, rowName: (r: number) => string): string | undefined {
  const bad = firstNonFinite(rows);
  if (bad >= 0) return `${rowName(Math.floor(bad / dim))}: the encoder produced ${rows[bad]} at column ${bad % dim}; a cache holds finite values only (are the encoder's weights finite?)`;
  if (dtype === 'f16') {
    for (let i = 0; i < rows.length; i++) {
      if (Math.abs(rows[i]) >= F16_OVERFLOW) return `${rowName(Math.floor(i / dim))}: ${rows[i]} at column ${i % dim} overflows float16 (largest 65504); store this cache as f32`;
    }
  }
  return undefined;
}

/** An open cache: rows by range (EmbeddingSource), ids, embedded-at steps and the manifest. */
export class CacheReader implements EmbeddingSource {
  manifest: CacheManifest;
  private fds: number[] = [];
  private starts: number[] = [];
  private idsCache: string[] | null = null;
  private embeddedAtCache: Int32Array | null = null;

  constructor(readonly dir: string, manifest: CacheManifest, private readonly nonFinite: 'error' | 'allow' = 'error') {
    this.manifest = manifest;
    this.openFiles();
  }

  get rows(): number {
    return this.manifest.rows;
  }
  get dim(): number {
    return this.manifest.dim;
  }
  get dtype() {
    return this.manifest.dtype;
  }
  /** First row index held (0 except for a part of a sharded build). */
  get firstRow(): number {
    return this.manifest.part?.start ?? 0;
  }

  private openFiles(): void {
    this.fds = this.manifest.shards.map((s) => fs.openSync(path.join(this.dir, s.file), 'r'));
    this.starts = this.manifest.shards.map((s) => s.start - this.firstRow);
  }

  /** Rows [start, end) as a new row-major Float32Array (converted from f16 if stored so). */
  read(start: number, end: number): Float32Array {
    const out = new Float32Array((end - start) * this.dim);
    this.readInto(start, end, out);
    return out;
  }

  /** Reads rows [start, end) into `out` (length ≥ (end-start)*dim) and returns it. */
  readInto(start: number, end: number, out: Float32Array): Float32Array {
    checkRange(start, end, this.rows);
    const dim = this.dim;
    if (out.length < (end - start) * dim) throw new RangeError(`readInto: buffer of ${out.length} values for ${(end - start) * dim}`);
    const f16 = this.dtype === 'f16';
    const bpv = bytesPerValue(this.dtype);
    let k = this.shardAt(start);
    let row = start;
    while (row < end) {
      const sStart = this.starts[k];
      const sEnd = sStart + (this.manifest.shards[k].end - this.manifest.shards[k].start);
      const hi = Math.min(end, sEnd);
      const n = (hi - row) * dim;
      const position = (row - sStart) * dim * bpv;
      const target = out.subarray((row - start) * dim, (row - start) * dim + n);
      if (f16) {
        const bits = new Uint16Array(n);
        preadFully(this.fds[k], new Uint8Array(bits.buffer), position, this.manifest.shards[k].file);
        fromFloat16(bits, target);
      } else {
        preadFully(this.fds[k], new Uint8Array(target.buffer, target.byteOffset, n * 4), position, this.manifest.shards[k].file);
      }
      if (this.nonFinite === 'error') this.refuseNonFinite(target, row, k);
      row = hi;
      k++;
    }
    return out;
  }

  /** Throws for the first non-finite value of `rows` (read from shard k, first row `row`), naming the row. */
  private refuseNonFinite(rows: Float32Array, row: number, k: number): void {
    const i = firstNonFinite(rows);
    if (i < 0) return;
    const r = row + Math.floor(i / this.dim);
    throw new InputError(
      `${path.join(this.dir, this.manifest.shards[k].file)}: row ${this.firstRow + r} (id '${this.ids[r]}') holds ${rows[i]} at column ${i % this.dim}; ` +
        'the cache is corrupt or its encoder diverged: rebuild it (fit-corrector can skip such rows with --skip-non-finite)',
    );
  }

  /** Index of the shard holding row `row` (binary search). */
  private shardAt(row: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The id of every row (read from the shards' id files on first use, then kept). */
  get ids(): string[] {
    if (!this.idsCache) {
      const ids: string[] = [];
      for (const s of this.manifest.shards) {
        const lines = fs.readFileSync(path.join(this.dir, s.idsFile), 'utf8').split('\n');
        lines.pop(); // after the final '\n'
        for (const l of lines) ids.push(l);
      }
      this.idsCache = ids;
    }
    return this.idsCache;
  }

  /** The training step each row was embedded at (read on first use, then kept). */
  get embeddedAt(): Int32Array {
    if (!this.embeddedAtCache) {
      const at = new Int32Array(this.rows);
      for (let k = 0; k < this.manifest.shards.length; k++) {
        const s = this.manifest.shards[k];
        const buf = fs.readFileSync(path.join(this.dir, s.embeddedAtFile));
        new Uint8Array(at.buffer, this.starts[k] * 4, buf.length).set(buf);
      }
      this.embeddedAtCache = at;
    }
    return this.embeddedAtCache;
  }

  /** Re-reads the manifest and reopens the shard files (after a partial refresh rewrote some). */
  reload(): void {
    const m = readManifest(this.dir);
    this.close();
    this.manifest = m;
    this.idsCache = null;
    this.embeddedAtCache = null;
    checkShardFiles(this.dir, m);
    this.openFiles();
  }

  /** Closes the shard files. */
  close(): void {
    for (const fd of this.fds) fs.closeSync(fd);
    this.fds = [];
  }
}

function preadFully(fd: number, buf: Uint8Array, position: number, file: string): void {
  let off = 0;
  while (off < buf.length) {
    const n = fs.readSync(fd, buf, off, Math.min(buf.length - off, 1 << 30), position + off);
    if (n === 0) throw new InputError(`${file}: ended early at byte ${position + off}; the shard is truncated`);
    off += n;
  }
}

/**
 * Opens the cache in `dir`: validates the manifest, checks that every shard file exists with the
 * size the manifest gives (rows × dim × bytes; embedded-at rows × 4) and that each ids file holds
 * one id per row; with `verify`, also the sha256 of every file. Throws a one-line InputError
 * naming the file and what was expected.
 */
export async function openCache(dir: string, opts: OpenCacheOptions = {}): Promise<CacheReader> {
  const manifest = readManifest(dir);
  if (manifest.part && !opts.allowPart) {
    const p = manifest.part;
    throw new InputError(`${path.join(dir, 'manifest.json')}: this is part ${p.index}/${p.count} (0-based) (rows ${p.start}..${p.end}) of a sharded build; join the parts with \`freshcache merge-cache\``);
  }
  checkShardFiles(dir, manifest);
  if (opts.verify) verifyChecksums(dir, manifest);
  return new CacheReader(dir, manifest, opts.nonFinite);
}

/** Checks existence and sizes of every shard file and the number of ids in each ids file. */
export function checkShardFiles(dir: string, manifest: CacheManifest): void {
  for (const s of manifest.shards) {
    const rows = s.end - s.start;
    checkSize(dir, s.file, s.bytes, `rows × dim × ${bytesPerValue(manifest.dtype)} = ${rows} × ${manifest.dim} × ${bytesPerValue(manifest.dtype)}`, s);
    checkSize(dir, s.embeddedAtFile, s.embeddedAtBytes, `rows × 4 = ${rows} × 4`, s);
    checkSize(dir, s.idsFile, s.idsBytes, 'the size the manifest records', s);
    const n = countLines(path.join(dir, s.idsFile));
    if (n !== rows) throw new InputError(`${path.join(dir, s.idsFile)}: ${n} ids, expected ${rows} (one per row of shard rows ${s.start}..${s.end})`);
  }
}

function checkSize(dir: string, name: string, bytes: number, how: string, s: ShardEntry): void {
  const file = path.join(dir, name);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new InputError(`${file}: missing; the manifest lists it for rows ${s.start}..${s.end}`);
  }
  if (st.size !== bytes) throw new InputError(`${file}: ${st.size} bytes, expected ${bytes} (${how}); the file is truncated or from another cache`);
}

/** Number of '\n' in a file, read in chunks. */
function countLines(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n = 0;
    let pos = 0;
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, pos);
      if (got === 0) break;
      for (let i = 0; i < got; i++) if (buf[i] === 10) n++;
      pos += got;
    }
    return n;
  } finally {
    fs.closeSync(fd);
  }
}

/** sha256 of a file, read synchronously in 4 MiB chunks. */
export function sha256FileSync(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 22);
    let pos = 0;
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, pos);
      if (got === 0) break;
      h.update(buf.subarray(0, got));
      pos += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Checks the sha256 of every shard file against the manifest; throws an InputError at the first mismatch. */
export function verifyChecksums(dir: string, manifest: CacheManifest): void {
  for (const s of manifest.shards) {
    for (const [name, want] of [[s.file, s.sha256], [s.idsFile, s.idsSha256], [s.embeddedAtFile, s.embeddedAtSha256]]) {
      const got = sha256FileSync(path.join(dir, name));
      if (got !== want) throw new InputError(`${path.join(dir, name)}: sha256 ${got.slice(0, 16)}… does not match the manifest's ${want.slice(0, 16)}…; the file is corrupt or was changed`);
    }
  }
}
