import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlTable, textTable, formatCell, tableColumns, rowsFromDataFrame, isDataFrameLike, escapeHtml } from '../../src/report';

const rows = [
  { strategy: 'stale', 'MRR@10': 0.25, cost: 1000 },
  { strategy: 'corrector <h>', 'MRR@10': 0.3125, cost: 1200 },
  { strategy: 'oracle', 'MRR@10': NaN, cost: 5e6, extra: 'x' },
];

test('formatCell', () => {
  assert.equal(formatCell(3), '3');
  assert.equal(formatCell(0.31254), '0.313');
  assert.equal(formatCell(0.31254, 1), '0.3');
  assert.equal(formatCell(NaN), '–');
  assert.equal(formatCell(null), '–');
  assert.equal(formatCell(0.00001234), '1.23e-5');
  assert.equal(formatCell('a'), 'a');
  assert.equal(formatCell(-7.63e-17, 3, 1e-9), '0');
  assert.equal(formatCell(-7.63e-17), '-7.63e-17');
});

test('values that are zero up to rounding print as 0, relative to their column', () => {
  const noisy = [
    { term: 'identity', 'uncapped 2R': -7.63e-17, tiny: 2e-20 },
    { term: 'linear', 'uncapped 2R': 2.25, tiny: 3e-20 },
    { term: 'mlp', 'uncapped 2R': 37.1, tiny: 1e-20 },
  ];
  const cells = (html: string) => [...html.matchAll(/<td[^>]*>([^<]*)</g)].map((m) => m[1]);
  assert.deepEqual(cells(htmlTable(noisy)), ['identity', '0', '2.00e-20', 'linear', '2.250', '3.00e-20', 'mlp', '37.100', '1.00e-20']);
  assert.equal(textTable(noisy).split('\n')[2], 'identity            0  2.00e-20');
});

test('wide tables fit a notebook panel: compact type, wrapping numeric headers, a scrolling box', () => {
  const wide = [Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`a long column header ${i}`, i + 0.5]))];
  const html = htmlTable(wide);
  assert.match(html, /<table class="freshcache-table" style="border-collapse:collapse;font-size:12px;/);
  assert.match(html, /<th style="padding:2px 6px;[^"]*white-space:normal;max-width:7em;/);
  assert.match(htmlTable(rows), /font-size:13px;/);
});

test('tableColumns: first-seen keys, or the given ones', () => {
  assert.deepEqual(tableColumns(rows).map((c) => c.key), ['strategy', 'MRR@10', 'cost', 'extra']);
  assert.deepEqual(tableColumns(rows, ['cost', { key: 'strategy', label: 'S' }]), [{ key: 'cost' }, { key: 'strategy', label: 'S' }]);
});

test('htmlTable: escaped, units in headers, best value bold, numbers right-aligned', () => {
  const html = htmlTable(rows, { columns: ['strategy', { key: 'MRR@10', best: 'max' }, { key: 'cost', unit: 'passes', best: 'min' }], caption: 'Results' });
  assert.ok(html.startsWith('<div class="freshcache-table-box" style="max-width:100%;overflow-x:auto;"><table'));
  assert.ok(html.endsWith('</table></div>'));
  assert.ok(html.includes('corrector &lt;h&gt;'));
  assert.ok(!html.includes('<h>'));
  assert.ok(html.includes('>cost (passes)</th>'));
  assert.ok(html.includes('<b>0.313</b>'));
  assert.ok(html.includes('<b>1000</b>'));
  assert.ok(!html.includes('<b>0.250</b>'));
  assert.ok(html.includes('<caption'));
  assert.equal((html.match(/<tr>/g) ?? []).length, 4);
  assert.match(html, /text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums;">0\.250</);
});

test('textTable aligns columns and marks the best', () => {
  const t = textTable(rows, { columns: ['strategy', { key: 'MRR@10', best: 'max' }] });
  const lines = t.split('\n');
  assert.equal(lines.length, 5);
  assert.equal(lines[0], 'strategy       MRR@10');
  assert.equal(lines[3], 'corrector <h>  0.313*');
  assert.equal(lines[4], 'oracle              –');
});

test('rows from a danfojs-like DataFrame', () => {
  const df = { columns: ['a', 'b'], values: [[1, 'x'], [2, 'y']] };
  assert.ok(isDataFrameLike(df));
  assert.ok(!isDataFrameLike(rows));
  assert.deepEqual(rowsFromDataFrame(df), [{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});
