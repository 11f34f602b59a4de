/**
 * The cache folder layout and `manifest.json`: file names, reading and validating a manifest with
 * one-line errors that name the file and what was expected, writing it atomically.
 *
 * Layout of a cache folder (format version 1):
 *   manifest.json                      written last; the only file a reader trusts first
 *   shard-00000.f32 | .f16             rows [start, end) × dim, row-major, little-endian
 *   shard-00000.ids.txt                the ids of those rows, one per line ('\n'-terminated)
 *   shard-00000.embedded-at.i32        the step each row was embedded at, int32 little-endian
 *   shard-00000.g1.f32 ...             a shard rewritten by a partial refresh (generation 1, ...)
 * During a build also `build.json` (the settings of the build in progress) and
 * `shard-00000.done.json` (a completed shard's sizes and checksums); both go once the manifest is
 * written.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../util/errors';
import { writeJsonAtomic } from '../util/atomic';
import { CACHE_DTYPES, CACHE_FORMAT_VERSION, bytesPerValue, type CacheManifest, type CacheDtype, type EncoderMeta, type PartInfo, type ShardEntry } from './types';

export const MANIFEST_FILE = 'manifest.json';
export const BUILD_FILE = 'build.json';

if (os.endianness() !== 'LE') {
  // Shards are little-endian and read through typed arrays in host order.
  throw new Error('freshcache caches need a little-endian host');
}

const pad = (i: number) => String(i).padStart(5, '0');

/** `shard-00003` or, after refreshes, `shard-00003.g2`. */
export function shardBase(index: number, generation = 0): string {
  return generation > 0 ? `shard-${pad(index)}.g${generation}` : `shard-${pad(index)}`;
}
/** Embeddings file of shard `index`: `shard-00003.f32` (`shard-00003.g2.f16` after refreshes). */
export const dataFileName = (index: number, dtype: CacheDtype, generation = 0) => `${shardBase(index, generation)}.${dtype}`;
/** Ids file of shard `index` (never rewritten by refreshes). */
export const idsFileName = (index: number) => `${shardBase(index)}.ids.txt`;
/** Embedded-at steps file of shard `index` at a generation. */
export const embeddedAtFileName = (index: number, generation = 0) => `${shardBase(index, generation)}.embedded-at.i32`;
/** Sidecar marking shard `index` complete during a build (removed once the manifest is written). */
export const doneFileName = (index: number) => `${shardBase(index)}.done.json`;
/** Matches every shard file name (any generation), so unreferenced ones can be found. */
export const SHARD_FILE_RE = /^shard-\d{5,}(\.g\d+)?\.(f32|f16|ids\.txt|embedded-at\.i32|done\.json)$/;

/**
 * Builds a manifest object with its keys in a fixed order (so two builds of the same rows give the
 * same manifest apart from `created`).
 */
export function makeManifest(m: Omit<CacheManifest, 'format' | 'version' | 'created'>): CacheManifest {
  const out: CacheManifest = {
    format: 'freshcache-cache',
    version: CACHE_FORMAT_VERSION,
    dim: m.dim,
    rows: m.rows,
    dtype: m.dtype,
    normalized: m.normalized,
    encoder: { kind: m.encoder.kind, fingerprint: m.encoder.fingerprint, config: m.encoder.config, ...(m.encoder.name !== undefined ? { name: m.encoder.name } : {}) },
    step: m.step,
    shardRows: m.shardRows,
    shards: m.shards.map(normalizeShard),
    created: new Date().toISOString(),
  };
  if (m.part) out.part = { index: m.part.index, count: m.part.count, totalRows: m.part.totalRows, start: m.part.start, end: m.part.end };
  return out;
}

function normalizeShard(s: ShardEntry): ShardEntry {
  return {
    index: s.index,
    start: s.start,
    end: s.end,
    file: s.file,
    bytes: s.bytes,
    sha256: s.sha256,
    idsFile: s.idsFile,
    idsBytes: s.idsBytes,
    idsSha256: s.idsSha256,
    embeddedAtFile: s.embeddedAtFile,
    embeddedAtBytes: s.embeddedAtBytes,
    embeddedAtSha256: s.embeddedAtSha256,
    generation: s.generation,
  };
}

/** Writes `manifest.json` atomically (temp + rename). */
export function writeManifest(dir: string, manifest: CacheManifest): void {
  writeJsonAtomic(path.join(dir, MANIFEST_FILE), manifest);
}

/**
 * Reads and validates `dir/manifest.json`: present, valid JSON, format version 1, consistent
 * fields, shards contiguous over the rows with byte sizes equal to rows × dim × bytes per value.
 * Throws an InputError naming the file and what was expected. Does not touch the shard files.
 */
export function readManifest(dir: string): CacheManifest {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    const why = fs.existsSync(dir) ? 'missing' : `missing (no folder ${dir})`;
    throw new InputError(`${file}: ${why}; expected the manifest of an embedding cache (build one with \`freshcache build-cache\`)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message}); the manifest is truncated or corrupt`);
  }
  return validateManifest(raw, file);
}

/** Checks a parsed manifest; `file` names it in errors. */
export function validateManifest(raw: unknown, file: string): CacheManifest {
  const bad = (what: string) => new InputError(`${file}: ${what}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('expected a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.format !== 'freshcache-cache') throw bad(`expected "format": "freshcache-cache", got ${JSON.stringify(m.format)}`);
  if (m.version !== CACHE_FORMAT_VERSION) throw bad(`unknown cache format version ${JSON.stringify(m.version)}; this freshcache reads version ${CACHE_FORMAT_VERSION}`);
  const int = (k: string, min: number) => {
    const v = m[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw bad(`"${k}" must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return v;
  };
  const dim = int('dim', 1);
  const rows = int('rows', 0);
  const shardRows = int('shardRows', 1);
  if (typeof m.step !== 'number' || !Number.isInteger(m.step)) throw bad(`"step" must be an integer, got ${JSON.stringify(m.step)}`);
  if (!CACHE_DTYPES.includes(m.dtype as CacheDtype)) throw bad(`"dtype" must be one of ${CACHE_DTYPES.join(', ')}, got ${JSON.stringify(m.dtype)}`);
  const dtype = m.dtype as CacheDtype;
  if (typeof m.normalized !== 'boolean') throw bad(`"normalized" must be true or false`);
  const enc = m.encoder as Record<string, unknown> | undefined;
  if (!enc || typeof enc !== 'object' || typeof enc.kind !== 'string' || typeof enc.fingerprint !== 'string') {
    throw bad('"encoder" must be an object with string "kind" and "fingerprint"');
  }
  if (!Array.isArray(m.shards)) throw bad('"shards" must be an array');
  let first = 0;
  let last = rows;
  if (m.part !== undefined) {
    const p = m.part as Record<string, unknown>;
    const ok = p && typeof p === 'object' && [p.index, p.count, p.totalRows, p.start, p.end].every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0);
    if (!ok || (p.index as number) >= (p.count as number) || (p.end as number) - (p.start as number) !== rows || (p.end as number) > (p.totalRows as number)) {
      throw bad('"part" must be {index < count, count, totalRows, start, end} with end - start = rows');
    }
    first = p.start as number;
    last = p.end as number;
  }
  const bpv = bytesPerValue(dtype);
  let next = first;
  (m.shards as unknown[]).forEach((s0, i) => {
    const s = s0 as Record<string, unknown>;
    const where = `shard ${i}`;
    if (!s || typeof s !== 'object') throw bad(`${where}: expected an object`);
    for (const k of ['index', 'start', 'end', 'bytes', 'idsBytes', 'embeddedAtBytes', 'generation']) {
      if (typeof s[k] !== 'number' || !Number.isInteger(s[k]) || (s[k] as number) < 0) throw bad(`${where}: "${k}" must be a non-negative integer`);
    }
    for (const k of ['file', 'sha256', 'idsFile', 'idsSha256', 'embeddedAtFile', 'embeddedAtSha256']) {
      if (typeof s[k] !== 'string') throw bad(`${where}: "${k}" must be a string`);
    }
    for (const k of ['file', 'idsFile', 'embeddedAtFile']) {
      const name = s[k] as string;
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw bad(`${where}: "${k}" must be a plain file name in the cache folder, got ${JSON.stringify(name)}`);
    }
    const start = s.start as number;
    const end = s.end as number;
    if (start !== next) throw bad(`${where}: starts at row ${start}, expected ${next} (shards must cover the rows in order without gaps)`);
    if (end <= start || end - start > shardRows) throw bad(`${where}: rows [${start}, ${end}) must be non-empty and at most shardRows=${shardRows}`);
    if (s.index !== Math.floor(start / shardRows) || start % shardRows !== 0) throw bad(`${where}: index ${s.index} and start ${start} do not match shardRows=${shardRows}`);
    const want = (end - start) * dim * bpv;
    if (s.bytes !== want) throw bad(`${where}: "bytes" is ${s.bytes}, expected rows × dim × ${bpv} = ${end - start} × ${dim} × ${bpv} = ${want}`);
    if (s.embeddedAtBytes !== (end - start) * 4) throw bad(`${where}: "embeddedAtBytes" is ${s.embeddedAtBytes}, expected ${(end - start) * 4}`);
    next = end;
  });
  if (next !== last) throw bad(`shards end at row ${next}, expected ${last}`);
  return m as unknown as CacheManifest;
}
