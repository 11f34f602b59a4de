import { defineCommand } from '../command';
import { readJsonFile } from '../args';
import { assertFigureSpec, exportFigures } from '../../report';

export const plotCommand = defineCommand({
  name: 'plot',
  summary: 'export a figure spec (plotly JSON: {data, layout}) to PNG or SVG with headless Chromium',
  usage: '--spec fig.json --out fig.png',
  flags: {
    spec: { type: 'string', help: 'figure spec JSON file ({"data": [...], "layout": {...}})', placeholder: 'file', required: true },
    out: { type: 'string', help: 'output image; .png or .svg picks the format', placeholder: 'file', required: true },
    width: { type: 'int', help: 'width in pixels', defaultText: 'the layout width, else 900', min: 1, max: 16384 },
    height: { type: 'int', help: 'height in pixels', defaultText: 'the layout height, else 500', min: 1, max: 16384 },
    scale: { type: 'number', help: 'PNG pixel-density multiplier', default: 2, min: 0, minExclusive: true, max: 16 },
  },
  async run(opts, ctx) {
    const specFile = opts.spec;
    const spec = readJsonFile(specFile, '--spec');
    assertFigureSpec(spec, specFile);
    if (spec.layout === undefined) spec.layout = {};
    const [r] = await exportFigures(
      [{ spec, file: opts.out, width: opts.width, height: opts.height }],
      { scale: opts.scale, signal: ctx.signal },
    );
    ctx.out(`${r.file}: ${r.bytes} bytes`);
  },
});
