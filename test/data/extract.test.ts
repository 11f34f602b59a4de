import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { archiveFormatOf, extractArchive, readZipDirectory, safeEntryPath, UnsafeArchiveError } from '../../src/data/extract';
import { InputError } from '../../src/util/errors';

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-extract-'));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** Runs a python3 snippet with `d` = a fresh folder; returns that folder. */
function py(script: string): string {
  const d = fs.mkdtempSync(path.join(root, 'fx-'));
  execFileSync('python3', ['-c', `import sys, io, os, tarfile, zipfile\nd = sys.argv[1]\n${script}`, d]);
  return d;
}

const LONG = 'long-' + 'x'.repeat(120) + '/deep/' + 'y'.repeat(110) + '.txt';

/** Lists a folder's files recursively as relative paths. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Asserts extraction fails with `cls` and leaves neither the target nor temp folders nor escaped files. */
async function assertRefused(archive: string, cls: typeof InputError, pattern: RegExp): Promise<void> {
  const parent = fs.mkdtempSync(path.join(root, 'out-'));
  const dest = path.join(parent, 'target');
  await assert.rejects(extractArchive({ archive, dest }), (e: unknown) => e instanceof cls && pattern.test((e as Error).message));
  assert.equal(fs.existsSync(dest), false, 'no target folder after a refused archive');
  assert.deepEqual(fs.readdirSync(parent), [], 'no temp folder or escaped file left beside the target');
}

const TAR_OK = `
def add(t, name, data):
    ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
for fmt, fname in ((tarfile.GNU_FORMAT, 'gnu.tar.gz'), (tarfile.PAX_FORMAT, 'pax.tar.gz'), (tarfile.USTAR_FORMAT, 'ustar.tar')):
    mode = 'w:gz' if fname.endswith('.gz') else 'w'
    with tarfile.open(os.path.join(d, fname), mode, format=fmt) as t:
        di = tarfile.TarInfo('top'); di.type = tarfile.DIRTYPE; t.addfile(di)
        add(t, 'top/a.txt', b'hello\\n')
        add(t, 'top/sub/b.bin', bytes(range(256)) * 5)
        add(t, './top/empty.txt', b'')
        if fmt != tarfile.USTAR_FORMAT:
            add(t, ${JSON.stringify(LONG)}, b'long name body')
            add(t, 'top/caf\\u00e9.txt', 'unicode \\u00e9'.encode('utf-8'))
        else:
            add(t, ('p' * 90) + '/' + ('q' * 90) + '.txt', b'prefix field')
`;

describe('safeEntryPath', () => {
  test('normalises harmless names', () => {
    assert.equal(safeEntryPath('a/b/c.txt', 'x.tar'), 'a/b/c.txt');
    assert.equal(safeEntryPath('./a//b/./c', 'x.tar'), 'a/b/c');
    assert.equal(safeEntryPath('a\\b.txt', 'x.zip'), 'a/b.txt');
    assert.equal(safeEntryPath('./', 'x.tar'), '');
    assert.equal(safeEntryPath('a..b/c..', 'x.tar'), 'a..b/c..');
  });
  test('refuses escapes: .., absolute, drive letters, NUL', () => {
    for (const bad of ['../x', 'a/../../x', 'a/..', '/etc/passwd', '\\evil', 'C:evil', 'c:/x', 'a\0b', '..\\x']) {
      assert.throws(() => safeEntryPath(bad, 'x.tar'), UnsafeArchiveError, bad);
    }
  });
  test('archiveFormatOf', () => {
    assert.equal(archiveFormatOf('a/b.tar.gz'), 'tar.gz');
    assert.equal(archiveFormatOf('b.TGZ'), 'tar.gz');
    assert.equal(archiveFormatOf('b.tar'), 'tar');
    assert.equal(archiveFormatOf('scifact.zip'), 'zip');
    assert.equal(archiveFormatOf('b.gz'), undefined);
  });
});

describe('tar extraction', () => {
  let fx: string;
  before(() => {
    fx = py(TAR_OK);
  });

  for (const name of ['gnu.tar.gz', 'pax.tar.gz']) {
    test(`${name}: files, folders, GNU/pax long names and UTF-8 names`, async () => {
      const dest = path.join(root, `x-${name}`);
      const r = await extractArchive({ archive: path.join(fx, name), dest });
      assert.deepEqual(listFiles(dest), ['long-' + 'x'.repeat(120) + '/deep/' + 'y'.repeat(110) + '.txt', 'top/a.txt', 'top/café.txt', 'top/empty.txt', 'top/sub/b.bin'].sort());
      assert.equal(fs.readFileSync(path.join(dest, 'top/a.txt'), 'utf8'), 'hello\n');
      assert.deepEqual(fs.readFileSync(path.join(dest, 'top/sub/b.bin')), Buffer.concat(Array(5).fill(Buffer.from([...Array(256).keys()]))));
      assert.equal(fs.readFileSync(path.join(dest, LONG), 'utf8'), 'long name body');
      assert.equal(fs.readFileSync(path.join(dest, 'top/café.txt'), 'utf8'), 'unicode é');
      assert.equal(r.files, 5);
      assert.equal(r.bytes, 6 + 1280 + 0 + 14 + Buffer.byteLength('unicode é'));
      assert.deepEqual(fs.readdirSync(root).filter((f) => f.startsWith('.tmp-')), []);
    });
  }

  test('plain ustar with the prefix field', async () => {
    const dest = path.join(root, 'x-ustar');
    await extractArchive({ archive: path.join(fx, 'ustar.tar'), dest });
    const long = 'p'.repeat(90) + '/' + 'q'.repeat(90) + '.txt';
    assert.equal(fs.readFileSync(path.join(dest, long), 'utf8'), 'prefix field');
  });

  test('an existing target is refused unless overwrite', async () => {
    const dest = path.join(root, 'x-exists');
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'old.txt'), 'old');
    await assert.rejects(extractArchive({ archive: path.join(fx, 'gnu.tar.gz'), dest }), /already exists/);
    assert.equal(fs.readFileSync(path.join(dest, 'old.txt'), 'utf8'), 'old');
    await extractArchive({ archive: path.join(fx, 'gnu.tar.gz'), dest, overwrite: true });
    assert.equal(fs.existsSync(path.join(dest, 'old.txt')), false);
    assert.ok(fs.existsSync(path.join(dest, 'top/a.txt')));
  });

  test('a truncated tar.gz fails and leaves nothing', async () => {
    const full = fs.readFileSync(path.join(fx, 'gnu.tar.gz'));
    const cut = path.join(fx, 'cut.tar.gz');
    fs.writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)));
    await assertRefused(cut, InputError, /gzip|truncated|end of file/i);
  });

  test('a file that is not a tar is refused (header checksum)', async () => {
    const f = path.join(fx, 'junk.tar');
    fs.writeFileSync(f, Buffer.alloc(1024, 0x41));
    await assertRefused(f, InputError, /checksum/);
  });
});

describe('malicious tar entries are refused', () => {
  const cases: [string, string, RegExp][] = [
    ['dotdot', `ti = tarfile.TarInfo('ok/../../evil.txt'); ti.size = 4; t.addfile(ti, io.BytesIO(b'evil'))`, /'\.\.' component/],
    ['absolute', `ti = tarfile.TarInfo('/tmp/evil-abs.txt'); ti.size = 4; t.addfile(ti, io.BytesIO(b'evil'))`, /absolute path/],
    ['symlink', `ti = tarfile.TarInfo('link'); ti.type = tarfile.SYMTYPE; ti.linkname = '/etc/passwd'; t.addfile(ti)`, /symbolic link/],
    ['hardlink', `ti = tarfile.TarInfo('hard'); ti.type = tarfile.LNKTYPE; ti.linkname = 'a.txt'; t.addfile(ti)`, /hard link/],
    ['chardev', `ti = tarfile.TarInfo('dev'); ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 3; t.addfile(ti)`, /device file/],
    ['fifo', `ti = tarfile.TarInfo('pipe'); ti.type = tarfile.FIFOTYPE; t.addfile(ti)`, /FIFO/],
    ['pax-dotdot', `ti = tarfile.TarInfo('../' + 'z' * 120); ti.size = 1; t.addfile(ti, io.BytesIO(b'z'))`, /'\.\.' component/],
  ];
  let fx: string;
  before(() => {
    // one python3 run writes every archive: <name>.tar.gz with a harmless entry, then the bad one
    fx = py(
      cases
        .map(([name, body]) => `with tarfile.open(os.path.join(d, '${name}.tar.gz'), 'w:gz', format=tarfile.PAX_FORMAT) as t:\n    ok = tarfile.TarInfo('a.txt'); ok.size = 2; t.addfile(ok, io.BytesIO(b'ok'))\n    ${body}\n`)
        .join(''),
    );
  });
  for (const [name, , pattern] of cases) {
    test(name, async () => {
      await assertRefused(path.join(fx, `${name}.tar.gz`), UnsafeArchiveError, pattern);
      assert.equal(fs.existsSync('/tmp/evil-abs.txt'), false);
    });
  }
});

describe('zip extraction', () => {
  let fx: string;
  before(() => {
    fx = py(`
with zipfile.ZipFile(os.path.join(d, 'ok.zip'), 'w') as z:
    z.writestr('scifact/', '')
    z.writestr(zipfile.ZipInfo('scifact/corpus.jsonl'), '{"_id": "1", "text": "a"}\\n' * 300, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('scifact/qrels/test.tsv', 'query-id\\tcorpus-id\\tscore\\n1\\t1\\t1\\n', compress_type=zipfile.ZIP_STORED)
    z.writestr('scifact/empty.txt', '', compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('scifact/caf\\u00e9.txt', 'x')
`);
  });

  test('stored and deflated entries, folders, UTF-8 names', async () => {
    const dest = path.join(root, 'z-ok');
    const r = await extractArchive({ archive: path.join(fx, 'ok.zip'), dest });
    assert.deepEqual(listFiles(dest), ['scifact/café.txt', 'scifact/corpus.jsonl', 'scifact/empty.txt', 'scifact/qrels/test.tsv']);
    assert.equal(fs.readFileSync(path.join(dest, 'scifact/corpus.jsonl'), 'utf8'), '{"_id": "1", "text": "a"}\n'.repeat(300));
    assert.equal(fs.readFileSync(path.join(dest, 'scifact/qrels/test.tsv'), 'utf8'), 'query-id\tcorpus-id\tscore\n1\t1\t1\n');
    assert.equal(r.files, 4);
    const dir = readZipDirectory(path.join(fx, 'ok.zip'));
    assert.deepEqual(dir.map((e) => e.method), [0, 8, 0, 8, 0]);
  });

  test('a corrupted entry (CRC-32 / deflate) fails and leaves nothing', async () => {
    const buf = Buffer.from(fs.readFileSync(path.join(fx, 'ok.zip')));
    // flip a byte inside the stored qrels entry's data
    const at = buf.indexOf(Buffer.from('query-id\tcorpus-id'));
    buf[at + 2] ^= 0x20;
    const bad = path.join(fx, 'crc.zip');
    fs.writeFileSync(bad, buf);
    await assertRefused(bad, InputError, /CRC-32/);
  });

  test('a truncated zip is refused', async () => {
    const buf = fs.readFileSync(path.join(fx, 'ok.zip'));
    const bad = path.join(fx, 'cut.zip');
    fs.writeFileSync(bad, buf.subarray(0, buf.length - 30));
    await assertRefused(bad, InputError, /not a valid zip|past the end/);
  });

  const cases: [string, string, RegExp][] = [
    ['dotdot', `z.writestr('../evil.txt', 'evil')`, /'\.\.' component/],
    ['absolute', `z.writestr(zipfile.ZipInfo('/tmp/evil-zip-abs.txt'), 'evil')`, /absolute path/],
    ['backslash dotdot', `z.writestr('a\\\\..\\\\..\\\\evil.txt', 'evil')`, /'\.\.' component/],
    ['symlink', `zi = zipfile.ZipInfo('link'); zi.create_system = 3; zi.external_attr = (0o120777 << 16); z.writestr(zi, '/etc/passwd')`, /symbolic link/],
    ['fifo', `zi = zipfile.ZipInfo('pipe'); zi.create_system = 3; zi.external_attr = (0o010644 << 16); z.writestr(zi, '')`, /FIFO/],
  ];
  let bad: string;
  before(() => {
    bad = py(cases.map(([name, body]) => `with zipfile.ZipFile(os.path.join(d, '${name.replace(/ /g, '-')}.zip'), 'w') as z:\n    z.writestr('fine.txt', 'fine')\n    ${body}\n`).join(''));
  });
  for (const [name, , pattern] of cases) {
    test(`malicious zip entry: ${name}`, async () => {
      await assertRefused(path.join(bad, `${name.replace(/ /g, '-')}.zip`), UnsafeArchiveError, pattern);
      assert.equal(fs.existsSync('/tmp/evil-zip-abs.txt'), false);
    });
  }
});
