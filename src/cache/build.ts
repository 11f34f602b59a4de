/**
 * Building a cache: stream a corpus through an encoder in batches and write shards.
 *
 * - Memory is one batch: rows go straight from the encoder into the open shard files (hashed on
 *   the way), so it does not grow with the corpus.
 * - Atomic: each shard's three files are written to temp names and renamed when complete; then a
 *   `shard-NNNNN.done.json` sidecar records their sizes and checksums. `manifest.json` comes last.
 * - Resumable: `build.json` records the build's settings. Rerun with the same settings, the build
 *   skips the shards whose `.done.json` and files are in place (re-reading, not re-encoding, their
 *   corpus rows, and checking that their ids still match) and continues at the first incomplete
 *   shard. Batches never cross a shard boundary, so the rows are encoded in the same batches as in
 *   an uninterrupted build and the bytes are the same. Other settings → an InputError.
 * - Sharded: `shard: {index, count}` builds one contiguous slice of whole shards (shard files are
 *   `shardRows` rows on the global row grid), so merging the slices' files gives exactly the files
 *   of a single build.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash, type Hash } from 'crypto';
import { InputError, throwIfAborted } from '../util/errors';
import { AtomicWriter, removeStaleTemps, writeJsonAtomic } from '../util/atomic';
import type { ProgressFn } from '../util/progress';
import type { EncodeFn } from '../encoders/types';
import { toFloat16 } from '../util/f16';
import {
  BUILD_FILE,
  MANIFEST_FILE,
  dataFileName,
  doneFileName,
  embeddedAtFileName,
  idsFileName,
  makeManifest,
  readManifest,
  writeManifest,
} from './manifest';
import { unstorable } from './reader';
import { CACHE_DTYPES, type EmbeddingSource, type CacheDtype, type CacheManifest, type EncoderMeta, type PartInfo, type ShardEntry } from './types';

import type { CorpusDoc } from '../data/dataset';
export type { CorpusDoc };

export interface BuildCacheOptions {
  /** Output folder (created; may hold a partial build of the same settings, which is resumed). */
  dir: string;
  /** The documents, in row order. Read once, front to back. */
  corpus: AsyncIterable<CorpusDoc> | Iterable<CorpusDoc>;
  /** Texts → row-major Float32Array of texts.length × dim. */
  encode: EncodeFn;
  encoder: EncoderMeta;
  dim: number;
  /** Default 'f32'. */
  dtype?: CacheDtype;
  normalized: boolean;
  /** Training step of the encoder (recorded per row as embedded-at). Default 0. */
  step?: number;
  /** Texts per encode call. Default 256. */
  batchSize?: number;
  /** Rows per shard file. Default 65536. Must be the same for every part of a sharded build. */
  shardRows?: number;
  /** Build only part `index` (0-based) of `count` (needs `totalRows`). */
  shard?: { index: number; count: number };
  /** Rows in the whole corpus: required for a sharded build, checked when given. */
  totalRows?: number;
  /** The text the encoder sees for a document. Default: title and text joined by a space. */
  textOf?: (doc: CorpusDoc) => string;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** The settings recorded in build.json; a resumed build must ask for the same. */
interface BuildSettings {
  dim: number;
  dtype: CacheDtype;
  normalized: boolean;
  encoderKind: string;
  encoderFingerprint: string;
  step: number;
  shardRows: number;
  part: { index: number; count: number; totalRows: number } | null;
}

/** A completed shard's sidecar. */
type DoneRecord = ShardEntry;

/** The text the encoder sees for a document by default: `title text` (just `text` without a title). */
export const defaultTextOf = (d: CorpusDoc): string => (d.title ? `${d.title} ${d.text}` : d.text);

/**
 * Streams `corpus` through `encode` in batches into a cache folder (manifest, shards, ids,
 * embedded-at steps); resumes a partial build of the same settings; returns the manifest.
 */
export async function buildCache(opts: BuildCacheOptions): Promise<CacheManifest> {
  const dtype = opts.dtype ?? 'f32';
  const step = opts.step ?? 0;
  const batchSize = opts.batchSize ?? 256;
  const shardRows = opts.shardRows ?? 65536;
  const textOf = opts.textOf ?? defaultTextOf;
  const { dir, dim } = opts;
  if (!CACHE_DTYPES.includes(dtype)) throw new InputError(`dtype: expected one of ${CACHE_DTYPES.join(', ')}, got '${dtype}'`);
  if (!Number.isInteger(dim) || dim < 1) throw new InputError(`dim: expected a positive integer, got ${dim}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`batch size: expected a positive integer, got ${batchSize}`);
  if (!Number.isInteger(shardRows) || shardRows < 1) throw new InputError(`shard rows: expected a positive integer, got ${shardRows}`);
  if (!Number.isInteger(step)) throw new InputError(`step: expected an integer, got ${step}`);

  // Which rows this call builds: shard files [firstShard, endShard) on the global grid.
  let part: PartInfo | undefined;
  let rowStart = 0;
  let rowEnd = Infinity;
  if (opts.totalRows !== undefined && (!Number.isInteger(opts.totalRows) || opts.totalRows < 0)) throw new InputError(`total rows: expected a non-negative integer, got ${opts.totalRows}`);
  if (opts.shard && opts.shard.count > 1) {
    const { index, count } = opts.shard;
    if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || index >= count) throw new InputError(`shard: expected i/n with 0 <= i < n, got ${index}/${count}`);
    if (opts.totalRows === undefined) throw new InputError('shard: a sharded build needs the corpus row count (totalRows)');
    const total = opts.totalRows;
    const nShards = Math.ceil(total / shardRows);
    const a = Math.floor((index * nShards) / count);
    const b = Math.floor(((index + 1) * nShards) / count);
    rowStart = Math.min(a * shardRows, total);
    rowEnd = Math.min(b * shardRows, total);
    part = { index, count, totalRows: total, start: rowStart, end: rowEnd };
  } else if (opts.totalRows !== undefined) {
    rowEnd = opts.totalRows;
  }

  const settings: BuildSettings = {
    dim,
    dtype,
    normalized: opts.normalized,
    encoderKind: opts.encoder.kind,
    encoderFingerprint: opts.encoder.fingerprint,
    step,
    shardRows,
    part: part ? { index: part.index, count: part.count, totalRows: part.totalRows } : null,
  };

  const createdDir = !fs.existsSync(dir);
  fs.mkdirSync(dir, { recursive: true });
  removeStaleTemps(dir);

  // A finished cache here: the same settings → nothing to do; others → refuse.
  if (fs.existsSync(path.join(dir, MANIFEST_FILE))) {
    const m = readManifest(dir);
    const done: BuildSettings = {
      dim: m.dim,
      dtype: m.dtype,
      normalized: m.normalized,
      encoderKind: m.encoder.kind,
      encoderFingerprint: m.encoder.fingerprint,
      step: m.step,
      shardRows: m.shardRows,
      part: m.part ? { index: m.part.index, count: m.part.count, totalRows: m.part.totalRows } : null,
    };
    const diff = settingsDiff(done, settings);
    if (diff) throw new InputError(`${dir}: already holds a finished cache with ${diff.theirs}, but this build asks for ${diff.ours}; use another output folder`);
    if (part === undefined && opts.totalRows !== undefined && m.rows !== opts.totalRows) {
      throw new InputError(`${dir}: already holds a finished cache of ${m.rows} rows, but this build expects ${opts.totalRows}`);
    }
    cleanupBuildFiles(dir, m);
    return m;
  }

  const buildFile = path.join(dir, BUILD_FILE);
  const nothingBuilt = () => !fs.readdirSync(dir).some((f) => /^shard-\d+/.test(f));
  // a build.json beside no shard is what a failed or killed run left: nothing to resume
  if (fs.existsSync(buildFile) && nothingBuilt()) fs.rmSync(buildFile, { force: true });
  if (fs.existsSync(buildFile)) {
    let prev: BuildSettings;
    try {
      prev = JSON.parse(fs.readFileSync(buildFile, 'utf8')) as BuildSettings;
    } catch (e) {
      throw new InputError(`${buildFile}: not valid JSON (${(e as Error).message}); delete the folder and build again`);
    }
    const diff = settingsDiff(prev, settings);
    if (diff) throw new InputError(`${dir}: holds a partial build with ${diff.theirs}, but this build asks for ${diff.ours}; rerun with the same settings to resume, or use another output folder`);
  } else {
    const stray = fs.readdirSync(dir).filter((f) => /^shard-\d+/.test(f));
    if (stray.length > 0) throw new InputError(`${dir}: holds shard files (${stray[0]}, ...) but no ${BUILD_FILE} or ${MANIFEST_FILE}; use an empty output folder`);
    try {
      writeJsonAtomic(buildFile, settings);
    } catch (e) {
      if (createdDir) fs.rmSync(dir, { recursive: true, force: true }); // it holds nothing else yet
      throw e;
    }
  }

  // Completed shards: a contiguous run from the first shard of this part.
  const firstShard = Math.floor(rowStart / shardRows);
  const completed: DoneRecord[] = [];
  for (let k = firstShard; ; k++) {
    const rec = readDone(dir, k, dtype, dim);
    if (!rec) break;
    if (rec.start !== k * shardRows || rec.end > rowEnd) break;
    completed.push(rec);
    if (rec.end - rec.start < shardRows) break; // a short shard is the corpus's last
  }
  const resumeRow = completed.length ? completed[completed.length - 1].end : rowStart;
  const corpusEnded = completed.length > 0 && completed[completed.length - 1].end - completed[completed.length - 1].start < shardRows;
  if (corpusEnded && Number.isFinite(rowEnd) && resumeRow < rowEnd) {
    throw new InputError(`${dir}: the completed shards end the corpus at row ${resumeRow}, but this build expects ${rowEnd} rows`);
  }

  const progress = opts.progress;
  const toEncode = Number.isFinite(rowEnd) ? rowEnd - resumeRow : undefined;
  let encoded = 0;
  // nothing left to encode (a finished build run again): no "build cache: 0 rows" line
  if (toEncode !== 0) progress?.({ stage: 'build cache', done: 0, total: toEncode, unit: 'rows', info: resumeRow > rowStart ? { resumedAt: resumeRow } : undefined });

  const iter = (Symbol.asyncIterator in opts.corpus
    ? (opts.corpus as AsyncIterable<CorpusDoc>)[Symbol.asyncIterator]()
    : (opts.corpus as Iterable<CorpusDoc>)[Symbol.iterator]()) as AsyncIterator<CorpusDoc> | Iterator<CorpusDoc>;
  let row = 0;
  const next = async (): Promise<CorpusDoc | undefined> => {
    const r = await iter.next();
    if (r.done) return undefined;
    const d = r.value;
    if (!d || typeof d.id !== 'string' || typeof d.text !== 'string') throw new InputError(`corpus row ${row}: expected {id: string, text: string, title?: string}`);
    if (d.id.length === 0 || /[\r\n]/.test(d.id)) throw new InputError(`corpus row ${row}: id ${JSON.stringify(d.id)} must be non-empty and without line breaks`);
    row++;
    return d;
  };

  let open: ShardWriter | null = null;
  try {
    // Skip the rows of completed shards (and of earlier parts), checking the completed shards' ids.
    let doneIdx = 0;
    let idHash: Hash | null = null;
    while (row < resumeRow) {
      const rec = completed[doneIdx];
      if (rec && row === rec.start) idHash = createHash('sha256');
      const d = await next();
      if (!d) throw new InputError(`corpus: ended at row ${row}, before row ${resumeRow} where ${rowStart < resumeRow && completed.length ? 'the completed shards end' : 'this part starts'}`);
      if (idHash) idHash.update(d.id + '\n');
      if (rec && row === rec.end) {
        const got = idHash!.digest('hex');
        if (got !== rec.idsSha256) throw new InputError(`${path.join(dir, rec.idsFile)}: the corpus's ids for rows ${rec.start}..${rec.end} differ from those of the completed shard; the corpus changed since the partial build (use another output folder)`);
        idHash = null;
        doneIdx++;
      }
      if ((row & 0xffff) === 0) throwIfAborted(opts.signal, 'build-cache');
    }

    const records = [...completed];
    let texts: string[] = [];
    let ids: string[] = [];
    const flush = async () => {
      if (texts.length === 0) return;
      throwIfAborted(opts.signal, `build-cache at row ${row - texts.length} (${records.length} complete shard(s) of ${shardRows} rows kept)`);
      const emb = await opts.encode(texts);
      if (!(emb instanceof Float32Array) || emb.length !== texts.length * dim) {
        throw new Error(`encoder ${opts.encoder.kind} returned ${emb?.length} values for ${texts.length} texts of dim ${dim} (expected ${texts.length * dim} in a Float32Array)`);
      }
      open!.append(ids, emb);
      encoded += texts.length;
      progress?.({ stage: 'build cache', done: encoded, total: toEncode, unit: 'rows', info: { shard: open!.index } });
      texts = [];
      ids = [];
    };
    if (!corpusEnded) {
      while (row < rowEnd) {
        const d = await next();
        if (!d) break;
        const r = row - 1;
        if (!open) open = new ShardWriter(dir, Math.floor(r / shardRows), r, dtype, dim, step);
        texts.push(textOf(d));
        ids.push(d.id);
        const shardEnd = (open.index + 1) * shardRows;
        if (texts.length >= batchSize || row === shardEnd || row === rowEnd) await flush();
        if (row === shardEnd || row === rowEnd) {
          records.push(open.commit());
          open = null;
        }
      }
      await flush();
      if (open) {
        records.push(open.commit());
        open = null;
      }
    }
    const endRow = records.length ? records[records.length - 1].end : resumeRow;
    // a corpus of unknown length: its last event (done = total) ends the stage, so a progress line says done
    if (toEncode === undefined && encoded > 0) progress?.({ stage: 'build cache', done: encoded, total: encoded, unit: 'rows' });
    if (Number.isFinite(rowEnd) && endRow < rowEnd) throw new InputError(`corpus: ended at row ${endRow}, but ${part ? `part ${part.index}/${part.count} covers rows ${rowStart}..${rowEnd}` : `${rowEnd} rows were expected`}`);
    const atCorpusEnd = part ? part.end === part.totalRows : true;
    if (atCorpusEnd && Number.isFinite(rowEnd) && !corpusEnded) {
      if (await next()) throw new InputError(`corpus: has more than the ${rowEnd} rows given as its total`);
    }

    const manifest = makeManifest({
      dim,
      rows: part ? part.end - part.start : endRow,
      dtype,
      normalized: opts.normalized,
      encoder: opts.encoder,
      step,
      shardRows,
      shards: records,
      part,
    });
    writeManifest(dir, manifest);
    cleanupBuildFiles(dir, manifest);
    return manifest;
  } catch (e) {
    // a build that failed before completing a shard leaves nothing behind (with one, it can resume)
    open?.abort();
    open = null;
    if (nothingBuilt()) {
      fs.rmSync(buildFile, { force: true });
      if (createdDir && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    }
    throw e;
  } finally {
    open?.abort();
    if (typeof iter.return === 'function') await iter.return();
  }
}

/** The first setting that differs, described both ways, or null. */
function settingsDiff(theirs: BuildSettings, ours: BuildSettings): { theirs: string; ours: string } | null {
  const show = (k: keyof BuildSettings, v: unknown) => `${k}=${v && typeof v === 'object' ? `${(v as any).index}/${(v as any).count} of ${(v as any).totalRows} rows` : v === null ? 'none' : v}`;
  for (const k of ['encoderFingerprint', 'encoderKind', 'dim', 'dtype', 'shardRows', 'normalized', 'step', 'part'] as const) {
    if (JSON.stringify(theirs[k]) !== JSON.stringify(ours[k])) return { theirs: show(k, theirs[k]), ours: show(k, ours[k]) };
  }
  return null;
}

/** A completed shard's record when its sidecar and files are in place with the recorded sizes. */
function readDone(dir: string, index: number, dtype: CacheDtype, dim: number): DoneRecord | null {
  const file = path.join(dir, doneFileName(index));
  if (!fs.existsSync(file)) return null;
  let rec: DoneRecord;
  try {
    rec = JSON.parse(fs.readFileSync(file, 'utf8')) as DoneRecord;
  } catch {
    return null; // cannot happen with atomic writes; redo the shard
  }
  const sizeIs = (name: string, bytes: number) => {
    try {
      return fs.statSync(path.join(dir, name)).size === bytes;
    } catch {
      return false;
    }
  };
  if (rec.file !== dataFileName(index, dtype) || rec.bytes !== (rec.end - rec.start) * dim * (dtype === 'f16' ? 2 : 4)) return null;
  if (!sizeIs(rec.file, rec.bytes) || !sizeIs(rec.idsFile, rec.idsBytes) || !sizeIs(rec.embeddedAtFile, rec.embeddedAtBytes)) return null;
  return rec;
}

/** Removes build.json and the .done sidecars once the manifest is written. */
function cleanupBuildFiles(dir: string, _m: CacheManifest): void {
  for (const f of fs.readdirSync(dir)) {
    if (f === BUILD_FILE || /^shard-\d+\.done\.json$/.test(f)) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** Writes one shard's three files through temp files, hashing as it goes. */
class ShardWriter {
  private data: AtomicWriter;
  private idsW: AtomicWriter;
  private atW: AtomicWriter;
  private hData = createHash('sha256');
  private hIds = createHash('sha256');
  private hAt = createHash('sha256');
  private rows = 0;

  constructor(
    private dir: string,
    readonly index: number,
    readonly start: number,
    private dtype: CacheDtype,
    private dim: number,
    private step: number,
  ) {
    this.data = new AtomicWriter(path.join(dir, dataFileName(index, dtype)));
    this.idsW = new AtomicWriter(path.join(dir, idsFileName(index)));
    this.atW = new AtomicWriter(path.join(dir, embeddedAtFileName(index)));
  }

  /** Appends rows: their ids, embeddings (ids.length × dim) and embedded-at steps (default: the build's step). */
  append(ids: string[], emb: Float32Array, steps?: Int32Array): void {
    const why = unstorable(emb, this.dim, this.dtype, (r) => `row ${this.start + this.rows + r} (id '${ids[r]}')`);
    if (why) throw new InputError(why);
    const bytes = this.dtype === 'f16' ? new Uint8Array(toFloat16(emb).buffer) : new Uint8Array(emb.buffer, emb.byteOffset, emb.byteLength);
    this.data.write(bytes);
    this.hData.update(bytes);
    const idText = Buffer.from(ids.join('\n') + '\n', 'utf8');
    this.idsW.write(idText);
    this.hIds.update(idText);
    const at = steps ? new Uint8Array(steps.buffer, steps.byteOffset, ids.length * 4) : new Uint8Array(new Int32Array(ids.length).fill(this.step).buffer);
    this.atW.write(at);
    this.hAt.update(at);
    this.rows += ids.length;
  }

  /** Renames the files into place and writes the `.done.json` sidecar; returns the shard's record. */
  commit(): DoneRecord {
    this.data.commit();
    this.idsW.commit();
    this.atW.commit();
    const rec: DoneRecord = {
      index: this.index,
      start: this.start,
      end: this.start + this.rows,
      file: path.basename(this.data.file),
      bytes: this.data.bytes,
      sha256: this.hData.digest('hex'),
      idsFile: path.basename(this.idsW.file),
      idsBytes: this.idsW.bytes,
      idsSha256: this.hIds.digest('hex'),
      embeddedAtFile: path.basename(this.atW.file),
      embeddedAtBytes: this.atW.bytes,
      embeddedAtSha256: this.hAt.digest('hex'),
      generation: 0,
    };
    writeJsonAtomic(path.join(this.dir, doneFileName(this.index)), rec);
    return rec;
  }

  abort(): void {
    this.data.abort();
    this.idsW.abort();
    this.atW.abort();
  }
}

export interface SaveEmbeddingsOptions {
  /** Output folder; must not hold a cache yet. */
  dir: string;
  /** The rows to write (e.g. a MemoryEmbeddings a training loop kept and refreshed). */
  source: EmbeddingSource;
  /** One id per row. */
  ids: ArrayLike<string>;
  /** Per-row embedded-at steps (default: `step` for every row). */
  embeddedAt?: Int32Array;
  encoder: EncoderMeta;
  dtype?: CacheDtype;
  normalized: boolean;
  /** The manifest's step (default: the largest embedded-at step, or 0). */
  step?: number;
  shardRows?: number;
  /** Rows read from `source` at a time. Default 65536. */
  blockRows?: number;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/**
 * Writes embeddings already computed (any EmbeddingSource) as a cache folder with the same layout
 * as buildCache: shards written atomically, the manifest last. Not resumable (it is a copy).
 */
export async function saveEmbeddings(opts: SaveEmbeddingsOptions): Promise<CacheManifest> {
  const { dir, source } = opts;
  const dtype = opts.dtype ?? 'f32';
  const shardRows = opts.shardRows ?? 65536;
  const blockRows = Math.max(1, Math.min(opts.blockRows ?? 65536, shardRows));
  const rows = source.rows;
  if (opts.ids.length !== rows) throw new InputError(`saveEmbeddings: ${opts.ids.length} ids for ${rows} rows`);
  if (opts.embeddedAt && opts.embeddedAt.length !== rows) throw new InputError(`saveEmbeddings: ${opts.embeddedAt.length} embedded-at steps for ${rows} rows`);
  let step = opts.step;
  if (step === undefined) {
    step = 0;
    if (opts.embeddedAt && rows > 0) step = opts.embeddedAt.reduce((a, b) => Math.max(a, b), -Infinity);
  }
  if (fs.existsSync(path.join(dir, MANIFEST_FILE))) throw new InputError(`${dir}: already holds a cache (${MANIFEST_FILE}); save into a new folder`);
  fs.mkdirSync(dir, { recursive: true });
  removeStaleTemps(dir);
  const records: ShardEntry[] = [];
  for (let start = 0; start < rows; start += shardRows) {
    const end = Math.min(rows, start + shardRows);
    const w = new ShardWriter(dir, start / shardRows, start, dtype, source.dim, step);
    try {
      for (let b = start; b < end; b += blockRows) {
        throwIfAborted(opts.signal, 'save embeddings');
        const e = Math.min(end, b + blockRows);
        const ids: string[] = [];
        for (let r = b; r < e; r++) {
          const id = opts.ids[r];
          if (typeof id !== 'string' || id.length === 0 || /[\r\n]/.test(id)) throw new InputError(`saveEmbeddings: id of row ${r} (${JSON.stringify(id)}) must be a non-empty string without line breaks`);
          ids.push(id);
        }
        w.append(ids, source.read(b, e), opts.embeddedAt?.subarray(b, e));
        opts.progress?.({ stage: 'save embeddings', done: e, total: rows, unit: 'rows' });
      }
      records.push(w.commit());
    } catch (err) {
      w.abort();
      throw err;
    }
  }
  const manifest = makeManifest({ dim: source.dim, rows, dtype, normalized: opts.normalized, encoder: opts.encoder, step, shardRows, shards: records });
  writeManifest(dir, manifest);
  cleanupBuildFiles(dir, manifest);
  return manifest;
}
