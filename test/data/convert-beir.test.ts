import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { convertBeir, findBeirFolder } from '../../src/data/convert/beir';
import { extractArchive } from '../../src/data/extract';
import { loadDataset } from '../../src/data/beir';
import { InputError } from '../../src/util/errors';

// A BEIR zip as published (`<name>/corpus.jsonl`, `<name>/queries.jsonl` with metadata,
// `<name>/qrels/{train,test}.tsv`), built with python3's zipfile, extracted and converted.

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-beirconv-'));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const CORPUS = [
  { _id: '4983', title: 'Microstructural development of human newborn cerebral white matter', text: 'Alterations of the architecture...', metadata: {} },
  { _id: '5836', title: 'Induction of myelodysplasia', text: 'Myelodysplastic syndromes (MDS) are...', metadata: {} },
  { _id: '7912', title: '', text: 'no title here' },
].map((o) => JSON.stringify(o)).join('\n') + '\n';
const QUERIES = [
  { _id: '1', text: '0-dimensional biomaterials show inductive properties.', metadata: {} },
  { _id: '3', text: '1,000 genomes project enables mapping.', metadata: {} },
  { _id: '5', text: 'unjudged query', metadata: {} },
].map((o) => JSON.stringify(o)).join('\n') + '\n';
const TEST = 'query-id\tcorpus-id\tscore\n1\t4983\t1\n3\t5836\t1\n3\t7912\t0\n';
const TRAIN = 'query-id\tcorpus-id\tscore\n5\t7912\t1\n';

function makeZip(name: string, files: Record<string, string>): string {
  const d = fs.mkdtempSync(path.join(root, 'zip-'));
  const spec = JSON.stringify(files);
  execFileSync('python3', ['-c', `import zipfile, json, sys\nfiles = json.loads(sys.argv[2])\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n    for n, t in files.items(): z.writestr(n, t)`, path.join(d, `${name}.zip`), spec]);
  return path.join(d, `${name}.zip`);
}

describe('convertBeir', () => {
  test('published zip → extract → convert → loadDataset', async () => {
    const zip = makeZip('scifact', { 'scifact/corpus.jsonl': CORPUS, 'scifact/queries.jsonl': QUERIES, 'scifact/qrels/test.tsv': TEST, 'scifact/qrels/train.tsv': TRAIN });
    const raw = path.join(root, 'raw', 'scifact');
    await extractArchive({ archive: zip, dest: raw });
    assert.equal(findBeirFolder(raw), path.join(raw, 'scifact'));
    const out = path.join(root, 'scifact-out');
    const r = await convertBeir({ from: raw, out, licence: 'CC BY-NC 2.0' });
    assert.equal(r.manifest.name, 'scifact');
    assert.equal(r.manifest.licence, 'CC BY-NC 2.0');
    // provenance: the folder read, never a guessed download URL
    assert.equal(r.manifest.source, path.resolve(raw, 'scifact'));
    assert.match(r.manifest.description!, /converted from .*scifact/);
    const told = await convertBeir({ from: raw, out: path.join(root, 'scifact-told'), source: 'my lab share, 2024-05 export', description: 'our SciFact copy' });
    assert.equal(told.manifest.source, 'my lab share, 2024-05 export');
    assert.equal(told.manifest.description, 'our SciFact copy');
    assert.equal(r.manifest.counts.corpus, 3);
    assert.equal(r.manifest.counts.queries, 3);
    assert.deepEqual(r.manifest.counts.qrels, { test: { queries: 2, rows: 3 }, train: { queries: 1, rows: 1 } });
    const ds = await loadDataset(out, { split: 'test', loadCorpus: true });
    assert.deepEqual(ds.queries.map((q) => q.id), ['1', '3']);
    assert.equal(ds.qrels.get('3')!.get('7912'), 0);
    assert.equal(ds.corpus!.titles[0], 'Microstructural development of human newborn cerebral white matter');
  });

  test('splits: test only drops the queries only train judges', async () => {
    const dir = path.join(root, 'plain');
    fs.mkdirSync(path.join(dir, 'qrels'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'corpus.jsonl'), CORPUS);
    fs.writeFileSync(path.join(dir, 'queries.jsonl'), QUERIES);
    fs.writeFileSync(path.join(dir, 'qrels', 'test.tsv'), TEST);
    fs.writeFileSync(path.join(dir, 'qrels', 'train.tsv'), TRAIN);
    const r = await convertBeir({ from: dir, out: path.join(root, 'plain-out'), splits: ['test'], name: 'x' });
    assert.equal(r.manifest.counts.queries, 2);
    assert.deepEqual(r.manifest.splits, ['test']);
    await assert.rejects(convertBeir({ from: dir, out: path.join(root, 'plain-out2'), splits: ['dev'] }), /dev\.tsv: file not found/);
    await assert.rejects(convertBeir({ from: dir, out: dir }), /must differ/);
  });

  const malformed: [string, Record<string, string>, RegExp][] = [
    ['corpus line not JSON', { 'corpus.jsonl': CORPUS + '{"_id": "9", "text": \n' }, /corpus\.jsonl:4: not valid JSON/],
    ['query without text', { 'queries.jsonl': QUERIES + '{"_id": "8"}\n' }, /queries\.jsonl:4: missing "text"/],
    ['qrels without header', { 'qrels/test.tsv': '1\t4983\t1\n' }, /test\.tsv:1: expected the BEIR header/],
    ['qrels unknown query', { 'qrels/test.tsv': TEST + '42\t4983\t1\n' }, /test\.tsv:5: query-id "42" is not in the queries file/],
    ['qrels unknown corpus id', { 'qrels/test.tsv': TEST + '1\t0000\t1\n' }, /test\.tsv:5: corpus-id "0000" is not in the corpus \(1 such ids\)/],
  ];
  for (const [name, files, pattern] of malformed) {
    test(`malformed input: ${name}`, async () => {
      const tag = name.replace(/\W+/g, '-');
      const dir = path.join(root, `bad-${tag}`);
      const all: Record<string, string> = { 'corpus.jsonl': CORPUS, 'queries.jsonl': QUERIES, 'qrels/test.tsv': TEST, ...files };
      for (const [f, t] of Object.entries(all)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), t);
      }
      const out = path.join(root, `bad-out-${tag}`);
      await assert.rejects(convertBeir({ from: dir, out }), (e: unknown) => e instanceof InputError && pattern.test((e as Error).message));
      assert.equal(fs.existsSync(path.join(out, 'dataset.json')), false);
    });
  }

  test('no BEIR folder / several', () => {
    const d = path.join(root, 'none');
    fs.mkdirSync(path.join(d, 'a'), { recursive: true });
    assert.throws(() => findBeirFolder(d), /no corpus\.jsonl/);
    for (const s of ['x', 'y']) {
      fs.mkdirSync(path.join(d, s), { recursive: true });
      fs.writeFileSync(path.join(d, s, 'corpus.jsonl'), CORPUS);
    }
    assert.throws(() => findBeirFolder(d), /several BEIR datasets/);
  });
});
