import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { invalidUtf8At, readLines, readTextFile } from '../../src/util/lines';
import { InputError } from '../../src/util/errors';
import { loadCorpus, loadQrels, loadQueries } from '../../src/data/beir';
import { readRun } from '../../src/eval/runfile';
import { loadJudgements as readEvalQrels } from '../../src/eval/qrels';
import { readManifest } from '../../src/data/dataset';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-lines-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const write = (name: string, bytes: Buffer | string) => {
  const f = path.join(dir, `${n++}-${name}`);
  fs.writeFileSync(f, bytes);
  return f;
};
const lines = async (f: string) => {
  const out: string[] = [];
  for await (const { line } of readLines(f)) out.push(line);
  return out;
};
const oneLineInput = (re: RegExp) => (e: unknown) => e instanceof InputError && !e.message.includes('\n') && re.test(e.message);

test('invalidUtf8At finds bad bytes, overlong forms, surrogates and cut-off sequences; accepts valid text', () => {
  assert.equal(invalidUtf8At(Buffer.from('plain ascii, é, 中文, 😀', 'utf8')), -1);
  assert.equal(invalidUtf8At(Buffer.from([0x61, 0xff, 0x62])), 1);
  assert.equal(invalidUtf8At(Buffer.from([0x61, 0xc0, 0x80])), 1); // overlong NUL
  assert.equal(invalidUtf8At(Buffer.from([0xe0, 0x80, 0x80])), 0); // overlong
  assert.equal(invalidUtf8At(Buffer.from([0xed, 0xa0, 0x80])), 0); // a UTF-16 surrogate
  assert.equal(invalidUtf8At(Buffer.from([0x61, 0x62, 0xe4, 0xb8])), 2); // cut off
  assert.equal(invalidUtf8At(Buffer.from([0xf4, 0x90, 0x80, 0x80])), 0); // above U+10FFFF
  assert.equal(invalidUtf8At(Buffer.from([0x80])), 0); // a lone continuation byte
  assert.equal(invalidUtf8At(Buffer.from('a\u0000b')), 1); // NUL: UTF-16 or binary, not text
});

test('a byte that is not UTF-8 is an error naming the file, line and byte offset, in every line reader', async () => {
  const body = Buffer.concat([Buffer.from('{"_id": "a", "text": "x"}\n{"_id": "b", "text": "y"}\n{"_id": "c'), Buffer.from([0xff]), Buffer.from('", "text": "z"}\n')]);
  const corpus = write('corpus.jsonl', body);
  await assert.rejects(loadCorpus(corpus), oneLineInput(new RegExp(`${path.basename(corpus)}:3: not UTF-8 text: byte 0xff at byte offset ${body.indexOf(0xff)} `)));
  await assert.rejects(lines(write('x.jsonl.gz', gzipSync(body))), oneLineInput(new RegExp(`:3: not UTF-8 text: byte 0xff at byte offset ${body.indexOf(0xff)} `)));
  const run = write('run.trec', Buffer.concat([Buffer.from('q1 Q0 d1 1 2.0 t\nq1 Q0 d'), Buffer.from([0xc3, 0x28]), Buffer.from(' 2 1.0 t\n')]));
  await assert.rejects(readRun(run), oneLineInput(/run\.trec:2: not UTF-8 text: byte 0xc3 at byte offset 24 /));
  const qrels = write('q.tsv', Buffer.concat([Buffer.from('query-id\tcorpus-id\tscore\nq'), Buffer.from([0xfe]), Buffer.from('\td1\t1\n')]));
  await assert.rejects(loadQrels(qrels), oneLineInput(/q\.tsv:2: not UTF-8 text/));
  await assert.rejects(readEvalQrels(qrels), oneLineInput(/q\.tsv:2: not UTF-8 text/));
  assert.throws(() => readTextFile(write('dataset.json', Buffer.from([0x7b, 0x0a, 0xff, 0x7d]))), oneLineInput(/dataset\.json:2: not UTF-8 text: byte 0xff at byte offset 2/));
});

test('two ids that differ only in bad bytes are refused as bad bytes, not silently made duplicates', async () => {
  const q = write('queries.jsonl', Buffer.concat([Buffer.from('{"_id": "q'), Buffer.from([0xfe]), Buffer.from('", "text": "a"}\n{"_id": "q'), Buffer.from([0xff]), Buffer.from('", "text": "b"}\n')]));
  await assert.rejects(loadQueries(q), oneLineInput(/:1: not UTF-8 text: byte 0xfe/));
});

test('a UTF-8 byte-order mark is skipped by every reader: JSONL, BEIR qrels header, TREC qrels, run files, JSON files, gzip', async () => {
  const corpus = write('corpus.jsonl', Buffer.concat([BOM, Buffer.from('{"_id": "d1", "text": "x"}\n{"_id": "d2", "text": "y"}\n')]));
  assert.deepEqual((await loadCorpus(corpus)).ids, ['d1', 'd2']);
  const queries = write('queries.jsonl.gz', gzipSync(Buffer.concat([BOM, Buffer.from('{"_id": "q1", "text": "x"}\n')])));
  assert.deepEqual((await loadQueries(queries)).map((q) => q.id), ['q1']);
  const beirQrels = write('test.tsv', Buffer.concat([BOM, Buffer.from('query-id\tcorpus-id\tscore\nq1\td1\t1\n')]));
  assert.equal((await loadQrels(beirQrels)).rows, 1);
  const trecQrels = write('qrels.txt', Buffer.concat([BOM, Buffer.from('q1 0 d1 1\n')]));
  assert.deepEqual([...(await readEvalQrels(trecQrels)).keys()], ['q1']);
  const run = write('run.trec', Buffer.concat([BOM, Buffer.from('q1 Q0 d1 1 2.5 t\n')]));
  assert.deepEqual([...(await readRun(run)).keys()], ['q1']);
  const msmarco = write('run.tsv', Buffer.concat([BOM, Buffer.from('q1\td1\t1\n')]));
  assert.deepEqual([...(await readRun(msmarco)).keys()], ['q1']);
  const manifest = write('dataset.json', Buffer.concat([BOM, Buffer.from('{"format": "x"}')]));
  assert.throws(() => readManifest(manifest), /expected "format"|format/); // parsed: the BOM did not break JSON.parse
  assert.deepEqual(await lines(write('bom-only.txt', BOM)), []);
  assert.deepEqual(await lines(write('bom-a.txt', Buffer.concat([BOM, Buffer.from('a')]))), ['a']);
});

test('line breaks as readline: \\n, \\r\\n, lone \\r; a last line without newline; multi-byte characters across read chunks', async () => {
  assert.deepEqual(await lines(write('breaks.txt', 'a\r\nb\rc\n\nd')), ['a', 'b', 'c', '', 'd']);
  // 1 MiB reads: put 3- and 4-byte characters across every plausible boundary
  const line = '中文😀'.repeat(5000);
  const many = Array.from({ length: 30 }, (_, i) => `${i} ${line}`);
  assert.deepEqual(await lines(write('big.txt', many.join('\n') + '\n')), many);
});

test('corrupt or truncated gzip is one line naming the file', async () => {
  const gz = gzipSync(Buffer.from('{"_id": "d1", "text": "x"}\n'.repeat(2000)));
  await assert.rejects(lines(write('cut.jsonl.gz', gz.subarray(0, gz.length - 30))), oneLineInput(/cut\.jsonl\.gz: not valid gzip data \(unexpected end of file\); the file is corrupt or truncated/));
  const bad = Buffer.from(gz);
  bad[40] ^= 0xff;
  await assert.rejects(lines(write('flip.jsonl.gz', bad)), oneLineInput(/flip\.jsonl\.gz: not valid gzip data/));
  await assert.rejects(readRun(write('plain.trec.gz', 'q1 Q0 d1 1 1 t\n')), oneLineInput(/plain\.trec\.gz: not valid gzip data \(incorrect header check\)/));
});
