import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { showFigure, showTable, inKernel, liveDisplay, linePlot, progressHtml, figureBundle, staticImageSize, findChromium, PLOTLY_MIME } from '../../src/report';
import { closeFigureRendererSync } from '../../src/report/render-sync';

const spec = linePlot({ title: 'T </script><b>', x: { label: 'step' }, y: { label: 'loss' }, series: [{ name: 'stale', x: [0, 1], y: [1, 2] }] });
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

after(() => closeFigureRendererSync());

test('outside a tslab kernel: nothing is displayed, the figure bundle (no image) and table HTML are returned', () => {
  assert.equal(inKernel(), false);
  const b = showFigure(spec)!;
  assert.deepEqual(Object.keys(b).sort(), [PLOTLY_MIME, 'text/plain']);
  assert.deepEqual(b[PLOTLY_MIME], { data: spec.data, layout: spec.layout, config: { displaylogo: false } });
  assert.equal(b['text/plain'], 'Figure: T </script><b>');
  const t = showTable([{ a: 1 }]) ?? '';
  assert.ok(t.includes('<table'));
});

test('figureBundle: plotly JSON, the PNG as base64 with its size, the title as text', () => {
  const png = new Uint8Array([1, 2, 3]);
  const { data, metadata } = figureBundle(spec, { png });
  assert.equal(data['image/png'], 'AQID');
  assert.deepEqual(metadata, { 'image/png': { width: 800, height: 420 } });
  // JSON round trip: what the notebook file stores is the spec itself
  assert.deepEqual(JSON.parse(JSON.stringify(data[PLOTLY_MIME])), { data: spec.data, layout: spec.layout, config: { displaylogo: false } });
  assert.deepEqual(staticImageSize({ data: [], layout: { width: 500, height: 300 } }), { width: 500, height: 300 });
  assert.deepEqual(figureBundle({ data: [], layout: {} }).data['text/plain'], 'Figure');
});

test('in a (simulated) kernel: a figure is one display_data with plotly JSON, PNG and text; live displays update in place', (t) => {
  type Write = { msg: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } }; update: boolean };
  const writes: Write[] = [];
  const g = globalThis as Record<string, unknown>;
  // What the kernel provides: globalThis.__tslab__.require hooks 'tslab'; tslab's jupyter module
  // (in the require cache) holds the writer of the running cell.
  const fakeTslab = { display: { html() {}, text() {} }, newDisplay: () => ({ html() {}, text() {} }) };
  const jupyterPath = path.join(path.sep, 'fake', 'node_modules', 'tslab', 'dist', 'jupyter.js');
  const fakeJupyter = { lastWriteDisplayData: (msg: Write['msg'], update: boolean) => writes.push({ msg, update }) };
  g.__tslab__ = { require: (id: string) => (id === 'tslab' ? fakeTslab : undefined) };
  require.cache[jupyterPath] = { id: jupyterPath, filename: jupyterPath, loaded: true, exports: fakeJupyter } as unknown as NodeJS.Module;
  try {
    assert.equal(inKernel(), true);
    assert.equal(showFigure(spec), undefined);
    assert.equal(writes.length, 1);
    const fig = writes[0];
    assert.equal(fig.update, false);
    assert.equal(fig.msg.transient.display_id, undefined);
    assert.deepEqual(fig.msg.data[PLOTLY_MIME], { data: spec.data, layout: spec.layout, config: { displaylogo: false } });
    if (findChromium()) {
      const png = Buffer.from(fig.msg.data['image/png'] as string, 'base64');
      assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [800, 420]); // IHDR: the static size at scale 1
      assert.deepEqual(fig.msg.metadata, { 'image/png': { width: 800, height: 420 } });
    } else {
      t.diagnostic('no Chromium: the figure was shown without its static image');
      assert.equal(fig.msg.data['image/png'], undefined);
    }
    const live = liveDisplay();
    live.html('<b>1</b>');
    live.text!('2');
    assert.equal(writes.length, 3);
    assert.match(writes[1].msg.transient.display_id!, /^[0-9a-f]{16}$/);
    assert.equal(writes[2].msg.transient.display_id, writes[1].msg.transient.display_id);
    assert.deepEqual([writes[1].update, writes[2].update], [false, true]);
    assert.deepEqual(writes[2].msg.data, { 'text/plain': '2' });
    assert.equal(showTable([{ a: 1 }]), undefined);
    assert.ok((writes[3].msg.data['text/html'] as string).includes('<table'));
  } finally {
    delete g.__tslab__;
    delete require.cache[jupyterPath];
  }
});

test('progressHtml', () => {
  const h = progressHtml({ stage: 'train <x>', done: 50, total: 100, unit: 'steps', info: { loss: 0.123456 } }, 10);
  assert.ok(h.includes('train &lt;x&gt;: 50/100 steps, 5.00 steps/s, ETA 10s'));
  assert.ok(h.includes('loss=0.1235'));
  assert.ok(h.includes('<progress value="50.0"'));
});

