/**
 * The bad inputs of the fuzz run, by kind: each case writes its inputs into its own folder (from
 * the shared fixtures), names the CLI call and the command's own output, and says what the one
 * error line must mention. Every case must exit 2 with one line on stderr and no stack trace, and
 * leave every file outside its output as it was; signal cases (signals.ts) exit 130.
 */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { gzipSync } from 'zlib';
import type { Fixtures } from './fixtures';
import { SAFETENSORS_CASES } from '../encoders/safetensors-cases';
import { sha256 } from '../../src/util/hash';
import { buildCache } from '../../src/cache/build';
import { hashEncode, hashEncoderMeta } from '../cache/helpers';

export interface FuzzCase {
  kind: string;
  name: string;
  /** Writes the case's inputs into `dir`. */
  setup?(dir: string, fx: Fixtures): void | Promise<void>;
  args(dir: string, fx: Fixtures): string[];
  /** The command's own output, relative to the case folder: it may change there and nowhere else. */
  output?: string;
  /** What the one error line must match. */
  message?: RegExp;
  /** Why this case fails on this branch alone (work that lands from another branch); reported, not counted. */
  pending?: string;
  /** Run from the repository root instead of the case folder. */
  inRepo?: boolean;
  timeoutSec?: number;
}

const write = (dir: string, name: string, data: string | Buffer) => {
  const f = path.join(dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, data);
  return f;
};
const jl = (...objs: unknown[]) => objs.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n') + '\n';
const GOOD = [{ _id: 'd1', title: '', text: 'the cat sat' }, { _id: 'd2', title: 't', text: 'a dog ran' }];
const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

// ---------------------------------------------------------------------------------------------
// corpus files (build-cache reads them line by line)
// ---------------------------------------------------------------------------------------------
const corpusCases: [string, string | Buffer, RegExp][] = [
  ['a line that is not JSON', jl(GOOD[0], '{"_id": "d2", "text": '), /corpus\.jsonl:2: not valid JSON/],
  ['a JSON array line', jl(GOOD[0], [1, 2]), /:2: expected a JSON object, found an array/],
  ['a JSON string line', jl('"just text"'), /:1: expected a JSON object/],
  ['a missing _id', jl({ text: 'x' }), /:1: missing "_id"/],
  ['a numeric _id', jl({ _id: 7, text: 'x' }), /:1: expected "_id" to be a string, found number/],
  ['an empty _id', jl({ _id: '', text: 'x' }), /:1: "_id": the id is empty/],
  ['an _id with a space', jl(GOOD[0], { _id: 'd 2', text: 'x' }), /:2: "_id": the id "d 2" contains a space/],
  ['an _id with a tab', jl({ _id: 'd\t2', text: 'x' }), /contains a tab/],
  ['an _id with a no-break space', jl({ _id: 'd\u00a02', text: 'x' }), /contains whitespace U\+00A0/],
  ['an _id with a line separator', jl({ _id: 'd\u20282', text: 'x' }), /contains whitespace U\+2028/],
  ['a duplicate _id', jl(GOOD[0], GOOD[1], GOOD[0]), /:3: duplicate "_id" "d1"/],
  ['a numeric text', jl({ _id: 'd1', text: 5 }), /:1: expected "text" to be a string, found number/],
  ['a missing text', jl({ _id: 'd1', title: 'x' }), /:1: missing "text"/],
  ['an object title', jl({ _id: 'd1', title: { a: 1 }, text: 'x' }), /expected "title" to be a string/],
  ['a byte that is not UTF-8', bytes(jl(GOOD[0]), '{"_id": "d', [0xff], '", "text": "x"}\n'), /:2: not UTF-8 text: byte 0xff at byte offset 55 /],
  ['an overlong UTF-8 form', bytes('{"_id": "d', [0xc0, 0xaf], '", "text": "x"}\n'), /:1: not UTF-8 text: byte 0xc0/],
  ['a UTF-16 surrogate in UTF-8', bytes('{"_id": "d', [0xed, 0xa0, 0x80], '", "text": "x"}\n'), /not UTF-8 text: byte 0xed/],
  ['a sequence cut off at the end', bytes(jl(GOOD[0]), '{"_id": "d2", "text": "', [0xe4, 0xb8]), /:2: not UTF-8 text: byte 0xe4/],
  ['a UTF-16 file', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(jl(GOOD[0]), 'utf16le')]), /:1: not UTF-8 text: byte 0xff at byte offset 0/],
  ['Latin-1 text', Buffer.from(jl({ _id: 'd1', text: 'café crème' }), 'latin1'), /:1: not UTF-8 text: byte 0xe9/],
  ['an empty file', '', /empty file/],
  ['only blank lines', '\n\n  \n', /empty file/],
  ['a NUL-filled file', Buffer.alloc(64), /:1: not UTF-8 text: byte 0x00 at byte offset 0 is a NUL \(UTF-16 or binary data\?\)/],
  ['UTF-16 without a byte-order mark', Buffer.from(jl(GOOD[0]), 'utf16le'), /:1: not UTF-8 text: byte 0x00 at byte offset 1 is a NUL/],
];

const corpusGzCases: [string, (good: Buffer) => Buffer, RegExp][] = [
  ['truncated gzip', (g) => g.subarray(0, g.length - 12), /corpus\.jsonl\.gz: not valid gzip data/],
  ['gzip with a flipped byte', (g) => { const b = Buffer.from(g); b[Math.floor(b.length / 2)] ^= 0x5a; return b; }, /corpus\.jsonl\.gz: not valid gzip data/],
  ['plain text named .gz', () => Buffer.from(jl(...GOOD)), /corpus\.jsonl\.gz: not valid gzip data \(incorrect header check\)/],
  ['gzip of bytes that are not UTF-8', () => gzipSync(bytes('{"_id": "d', [0xfe], '", "text": "x"}\n')), /corpus\.jsonl\.gz:1: not UTF-8 text/],
];

function corpus(): FuzzCase[] {
  const build = (dir: string, file: string) => ['build-cache', '--corpus', path.join(dir, file), '--out', path.join(dir, 'out'), '--encoder', 'random', '--dim', '8'];
  return [
    ...corpusCases.map(([name, data, message]): FuzzCase => ({ kind: 'dataset', name: `corpus: ${name}`, setup: (d) => void write(d, 'corpus.jsonl', data), args: (d) => build(d, 'corpus.jsonl'), output: 'out', message })),
    ...corpusGzCases.map(([name, make, message]): FuzzCase => ({ kind: 'dataset', name: `corpus: ${name}`, setup: (d) => void write(d, 'corpus.jsonl.gz', make(gzipSync(jl(...Array.from({ length: 400 }, (_, i) => ({ _id: `d${i}`, text: `passage number ${i}` })))))), args: (d) => build(d, 'corpus.jsonl.gz'), output: 'out', message })),
    { kind: 'dataset', name: 'corpus: the path is a folder', setup: (d) => fs.mkdirSync(path.join(d, 'corpus.jsonl')), args: (d) => build(d, 'corpus.jsonl'), output: 'out', message: /corpus\.jsonl: no corpus\.jsonl in this folder/ },
    { kind: 'dataset', name: 'corpus: no such file', args: (d) => build(d, 'missing.jsonl'), output: 'out', message: /missing\.jsonl: corpus file not found/ },
  ];
}

// ---------------------------------------------------------------------------------------------
// dataset folders (data subsample and train load them whole)
// ---------------------------------------------------------------------------------------------
type Mutation = (ds: string) => void;
const edit = (file: string, f: (s: string) => string) => fs.writeFileSync(file, f(fs.readFileSync(file, 'utf8')));
const editJson = (file: string, f: (o: any) => void) => {
  const o = JSON.parse(fs.readFileSync(file, 'utf8'));
  f(o);
  fs.writeFileSync(file, JSON.stringify(o));
};
const datasetCases: [string, Mutation, RegExp][] = [
  ['no queries.jsonl', (ds) => fs.rmSync(path.join(ds, 'queries.jsonl')), /queries/],
  ['no qrels folder', (ds) => fs.rmSync(path.join(ds, 'qrels'), { recursive: true }), /qrels/],
  ['qrels without a header', (ds) => edit(path.join(ds, 'qrels/train.tsv'), (s) => s.split('\n').slice(1).join('\n')), /train\.tsv:1: expected the BEIR header .* or a TREC qrels row .* found 3 field\(s\)/],
  ['qrels with 4 columns (TREC in a BEIR file)', (ds) => edit(path.join(ds, 'qrels/train.tsv'), (s) => s.replace('q0\td0\t1', 'q0\t0\td0\t1')), /train\.tsv:2: expected 3 tab-separated columns \(query-id, corpus-id, score\), found 4/],
  ['qrels separated by spaces', (ds) => edit(path.join(ds, 'qrels/train.tsv'), (s) => s.replace('q0\td0\t1', 'q0 d0 1')), /train\.tsv:2: expected 3 tab-separated columns/],
  ['a qrels score that is not a number', (ds) => edit(path.join(ds, 'qrels/train.tsv'), (s) => s.replace('q0\td0\t1', 'q0\td0\tyes')), /train\.tsv:2: expected a number as the score \(column 3\), found "yes"/],
  ['a qrels query unknown to queries.jsonl', (ds) => edit(path.join(ds, 'qrels/train.tsv'), (s) => s.replace('q0\td0\t1', 'q999\td0\t1')), /train\.tsv:2: query-id "q999" is not in the queries file/],
  ['a qrels pair given twice', (ds) => edit(path.join(ds, 'qrels/train.tsv'), (s) => s + 'q0\td0\t1\n'), /repeated pair \("q0", "d0"\)/],
  ['a qrels id with a space', (ds) => edit(path.join(ds, 'qrels/train.tsv'), (s) => s.replace('q0\td0\t1', 'q0\td 0\t1')), /train\.tsv:2: corpus-id \(column 2\): the id "d 0" contains a space/],
  ['a qrels line with bytes that are not UTF-8', (ds) => fs.appendFileSync(path.join(ds, 'qrels/train.tsv'), bytes('q1\td', [0xff], '\t1\n')), /train\.tsv:42: not UTF-8 text/],
  ['a query id with a space', (ds) => edit(path.join(ds, 'queries.jsonl'), (s) => s.replace('"_id":"q5"', '"_id":"q 5"')), /queries\.jsonl:6: "_id": the id "q 5" contains a space/],
  ['a duplicate query id', (ds) => edit(path.join(ds, 'queries.jsonl'), (s) => s.replace('"_id":"q5"', '"_id":"q4"')), /queries\.jsonl:6: duplicate "_id" "q4"/],
  ['queries.jsonl that is not JSON lines', (ds) => fs.writeFileSync(path.join(ds, 'queries.jsonl'), 'q1\tsome text\n'), /queries\.jsonl:1: not valid JSON/],
  ['dataset.json that is not JSON', (ds) => fs.writeFileSync(path.join(ds, 'dataset.json'), '{"format": "freshcache-dataset",'), /dataset\.json: not valid JSON/],
  ['dataset.json of another format version', (ds) => editJson(path.join(ds, 'dataset.json'), (o) => (o.formatVersion = 99)), /dataset\.json: format version 99 is not supported/],
  ['dataset.json that is not UTF-8', (ds) => fs.writeFileSync(path.join(ds, 'dataset.json'), bytes('{"name": "', [0xe9], '"}')), /dataset\.json:1: not UTF-8 text/],
];

function datasets(): FuzzCase[] {
  const copy = (d: string, fx: Fixtures) => {
    const ds = path.join(d, 'ds');
    fs.cpSync(fx.dataset, ds, { recursive: true });
    return ds;
  };
  const subsample = (d: string) => ['data', 'subsample', '--from', path.join(d, 'ds'), '--out', path.join(d, 'out'), '--extra', '5'];
  const cases = datasetCases.map(([name, mutate, message]): FuzzCase => ({ kind: 'dataset', name: `dataset: ${name}`, setup: (d, fx) => mutate(copy(d, fx)), args: subsample, output: 'out', message }));
  // train loads the dataset whole and checks every cross-file rule before any work
  const train = (d: string) => ['train', '--dataset', path.join(d, 'ds'), '--steps', '2', '--batch-size', '4', '--runs-dir', path.join(d, 'runs'), '--name', 'x'];
  cases.push(
    { kind: 'dataset', name: 'dataset (train): a qrels passage missing from the corpus', setup: (d, fx) => edit(path.join(copy(d, fx), 'qrels/dev.tsv'), (s) => s.replace('\td120\t', '\td9999\t')), args: train, output: 'runs', message: /dev\.tsv:2: corpus-id "d9999" is not in the corpus/ },
    { kind: 'dataset', name: 'dataset (train): a query count that disagrees with dataset.json', setup: (d, fx) => editJson(path.join(copy(d, fx), 'dataset.json'), (o) => (o.counts.queries = 61)), args: train, output: 'runs', message: /queries\.jsonl: has 60 queries but .*dataset\.json says 61/ },
    { kind: 'dataset', name: 'dataset (train): a passage id with a space fails before any work', setup: (d, fx) => edit(path.join(copy(d, fx), 'corpus.jsonl'), (s) => s.replace('"_id":"d7"', '"_id":"d 7"')), args: train, output: 'runs', message: /corpus\.jsonl:8: "_id": the id "d 7" contains a space/ },
    { kind: 'dataset', name: 'dataset (train): a corpus count that disagrees with dataset.json', setup: (d, fx) => editJson(path.join(copy(d, fx), 'dataset.json'), (o) => (o.counts.corpus = 10)), args: train, output: 'runs', message: /corpus\.jsonl: has 200 passages but .*says 10/ },
    { kind: 'dataset', name: 'dataset (train): no such folder', args: (d) => ['train', '--dataset', path.join(d, 'nope'), '--runs-dir', path.join(d, 'runs')], output: 'runs', message: /nope: dataset folder not found/ },
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------
// run files and qrels (evaluate)
// ---------------------------------------------------------------------------------------------
const runCases: [string, string | Buffer, RegExp][] = [
  ['5 fields', 'q40 Q0 d120 1 0.9\n', /run\.trec:1: expected a TREC run line .* \(6 fields\) or an MS MARCO line/],
  ['a rank that is not an integer', 'q40 Q0 d120 one 0.9 t\n', /run\.trec:1: expected an integer rank, found 'one'/],
  ['a fractional rank', 'q40 Q0 d120 1.5 0.9 t\n', /expected an integer rank, found '1\.5'/],
  ['a NaN score', 'q40 Q0 d120 1 NaN t\n', /run\.trec:1: expected a finite number as score, found 'NaN'/],
  ['an infinite score', 'q40 Q0 d120 1 inf t\n', /expected a finite number as score, found 'inf'/],
  ['a score that overflows', 'q40 Q0 d120 1 1e999 t\n', /expected a finite number as score, found '1e999'/],
  ['a score with junk', 'q40 Q0 d120 1 0.9x t\n', /expected a finite number as score, found '0\.9x'/],
  ['a document twice', 'q40 Q0 d120 1 0.9 t\nq40 Q0 d120 2 0.8 t\n', /run\.trec:2: document 'd120' is listed twice for query 'q40'/],
  ['an empty file', '', /empty run file/],
  ['only comments', '# a comment\n# another\n', /empty run file/],
  ['a line with 4 fields after TREC lines', 'q40 Q0 d120 1 0.9 t\nq41 Q0 d123 1\n', /run\.trec:2: expected a TREC run line/],
  ['bytes that are not UTF-8', bytes('q40 Q0 d', [0xfe], ' 1 0.9 t\n'), /run\.trec:1: not UTF-8 text/],
  ['a UTF-16 file', Buffer.from('q40 Q0 d120 1 0.9 t\n', 'utf16le'), /run\.trec:1: not UTF-8 text: byte 0x00 at byte offset 1 is a NUL/],
  ['MS MARCO lines with 4 fields', 'q40\td120\t1\textra\n', /run\.trec:1: expected a TREC run line|MS MARCO/],
];
const qrelsCases: [string, string | Buffer, RegExp][] = [
  ['5 fields', 'q40 0 d120 1 x\n', /qrels\.txt:1: expected the BEIR header .* or a TREC qrels row .* found 5 field\(s\)/],
  ['a grade that is not an integer', 'q40 0 d120 high\n', /qrels\.txt:1: expected an integer relevance grade, found 'high'/],
  ['a fractional grade', 'q40 0 d120 0.5\n', /expected an integer relevance grade, found '0\.5'/],
  ['a judgement twice', 'q40 0 d120 1\nq40 0 d120 0\n', /qrels\.txt:2: document 'd120' is judged twice for query 'q40'/],
  ['an empty file', '', /no qrels lines/],
  ['TREC then BEIR lines', 'q40 0 d120 1\nq41\td123\t1\n', /qrels\.txt:2: expected TREC qrels/],
  ['bytes that are not UTF-8', bytes('q40 0 d', [0xc3, 0x28], ' 1\n'), /qrels\.txt:1: not UTF-8 text: byte 0xc3/],
  ['a single field', 'q40\n', /qrels\.txt:1: expected the BEIR header .* or a TREC qrels row .* found 1 field\(s\)/],
];

function evalFiles(): FuzzCase[] {
  const evaluate = (run: string, qrels: string) => ['evaluate', '--run', run, '--qrels', qrels];
  return [
    ...runCases.map(([name, data, message]): FuzzCase => ({ kind: 'run file', name: `run: ${name}`, setup: (d) => void write(d, 'run.trec', data), args: (d, fx) => evaluate(path.join(d, 'run.trec'), fx.qrels), message })),
    ...qrelsCases.map(([name, data, message]): FuzzCase => ({ kind: 'qrels', name: `qrels: ${name}`, setup: (d) => void write(d, 'qrels.txt', data), args: (d, fx) => evaluate(fx.run, path.join(d, 'qrels.txt')), message })),
    { kind: 'run file', name: 'run: truncated gzip', setup: (d, fx) => void write(d, 'run.trec.gz', gzipSync(fs.readFileSync(fx.run)).subarray(0, 30)), args: (d, fx) => evaluate(path.join(d, 'run.trec.gz'), fx.qrels), message: /run\.trec\.gz: not valid gzip data/ },
    { kind: 'run file', name: 'run: the path is a folder', setup: (d) => fs.mkdirSync(path.join(d, 'run.trec')), args: (d, fx) => evaluate(path.join(d, 'run.trec'), fx.qrels), message: /run\.trec: is a folder where a file is needed/ },
    { kind: 'run file', name: 'run: no such file', args: (d, fx) => evaluate(path.join(d, 'none.trec'), fx.qrels), message: /none\.trec: run file not found/ },
    { kind: 'qrels', name: 'qrels: BEIR header with --qrels-format trec', setup: (d) => void write(d, 'qrels.txt', 'query-id\tcorpus-id\tscore\nq40\td120\t1\n'), args: (d, fx) => [...evaluate(fx.run, path.join(d, 'qrels.txt')), '--qrels-format', 'trec'], message: /found a BEIR header .* but --qrels-format is trec/ },
    { kind: 'qrels', name: 'qrels: no such file', args: (d, fx) => evaluate(fx.run, path.join(d, 'none.txt')), message: /none\.txt: qrels file not found/ },
    { kind: 'qrels', name: 'qrels: no query of the run judged', setup: (d) => void write(d, 'qrels.txt', 'x1 0 y1 1\n'), args: (d, fx) => evaluate(fx.run, path.join(d, 'qrels.txt')), message: /./ },
    { kind: 'run file', name: 'run: an unknown metric', args: (d, fx) => [...evaluate(fx.run, fx.qrels), '--metrics', 'mrr@x'], message: /--metrics/ },
  ];
}

// ---------------------------------------------------------------------------------------------
// caches (cache-info --verify, fit-corrector, search, merge-cache)
// ---------------------------------------------------------------------------------------------
function caches(): FuzzCase[] {
  const copy = (d: string, fx: Fixtures) => {
    fs.cpSync(fx.cache, path.join(d, 'cache'), { recursive: true });
    return path.join(d, 'cache');
  };
  const info = (d: string) => ['cache-info', path.join(d, 'cache'), '--verify'];
  const m = (c: string, f: (o: any) => void) => editJson(path.join(c, 'manifest.json'), f);
  const cases: [string, (c: string) => void, RegExp][] = [
    ['no manifest', (c) => fs.rmSync(path.join(c, 'manifest.json')), /manifest\.json: missing; expected the manifest/],
    ['a truncated manifest', (c) => edit(path.join(c, 'manifest.json'), (s) => s.slice(0, 100)), /manifest\.json: not valid JSON/],
    ['a manifest of another version', (c) => m(c, (o) => (o.version = 7)), /unknown cache format version 7/],
    ['a manifest whose bytes disagree with rows × dim', (c) => m(c, (o) => (o.shards[0].bytes = 10)), /shard 0: "bytes" is 10/],
    ['a manifest with a gap between shards', (c) => m(c, (o) => o.shards.splice(1, 1)), /shard 1: starts at row 128, expected 64/],
    ['a shard name that leaves the folder', (c) => m(c, (o) => (o.shards[0].file = '../../etc/passwd')), /plain file name/],
    ['a negative dim', (c) => m(c, (o) => (o.dim = -8)), /"dim" must be an integer >= 1/],
    ['a truncated shard', (c) => fs.truncateSync(path.join(c, 'shard-00001.f32'), 100), /shard-00001\.f32: 100 bytes, expected 2048/],
    ['a missing shard', (c) => fs.rmSync(path.join(c, 'shard-00002.f32')), /shard-00002\.f32: missing/],
    ['an ids file with a line too few', (c) => edit(path.join(c, 'shard-00000.ids.txt'), (s) => s.replace('d0\n', '')), /shard-00000\.ids\.txt/],
    ['a shard whose bytes changed (checksum)', (c) => { const f = path.join(c, 'shard-00000.f32'); const b = fs.readFileSync(f); b[5] ^= 1; fs.writeFileSync(f, b); }, /shard-00000\.f32: sha256 .* does not match the manifest/],
    ['a missing embedded-at file', (c) => fs.rmSync(path.join(c, 'shard-00003.embedded-at.i32')), /shard-00003\.embedded-at\.i32: missing/],
    ['the cache path is a file', (c) => { fs.rmSync(c, { recursive: true }); fs.writeFileSync(c, 'x'); }, /cache\/manifest\.json|cache: /],
  ];
  const nanRow = (c: string) => { const f = path.join(c, 'shard-00001.f32'); const b = fs.readFileSync(f); b.writeFloatLE(NaN, 4 * 8 * 5 + 12); fs.writeFileSync(f, b); };
  return [
    ...cases.map(([name, mutate, message]): FuzzCase => ({ kind: 'cache', name: `cache: ${name}`, setup: (d, fx) => mutate(copy(d, fx)), args: info, message })),
    { kind: 'cache', name: 'cache: a NaN row (fit-corrector)', setup: (d, fx) => nanRow(copy(d, fx)), args: (d, fx) => ['fit-corrector', '--stale', path.join(d, 'cache'), '--fresh', fx.freshCache, '--out', path.join(d, 'out'), '--epochs', '1'], output: 'out', message: /shard-00001\.f32: row 69 \(id 'd69'\) holds NaN at column 3/ },
    { kind: 'cache', name: 'cache: an Infinity row (search)', setup: (d, fx) => { const c = copy(d, fx); const f = path.join(c, 'shard-00000.f32'); const b = fs.readFileSync(f); b.writeFloatLE(Infinity, 0); fs.writeFileSync(f, b); write(d, 'q.jsonl', jl({ _id: 'q1', embedding: [1, 0, 0, 0, 0, 0, 0, 0] })); }, args: (d) => ['search', '--cache', path.join(d, 'cache'), '--query-embeddings', path.join(d, 'q.jsonl'), '--out', path.join(d, 'run.trec')], output: 'run.trec', message: /row 0 \(id 'd0'\) holds Infinity/ },
    { kind: 'cache', name: 'cache: caches of different corpora (fit-corrector)', setup: (d, fx) => { const c = copy(d, fx); edit(path.join(c, 'shard-00000.ids.txt'), (s) => s.replace('d1\n', 'e1\n')); m(c, (o) => { o.shards[0].idsSha256 = sha256(fs.readFileSync(path.join(c, 'shard-00000.ids.txt'))); }); }, args: (d, fx) => ['fit-corrector', '--stale', path.join(d, 'cache'), '--fresh', fx.freshCache, '--out', path.join(d, 'out')], output: 'out', message: /row 1 has id 'd1', the stale cache has 'e1'/ },
    { kind: 'cache', name: 'cache: query embeddings of the wrong dim (search)', setup: (d) => void write(d, 'q.jsonl', jl({ _id: 'q1', embedding: [1, 0] })), args: (d, fx) => ['search', '--cache', fx.cache, '--query-embeddings', path.join(d, 'q.jsonl'), '--out', path.join(d, 'run.trec')], output: 'run.trec', message: /q\.jsonl:1: expected "embedding" to be an array of 8 finite numbers/ },
    { kind: 'cache', name: 'cache: merging a finished cache as a part', setup: (d, fx) => void copy(d, fx), args: (d, fx) => ['merge-cache', path.join(d, 'cache'), fx.freshCache, '--out', path.join(d, 'merged')], output: 'merged', message: /./ },
  ];
}

// ---------------------------------------------------------------------------------------------
// checkpoints (train resumes the fixture run)
// ---------------------------------------------------------------------------------------------
function checkpoints(): FuzzCase[] {
  const ck = (d: string) => path.join(d, 'runs', 'r', 'checkpoint');
  const copy = (d: string, fx: Fixtures) => fs.cpSync(fx.runsDir, path.join(d, 'runs'), { recursive: true });
  const resume = (d: string, fx: Fixtures) => fx.trainArgs.map((a) => (a === fx.runsDir ? path.join(d, 'runs') : a));
  const reseal = (c: string, file: string) => editJson(path.join(c, 'manifest.json'), (o) => { const b = fs.readFileSync(path.join(c, file)); const e = o.files.find((f: any) => f.name === file); e.bytes = b.length; e.sha256 = sha256(b); });
  const cases: [string, (c: string) => void, RegExp][] = [
    ['a truncated data-order file', (c) => fs.truncateSync(path.join(c, 'order.i32'), 8), /order\.i32: 8 bytes, the manifest says \d+ \(truncated\?\)/],
    ['a truncated data-order file, manifest resealed', (c) => { fs.truncateSync(path.join(c, 'order.i32'), 8); reseal(c, 'order.i32'); }, /order\.i32: 2 positions, the manifest says 40/],
    ['NaN bytes in the weights', (c) => { const f = path.join(c, 'weights.bin'); const b = fs.readFileSync(f); b.writeFloatLE(NaN, 40); fs.writeFileSync(f, b); }, /weights\.bin: sha256 differs/],
    ['NaN bytes in the weights, manifest resealed', (c) => { const f = path.join(c, 'weights.bin'); const b = fs.readFileSync(f); b.writeFloatLE(NaN, 40); fs.writeFileSync(f, b); reseal(c, 'weights.bin'); }, /weights\.bin: holds NaN in 'encoder\/0'/],
    ['an edited step counter', (c) => edit(path.join(c, 'state.json'), (s) => s.replace('"step": 4', '"step": 3')), /state\.json: sha256 differs/],
    ['an edited step counter, manifest resealed', (c) => { edit(path.join(c, 'state.json'), (s) => s.replace('"step": 4', '"step": 3')); reseal(c, 'state.json'); }, /state\.json: version 3 and step 3 disagree with the manifest's 3 and 4/],
    ['no manifest', (c) => fs.rmSync(path.join(c, 'manifest.json')), /manifest\.json: missing/],
    ['a manifest that is not JSON', (c) => fs.writeFileSync(path.join(c, 'manifest.json'), '{"format"'), /manifest\.json: not valid JSON/],
    ['no weights.bin', (c) => fs.rmSync(path.join(c, 'weights.bin')), /weights\.bin: missing/],
    ['weights.json that disagrees with weights.bin', (c) => { edit(path.join(c, 'weights.json'), (s) => s.replace(/"size":(\d+)/, (_, n) => `"size":${Number(n) + 1}`)); reseal(c, 'weights.json'); }, /weights\.bin: \d+ bytes, weights\.json lists/],
  ];
  return [
    ...cases.map(([name, mutate, message]): FuzzCase => ({ kind: 'checkpoint', name: `checkpoint: ${name}`, setup: (d, fx) => { copy(d, fx); mutate(ck(d)); }, args: resume, output: 'runs', message: new RegExp(`${message.source}.*start over with --fresh`) })),
    { kind: 'checkpoint', name: 'checkpoint: resumed with other settings', setup: copy, args: (d, fx) => [...resume(d, fx), '--lr', '0.5'], output: 'runs', message: /holds a run with other settings: lr 0\.002 → 0\.5/ },
  ];
}

// ---------------------------------------------------------------------------------------------
// safetensors (build-cache --encoder <Hugging Face folder>)
// ---------------------------------------------------------------------------------------------
function safetensors(): FuzzCase[] {
  const bert = (d: string, fx: Fixtures) => fs.cpSync(fx.bert, path.join(d, 'bert'), { recursive: true });
  const build = (d: string, fx: Fixtures) => ['build-cache', '--corpus', fx.corpus, '--out', path.join(d, 'out'), '--encoder', path.join(d, 'bert')];
  return [
    ...SAFETENSORS_CASES.filter((c) => c.kind !== null).map((c): FuzzCase => ({
      kind: 'safetensors', name: `safetensors: ${c.name}`, setup: (d, fx) => { bert(d, fx); fs.writeFileSync(path.join(d, 'bert', 'model.safetensors'), c.bytes); }, args: build, output: 'out', message: new RegExp(`model\\.safetensors: .*\\(safetensors: ${c.kind}\\)`),
    })),
    { kind: 'safetensors', name: 'safetensors: a tensor of the wrong shape for the config', setup: (d, fx) => { bert(d, fx); editJson(path.join(d, 'bert', 'config.json'), (o) => (o.hidden_size = 48)); }, args: build, output: 'out', message: /./ },
    { kind: 'safetensors', name: 'safetensors: config.json that is not JSON', setup: (d, fx) => { bert(d, fx); fs.writeFileSync(path.join(d, 'bert', 'config.json'), '{"model_type": "bert",'); }, args: build, output: 'out', message: /config\.json: not valid JSON/ },
    { kind: 'safetensors', name: 'safetensors: no model.safetensors', setup: (d, fx) => { bert(d, fx); fs.rmSync(path.join(d, 'bert', 'model.safetensors')); }, args: build, output: 'out', message: /model\.safetensors/ },
  ];
}

// ---------------------------------------------------------------------------------------------
// archives (data extract)
// ---------------------------------------------------------------------------------------------
const PY_TAR = `
import io, json, sys, tarfile
out, entries = sys.argv[1], json.loads(sys.argv[2])
mode = 'w:gz' if out.endswith('.gz') else 'w'
with tarfile.open(out, mode, format=tarfile.GNU_FORMAT) as t:
    for e in entries:
        ti = tarfile.TarInfo(e['name'])
        kind = e.get('type', 'file')
        if kind == 'dir': ti.type = tarfile.DIRTYPE; t.addfile(ti)
        elif kind == 'symlink': ti.type = tarfile.SYMTYPE; ti.linkname = e['target']; t.addfile(ti)
        elif kind == 'hardlink': ti.type = tarfile.LNKTYPE; ti.linkname = e['target']; t.addfile(ti)
        elif kind == 'chr': ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 3; t.addfile(ti)
        elif kind == 'fifo': ti.type = tarfile.FIFOTYPE; t.addfile(ti)
        else:
            b = e.get('data', 'x').encode(); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
`;
const PY_ZIP = `
import json, sys, zipfile
out, entries = sys.argv[1], json.loads(sys.argv[2])
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for e in entries:
        if e.get('symlink'):
            zi = zipfile.ZipInfo(e['name']); zi.create_system = 3; zi.external_attr = (0o120777 << 16); z.writestr(zi, e['target'])
        else:
            z.writestr(e['name'], e.get('data', 'x' * 200))
`;
type Entry = { name: string; type?: string; target?: string; data?: string; symlink?: boolean };
const tarOf = (file: string, entries: Entry[]) => execFileSync('python3', ['-c', PY_TAR, file, JSON.stringify(entries)]);
const zipOf = (file: string, entries: Entry[]) => execFileSync('python3', ['-c', PY_ZIP, file, JSON.stringify(entries)]);

function archives(): FuzzCase[] {
  const extract = (d: string, name: string, ...more: string[]) => ['data', 'extract', path.join(d, name), '--out', path.join(d, 'out'), ...more];
  const tarCases: [string, string, Entry[], RegExp][] = [
    ['a .. component', 'a.tar', [{ name: 'ok.txt' }, { name: '../escape.txt' }], /entry "\.\.\/escape\.txt" refused: '\.\.' component/],
    ['an absolute path', 'a.tar', [{ name: '/tmp/fc-fuzz-abs.txt' }], /refused: absolute path/],
    ['a symbolic link', 'a.tar', [{ name: 'link', type: 'symlink', target: '/etc/passwd' }], /entry "link" refused: symbolic link/],
    ['a hard link', 'a.tar', [{ name: 'f' }, { name: 'h', type: 'hardlink', target: 'f' }], /refused: hard link/],
    ['a device file', 'a.tar', [{ name: 'null', type: 'chr' }], /refused: device file/],
    ['a FIFO', 'a.tar', [{ name: 'pipe', type: 'fifo' }], /refused: FIFO/],
    ['a file, then a path under it', 'a.tar', [{ name: 'a' }, { name: 'a/b' }], /entry "a\/b" cannot be extracted: a file written earlier/],
    ['a folder, then a file of its name', 'a.tar', [{ name: 'a', type: 'dir' }, { name: 'a/x' }, { name: 'a' }], /entry "a" cannot be extracted: a folder written earlier/],
    ['a name too long for the file system', 'a.tar', [{ name: 'd/' + 'n'.repeat(300) }], /its name is too long/],
    ['a drive-letter path', 'a.tar', [{ name: 'C:evil.txt' }], /drive-letter path/],
    ['a .. component (gzip)', 'a.tar.gz', [{ name: 'x/../../up.txt' }], /'\.\.' component/],
  ];
  const zipCases: [string, Entry[], RegExp][] = [
    ['a .. component', [{ name: '../zip-escape.txt' }], /'\.\.' component/],
    ['a symbolic link', [{ name: 'l', symlink: true, target: '/etc' }], /symbolic link/],
    ['a backslash path that climbs', [{ name: '..\\win.txt' }], /'\.\.' component/],
  ];
  const cases: FuzzCase[] = [
    ...tarCases.map(([name, file, entries, message]): FuzzCase => ({ kind: 'archive', name: `tar: ${name}`, setup: (d) => void tarOf(path.join(d, file), entries), args: (d) => extract(d, file), output: 'out', message })),
    ...zipCases.map(([name, entries, message]): FuzzCase => ({ kind: 'archive', name: `zip: ${name}`, setup: (d) => void zipOf(path.join(d, 'a.zip'), entries), args: (d) => extract(d, 'a.zip'), output: 'out', message })),
  ];
  const damaged: [string, string, Entry[], (b: Buffer) => Buffer, RegExp][] = [
    ['tar: truncated inside an entry', 'a.tar', [{ name: 'big.txt', data: 'y'.repeat(5000) }], (b) => b.subarray(0, 2048), /truncated in entry "big\.txt"/],
    ['tar: a header with a bad checksum', 'a.tar', [{ name: 'f.txt' }], (b) => { b[10] ^= 0x20; return b; }, /bad tar header checksum/],
    ['tar.gz: truncated gzip', 'a.tar.gz', [{ name: 'big.txt', data: 'z'.repeat(20000) }], (b) => b.subarray(0, b.length - 40), /not valid gzip data/],
    ['tar.gz: not gzip at all', 'a.tar.gz', [{ name: 'f.txt' }], () => Buffer.from('plain text, not gzip'), /not valid gzip data/],
    ['zip: a corrupt deflate stream', 'a.zip', [{ name: 'f.txt', data: 'q'.repeat(4000) }], (b) => { b[38] ^= 0xff; b[39] ^= 0xff; b[40] ^= 0xff; return b; }, /corrupt deflate data|CRC-32 mismatch|inflates to more|bytes, the directory says/],
    ['zip: truncated (no central directory)', 'a.zip', [{ name: 'f.txt' }], (b) => b.subarray(0, b.length - 30), /not a valid zip file/],
    ['zip: a lying size in the directory', 'a.zip', [{ name: 'f.txt', data: 'w'.repeat(1000) }], (b) => { const cd = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); b.writeUInt32LE(10, cd + 24); return b; }, /inflates to more than its declared 10 bytes/],
  ];
  for (const [name, file, entries, damage, message] of damaged) {
    cases.push({ kind: 'archive', name, setup: (d) => { const f = path.join(d, file); (file.endsWith('.zip') ? zipOf : tarOf)(f, entries); fs.writeFileSync(f, damage(fs.readFileSync(f))); }, args: (d) => extract(d, file), output: 'out', message });
  }
  cases.push(
    { kind: 'archive', name: 'extract: an unknown archive type', setup: (d) => void write(d, 'a.rar', 'Rar!'), args: (d) => extract(d, 'a.rar'), output: 'out', message: /unknown archive type/ },
    { kind: 'archive', name: 'extract: the target exists (no --overwrite)', setup: (d) => { tarOf(path.join(d, 'a.tar'), [{ name: 'f' }]); write(d, 'out/keep.txt', 'mine'); }, args: (d) => extract(d, 'a.tar'), message: /out: already exists/ },
    { kind: 'archive', name: 'extract --overwrite: a target that holds the archive', setup: (d) => { tarOf(path.join(d, 'a.tar'), [{ name: 'f' }]); write(d, 'notes.txt', 'mine'); }, args: (d) => ['data', 'extract', path.join(d, 'a.tar'), '--out', d, '--overwrite'], message: /holds the archive .*a\.tar, which replacing the folder would delete/ },
    { kind: 'archive', name: 'extract: no such archive', args: (d) => extract(d, 'none.tar'), output: 'out', message: /none\.tar: archive not found/ },
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------
// flags
// ---------------------------------------------------------------------------------------------
function flags(): FuzzCase[] {
  const train = (d: string, fx: Fixtures, ...more: string[]) => ['train', '--dataset', fx.dataset, '--runs-dir', path.join(d, 'runs'), '--name', 'x', '--strategy', 'stale', ...more];
  const f = (name: string, args: (d: string, fx: Fixtures) => string[], message: RegExp, extra: Partial<FuzzCase> = {}): FuzzCase => ({ kind: 'flags', name: `flags: ${name}`, args, output: 'runs', message, ...extra });
  return [
    f('an unknown command', () => ['trian'], /unknown command 'trian'/),
    f('an unknown flag', (d, fx) => train(d, fx, '--stesp', '5'), /unknown flag|--stesp/),
    f('a short flag', (d, fx) => train(d, fx, '-s', '5'), /unknown flag '-s'/),
    f('a missing required flag', () => ['evaluate', '--qrels', 'x'], /--run/),
    f('a flag without its value', (d, fx) => train(d, fx, '--steps'), /--steps/),
    f('an integer flag given a word', (d, fx) => train(d, fx, '--steps', 'many'), /--steps: expected an integer in 0\.\.\d+, got 'many'/),
    f('an integer flag given a fraction', (d, fx) => train(d, fx, '--steps', '2.5'), /--steps: expected an integer/),
    f('a value outside the choices', (d, fx) => train(d, fx, '--selection', 'best'), /--selection: expected one of topk, gumbel/),
    f('an unknown backend', () => ['backend', '--backend', 'gpu'], /--backend/),
    f('a boolean given maybe', (d, fx) => train(d, fx, '--fresh=maybe'), /expected true or false/),
    f('an unknown strategy', (d, fx) => train(d, fx, '--strategy', 'magic'), /--strategy/),
    f('a config file that does not exist', (d, fx) => train(d, fx, '--config', path.join(d, 'none.json')), /none\.json/),
    f('a config file that is not JSON', (d, fx) => train(d, fx, '--config', path.join(d, 'c.json')), /c\.json/, { setup: (d) => void write(d, 'c.json', '{steps: 3') }),
    f('a config file with an unknown key', (d, fx) => train(d, fx, '--config', path.join(d, 'c.json')), /stepz/, { setup: (d) => void write(d, 'c.json', '{"stepz": 3}') }),
    f('--shard out of range', (d, fx) => ['build-cache', '--corpus', fx.corpus, '--out', path.join(d, 'runs'), '--shard', '3/2'], /--shard: expected i\/n with 0 <= i < n/),
    f('--steps 0x3 (hexadecimal)', (d, fx) => train(d, fx, '--steps', '0x3'), /--steps/),
    f('--steps -5', (d, fx) => train(d, fx, '--steps', '-5'), /--steps/),
    f('--negatives -2', (d, fx) => train(d, fx, '--steps', '2', '--negatives', '-2'), /--negatives/),
    f('--eval-every -1', (d, fx) => train(d, fx, '--steps', '2', '--eval-every', '-1'), /--eval-every/),
    f('--batch-size 0', (d, fx) => train(d, fx, '--steps', '2', '--batch-size', '0'), /--batch-size/, { timeoutSec: 120 }),
    f('--lr -1', (d, fx) => train(d, fx, '--steps', '2', '--lr', '-1'), /--lr/),
    f('--beta 0', (d, fx) => train(d, fx, '--steps', '2', '--beta', '0'), /--beta/),
    f('build-cache --dim 0', (d, fx) => ['build-cache', '--corpus', fx.corpus, '--out', path.join(d, 'runs'), '--encoder', 'random', '--dim', '0'], /--dim|dim/),
    f('build-cache --batch-size -1', (d, fx) => ['build-cache', '--corpus', fx.corpus, '--out', path.join(d, 'runs'), '--encoder', 'random', '--batch-size', '-1'], /batch/),
    f('fit-corrector --held-out 1.5', (d, fx) => ['fit-corrector', '--stale', fx.cache, '--fresh', fx.freshCache, '--out', path.join(d, 'runs'), '--held-out', '1.5'], /held/),
    f('search --k 0', (d, fx) => ['search', '--cache', fx.cache, '--query-embeddings', path.join(d, 'q.jsonl'), '--out', path.join(d, 'runs', 'r.trec'), '--k', '0'], /--k|k:/, { setup: (d) => void write(d, 'q.jsonl', jl({ _id: 'q', embedding: [1, 0, 0, 0, 0, 0, 0, 0] })) }),
    f('evaluate --relevance-threshold 1e99', (d, fx) => ['evaluate', '--run', fx.run, '--qrels', fx.qrels, '--relevance-threshold', '1e99'], /relevance/),
  ];
}

// ---------------------------------------------------------------------------------------------
// operating-system errors on paths the user gives (each command that writes)
// ---------------------------------------------------------------------------------------------
function osErrors(): FuzzCase[] {
  const file = (d: string) => void write(d, 'a-file', 'x');
  return [
    { kind: 'os', name: 'build-cache --out an existing file', setup: file, args: (d, fx) => ['build-cache', '--corpus', fx.corpus, '--out', path.join(d, 'a-file'), '--encoder', 'random'], message: /a-file: exists and is not a folder/ },
    { kind: 'os', name: 'train --runs-dir under a file', setup: file, args: (d, fx) => ['train', '--dataset', fx.dataset, '--runs-dir', path.join(d, 'a-file', 'runs'), '--steps', '2'], message: /a-file\/runs.*: a part of this path is a file/ },
    { kind: 'os', name: 'search --out a folder', setup: (d) => { fs.mkdirSync(path.join(d, 'dir')); write(d, 'q.jsonl', jl({ _id: 'q', embedding: [1, 0, 0, 0, 0, 0, 0, 0] })); }, args: (d, fx) => ['search', '--cache', fx.cache, '--query-embeddings', path.join(d, 'q.jsonl'), '--out', path.join(d, 'dir')], message: /dir: is a folder where a file is needed|dir: exists/ },
    { kind: 'os', name: 'synthetic --out under a file', setup: file, args: (d) => ['synthetic', '--quick', '--seeds', '1', '--pairs', '64', '--drifts', '0.5', '--modes', 'offline', '--out', path.join(d, 'a-file', 'r.json')], message: /a-file.*: (a part of this path is a file|exists and is not a folder)/, timeoutSec: 300 },
    { kind: 'os', name: 'fit-corrector --out an existing file', setup: file, args: (d, fx) => ['fit-corrector', '--stale', fx.cache, '--fresh', fx.freshCache, '--out', path.join(d, 'a-file'), '--epochs', '1'], message: /a-file/ },
    {
      kind: 'os', name: 'merge-cache --out under a file',
      async setup(d, fx) {
        file(d);
        const docs = fs.readFileSync(fx.corpus, 'utf8').trim().split('\n').map((l) => { const o = JSON.parse(l); return { id: o._id, title: '', text: o.text }; });
        for (const index of [0, 1]) await buildCache({ dir: path.join(d, `part${index}`), corpus: docs, encode: hashEncode(8), encoder: hashEncoderMeta(8), dim: 8, normalized: false, shardRows: 64, shard: { index, count: 2 }, totalRows: docs.length });
      },
      args: (d) => ['merge-cache', path.join(d, 'part0'), path.join(d, 'part1'), '--out', path.join(d, 'a-file', 'm')],
      message: /a-file\/m: a part of this path is a file/,
    },
    { kind: 'os', name: 'data subsample --out an existing file', setup: file, args: (d, fx) => ['data', 'subsample', '--from', fx.dataset, '--out', path.join(d, 'a-file'), '--extra', '3'], message: /a-file/ },
    { kind: 'os', name: 'data extract --out under a file', setup: (d) => { file(d); tarOf(path.join(d, 'a.tar'), [{ name: 'f' }]); }, args: (d) => ['data', 'extract', path.join(d, 'a.tar'), '--out', path.join(d, 'a-file', 'x')], message: /a-file/ },
    { kind: 'os', name: 'plot --out under a file', setup: (d) => { file(d); write(d, 'spec.json', JSON.stringify({ data: [], layout: {} })); }, args: (d) => ['plot', path.join(d, 'spec.json'), '--out', path.join(d, 'a-file', 'x.png')], message: /./ },
  ];
}

export function allCases(): FuzzCase[] {
  return [...corpus(), ...datasets(), ...evalFiles(), ...caches(), ...checkpoints(), ...safetensors(), ...archives(), ...flags(), ...osErrors()];
}
