import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { notebookToText, textToCells, applyText, notebookJson, cellSource, readNotebook, type Notebook } from '../../scripts/notebook-text';
import { InputError } from '../../src/util/errors';

const kernelspec = { name: 'freshcache', display_name: 'TypeScript (freshcache)', language: 'typescript' };
const nb = (cells: Notebook['cells']): Notebook => ({ cells, metadata: { kernelspec }, nbformat: 4, nbformat_minor: 5 });
const md = (id: string, source: string[]) => ({ cell_type: 'markdown' as const, id, metadata: {}, source });
const code = (id: string, source: string[], outputs: unknown[] = []) => ({ cell_type: 'code' as const, id, metadata: {}, source, execution_count: outputs.length ? 1 : null, outputs });

test('percent format: header, markdown behind //, code as is, one blank line between cells', () => {
  const text = notebookToText(nb([md('a', ['# Title\n', '\n', 'text']), code('b', ['const x = 1;\n', '// a comment\n', 'x'])]));
  assert.equal(
    text,
    [
      '// ---', '// jupyter:', '//   jupytext:', '//     formats: ipynb,ts:percent', '//     text_representation:', '//       extension: .ts', '//       format_name: percent', "//       format_version: '1.3'",
      '//   kernelspec:', '//     display_name: TypeScript (freshcache)', '//     language: typescript', '//     name: freshcache', '// ---',
      '', '// %% [markdown]', '// # Title', '//', '// text', '', '// %%', 'const x = 1;', '// a comment', 'x', '',
    ].join('\n'),
  );
});

test('text round trip keeps every cell exactly (blank lines, trailing newlines, empty cells)', () => {
  const sources = [['a\n', '\n'], [], ['\n', 'b'], ['  indented\n', '\n', '\n', 'c\n']];
  const book = nb([...sources.map((s, i) => code(`c${i}`, s)), md('m', ['x  \n', '\n', ' y']), code('last', ['z\n'])]);
  const cells = textToCells(notebookToText(book));
  assert.deepEqual(cells, book.cells.map((c) => ({ cell_type: c.cell_type, source: cellSource(c) })));
});

test('every notebook in notebooks/ round-trips through its text', () => {
  const dir = path.join(__dirname, '..', '..', 'notebooks');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ipynb'))) {
    const book = readNotebook(path.join(dir, f));
    assert.deepEqual(textToCells(notebookToText(book, f), f), book.cells.map((c) => ({ cell_type: c.cell_type, source: cellSource(c) })), f);
  }
});

test('a line that looks like a cell marker cannot be paired; a broken script is a one-line InputError', () => {
  assert.throws(() => notebookToText(nb([code('a', ['x\n', '// %%'])]), 'n.ipynb'), (e: unknown) => e instanceof InputError && /n\.ipynb: cell 1, line 2 looks like a cell marker/.test(e.message));
  assert.throws(() => notebookToText(nb([md('a', ['%% [markdown]'])])), InputError);
  assert.throws(() => textToCells('const x = 1;\n// %%\n', 's.ts'), /s\.ts:1: text before the first/);
  assert.throws(() => textToCells('// %% [markdown]\n// ok\nnot a comment\n', 's.ts'), /s\.ts:3: a markdown cell line must start with/);
  assert.throws(() => textToCells('// ---\n// jupyter:\n', 's.ts'), /s\.ts:1: the '\/\/ ---' header is not closed/);
});

test('applyText: unchanged cells keep their outputs; a changed cell keeps its id and loses its outputs', () => {
  const out = [{ output_type: 'stream', name: 'stdout', text: ['1\n'] }];
  const book = nb([md('m', ['# T']), code('a', ['const a = 1;'], out), code('b', ['const b = 2;'], out)]);
  const text = notebookToText(book).replace('const b = 2;', 'const b = 3;\nconsole.log(b);') + '\n// %%\nconst c = 4;\n';
  const next = applyText(book, text);
  assert.equal(next.cells.length, 4);
  assert.equal(next.cells[0], book.cells[0]);
  assert.equal(next.cells[1], book.cells[1]);
  assert.deepEqual(next.cells[2], { cell_type: 'code', id: 'b', metadata: {}, source: ['const b = 3;\n', 'console.log(b);'], execution_count: null, outputs: [] });
  assert.deepEqual(next.cells[3].source, ['const c = 4;']);
  assert.ok(next.cells[3].id && next.cells[3].id !== 'b');
  assert.equal(notebookToText(next), text);
});

test('notebookJson writes as nbformat does: sorted keys, one-space indent, non-ASCII as is', () => {
  assert.equal(notebookJson({ nbformat: 4, cells: [], metadata: { z: 1, a: 'é‖' }, nbformat_minor: 5 }), '{\n "cells": [],\n "metadata": {\n  "a": "é‖",\n  "z": 1\n },\n "nbformat": 4,\n "nbformat_minor": 5\n}\n');
});
