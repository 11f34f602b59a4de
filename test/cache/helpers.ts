/** Shared fixtures for the cache tests: a tiny deterministic encoder, corpora, folder comparison. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CorpusDoc } from '../../src/cache/build';
import type { EncoderMeta } from '../../src/cache/types';

/** Deterministic text → vector: FNV-1a seeded per coordinate, values in [-1, 1). */
export function hashVector(text: string, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    let h = (0x811c9dc5 ^ (j * 0x9e3779b1)) >>> 0;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    v[j] = (h / 2 ** 32) * 2 - 1;
  }
  return v;
}

/** The batch encode function buildCache calls, from a text → vector function `f` of width `dim`. */
export function encodeWith(f: (text: string) => Float32Array, dim: number) {
  return async (texts: string[]): Promise<Float32Array> => {
    const out = new Float32Array(texts.length * dim);
    texts.forEach((t, i) => out.set(f(t), i * dim));
    return out;
  };
}

/** encodeWith(hashVector), optionally failing after some batches or slowed down (kill and resume tests). */
export function hashEncode(dim: number, opts: { failAfterBatches?: number; delayMs?: number } = {}) {
  let calls = 0;
  const encode = encodeWith((t) => hashVector(t, dim), dim);
  return async (texts: string[]): Promise<Float32Array> => {
    if (opts.failAfterBatches !== undefined && calls >= opts.failAfterBatches) throw new Error('simulated crash');
    calls++;
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    return encode(texts);
  };
}

export const hashEncoderMeta = (dim: number, fingerprint = 'hash-v1'): EncoderMeta => ({ kind: 'hash', fingerprint, config: { dim } });

export function docs(n: number, prefix = 'd'): CorpusDoc[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, title: i % 3 === 0 ? `title ${i}` : '', text: `text of document ${i}` }));
}

export async function* asyncDocs(n: number): AsyncGenerator<CorpusDoc> {
  for (const d of docs(n)) yield d;
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-cache-'));
}

/** Every file of a folder with its bytes; manifest.json without its `created` time. */
export function folderContents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    const buf = fs.readFileSync(path.join(dir, f));
    if (f === 'manifest.json') {
      const m = JSON.parse(buf.toString('utf8'));
      delete m.created;
      out[f] = JSON.stringify(m);
    } else out[f] = buf.toString('base64');
  }
  return out;
}
