/**
 * Shared types of the embedding cache: the row source every reader (on-disk cache, in-memory
 * embeddings) implements, and the manifest format.
 */

/** Row-major float32 embeddings readable by row ranges without loading everything. */
export interface EmbeddingSource {
  readonly rows: number;
  readonly dim: number;
  /** Rows [start, end) as a new row-major Float32Array ((end-start)*dim), converted from f16 if stored so. */
  read(start: number, end: number): Float32Array;
}

/** Storage type of the shard files: IEEE float32 or float16 (binary16), little-endian. */
export type CacheDtype = 'f32' | 'f16';

export const CACHE_DTYPES: readonly CacheDtype[] = ['f32', 'f16'];

/** Bytes per stored value. */
export function bytesPerValue(dtype: CacheDtype): number {
  return dtype === 'f16' ? 2 : 4;
}

/** What identifies the encoder that wrote a cache (see Encoder.kind / fingerprint / config). */
export interface EncoderMeta {
  kind: string;
  /** sha256 over the encoder's config and weights. */
  fingerprint: string;
  config: Record<string, unknown>;
  /** How the user named it (`zero-shot`, `random`, `glove`, a folder), for messages. */
  name?: string;
}

/** Current (and only) manifest format version. */
export const CACHE_FORMAT_VERSION = 1;

/** One shard: rows [start, end) of the cache, in three files named by the manifest. */
export interface ShardEntry {
  index: number;
  start: number;
  end: number;
  /** Embeddings, row-major little-endian `dtype` (rows × dim values). */
  file: string;
  bytes: number;
  sha256: string;
  /** Row ids, one per line (utf-8, '\n'-terminated). */
  idsFile: string;
  idsBytes: number;
  idsSha256: string;
  /** Training step at which each row was embedded, int32 little-endian. */
  embeddedAtFile: string;
  embeddedAtBytes: number;
  embeddedAtSha256: string;
  /** 0 after the build; +1 for each partial refresh that rewrote this shard. */
  generation: number;
}

/** A sharded build's part (`shard: {index, count}`): present only in part manifests. */
export interface PartInfo {
  index: number;
  count: number;
  /** Rows of the whole corpus. */
  totalRows: number;
  /** Rows [start, end) of the corpus this part holds. */
  start: number;
  end: number;
}

/** `manifest.json` of a cache folder. */
export interface CacheManifest {
  format: 'freshcache-cache';
  version: number;
  dim: number;
  /** Rows of the cache (for a part: rows of the part). */
  rows: number;
  dtype: CacheDtype;
  normalized: boolean;
  encoder: EncoderMeta;
  /** Training step of the encoder that wrote the cache (rows refreshed later carry their own step). */
  step: number;
  /** Rows per shard file (the last one may hold fewer); fixed for the whole corpus so parts line up. */
  shardRows: number;
  shards: ShardEntry[];
  /** ISO time the manifest was written. */
  created: string;
  part?: PartInfo;
}
