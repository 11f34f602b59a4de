/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}`,
 * then the raw little-endian tensor bytes. Float tensors (F32, F16, BF16, F64) and integer tensors
 * are read as Float32Array; writing supports F32, F16 and BF16.
 */
import { float16BitsToFloat32, float32ToFloat16Bits } from '../util/f16';
import * as fs from 'fs';
import * as os from 'os';
import { InputError } from '../util/errors';
import { AtomicWriter } from '../util/atomic';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const LITTLE_ENDIAN = os.endianness() === 'LE';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** One tensor entry of a header. */
export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte offsets [begin, end) relative to the start of the data section. */
  dataOffsets: [number, number];
}

/** A tensor as plain data: shape and row-major float32 values. */
export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}

/** An open safetensors file: the parsed header, and tensors read on demand. */
export interface SafetensorsFile {
  file: string;
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Reads one tensor as float32 (integers converted); InputError if `name` is absent. */
  read(name: string): FloatTensor;
  close(): void;
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The safetensors crate's limit on the header (MAX_HEADER_SIZE). */
const MAX_HEADER_BYTES = 100_000_000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Opens a safetensors file and validates it by the rules of the reference reader (the `safetensors`
 * crate, `SafeTensors::read_metadata` and `Metadata::validate`; each error names the crate's
 * error kind): the header length fits the file and the 100 MB limit (HeaderTooLarge,
 * InvalidHeaderLength); the header is UTF-8 (InvalidHeader), starts with `{` (InvalidHeaderStart)
 * and is a JSON object of entries `{dtype, shape: non-negative integers, data_offsets: [begin, end]
 * integers}` plus an optional `__metadata__` of string values (InvalidHeaderDeserialization);
 * sorted by offsets, the entries tile the data section from 0 with no gap and no overlap
 * (InvalidOffset), each exactly as long as its dtype and shape need (TensorInvalidInfo), and the
 * last ends at the end of the file (MetadataIncompleteBuffer). Tensors are read lazily with
 * `read(name)`; call `close()` after.
 */
export function openSafetensors(file: string): SafetensorsFile {
  if (!fs.existsSync(file)) throw new InputError(`${file}: safetensors file not found`);
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  try {
    const bad = (what: string, kind: string) => new InputError(`${file}: ${what} (safetensors: ${kind})`);
    if (size < 8) throw bad(`too short for a safetensors file (${size} bytes); expected an 8-byte header length`, 'HeaderTooSmall');
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = lenBuf.readBigUInt64LE(0);
    if (headerLen > BigInt(MAX_HEADER_BYTES)) throw bad(`header length ${headerLen} is over the 100 MB limit; not a safetensors file?`, 'HeaderTooLarge');
    if (8n + headerLen > BigInt(size)) throw bad(`header length ${headerLen} does not fit the file (${size} bytes); not a safetensors file?`, 'InvalidHeaderLength');
    const n = Number(headerLen);
    const headerBuf = Buffer.alloc(n);
    fs.readSync(fd, headerBuf, 0, n, 8);
    let text: string;
    try {
      text = strictUtf8.decode(headerBuf);
    } catch {
      throw bad('the header is not valid UTF-8', 'InvalidHeader');
    }
    if (!text.startsWith('{')) throw bad(`the header must start with '{', found ${JSON.stringify(text.slice(0, 8))}`, 'InvalidHeaderStart');
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(text);
    } catch (e) {
      throw bad(`the header is not valid JSON (${(e as Error).message})`, 'InvalidHeaderDeserialization');
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('the header must be a JSON object', 'InvalidHeaderDeserialization');
    const dataStart = 8 + n;
    const dataSize = size - dataStart;
    const entries = new Map<string, SafetensorsEntry>();
    let metadata: Record<string, string> = {};
    const isIndex = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') {
        if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
          throw bad('"__metadata__" must be an object of string values', 'InvalidHeaderDeserialization');
        }
        metadata = raw as Record<string, string>;
        continue;
      }
      const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (e === null || typeof e !== 'object' || Array.isArray(e)) throw bad(`tensor '${name}' must be an object {dtype, shape, data_offsets}`, 'InvalidHeaderDeserialization');
      const dtype = e.dtype as SafetensorsDtype;
      if (!(typeof dtype === 'string' && dtype in DTYPE_BYTES)) {
        throw new InputError(`${file}: tensor '${name}' has unsupported dtype ${JSON.stringify(e.dtype)}; expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
      }
      const shape = e.shape as number[];
      if (!Array.isArray(shape) || !shape.every(isIndex)) throw bad(`tensor '${name}' has invalid shape ${JSON.stringify(e.shape)} (expected non-negative integers)`, 'InvalidHeaderDeserialization');
      const off = e.data_offsets as [number, number];
      if (!Array.isArray(off) || off.length !== 2 || !off.every(isIndex)) {
        throw bad(`tensor '${name}' has data_offsets ${JSON.stringify(e.data_offsets)} (expected [begin, end], two non-negative integers)`, 'InvalidHeaderDeserialization');
      }
      entries.set(name, { dtype, shape, dataOffsets: [off[0], off[1]] });
    }
    // Metadata::validate: in offset order, each tensor starts where the previous one ended
    let next = 0;
    for (const [name, entry] of [...entries].sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1])) {
      const [begin, end] = entry.dataOffsets;
      if (begin !== next || end < begin) {
        const why = end < begin ? 'ends before it begins' : begin > next ? `leaves a gap: it begins at byte ${begin}, the data before it ends at ${next}` : `overlaps the tensor before it, which ends at byte ${next}`;
        throw bad(`tensor '${name}' data_offsets [${begin}, ${end}] ${why}`, 'InvalidOffset');
      }
      const want = product(entry.shape) * DTYPE_BYTES[entry.dtype];
      if (end - begin !== want) throw bad(`tensor '${name}' has ${end - begin} bytes; ${entry.dtype} ${JSON.stringify(entry.shape)} needs ${want}`, 'TensorInvalidInfo');
      next = end;
    }
    if (next !== dataSize) throw bad(`the tensors cover ${next} bytes of data, the file holds ${dataSize} after the header (truncated, or bytes appended)`, 'MetadataIncompleteBuffer');
    let closed = false;
    return {
      file,
      entries,
      metadata,
      read(name: string): FloatTensor {
        const entry = entries.get(name);
        if (!entry) throw new InputError(`${file}: no tensor named '${name}'`);
        if (closed) throw new Error(`${file}: already closed`);
        const nbytes = entry.dataOffsets[1] - entry.dataOffsets[0];
        const buf = Buffer.alloc(nbytes);
        let got = 0;
        while (got < nbytes) {
          const n = fs.readSync(fd, buf, got, nbytes - got, dataStart + entry.dataOffsets[0] + got);
          if (n <= 0) throw new InputError(`${file}: truncated while reading tensor '${name}'`);
          got += n;
        }
        return { shape: entry.shape.slice(), data: decode(buf, entry.dtype) };
      },
      close(): void {
        if (!closed) fs.closeSync(fd);
        closed = true;
      },
    };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** Reads every tensor of a safetensors file as float32, plus its metadata. */
export function readSafetensors(file: string): { tensors: Map<string, FloatTensor>; metadata: Record<string, string> } {
  const f = openSafetensors(file);
  try {
    const tensors = new Map<string, FloatTensor>();
    for (const name of f.entries.keys()) tensors.set(name, f.read(name));
    return { tensors, metadata: f.metadata };
  } finally {
    f.close();
  }
}

/** IEEE half (binary16) bits → float (exact); one implementation serves caches and safetensors. */
export const f16ToF32 = float16BitsToFloat32;

/** Float → IEEE half bits, rounding to nearest even (overflow → ±Infinity). */
export const f32ToF16 = float32ToFloat16Bits;

const f32Buf = new Float32Array(1);
const u32Buf = new Uint32Array(f32Buf.buffer);

/** Float → bfloat16 bits (upper half of float32), rounding to nearest even. */
export function f32ToBf16(v: number): number {
  f32Buf[0] = v;
  const x = u32Buf[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  const lsb = (x >>> 16) & 1;
  return ((x + 0x7fff + lsb) >>> 16) & 0xffff;
}

function decode(buf: Buffer, dtype: SafetensorsDtype): Float32Array {
  const n = buf.length / DTYPE_BYTES[dtype];
  const out = new Float32Array(n);
  switch (dtype) {
    case 'F32':
      if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(buf);
      else for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(i * 4);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = buf.readDoubleLE(i * 8);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = f16ToF32(buf.readUInt16LE(i * 2));
      break;
    case 'BF16': {
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u[i] = buf.readUInt16LE(i * 2) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(buf.readBigInt64LE(i * 8));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = buf.readInt32LE(i * 4);
      break;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(i * 2);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = buf.readInt8(i);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = buf[i];
      break;
  }
  return out;
}

function encode(data: Float32Array, dtype: 'F32' | 'F16' | 'BF16'): Buffer {
  if (dtype === 'F32') {
    if (LITTLE_ENDIAN) return Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    const b = Buffer.alloc(data.length * 4);
    for (let i = 0; i < data.length; i++) b.writeFloatLE(data[i], i * 4);
    return b;
  }
  const b = Buffer.alloc(data.length * 2);
  const conv = dtype === 'F16' ? f32ToF16 : f32ToBf16;
  for (let i = 0; i < data.length; i++) b.writeUInt16LE(conv(data[i]), i * 2);
  return b;
}

/**
 * Writes tensors to a safetensors file atomically (temp file + rename), in name order, header
 * padded with spaces to a multiple of 8 bytes as the reference implementation does.
 */
export function writeSafetensors(
  file: string,
  tensors: Map<string, FloatTensor> | Record<string, FloatTensor>,
  opts: { dtype?: 'F32' | 'F16' | 'BF16'; metadata?: Record<string, string> } = {},
): void {
  const dtype = opts.dtype ?? 'F32';
  const map = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const names = [...map.keys()].sort();
  const header: Record<string, unknown> = {};
  if (opts.metadata && Object.keys(opts.metadata).length) header.__metadata__ = opts.metadata;
  let offset = 0;
  for (const name of names) {
    const t = map.get(name)!;
    if (product(t.shape) !== t.data.length) {
      throw new InputError(`tensor '${name}': shape ${JSON.stringify(t.shape)} needs ${product(t.shape)} values, got ${t.data.length}`);
    }
    const nbytes = t.data.length * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
  }
  let json = JSON.stringify(header);
  const pad = (8 - (Buffer.byteLength(json) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));
  const w = new AtomicWriter(file);
  try {
    w.write(len);
    w.write(headerBytes);
    for (const name of names) w.write(encode(map.get(name)!.data, dtype));
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}
