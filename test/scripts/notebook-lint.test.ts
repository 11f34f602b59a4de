import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { shorthandTraps, lintNotebook } from '../../scripts/notebook-lint';

test('object shorthand over an earlier cell\'s name is a trap, wherever it is used', () => {
  const cells = [
    "import { tf } from './src/tensor';\nconst foo = 41;\nconst { bar, baz: [qux] } = { bar: 1, baz: [2] };\nfunction helper() { return 1; }",
    'const o = { foo };\nconst f = () => ({ bar, qux });\nconsole.log({ tf, helper });',
  ];
  assert.deepEqual(
    shorthandTraps(cells).map((t) => `${t.cell}:${t.line}:${t.column}:${t.name}`),
    ['2:1:13:foo', '2:2:20:bar', '2:2:25:qux', '2:3:15:tf', '2:3:19:helper'],
  );
});

test('names declared in the same cell or in a scope around the shorthand are not traps', () => {
  const cells = [
    'const foo = 1;\nconst bar = 2;\nconst baz = 3;\nconst x = 4;',
    [
      'const foo = 5;', // redeclared in this cell: tslab's own binding
      'const a = { foo, other: 1 };',
      'const g = (bar: number) => ({ bar });', // a parameter
      'for (const baz of [1]) console.log({ baz });', // a loop variable
      'try { } catch (x) { console.log({ x }); }', // a catch variable
      'const h = ({ x }: { x: number }) => x;', // a destructuring pattern, not a shorthand property
    ].join('\n'),
    '{ const bar = 1; console.log({ bar }); }\nconsole.log({ baz: baz });',
  ];
  assert.deepEqual(shorthandTraps(cells), []);
  // ...but a block-scoped name does not leak out of its block
  assert.deepEqual(shorthandTraps(['const bar = 1;', '{ const bar = 2; }\nconsole.log({ bar });']).map((t) => t.name), ['bar']);
});

test('the notebooks in notebooks/ are free of the trap', () => {
  const dir = path.join(__dirname, '..', '..', 'notebooks');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb'));
  assert.ok(files.length > 0);
  assert.deepEqual(files.flatMap((f) => lintNotebook(path.join(dir, f))), []);
});
