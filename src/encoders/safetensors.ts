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

/**
 * Opens a safetensors file and validates its header (lengths, dtypes, shapes against byte ranges,
 * ranges inside the file). Tensors are read lazily with `read(name)`; call `close()` after.
 */
export function openSafetensors(file: string): SafetensorsFile {
  if (!fs.existsSync(file)) throw new InputError(`${file}: safetensors file not found`);
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  try {
    if (size < 8) throw new InputError(`${file}: too short for a safetensors file (${size} bytes); expected an 8-byte header length`);
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen <= 1 || 8 + headerLen > size || headerLen > 100 * 1024 * 1024) {
      throw new InputError(`${file}: header length ${headerLen} does not fit the file (${size} bytes); not a safetensors file?`);
    }
    const headerBuf = Buffer.alloc(headerLen);
    fs.readSync(fd, headerBuf, 0, headerLen, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBuf.toString('utf8'));
    } catch (e) {
      throw new InputError(`${file}: header is not valid JSON (${(e as Error).message})`);
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new InputError(`${file}: header must be a JSON object`);
    const dataStart = 8 + headerLen;
    const dataSize = size - dataStart;
    const entries = new Map<string, SafetensorsEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') {
        metadata = (raw ?? {}) as Record<string, string>;
        continue;
      }
      const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const dtype = e?.dtype as SafetensorsDtype;
      if (!(typeof dtype === 'string' && dtype in DTYPE_BYTES)) {
        throw new InputError(`${file}: tensor '${name}' has unsupported dtype ${JSON.stringify(e?.dtype)}; expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
      }
      const shape = e.shape as number[];
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new InputError(`${file}: tensor '${name}' has invalid shape ${JSON.stringify(e.shape)}`);
      }
      const off = e.data_offsets as [number, number];
      if (!Array.isArray(off) || off.length !== 2 || !(off[0] >= 0 && off[1] >= off[0] && off[1] <= dataSize)) {
        throw new InputError(`${file}: tensor '${name}' data_offsets ${JSON.stringify(e.data_offsets)} outside the data section (${dataSize} bytes)`);
      }
      const want = product(shape) * DTYPE_BYTES[dtype];
      if (off[1] - off[0] !== want) {
        throw new InputError(`${file}: tensor '${name}' has ${off[1] - off[0]} bytes; ${dtype} ${JSON.stringify(shape)} needs ${want}`);
      }
      entries.set(name, { dtype, shape, dataOffsets: [off[0], off[1]] });
    }
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
