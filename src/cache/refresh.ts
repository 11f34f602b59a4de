/**
 * Partial refresh: overwrite some rows of a cache with new embeddings and their embedded-at step.
 *
 * Crash safety on disk, by copy-on-write of the affected shards with the manifest as the commit
 * point:
 *   1. For each shard that holds a refreshed row, write a NEW generation of its embeddings and
 *      embedded-at files under new names (`shard-00003.g2.f32`, `shard-00003.g2.embedded-at.i32`):
 *      stream-copy the current file into a temp file, patching the refreshed rows on the way,
 *      fsync, rename to the new name. Nothing references these files yet, so a crash here leaves
 *      the old cache intact (plus unreferenced files).
 *   2. Write the new manifest (new file names, sizes, sha256) atomically: temp + fsync + rename.
 *      This rename is the single instant the cache switches from all-old to all-new.
 *   3. Delete the files of the old generations. A crash before this leaves unreferenced old files.
 * Unreferenced shard files (left by a crash before or after step 2) are removed at the start of
 * the next refresh. Readers that opened the cache before the switch keep reading the old files
 * through their open descriptors (POSIX keeps unlinked files alive while open); `reader.reload()`
 * moves them to the new generation. One writer at a time: concurrent refreshes of the same folder
 * are not coordinated.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { AtomicWriter, removeStaleTemps } from '../util/atomic';
import { toFloat16 } from '../util/f16';
import { MemoryEmbeddings, checkRefresh } from './memory';
import { MANIFEST_FILE, SHARD_FILE_RE, dataFileName, embeddedAtFileName, readManifest, validateManifest, writeManifest } from './manifest';
import { CacheReader, checkShardFiles, unstorable } from './reader';
import { InputError } from '../util/errors';
import { bytesPerValue, type CacheManifest, type ShardEntry } from './types';

/**
 * Overwrites `rows[i]` with `embeddings[i*dim .. (i+1)*dim)` and sets its embedded-at step to
 * `step` (a row listed twice gets its last embedding). `target` is a cache folder, an open
 * CacheReader (reloaded afterwards) or a MemoryEmbeddings (updated in place). On disk the change is
 * atomic (see the file comment). Returns the new manifest for caches on disk.
 */
export async function refreshRows(
  target: string | CacheReader | MemoryEmbeddings,
  rows: Int32Array | number[],
  embeddings: Float32Array,
  step: number,
): Promise<CacheManifest | undefined> {
  if (target instanceof MemoryEmbeddings) {
    target.refresh(rows, embeddings, step);
    return undefined;
  }
  const dir = typeof target === 'string' ? target : target.dir;
  const manifest = refreshRowsOnDisk(dir, rows, embeddings, step);
  if (target instanceof CacheReader) target.reload();
  return manifest;
}

/** The on-disk refresh (synchronous); see the file comment for the crash-safety scheme. */
export function refreshRowsOnDisk(dir: string, rows: Int32Array | number[], embeddings: Float32Array, step: number): CacheManifest {
  if (!Number.isInteger(step)) throw new RangeError(`refresh: step must be an integer, got ${step}`);
  const m = readManifest(dir);
  if (m.part) throw new RangeError(`${dir}: a part of a sharded build cannot be refreshed; merge it first`);
  const { dim, dtype } = m;
  checkRefresh(rows, embeddings, dim, m.rows);
  removeStaleTemps(dir);
  removeUnreferenced(dir, m);
  checkShardFiles(dir, m);
  if (rows.length === 0) return m;

  // Last occurrence of each row wins: map row → position in `embeddings`.
  const latest = new Map<number, number>();
  for (let i = 0; i < rows.length; i++) latest.set(rows[i], i);
  const why = unstorable(embeddings, dim, dtype, (i) => `refresh of row ${rows[i]}`);
  if (why) throw new InputError(why);
  const byShard = new Map<number, number[]>();
  const shardOf = (r: number) => {
    let lo = 0;
    let hi = m.shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (m.shards[mid].start <= r) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  for (const r of latest.keys()) {
    const k = shardOf(r);
    let list = byShard.get(k);
    if (!list) byShard.set(k, (list = []));
    list.push(r);
  }

  const bpv = bytesPerValue(dtype);
  const rowBytes = dim * bpv;
  const newShards: ShardEntry[] = m.shards.map((s) => ({ ...s }));
  const oldFiles: string[] = [];
  const written: string[] = [];
  try {
    for (const [k, list] of byShard) {
      list.sort((a, b) => a - b);
      const s = m.shards[k];
      const gen = s.generation + 1;
      // embeddings
      const patchData = new Map<number, Uint8Array>();
      for (const r of list) {
        const src = embeddings.subarray(latest.get(r)! * dim, (latest.get(r)! + 1) * dim);
        const bytes = dtype === 'f16' ? new Uint8Array(toFloat16(src).buffer) : new Uint8Array(Float32Array.from(src).buffer);
        patchData.set(r - s.start, bytes);
      }
      const dataName = dataFileName(s.index, dtype, gen);
      const dataSha = copyPatched(path.join(dir, s.file), path.join(dir, dataName), rowBytes, patchData);
      written.push(dataName);
      // embedded-at
      const stepBytes = new Uint8Array(new Int32Array([step]).buffer);
      const patchAt = new Map<number, Uint8Array>();
      for (const r of list) patchAt.set(r - s.start, stepBytes);
      const atName = embeddedAtFileName(s.index, gen);
      const atSha = copyPatched(path.join(dir, s.embeddedAtFile), path.join(dir, atName), 4, patchAt);
      written.push(atName);
      oldFiles.push(s.file, s.embeddedAtFile);
      Object.assign(newShards[k], { file: dataName, sha256: dataSha, embeddedAtFile: atName, embeddedAtSha256: atSha, generation: gen });
    }
  } catch (e) {
    for (const f of written) fs.rmSync(path.join(dir, f), { force: true });
    throw e;
  }
  const next: CacheManifest = { ...m, shards: newShards, created: new Date().toISOString() };
  validateManifest(JSON.parse(JSON.stringify(next)), path.join(dir, MANIFEST_FILE));
  writeManifest(dir, next); // the commit point
  for (const f of oldFiles) fs.rmSync(path.join(dir, f), { force: true });
  return next;
}

/**
 * Copies `from` to a new file `to` (temp + fsync + rename) replacing record `i` (of `recBytes`
 * bytes) by `patches.get(i)`; returns the new file's sha256.
 */
function copyPatched(from: string, to: string, recBytes: number, patches: Map<number, Uint8Array>): string {
  const w = new AtomicWriter(to);
  const h = createHash('sha256');
  const fd = fs.openSync(from, 'r');
  try {
    const chunkRecs = Math.max(1, Math.floor((4 << 20) / recBytes));
    const buf = Buffer.allocUnsafe(chunkRecs * recBytes);
    const sorted = [...patches.entries()].sort((a, b) => a[0] - b[0]);
    let p = 0;
    let pos = 0;
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, pos);
      if (got === 0) break;
      if (got % recBytes !== 0) throw new Error(`${from}: read ${got} bytes, not a whole number of ${recBytes}-byte rows`);
      const first = pos / recBytes;
      const n = got / recBytes;
      for (; p < sorted.length && sorted[p][0] < first + n; p++) buf.set(sorted[p][1], (sorted[p][0] - first) * recBytes);
      const chunk = buf.subarray(0, got);
      w.write(chunk);
      h.update(chunk);
      pos += got;
    }
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Removes shard files of this folder that the manifest does not reference (left by a crash). */
function removeUnreferenced(dir: string, m: CacheManifest): void {
  const used = new Set<string>();
  for (const s of m.shards) used.add(s.file).add(s.idsFile).add(s.embeddedAtFile);
  for (const f of fs.readdirSync(dir)) {
    if (SHARD_FILE_RE.test(f) && !used.has(f) && !f.endsWith('.done.json')) fs.rmSync(path.join(dir, f), { force: true });
  }
}
