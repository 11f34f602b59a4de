import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { exportFigures, findChromium, formatFromPath, decodeDataUrl, linePlot, paretoPlot } from '../../src/report';
import { renderFigureSync, closeFigureRendererSync, scratchBase } from '../../src/report/render-sync';
import { InputError } from '../../src/util/errors';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('formatFromPath and decodeDataUrl', () => {
  assert.equal(formatFromPath('a/b.PNG'), 'png');
  assert.equal(formatFromPath('b.svg'), 'svg');
  assert.throws(() => formatFromPath('b.jpg'), InputError);
  assert.equal(decodeDataUrl('data:image/svg+xml,%3Csvg%3E').toString(), '<svg>');
  assert.deepEqual([...decodeDataUrl('data:image/png;base64,AAEC')], [0, 1, 2]);
});

test('a missing Chromium is a one-line InputError that says how to install it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-export-'));
  try {
    await assert.rejects(
      exportFigures([{ spec: { data: [], layout: {} }, file: path.join(dir, 'x.png') }], { executablePath: path.join(dir, 'no-chromium') }),
      (e: unknown) => e instanceof InputError && /apt-get install -y --no-install-recommends chromium/.test(e.message),
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exports PNG and SVG with one browser', async (t) => {
  if (!findChromium()) {
    t.skip('no Chromium at /usr/bin/chromium (apt-get install -y --no-install-recommends chromium)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-export-'));
  try {
    const line = linePlot({ title: 'Staleness over steps', x: { label: 'training step', unit: 'steps' }, y: { label: 'drift', unit: 'L2' }, series: [{ name: 'stale', x: [0, 1, 2], y: [0, 0.5, 0.7] }] });
    const pareto = paretoPlot({ title: 'Accuracy vs cost', x: { label: 'cost', unit: 'passes', log: true }, y: { label: 'MRR@10' }, points: [{ strategy: 'corrector', x: 10, y: 0.3 }, { strategy: 'oracle', x: 1000, y: 0.35 }] });
    const png = path.join(dir, 'sub', 'line.png');
    const svg = path.join(dir, 'pareto.svg');
    const written = await exportFigures([{ spec: line, file: png, width: 600, height: 400 }, { spec: pareto, file: svg }], { scale: 1 });
    assert.deepEqual(written.map((w) => w.file), [png, svg]);
    const pngBytes = fs.readFileSync(png);
    assert.deepEqual(pngBytes.subarray(0, 8), PNG_SIGNATURE);
    assert.ok(pngBytes.length > 5000, `png only ${pngBytes.length} bytes`);
    assert.equal(pngBytes.readUInt32BE(16), 600); // IHDR width at scale 1
    assert.equal(pngBytes.readUInt32BE(20), 400);
    const svgText = fs.readFileSync(svg, 'utf8');
    assert.ok(svgText.startsWith('<svg'));
    assert.ok(svgText.includes('Accuracy vs cost'));
    assert.ok(svgText.includes('cost (passes)'));
    assert.ok(svgText.includes('corrector'));
    // no temp files left behind
    assert.deepEqual(fs.readdirSync(dir).sort(), ['pareto.svg', 'sub']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'sub')), ['line.png']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('renderFigureSync: PNG and SVG from the worker\'s Chromium, one browser for several figures', (t) => {
  if (!findChromium()) {
    t.skip('no Chromium at /usr/bin/chromium (apt-get install -y --no-install-recommends chromium)');
    return;
  }
  const spec = linePlot({ title: 'Sync render', x: { label: 'step' }, y: { label: 'loss' }, series: [{ name: 'stale', x: [0, 1], y: [1, 0] }] });
  // A temp folder as deep as a notebook kernel's (TMPDIR inside the checkout): too deep for the Unix
  // socket Chromium makes in it, so the renderer's scratch goes to /tmp instead.
  const deepTmp = path.join(os.tmpdir(), `fc-deep-tmp-${'x'.repeat(60)}`);
  fs.mkdirSync(deepTmp, { recursive: true });
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = deepTmp;
  assert.equal(scratchBase(), '/tmp');
  assert.equal(scratchBase('/short'), '/short');
  try {
    const png = renderFigureSync(spec, { format: 'png', width: 640, height: 360, scale: 1 });
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [640, 360]);
    const svg = renderFigureSync(spec, { format: 'svg' }).toString('utf8');
    assert.ok(svg.startsWith('<svg') && svg.includes('Sync render'));
    const png2 = renderFigureSync(spec, { format: 'png', width: 640, height: 360, scale: 2 });
    assert.deepEqual([png2.readUInt32BE(16), png2.readUInt32BE(20)], [1280, 720]);
    // log axes label every tick in full: 20 and 50 between 10 and 100, not plotly's bare "2" and "5"
    const log = linePlot({ title: 'log', x: { label: 'pairs', log: true }, y: { label: 'error' }, series: [{ name: 'a', x: [8, 20, 60, 150], y: [1, 2, 3, 4] }] });
    const ticks = [...renderFigureSync(log, { format: 'svg', width: 700, height: 300 }).toString('utf8').matchAll(/class="xtick"[^>]*>.*?<text[^>]*>([^<]*)</g)].map((m) => m[1]);
    assert.ok(ticks.includes('20') && ticks.includes('50') && ticks.includes('100'), `x ticks: ${ticks.join(' ')}`);
    assert.ok(!ticks.includes('2') && !ticks.includes('5'), `x ticks: ${ticks.join(' ')}`);
    assert.deepEqual(fs.readdirSync(deepTmp), []);
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    fs.rmSync(deepTmp, { recursive: true, force: true });
    void closeFigureRendererSync();
  }
});
