import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/tensor';
import { buildCache } from '../../src/cache/build';
import { MemoryEmbeddings } from '../../src/cache/memory';
import { Rng } from '../../src/util/rng';
import { InputError } from '../../src/util/errors';
import { exactSearch, searchCacheFolder, searchToRun, readQueryEmbeddings } from '../../src/search';
import { main } from '../../src/cli/main';
import { clusteredMatrix, randomMatrix } from './helpers';

const dim = 8;
const rows = 300;
const data = clusteredMatrix(new Rng(4), rows, dim, 10);
const qv = randomMatrix(new Rng(5), 4, dim);
let tmp: string;
let cacheDir: string;
let qFile: string;

before(async () => {
  await initBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-search-'));
  cacheDir = path.join(tmp, 'cache');
  // the "encoder" returns row i's vector for the text "row i"
  const encode = async (texts: string[]) => {
    const out = new Float32Array(texts.length * dim);
    texts.forEach((t, i) => out.set(data.subarray(Number(t.split(' ')[1]) * dim, (Number(t.split(' ')[1]) + 1) * dim), i * dim));
    return out;
  };
  const corpus = Array.from({ length: rows }, (_, i) => ({ id: `doc${i}`, title: '', text: `row ${i}` }));
  await buildCache({ dir: cacheDir, corpus, encode, encoder: { kind: 'test', fingerprint: 'x', config: {} }, dim, normalized: false, shardRows: 128, textOf: (d) => d.text });
  qFile = path.join(tmp, 'q.jsonl');
  fs.writeFileSync(qFile, Array.from({ length: 4 }, (_, q) => JSON.stringify({ _id: `q${q}`, embedding: Array.from(qv.subarray(q * dim, (q + 1) * dim)) })).join('\n') + '\n');
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('searchCacheFolder', () => {
  test('exact search over an on-disk cache equals search over the same rows in memory', async () => {
    const got = await searchCacheFolder({ cacheDir, queryEmbeddings: qFile, k: 5, method: 'exact', blockRows: 100 });
    const want = await exactSearch({ source: new MemoryEmbeddings(data, dim), queries: qv, k: 5 });
    assert.deepEqual(got.queryIds, ['q0', 'q1', 'q2', 'q3']);
    assert.deepEqual(Array.from(got.result.indices), Array.from(want.indices));
    const run = searchToRun(got);
    assert.equal(run.get('q2')![0].docId, `doc${want.indices[10]}`);
    assert.equal(run.get('q2')!.length, 5);
  });

  test('ann: refuses without an index, builds one with buildIndex, then reuses it', async () => {
    await assert.rejects(searchCacheFolder({ cacheDir, queryEmbeddings: qFile, k: 5, method: 'ann' }), /no ANN index/);
    const built = await searchCacheFolder({ cacheDir, queryEmbeddings: qFile, k: 5, method: 'ann', buildIndex: true });
    assert.ok(fs.existsSync(path.join(cacheDir, 'index.usearch')));
    const reused = await searchCacheFolder({ cacheDir, queryEmbeddings: qFile, k: 5, method: 'ann', poolSize: rows }); // a pool of every row: HNSW's approximation (a multi-threaded build is not deterministic) cannot drop a winner
    const exact = await searchCacheFolder({ cacheDir, queryEmbeddings: qFile, k: 5, method: 'exact' });
    assert.deepEqual(Array.from(reused.result.indices), Array.from(exact.result.indices));
    assert.equal(built.result.indices.length, 20);
  });

  test('bad query embeddings name the file and line', async () => {
    const bad = path.join(tmp, 'bad.jsonl');
    fs.writeFileSync(bad, JSON.stringify({ _id: 'a', embedding: [1, 2] }) + '\n');
    await assert.rejects(readQueryEmbeddings(bad, dim), (e: Error) => e instanceof InputError && e.message.startsWith(`${bad}:1:`) && /8 finite numbers/.test(e.message));
    await assert.rejects(searchCacheFolder({ cacheDir, k: 5, method: 'exact' }), /give --queries/);
  });

  test('CLI: freshcache search writes a TREC run', async () => {
    const out = path.join(tmp, 'run.trec');
    const code = await main(['search', '--cache', cacheDir, '--query-embeddings', qFile, '--out', out, '--k', '3', '--quiet']);
    assert.equal(code ?? 0, 0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, 12);
    assert.match(lines[0], /^q0 Q0 doc\d+ 1 -?[\d.e-]+ freshcache$/);
    const bad = await main(['search', '--cache', cacheDir, '--query-embeddings', qFile, '--out', out, '--exact', '--ann', '--quiet']);
    assert.equal(bad, 2);
  });
});
