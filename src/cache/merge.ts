/**
 * Joining the parts of a sharded build (`buildCache({ shard: {index, count} })`) into one cache.
 * Parts hold whole shard files on the global `shardRows` grid, so the merge copies (or moves) the
 * files unchanged and writes one manifest: the result has the same bytes as a single build.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError, throwIfAborted } from '../util/errors';
import { removeStaleTemps, tempPathFor } from '../util/atomic';
import type { ProgressFn } from '../util/progress';
import { MANIFEST_FILE, makeManifest, readManifest, writeManifest } from './manifest';
import { checkShardFiles, verifyChecksums } from './reader';
import type { CacheManifest, ShardEntry } from './types';

export interface MergeCacheOptions {
  /** Folders of the parts, in any order. */
  parts: string[];
  /** Output folder (created; must not hold a cache yet). */
  out: string;
  /** Move the shard files instead of copying them (the parts are left without them). */
  move?: boolean;
  /** Check each part's sha256 checksums before merging. */
  verify?: boolean;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/**
 * Joins part caches into one at `out`, refusing parts that overlap (same index twice), are missing,
 * come from different builds (encoder fingerprint, dim, dtype, normalized, shardRows, step, total
 * rows) or whose files are missing or of the wrong size. Returns the merged manifest.
 */
export async function mergeCache(opts: MergeCacheOptions): Promise<CacheManifest> {
  if (opts.parts.length === 0) throw new InputError('merge-cache: no parts given');
  const manifests = opts.parts.map((dir) => {
    const m = readManifest(dir);
    if (!m.part) throw new InputError(`${path.join(dir, MANIFEST_FILE)}: not a part of a sharded build (no "part"); merge takes the folders built with --shard i/n`);
    return { dir, m, p: m.part };
  });
  const ref = manifests[0];
  const refFile = path.join(ref.dir, MANIFEST_FILE);
  for (const { dir, m, p } of manifests.slice(1)) {
    const file = path.join(dir, MANIFEST_FILE);
    const checks: [string, unknown, unknown][] = [
      ['encoder fingerprint', m.encoder.fingerprint, ref.m.encoder.fingerprint],
      ['encoder kind', m.encoder.kind, ref.m.encoder.kind],
      ['dim', m.dim, ref.m.dim],
      ['dtype', m.dtype, ref.m.dtype],
      ['normalized', m.normalized, ref.m.normalized],
      ['shardRows', m.shardRows, ref.m.shardRows],
      ['step', m.step, ref.m.step],
      ['part count', p.count, ref.p.count],
      ['total rows', p.totalRows, ref.p.totalRows],
    ];
    for (const [what, a, b] of checks) {
      if (a !== b) throw new InputError(`${file}: ${what} is ${JSON.stringify(a)}, but ${refFile} has ${JSON.stringify(b)}; parts of different builds cannot be merged`);
    }
  }
  const count = ref.p.count;
  const byIndex = new Map<number, (typeof manifests)[number]>();
  for (const x of manifests) {
    const other = byIndex.get(x.p.index);
    if (other) throw new InputError(`${x.dir}: part ${x.p.index}/${count} overlaps ${other.dir} (the same part twice)`);
    byIndex.set(x.p.index, x);
  }
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length) throw new InputError(`merge-cache: missing part${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of parts 0..${count - 1} (got ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')})`);

  const ordered = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, x]) => x);
  let next = 0;
  for (const { dir, p } of ordered) {
    if (p.start !== next) throw new InputError(`${path.join(dir, MANIFEST_FILE)}: part ${p.index}/${count} starts at row ${p.start}, expected ${next} (parts overlap or leave a gap)`);
    next = p.end;
  }
  if (next !== ref.p.totalRows) throw new InputError(`merge-cache: the parts end at row ${next}, expected ${ref.p.totalRows}`);

  const out = opts.out;
  for (const { dir, m } of ordered) {
    // With `move`, an interrupted earlier merge may already have moved some files to `out`.
    const moved = !!opts.move && m.shards.some((s) => !fs.existsSync(path.join(dir, s.file)) && fs.existsSync(path.join(out, s.file)));
    if (moved) continue;
    checkShardFiles(dir, m);
    if (opts.verify) verifyChecksums(dir, m);
  }

  if (fs.existsSync(path.join(out, MANIFEST_FILE))) throw new InputError(`${out}: already holds a cache (${MANIFEST_FILE}); merge into a new folder`);
  fs.mkdirSync(out, { recursive: true });
  removeStaleTemps(out);
  const shards: ShardEntry[] = [];
  const totalShards = ordered.reduce((n, x) => n + x.m.shards.length, 0);
  for (const { dir, m } of ordered) {
    for (const s of m.shards) {
      throwIfAborted(opts.signal, 'merge-cache');
      for (const name of [s.file, s.idsFile, s.embeddedAtFile]) placeFile(path.join(dir, name), path.join(out, name), !!opts.move);
      shards.push(s);
      opts.progress?.({ stage: 'merge cache', done: shards.length, total: totalShards, unit: 'shards' });
    }
  }
  const manifest = makeManifest({
    dim: ref.m.dim,
    rows: ref.p.totalRows,
    dtype: ref.m.dtype,
    normalized: ref.m.normalized,
    encoder: ref.m.encoder,
    step: ref.m.step,
    shardRows: ref.m.shardRows,
    shards,
  });
  writeManifest(out, manifest);
  return manifest;
}

/** Copies (temp + rename) or moves `from` to `to`; a file already moved on an earlier try is kept. */
function placeFile(from: string, to: string, move: boolean): void {
  if (move) {
    if (!fs.existsSync(from) && fs.existsSync(to)) return; // moved by an interrupted earlier merge
    fs.renameSync(from, to);
    return;
  }
  const tmp = tempPathFor(to);
  fs.copyFileSync(from, tmp);
  fs.renameSync(tmp, to);
}
