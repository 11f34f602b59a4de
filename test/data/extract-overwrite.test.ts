import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync, spawnSync } from 'child_process';
import { extractArchive } from '../../src/data/extract';
import { InputError } from '../../src/util/errors';

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-extract-'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** Writes a tar made by Python's tarfile: `entries` are [name, contents | null for a folder]. */
function tar(file: string, entries: [string, string | null][]): string {
  const script = `
import io, json, sys, tarfile
with tarfile.open(sys.argv[1], 'w', format=tarfile.GNU_FORMAT) as t:
    for name, data in json.loads(sys.argv[2]):
        ti = tarfile.TarInfo(name)
        if data is None:
            ti.type = tarfile.DIRTYPE; t.addfile(ti)
        else:
            b = data.encode(); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('python3', ['-c', script, file, JSON.stringify(entries)]);
  return file;
}

const oneLine = (re: RegExp) => (e: unknown) => e instanceof InputError && !e.message.includes('\n') && re.test(e.message);

test('overwrite is refused when the target folder holds the archive; the archive and its neighbours stay', async () => {
  const dl = path.join(root, 'downloads');
  const archive = tar(path.join(dl, 'data.tar'), [['x.txt', 'x']]);
  fs.writeFileSync(path.join(dl, 'notes.txt'), 'mine');
  for (const dest of [dl, root, archive]) {
    await assert.rejects(extractArchive({ archive, dest, overwrite: true }), oneLine(/holds the archive .*data\.tar, which replacing the folder would delete; extract into another folder/));
  }
  assert.deepEqual(fs.readdirSync(dl).sort(), ['data.tar', 'notes.txt']);
  // through a symbolic link to the folder, too
  fs.symlinkSync(dl, path.join(root, 'link'));
  await assert.rejects(extractArchive({ archive, dest: path.join(root, 'link'), overwrite: true }), oneLine(/holds the archive/));
  // a target that does not hold it is replaced as before
  const out = path.join(root, 'out');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'old.txt'), 'old');
  await extractArchive({ archive, dest: out, overwrite: true });
  assert.deepEqual(fs.readdirSync(out), ['x.txt']);
});

test('entries that collide, or that the file system cannot name, are one-line errors and leave nothing', async () => {
  const cases: [string, [string, string | null][], RegExp][] = [
    ['file-then-child.tar', [['a', 'file'], ['a/b', 'child']], /entry "a\/b" cannot be extracted: a file written earlier from the archive stands where its folder should be/],
    ['dir-then-file.tar', [['a/', null], ['a/b', 'x'], ['a', 'file']], /entry "a" cannot be extracted: a folder written earlier from the archive has its name/],
    ['long-name.tar', [['d/' + 'n'.repeat(300), 'x']], /cannot be extracted: its name is too long for this file system/],
  ];
  for (const [name, entries, re] of cases) {
    const archive = tar(path.join(root, 'collide', name), entries);
    const parent = fs.mkdtempSync(path.join(root, 'dest-'));
    await assert.rejects(extractArchive({ archive, dest: path.join(parent, 'target') }), oneLine(re), name);
    assert.deepEqual(fs.readdirSync(parent), [], `${name}: nothing left beside the target`);
  }
});

test("a killed extraction's temp folder is removed by the next extraction into the same target, and only that", async () => {
  const archive = tar(path.join(root, 'left', 'a.tar'), [['f.txt', 'f']]);
  const parent = fs.mkdtempSync(path.join(root, 'left-'));
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  for (const n of [`.tmp-target.${dead}.lx2k`, `.tmp-target.1.lx2k`, `.tmp-other.${dead}.lx2k`]) {
    fs.mkdirSync(path.join(parent, n));
    fs.writeFileSync(path.join(parent, n, 'part.bin'), Buffer.alloc(100));
  }
  await extractArchive({ archive, dest: path.join(parent, 'target') });
  assert.deepEqual(fs.readdirSync(parent).sort(), ['.tmp-other.' + dead + '.lx2k', '.tmp-target.1.lx2k', 'target']);
});
