import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figureHtml, figureId, showFigure, showTable, scriptJson, plotlyBundleHtml, resetPlotlyInlined, inKernel, linePlot, progressHtml, plotlyBundle } from '../../src/report';

const spec = linePlot({ title: 'T </script><b>', x: { label: 'step' }, y: { label: 'loss' }, series: [{ name: 'stale', x: [0, 1], y: [1, 2] }] });

test('outside a tslab kernel: nothing is displayed, the HTML is returned', () => {
  assert.equal(inKernel(), false);
  resetPlotlyInlined();
  const html = showFigure(spec, { id: 'fig1' }) ?? '';
  assert.ok(html.includes('<div id="fig1"'));
  assert.ok(html.includes('Plotly.newPlot'));
  // not in a kernel, so the bundle is still owed to the next figure
  assert.ok((showFigure(spec) ?? '').includes(plotlyBundleHtml().slice(0, 200)));
  const t = showTable([{ a: 1 }]) ?? '';
  assert.ok(t.startsWith('<table'));
});

test('figureHtml: spec embedded safely, parses back to the same spec', () => {
  const html = figureHtml(spec, { id: 'abc' });
  assert.equal((html.match(/<\/script>/g) ?? []).length, 1); // the title's </script> is escaped
  const m = /var spec=(.*?),config=/.exec(html);
  assert.ok(m);
  assert.deepEqual(JSON.parse(m![1]), spec);
  assert.ok(!figureHtml(spec).includes('window.__freshcacheDefine'));
  assert.equal(scriptJson('<\u2028>'), '"\\u003c\\u2028\\u003e"');
});

test('the bundle HTML hides and restores window.define around plotly', () => {
  const b = plotlyBundle();
  assert.ok(b.minified, `expected a minified bundle, got ${b.path}`);
  const html = figureHtml(spec, { includeBundle: true });
  const hide = html.indexOf('window.define = undefined');
  const restore = html.indexOf('window.define = window.__freshcacheDefine');
  const plotly = html.indexOf('plotly.js ' + b.version);
  const div = html.indexOf('<div id=');
  assert.ok(hide >= 0 && hide < plotly && plotly < restore && restore < div);
  assert.ok(html.length > 1e6);
});

test('in a (simulated) kernel, only the first figure carries the bundle', () => {
  const shown: string[] = [];
  const g = globalThis as Record<string, unknown>;
  // What the kernel provides: globalThis.__tslab__.require hooks 'tslab'.
  const fakeTslab = { display: { html: (s: string) => shown.push(s) }, newDisplay: () => ({ html: (s: string) => shown.push('live:' + s) }) };
  g.__tslab__ = { require: (id: string) => (id === 'tslab' ? fakeTslab : undefined) };
  try {
    resetPlotlyInlined();
    assert.equal(inKernel(), true);
    assert.equal(showFigure(spec), undefined);
    assert.equal(showFigure(spec), undefined);
    assert.equal(shown.length, 2);
    assert.ok(shown[0].includes('window.define = undefined'));
    assert.ok(!shown[1].includes('window.define = undefined'));
    // with a live display: the bundle goes into its own output first
    resetPlotlyInlined();
    const live = { html: (s: string) => shown.push('target:' + s) };
    showFigure(spec, { display: live });
    assert.ok(shown[2].startsWith('<script>window.__freshcacheDefine'));
    assert.ok(!shown[2].includes('<div id='));
    assert.ok(shown[3].startsWith('target:<div id='));
    assert.equal(showTable([{ a: 1 }]), undefined);
    assert.ok(shown[4].startsWith('<table'));
  } finally {
    delete g.__tslab__;
    resetPlotlyInlined();
  }
});

test('progressHtml', () => {
  const h = progressHtml({ stage: 'train <x>', done: 50, total: 100, unit: 'steps', info: { loss: 0.123456 } }, 10);
  assert.ok(h.includes('train &lt;x&gt;: 50/100 steps, 5.00 steps/s, ETA 10s'));
  assert.ok(h.includes('loss=0.1235'));
  assert.ok(h.includes('<progress value="50.0"'));
});

test('figureId: a hash of the spec plus a per-session counter (unique, and stable across re-runs)', () => {
  const g = globalThis as Record<string, unknown>;
  delete g.__freshcacheFigureCounter;
  const a = figureId(spec);
  const b = figureId(spec);
  assert.match(a, /^freshcache-fig-[0-9a-f]{10}-1$/);
  assert.equal(b, a.replace(/-1$/, '-2'));
  delete g.__freshcacheFigureCounter;
  assert.equal(figureId(spec), a);
  assert.notEqual(figureId({ data: [], layout: {} }).slice(0, 25), a.slice(0, 25));
  delete g.__freshcacheFigureCounter;
});
