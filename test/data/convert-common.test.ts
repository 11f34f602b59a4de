import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { findSourceFile, parsePythonStringList, readQuotedTsv, splitQuotedTsv } from '../../src/data/convert/common';
import { readJsonArray } from '../../src/data/convert/json-array';
import { InputError } from '../../src/util/errors';

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-convert-common-'));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function write(name: string, data: string | Buffer): string {
  const f = path.join(root, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, data);
  return f;
}

async function collect<T>(g: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

describe('splitQuotedTsv (Python csv.reader, delimiter tab)', () => {
  test('plain, quoted, doubled quotes, literal quotes inside unquoted fields', () => {
    assert.deepEqual(splitQuotedTsv('1\tplain text\tTitle'), { fields: ['1', 'plain text', 'Title'], open: false });
    assert.deepEqual(splitQuotedTsv('1\t"Aaron ( or ; ""Ahärôn"") is"\tAaron'), { fields: ['1', 'Aaron ( or ; "Ahärôn") is', 'Aaron'], open: false });
    assert.deepEqual(splitQuotedTsv('a"b\t"x\ty"'), { fields: ['a"b', 'x\ty'], open: false });
    assert.deepEqual(splitQuotedTsv('"q"tail\t'), { fields: ['qtail', ''], open: false });
    assert.deepEqual(splitQuotedTsv(''), { fields: [''], open: false });
    assert.equal(splitQuotedTsv('1\t"open field').open, true);
  });

  test('readQuotedTsv joins a quoted line break and numbers records by their first line', async () => {
    const f = write('multi.tsv', 'id\ttext\n1\t"two\nlines"\n\n2\tok\n');
    const recs = await collect(readQuotedTsv(f));
    assert.deepEqual(recs, [
      { fields: ['id', 'text'], lineNo: 1 },
      { fields: ['1', 'two\nlines'], lineNo: 2 },
      { fields: ['2', 'ok'], lineNo: 5 },
    ]);
  });

  test('an unterminated quote is an InputError naming its line', async () => {
    const f = write('open.tsv', 'a\tb\n1\t"never closed\n2\tx\n');
    await assert.rejects(collect(readQuotedTsv(f)), (e: unknown) => e instanceof InputError && (e as Error).message.startsWith(`${f}:2:`));
  });
});

describe('parsePythonStringList (answers column of DPR qa.csv)', () => {
  test('repr forms', () => {
    assert.deepEqual(parsePythonStringList("['Wilhelm Conrad Röntgen']"), ['Wilhelm Conrad Röntgen']);
    assert.deepEqual(parsePythonStringList(`['a', "b's", 'c"d']`), ['a', "b's", 'c"d']);
    assert.deepEqual(parsePythonStringList(`['it\\'s', 'back\\\\slash', 'caf\\xe9', '\\u00e9\\U0001F600', 'tab\\there', '\\101']`), ["it's", 'back\\slash', 'café', 'é😀', 'tab\there', 'A']);
    assert.deepEqual(parsePythonStringList('[]'), []);
    assert.deepEqual(parsePythonStringList("[ 'x' , 'y', ]"), ['x', 'y']);
    assert.deepEqual(parsePythonStringList("[u'uni', 1996, 2.5]"), ['uni', '1996', '2.5']);
    assert.deepEqual(parsePythonStringList("['unknown \\q escape']"), ['unknown \\q escape']);
  });
  test('malformed', () => {
    for (const bad of ["'a'", "['a'", "['a' 'b']", "['a'] x", '[a]', "['unterminated]", "['\\x4']"]) {
      assert.throws(() => parsePythonStringList(bad), Error, bad);
    }
  });
});

describe('readJsonArray', () => {
  test('elements across 1 MiB chunk boundaries, escapes, nesting, gzip', async () => {
    const values: unknown[] = [];
    for (let i = 0; i < 3000; i++) {
      values.push({ i, q: `question "${i}" with \\ and \u00e9 and ]}[{,`, nested: [{ a: [i, { b: 'x'.repeat(i % 1500) }] }], s: '\u2028ok' });
      if (i % 500 === 0) values.push('a string element', 42, null, [1, [2]]);
    }
    const text = '[\n' + values.map((v, k) => JSON.stringify(v, null, k % 2 ? 0 : 1)).join(' ,\n') + '\n]\n';
    assert.ok(text.length > 2_200_000);
    for (const [name, data] of [['big.json', text], ['big.json.gz', gzipSync(text)]] as const) {
      const f = write(name, data);
      const got = await collect(readJsonArray(f));
      assert.equal(got.length, values.length);
      assert.deepEqual(got.map((g) => g.value), values);
      assert.deepEqual(got.slice(0, 3).map((g) => g.index), [0, 1, 2]);
      assert.equal(got[0].lineNo, 2);
    }
  });

  test('any chunk size gives the same elements (escapes and multi-byte characters split across reads)', async () => {
    const values = [{ a: 'q\\"x\\\\', b: ['é😀', '\\u0041'] }, 'x\\', [], {}, -1.5e3, true, { deep: [[[{ k: '}]' }]]] }];
    const f = write('small.json', JSON.stringify(values, null, 1));
    for (const chunkBytes of [1, 2, 3, 5, 7, 64]) {
      const got = await collect(readJsonArray(f, { chunkBytes }));
      assert.deepEqual(got.map((g) => g.value), values, `chunkBytes ${chunkBytes}`);
    }
  });

  test('empty array, whitespace', async () => {
    assert.deepEqual(await collect(readJsonArray(write('e.json', ' [ ] \n'))), []);
  });

  const bad: [string, string, RegExp][] = [
    ['object.json', '{"a": 1}', /:1: expected a JSON array/],
    ['trailing.json', '[1,\n2,\n]', /:3: trailing ','/],
    ['truncated.json', '[{"a": 1},\n{"b": ', /:2: the file ends inside the JSON array/],
    ['badelem.json', '[{"a": 1},\n{"b" 2}\n]', /:2: array element 1 is not valid JSON/],
    ['after.json', '[1]\nx', /:2: unexpected text after the end/],
    ['empty.json', '', /empty file/],
    ['comma.json', '[,1]', /unexpected ','/],
  ];
  for (const [name, text, pattern] of bad) {
    test(`malformed: ${name}`, async () => {
      const f = write(name, text);
      await assert.rejects(collect(readJsonArray(f)), (e: unknown) => e instanceof InputError && pattern.test((e as Error).message) && (e as Error).message.startsWith(f));
    });
  }
});

test('findSourceFile looks in the folder, then one folder down', () => {
  const d = path.join(root, 'find');
  write('find/sub/b.tsv', 'x');
  write('find/a.tsv', 'x');
  assert.equal(findSourceFile(d, ['a.tsv']), path.join(d, 'a.tsv'));
  assert.equal(findSourceFile(d, ['b.tsv', 'b.tsv.gz']), path.join(d, 'sub', 'b.tsv'));
  assert.equal(findSourceFile(d, ['c.tsv']), undefined);
  assert.throws(() => findSourceFile(path.join(root, 'nope'), ['a']), InputError);
});
