/**
 * BM25 over a corpus held in memory, scored exactly as Lucene's BM25Similarity (Lucene 8 and 9,
 * which Pyserini / Anserini run), with Pyserini's defaults k1 = 0.9, b = 0.4:
 *
 *   score(q, d) = Σ_{t ∈ q} c(t, q) · idf(t) · (1 − 1 / (1 + tf(t, d) / (k1 · (1 − b + b · L(d) / avgdl))))
 *   idf(t)      = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5))
 *
 * which is Robertson's tf·(k1+1)/(tf+K) without the constant (k1+1) factor (Lucene dropped it in
 * 8.0; the ranking is the same). N is the number of documents with at least one term, n(t) the
 * number containing t, avgdl = (Σ document lengths) / N, and c(t, q) the count of t in the query (a
 * query term repeated c times is one clause boosted by c, as Anserini's bag-of-words query builds
 * it). L(d) is NOT the exact length: Lucene stores a document's length (its number of terms) in one
 * byte, SmallFloat.intToByte4, exact below 24 and rounded down to 4 significant bits above, and
 * scores with the decoded value; we do the same. Every step is computed in float32 in Lucene's order
 * (per-term scores summed in float64, rounded to float32), so scores equal Lucene's bit for bit on
 * the cases test/search/lucene/ checks.
 *
 * Tokenisation: Lucene's EnglishAnalyzer (src/text/english-analyzer.ts: StandardTokenizer,
 * possessive 's removal, lower case, 33 stop words, Porter stemmer); a document is its title and
 * text joined by a space. Ties rank by corpus order, as Lucene's doc ids do.
 */
import { InputError, throwIfAborted } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { analyzeEnglish } from '../text/english-analyzer';
import { RunningTopK } from './topk';

/** Pyserini's BM25 parameters (its SimpleSearcher / LuceneSearcher defaults). */
export const PYSERINI_BM25 = { k1: 0.9, b: 0.4 } as const;

export interface Bm25Params {
  k1: number;
  b: number;
}

const f32 = Math.fround;

// ---------------------------------------------------------------------------------------------
// Lucene's one-byte length norm (org.apache.lucene.util.SmallFloat)
// ---------------------------------------------------------------------------------------------

function longToInt4(i: number): number {
  const numBits = i === 0 ? 0 : Math.floor(Math.log2(i)) + 1;
  if (numBits < 4) return i;
  const shift = numBits - 4;
  let encoded = Math.floor(i / 2 ** shift) & 0x07;
  encoded |= (shift + 1) << 3;
  return encoded;
}

function int4ToLong(i: number): number {
  const bits = i & 0x07;
  const shift = (i >>> 3) - 1;
  return shift === -1 ? bits : (bits | 0x08) * 2 ** shift;
}

/** Small lengths that get a byte value of their own (24 for Lucene's int4 encoding). */
const NUM_FREE_VALUES = 255 - longToInt4(2 ** 31 - 1);

/** SmallFloat.intToByte4: a document length as Lucene's one-byte norm (0..255). */
export function lengthToNorm(length: number): number {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`length must be a non-negative integer, got ${length}`);
  return length < NUM_FREE_VALUES ? length : NUM_FREE_VALUES + longToInt4(length - NUM_FREE_VALUES);
}

/** SmallFloat.byte4ToInt: the length a norm byte stands for (what BM25 scores with). */
export function normToLength(norm: number): number {
  return norm < NUM_FREE_VALUES ? norm : NUM_FREE_VALUES + int4ToLong(norm - NUM_FREE_VALUES);
}

/** The length Lucene scores a document of `length` terms with. */
export function quantizedLength(length: number): number {
  return normToLength(lengthToNorm(length));
}

// ---------------------------------------------------------------------------------------------
// The index
// ---------------------------------------------------------------------------------------------

/** A document for the index: its id and the text that is analysed (title and text joined). */
export interface Bm25Document {
  id: string;
  title?: string;
  text: string;
}

export interface Bm25BuildOptions extends Partial<Bm25Params> {
  /** Turns text into terms; default Lucene's EnglishAnalyzer (analyzeEnglish). */
  analyzer?: (text: string) => string[];
  signal?: AbortSignal;
  progress?: ProgressFn;
}

/** One query's ranked documents: corpus rows best first and their scores. */
export interface Bm25Hits {
  rows: Int32Array;
  scores: Float32Array;
}

/** The text BM25 analyses for a document: title and text joined by a space (Pyserini's BEIR `contents`). */
export function bm25DocumentText(d: { title?: string; text: string }): string {
  return d.title ? `${d.title} ${d.text}` : d.text;
}

/** An in-memory inverted index scored as Lucene's BM25 (see the module comment). */
export class Bm25Index {
  readonly ids: string[];
  readonly params: Bm25Params;
  /** Documents with at least one term (Lucene's docCount, the N of idf). */
  readonly docCount: number;
  /** Σ document lengths / docCount, in float32 as Lucene computes it. */
  readonly avgdl: number;
  private readonly analyzer: (text: string) => string[];
  private readonly norms: Uint8Array;
  private readonly postings: Map<string, { rows: Int32Array; freqs: Int32Array }>;
  /** 1 / (k1 · (1 − b + b · L / avgdl)) per norm byte, float32 (Lucene's BM25Scorer cache). */
  private readonly normInverse: Float32Array;

  private constructor(ids: string[], params: Bm25Params, analyzer: (text: string) => string[], norms: Uint8Array, postings: Map<string, { rows: Int32Array; freqs: Int32Array }>, docCount: number, sumLengths: number) {
    this.ids = ids;
    this.params = params;
    this.analyzer = analyzer;
    this.norms = norms;
    this.postings = postings;
    this.docCount = docCount;
    this.avgdl = f32(docCount > 0 ? sumLengths / docCount : 0);
    const k1 = f32(params.k1);
    const b = f32(params.b);
    this.normInverse = new Float32Array(256);
    for (let i = 0; i < 256; i++) {
      // Lucene: 1f / (k1 * ((1 - b) + b * LENGTH_TABLE[i] / avgdl)), every operation in float
      this.normInverse[i] = f32(1 / f32(k1 * f32(f32(1 - b) + f32(f32(b * normToLength(i)) / this.avgdl))));
    }
  }

  /** Indexes `docs` (row = position); documents stream through, only postings are kept. */
  static async build(docs: AsyncIterable<Bm25Document> | Iterable<Bm25Document>, opts: Bm25BuildOptions = {}): Promise<Bm25Index> {
    const params = { k1: opts.k1 ?? PYSERINI_BM25.k1, b: opts.b ?? PYSERINI_BM25.b };
    if (!(params.k1 >= 0) || !Number.isFinite(params.k1)) throw new InputError(`bm25 k1: expected a finite number ≥ 0, got ${params.k1}`);
    if (!(params.b >= 0 && params.b <= 1)) throw new InputError(`bm25 b: expected a number in [0, 1], got ${params.b}`);
    const analyzer = opts.analyzer ?? analyzeEnglish;
    const ids: string[] = [];
    const norms: number[] = [];
    const rowsOf = new Map<string, number[]>();
    const freqsOf = new Map<string, number[]>();
    let docCount = 0;
    let sumLengths = 0;
    for await (const d of docs as AsyncIterable<Bm25Document>) {
      const row = ids.length;
      ids.push(d.id);
      const terms = analyzer(bm25DocumentText(d));
      norms.push(lengthToNorm(terms.length));
      if (terms.length > 0) {
        docCount++;
        sumLengths += terms.length;
      }
      const tf = new Map<string, number>();
      for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, f] of tf) {
        let r = rowsOf.get(t);
        if (!r) {
          rowsOf.set(t, (r = []));
          freqsOf.set(t, []);
        }
        r.push(row);
        freqsOf.get(t)!.push(f);
      }
      if ((row + 1) % 10_000 === 0) {
        throwIfAborted(opts.signal, 'building the BM25 index');
        opts.progress?.({ stage: 'bm25 index', done: row + 1, unit: 'docs' });
      }
    }
    const postings = new Map<string, { rows: Int32Array; freqs: Int32Array }>();
    for (const [t, r] of rowsOf) postings.set(t, { rows: Int32Array.from(r), freqs: Int32Array.from(freqsOf.get(t)!) });
    opts.progress?.({ stage: 'bm25 index', done: ids.length, total: ids.length, unit: 'docs' });
    return new Bm25Index(ids, params, analyzer, Uint8Array.from(norms), postings, docCount, sumLengths);
  }

  /** Number of documents (rows). */
  get size(): number {
    return this.ids.length;
  }

  /** Documents containing `term` (an analysed term). */
  docFreq(term: string): number {
    return this.postings.get(term)?.rows.length ?? 0;
  }

  /** idf(t) = ln(1 + (N − n + 0.5) / (n + 0.5)) in float32, as Lucene computes it. */
  idf(term: string): number {
    const n = this.docFreq(term);
    return f32(Math.log(1 + (this.docCount - n + 0.5) / (n + 0.5)));
  }

  /**
   * Scores of every document matching at least one term of `query` (raw text, analysed like the
   * documents): row → score. Rows with no query term are absent (Lucene does not score them).
   */
  scoreAll(query: string): Map<number, number> {
    const counts = new Map<string, number>();
    for (const t of this.analyzer(query)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const sums = new Map<number, number>();
    for (const [t, c] of counts) {
      const p = this.postings.get(t);
      if (!p) continue;
      const weight = f32(f32(c) * this.idf(t));
      for (let i = 0; i < p.rows.length; i++) {
        const inv = this.normInverse[this.norms[p.rows[i]]];
        const s = f32(weight - f32(weight / f32(1 + f32(p.freqs[i] * inv))));
        sums.set(p.rows[i], (sums.get(p.rows[i]) ?? 0) + s);
      }
    }
    for (const [r, s] of sums) sums.set(r, f32(s));
    return sums;
  }

  /** The `k` best rows for `query` (fewer when fewer documents match), ties by row. */
  search(query: string, k: number, exclude?: ReadonlySet<number>): Bm25Hits {
    // a running top-k rather than a sort of every match: mining negatives keeps 30 of ~2000 matches, ~38k times
    const top = new RunningTopK(1, k);
    for (const [r, s] of this.scoreAll(query)) if (!exclude?.has(r)) top.offer(0, s, r, s);
    const n = top.counts[0];
    return { rows: top.rows.slice(0, n), scores: top.scores.slice(0, n) };
  }
}
