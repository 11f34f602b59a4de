/**
 * Hand-made safetensors files, valid and invalid, each with the error kind the reference reader
 * (the `safetensors` crate, through the Python package) gives it: null = it loads. The unit test
 * checks our reader against these kinds; `test/fuzz/safetensors-reference.ts` re-checks them against
 * the real package where Python has it installed.
 */

/** A file from header bytes (the length prefix is computed) and data bytes. */
export function stFile(header: string | Buffer, data: Buffer | number): Buffer {
  const h = typeof header === 'string' ? Buffer.from(header, 'utf8') : header;
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, typeof data === 'number' ? Buffer.alloc(data) : data]);
}

const f32 = (...v: number[]) => Buffer.from(new Float32Array(v).buffer);
const json = (o: unknown) => JSON.stringify(o);
const t = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

export interface StCase {
  name: string;
  bytes: Buffer;
  /** The crate's error kind, or null when the file is valid. */
  kind: string | null;
  /**
   * True where the format's written rule ("the header MUST begin with '{'") is stricter than the
   * reference reader, which defines InvalidHeaderStart but (0.8.0) does not check it yet.
   */
  referenceAccepts?: boolean;
}

export const SAFETENSORS_CASES: StCase[] = [
  { name: 'valid, entries in offset order', bytes: stFile(json({ a: t('F32', [2], [0, 8]), b: t('F32', [1], [8, 12]) }), f32(1, 2, 3)), kind: null },
  { name: 'valid, entries listed out of offset order', bytes: stFile(json({ b: t('F32', [1], [8, 12]), a: t('F32', [2], [0, 8]) }), f32(1, 2, 3)), kind: null },
  { name: 'valid, header padded with trailing spaces and metadata', bytes: stFile(json({ __metadata__: { format: 'pt' }, a: t('F32', [1], [0, 4]) }) + '   ', f32(5)), kind: null },
  { name: 'valid, a zero-size tensor', bytes: stFile(json({ a: t('F32', [0], [0, 0]), b: t('F32', [1], [0, 4]) }), f32(5)), kind: null },
  { name: 'overlapping offsets', bytes: stFile(json({ a: t('F32', [2], [0, 8]), b: t('F32', [2], [4, 12]) }), 12), kind: 'InvalidOffset' },
  { name: 'the same bytes claimed twice', bytes: stFile(json({ a: t('F32', [2], [0, 8]), b: t('F32', [2], [0, 8]) }), 8), kind: 'InvalidOffset' },
  { name: 'offsets that end before they begin', bytes: stFile(json({ a: t('F32', [1], [8, 4]) }), 8), kind: 'InvalidOffset' },
  { name: 'a gap before the first tensor', bytes: stFile(json({ a: t('F32', [2], [4, 12]) }), 12), kind: 'InvalidOffset' },
  { name: 'a gap between tensors', bytes: stFile(json({ a: t('F32', [1], [0, 4]), b: t('F32', [1], [8, 12]) }), 12), kind: 'InvalidOffset' },
  { name: 'bytes after the last tensor', bytes: stFile(json({ a: t('F32', [1], [0, 4]) }), 8), kind: 'MetadataIncompleteBuffer' },
  { name: 'offsets past the end of the file', bytes: stFile(json({ a: t('F32', [2], [0, 8]) }), 4), kind: 'MetadataIncompleteBuffer' },
  { name: 'size disagrees with dtype and shape', bytes: stFile(json({ a: t('F32', [3], [0, 8]) }), 8), kind: 'TensorInvalidInfo' },
  { name: 'a header starting with a space', bytes: stFile(' ' + json({ a: t('F32', [1], [0, 4]) }), 4), kind: 'InvalidHeaderStart', referenceAccepts: true },
  { name: 'a header starting with a newline', bytes: stFile('\n' + json({ a: t('F32', [1], [0, 4]) }), 4), kind: 'InvalidHeaderStart', referenceAccepts: true },
  { name: 'a header that is not UTF-8', bytes: stFile(Buffer.concat([Buffer.from('{"a\xff'.slice(0, 3), 'latin1'), Buffer.from([0xff]), Buffer.from('":' + json(t('F32', [1], [0, 4])) + '}')]), 4), kind: 'InvalidHeader' },
  { name: 'fractional offsets', bytes: stFile(json({ a: t('F32', [1], [0, 4.5]) }), 4), kind: 'InvalidHeaderDeserialization' },
  { name: 'a fractional dimension', bytes: stFile(json({ a: t('F32', [1.5], [0, 4]) }), 4), kind: 'InvalidHeaderDeserialization' },
  { name: 'a negative dimension', bytes: stFile(json({ a: t('F32', [-1], [0, 4]) }), 4), kind: 'InvalidHeaderDeserialization' },
  { name: 'three offsets', bytes: stFile(json({ a: t('F32', [1], [0, 4, 8]) }), 4), kind: 'InvalidHeaderDeserialization' },
  { name: 'metadata with a number value', bytes: stFile(json({ __metadata__: { n: 1 }, a: t('F32', [1], [0, 4]) }), 4), kind: 'InvalidHeaderDeserialization' },
  { name: 'a header that is not JSON', bytes: stFile('{"a": ', 4), kind: 'InvalidHeaderDeserialization' },
  { name: 'a header length beyond the file', bytes: Buffer.concat([Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]), kind: 'InvalidHeaderLength' },
  { name: 'a header length over 100 MB', bytes: Buffer.concat([Buffer.from([0, 0, 0, 0x10, 0, 0, 0, 0]), Buffer.from('{}')]), kind: 'HeaderTooLarge' },
  { name: 'shorter than the length prefix', bytes: Buffer.from([1, 2, 3]), kind: 'HeaderTooSmall' },
];
