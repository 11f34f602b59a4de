import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

// The dependency rules of docs/design.md, read from the source text: every import (static, dynamic,
// re-export, type-only included) of a file under src/ points at its own folder or a folder lower in
// LAYERS, and no chain of imports comes back to where it started.

const SRC = path.join(__dirname, '..', '..', 'src');

/** src/ folders, lowest first: the order of docs/design.md's table. */
const LAYERS = ['util', 'tensor', 'data', 'text', 'encoders', 'cache', 'search', 'corrector', 'eval', 'train', 'theory', 'report', 'experiments', 'cli'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The src files a file imports (relative specifiers only: packages are not layers). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [...text.matchAll(/\bfrom\s+'(\.[^']*)'|\bimport\s*\(\s*'(\.[^']*)'\s*\)|^\s*import\s+'(\.[^']*)'/gm)].map((m) => m[1] ?? m[2] ?? m[3]);
  return specs.map((s) => {
    const base = path.resolve(path.dirname(file), s);
    const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    assert.ok(hit, `${path.relative(SRC, file)}: import '${s}' resolves to no file`);
    return hit!;
  });
}

const rel = (f: string) => path.relative(SRC, f);
const layerOf = (f: string) => rel(f).split(path.sep)[0];

test('imports point down the layers of docs/design.md (src/report never imports src/train)', () => {
  const wrong: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    if (from === 'index.ts') continue; // the public face re-exports every folder
    assert.ok(LAYERS.includes(from), `${rel(file)}: folder '${from}' is not in the layer list of this test and docs/design.md`);
    for (const to of importsOf(file)) {
      const target = layerOf(to);
      if (LAYERS.indexOf(target) > LAYERS.indexOf(from)) wrong.push(`${rel(file)} → ${rel(to)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no import circles in src/', () => {
  const files = sourceFiles(SRC);
  const edges = new Map(files.map((f) => [f, importsOf(f)]));
  // Tarjan's strongly connected components: a component of more than one file is a circle
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(rel(w));
      } while (w !== v);
      if (comp.length > 1) circles.push(comp.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  assert.deepEqual(circles, []);
});
